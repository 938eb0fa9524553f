// Runs before every test file: tfjs in test mode prints no "running in Node" banner or
// deprecation warnings (the CLI does the same through production mode).
import * as tf from '@tensorflow/tfjs';

tf.env().set('IS_TEST', true);
