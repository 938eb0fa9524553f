// Runs before every test file: tfjs in production mode prints no "running in Node" banner,
// as in the CLI. (Not IS_TEST: that also turns on a kernel leak check that misfires on the
// stock wasm backend's fused matMul without bias.)
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode();
