/**
 * Chapter 7, "Customizing Keras": a Lambda layer (the euclidean distance of two branches, as in
 * a siamese network) and a custom layer class (the book's `LocalResponseNormalization`), with the
 * book's `test_layer` harness: rebuild a layer from its config, run it alone in a one-layer
 * model, compare the prediction with the expected output. The harness runs on Dropout,
 * ZeroPadding2D, Reshape (the book's examples) and LRN; then a model holding both custom layers
 * is saved and loaded back (the classes are registered for serialization). Nothing is trained.
 */
import * as tf from '@tensorflow/tfjs';
import {
  disposeModelAndSharedLayers,
  EuclideanDistance,
  LocalResponseNormalization,
  testLayer,
} from '../../models/layers.js';
import { SeededInit } from '../../models/init.js';
import { modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { checkVariant, type ExampleDef } from '../example.js';

const TOLERANCE = 1e-5;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN);
}

/** The book's LRN for channels-last `[rows, cols, channels]` values, by loops: the reference. */
export function lrnReference(
  x: Float32Array,
  rows: number,
  cols: number,
  ch: number,
  p: { n: number; alpha: number; beta: number; k: number },
): Float32Array {
  const out = new Float32Array(x.length);
  const half = Math.floor((p.n - 1) / 2); // "same" padding: the window starts half before the pixel
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      // sum over channels of the n x n average of x^2, the average over in-image pixels only
      let total = 0;
      for (let f = 0; f < ch; f++) {
        let s = 0;
        let count = 0;
        for (let i = r - half; i < r - half + p.n; i++)
          for (let j = c - half; j < c - half + p.n; j++) {
            if (i < 0 || j < 0 || i >= rows || j >= cols) continue;
            const v = x[(i * cols + j) * ch + f] ?? 0;
            s += v * v;
            count++;
          }
        total += s / count;
      }
      const denom = Math.pow(p.k + p.alpha * total, p.beta);
      for (let f = 0; f < ch; f++) out[(r * cols + c) * ch + f] = (x[(r * cols + c) * ch + f] ?? 0) / denom;
    }
  return out;
}

/** `tfgym example custom-layers`. */
export const customLayersExample: ExampleDef = {
  name: 'custom-layers',
  chapter: 7,
  script: 'book text, Customizing Keras: Lambda, test_layer, LocalResponseNormalization',
  description: 'A Lambda-style euclidean distance layer and the book LRN layer; test_layer; save/load',
  variants: ['default'],
  defaultVariant: 'default',
  defaults() {
    return {};
  },
  async run(o) {
    const variant = checkVariant('custom-layers', o.variant, ['default']);
    const rng = new Rng(o.seed);
    const log = o.log;
    const rand = (shape: number[]): tf.Tensor => {
      const n = shape.reduce((a, d) => a * d, 1);
      return tf.tensor(
        Float32Array.from({ length: n }, () => rng.uniform(-1, 1)),
        shape,
      );
    };
    const results: Record<string, number> = {};
    const owned: tf.Tensor[] = [];
    const models: tf.LayersModel[] = [];
    try {
      // test_layer on the book's layers: the expected output of each, computed directly
      const lrnIn = tf.tidy(() => tf.mul(rand([6, 5, 3]), 10)); // large values: the denominator matters
      const padIn = rand([2, 3, 1]);
      const flatIn = rand([6]);
      owned.push(lrnIn, padIn, flatIn);
      const lrn = new LocalResponseNormalization();
      const cases: Array<[string, tf.layers.Layer, tf.Tensor, () => tf.Tensor]> = [
        ['Dropout(0.5)', tf.layers.dropout({ rate: 0.5 }), flatIn, () => flatIn.clone()], // identity when predicting
        [
          'ZeroPadding2D((1, 1))',
          tf.layers.zeroPadding2d({ padding: [1, 1] }),
          padIn,
          () =>
            tf.pad(padIn, [
              [1, 1],
              [1, 1],
              [0, 0],
            ]),
        ],
        ['Reshape((2, 3))', tf.layers.reshape({ targetShape: [2, 3] }), flatIn, () => tf.reshape(flatIn, [2, 3])],
        [
          'LocalResponseNormalization(n=5, alpha=0.0005, beta=0.75, k=2)',
          lrn,
          lrnIn,
          () => tf.tensor(lrnReference(lrnIn.dataSync() as Float32Array, 6, 5, 3, lrn), [6, 5, 3]),
        ],
      ];
      for (const [label, layer, x, expected] of cases) {
        const got = testLayer(layer, x);
        const want = expected();
        const d = maxAbsDiff(got, want);
        got.dispose();
        want.dispose();
        results[label] = d;
        log.write(
          `test_layer ${label}: input ${x.shape.join('x')}, max difference from expected ${d.toExponential(2)}\n`,
        );
      }

      // the Lambda-style layer between two branches: a tiny siamese pair of Dense encoders
      const left = tf.input({ shape: [4], name: 'left' });
      const right = tf.input({ shape: [4], name: 'right' });
      const encoder = tf.layers.dense({
        units: 3,
        name: 'encoder',
        kernelInitializer: new SeededInit(rng).glorotUniform(),
      });
      const dist = new EuclideanDistance({ name: 'distance' }).apply([
        encoder.apply(left) as tf.SymbolicTensor,
        encoder.apply(right) as tf.SymbolicTensor,
      ]) as tf.SymbolicTensor;
      const lrnModelIn = tf.input({ shape: [6, 5, 3], name: 'image' });
      const siamese = tf.model({
        name: 'custom_layers',
        inputs: [left, right, lrnModelIn],
        outputs: [dist, new LocalResponseNormalization({ name: 'lrn' }).apply(lrnModelIn) as tf.SymbolicTensor],
      });
      models.push(siamese);
      log.write(`${modelSummary(siamese)}\n`);
      const a = rand([2, 4]);
      const b = rand([2, 4]);
      const img = tf.tidy(() => tf.stack([lrnIn, tf.neg(lrnIn)])); // a batch of 2, as the pairs
      owned.push(a, b, img);
      const [d0, l0] = siamese.predict([a, b, img]) as tf.Tensor[];
      if (!d0 || !l0) throw new Error('custom_layers model: expected two outputs');
      owned.push(d0, l0);
      const distWant = tf.tidy(() => {
        const ea = encoder.apply(a) as tf.Tensor;
        const eb = encoder.apply(b) as tf.Tensor;
        return tf.sqrt(tf.sum(tf.square(tf.sub(ea, eb)), -1, true));
      });
      owned.push(distWant);
      results['EuclideanDistance'] = maxAbsDiff(d0, distWant);
      log.write(
        `EuclideanDistance of the two encodings: ${Array.from(d0.dataSync(), (v) => v.toFixed(4)).join(', ')}\n`,
      );

      // save and load through memory: the registered classes are rebuilt from model.json
      let artifacts: tf.io.ModelArtifacts | undefined;
      await siamese.save(
        tf.io.withSaveHandler(async (art) => {
          artifacts = art;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      if (!artifacts) throw new Error('save handler was not called');
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      models.push(loaded);
      const [d1, l1] = loaded.predict([a, b, img]) as tf.Tensor[];
      if (!d1 || !l1) throw new Error('loaded model: expected two outputs');
      owned.push(d1, l1);
      results['save/load'] = Math.max(maxAbsDiff(d0, d1), maxAbsDiff(l0, l1));
      const layerClasses = loaded.layers.map((l) => l.getClassName());
      log.write(
        `saved and loaded: layers ${layerClasses.join(', ')}; max difference ${results['save/load'].toExponential(2)}\n`,
      );

      const passed = Object.values(results).filter((d) => d <= TOLERANCE).length;
      log.write(`\n${passed}/${Object.keys(results).length} checks hold\n`);
      return {
        example: 'custom-layers',
        variant,
        metrics: {
          testLayerDropout: (results['Dropout(0.5)'] ?? Infinity) <= TOLERANCE,
          testLayerZeroPadding2D: (results['ZeroPadding2D((1, 1))'] ?? Infinity) <= TOLERANCE,
          testLayerReshape: (results['Reshape((2, 3))'] ?? Infinity) <= TOLERANCE,
          testLayerLrn:
            (results['LocalResponseNormalization(n=5, alpha=0.0005, beta=0.75, k=2)'] ?? Infinity) <= TOLERANCE,
          euclideanDistance: (results['EuclideanDistance'] ?? Infinity) <= TOLERANCE,
          saveLoad:
            (results['save/load'] ?? Infinity) <= TOLERANCE && layerClasses.includes('LocalResponseNormalization'),
          checksPassed: passed,
          checks: Object.keys(results).length,
        },
        settings: {},
      };
    } finally {
      for (const t of owned) t.dispose();
      for (const m of models) disposeModelAndSharedLayers(m);
    }
  },
};
