import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cifar10Cnn } from '../../../models/cifar10-cnn.js';
import { lenet } from '../../../models/lenet.js';
import { compileClassifier, mnistMlp } from '../../../models/mnist-mlp.js';
import { copyWeightsByName } from '../../../models/vgg16.js';
import {
  fileSystemHandler,
  loadModel,
  loadWeightsInto,
  modelArtifacts,
  readModelFiles,
  saveModel,
  writeModelFiles,
} from '../../../src/io/model-io.js';
import { crc32c } from '../../../src/metrics/crc32c.js';
import { Rng } from '../../../src/rng/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-io-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

async function roundTrip(model: tf.LayersModel, input: number[], name: string, includeOptimizer = false) {
  const x = tf.randomUniform([2, ...input], 0, 1, 'float32', 7);
  const path = join(dir, name);
  await saveModel(model, path, { includeOptimizer });
  // Measured after saving: tfjs' own save leaves the optimizer's iteration scalar behind.
  const before = tf.memory().numTensors;
  expect(readdirSync(path).sort()).toEqual(['model.json', 'weights.bin']);
  const loaded = await loadModel(path);
  const a = tf.tidy(() => model.predict(x) as tf.Tensor);
  const b = tf.tidy(() => loaded.predict(x) as tf.Tensor);
  expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
  a.dispose();
  b.dispose();
  // A model saved with its optimizer comes back compiled; its optimizer state is ours to free.
  if (includeOptimizer) loaded.optimizer.dispose();
  loaded.dispose();
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  model.dispose();
}

describe('save/load round trip in tfjs layers format', () => {
  it('MLP (compiled: training config kept)', async () => {
    const m = mnistMlp({ variant: 'dropout', rng: new Rng(1) });
    compileClassifier(m, 'rmsprop');
    await roundTrip(m, [784], 'mlp', true);
    const text = readFileSync(join(dir, 'mlp', 'model.json'), 'utf8');
    const json = JSON.parse(text) as { format: string; trainingConfig?: { loss: string } };
    expect(json.format).toBe('layers-model');
    expect(json.trainingConfig?.loss).toBe('categorical_crossentropy');
  });

  it('LeNet and the deep CIFAR-10 net', async () => {
    await roundTrip(lenet({ rng: new Rng(2) }), [28, 28, 1], 'lenet');
    await roundTrip(cifar10Cnn({ arch: 'deep', rng: new Rng(3) }), [32, 32, 3], 'cifar');
  });

  it('loads multi-shard files as written by the Keras converter', async () => {
    const m = mnistMlp({ variant: 'simple', rng: new Rng(4) });
    const p = join(dir, 'sharded');
    await saveModel(m, p);
    const json = JSON.parse(readFileSync(join(p, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const bytes = readFileSync(join(p, 'weights.bin'));
    writeFileSync(join(p, 'group1-shard1of2.bin'), bytes.subarray(0, 1000));
    writeFileSync(join(p, 'group1-shard2of2.bin'), bytes.subarray(1000));
    const group = json.weightsManifest[0];
    if (group) group.paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    writeFileSync(join(p, 'converted.json'), JSON.stringify(json));
    const loaded = await tf.loadLayersModel(fileSystemHandler(join(p, 'converted.json')));
    expect(weightsOf(loaded)).toEqual(weightsOf(m));
    loaded.dispose();
    m.dispose();
  });

  it('copyWeightsByName loads converted weights into a freshly built model, checking names and shapes', async () => {
    const build = (units: number, seed: number) => {
      const m = tf.sequential();
      const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
      m.add(tf.layers.dense({ units: 4, inputShape: [3], name: 'fc1', kernelInitializer: init(seed) }));
      m.add(tf.layers.dense({ units, name: 'predictions', kernelInitializer: init(seed + 1) }));
      return m;
    };
    const src = build(2, 1);
    await saveModel(src, join(dir, 'named'));
    const loaded = await loadModel(join(dir, 'named'));
    const target = build(2, 9);
    expect(copyWeightsByName(loaded, target)).toBe(2);
    expect(weightsOf(target)[0]).toEqual(weightsOf(src)[0]);
    const wrong = build(5, 3);
    expect(() => copyWeightsByName(loaded, wrong)).toThrow(/Layer "predictions": weight shapes/);
    for (const m of [src, loaded, target, wrong]) m.dispose();
  });

  it('missing or invalid files give clear errors', async () => {
    await expect(loadModel(join(dir, 'nothing'))).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    await expect(loadModel(join(dir, 'bad.json'))).rejects.toThrow(/not valid JSON/);
  });

  it('weights that do not match the manifest give a clear error (truncated or missing shard)', async () => {
    const m = mnistMlp({ variant: 'simple', rng: new Rng(5) });
    const p = join(dir, 'truncated');
    await saveModel(m, p);
    m.dispose();
    const bytes = readFileSync(join(p, 'weights.bin'));
    writeFileSync(join(p, 'weights.bin'), bytes.subarray(0, bytes.length - 4));
    const message = `truncated or corrupt: ${bytes.length - 4} bytes, the manifest needs ${bytes.length}`;
    expect(() => readModelFiles(p)).toThrow(message);
    await expect(loadModel(p)).rejects.toThrow(/truncated or corrupt/);
    rmSync(join(p, 'weights.bin'));
    expect(() => readModelFiles(p)).toThrow(/weight file weights.bin of .* is missing/);
  });

  it('a weights.bin garbled at its own size fails its CRC; NaN weights are refused even with a matching CRC', async () => {
    const m = mnistMlp({ variant: 'simple', rng: new Rng(7) });
    const p = join(dir, 'garbled');
    await saveModel(m, p);
    m.dispose();
    const good = readFileSync(join(p, 'weights.bin'));
    const json = JSON.parse(readFileSync(join(p, 'model.json'), 'utf8')) as { tfgym?: { weightsCrc32c?: number } };
    expect(json.tfgym?.weightsCrc32c).toBe(crc32c(new Uint8Array(good)));
    const bad = Buffer.from(good);
    bad[100] = (bad[100] ?? 0) ^ 0x40;
    writeFileSync(join(p, 'weights.bin'), bad);
    expect(() => readModelFiles(p)).toThrow(/corrupt \(CRC-32C mismatch with model.json\)/);
    await expect(loadModel(p)).rejects.toThrow(/CRC-32C/);
    // NaN in the first weight, with the CRC recomputed: the damage a CRC cannot see.
    const nan = Buffer.from(good);
    nan.writeFloatLE(NaN, 0);
    nan.writeFloatLE(Infinity, 8);
    writeFileSync(join(p, 'weights.bin'), nan);
    json.tfgym = { weightsCrc32c: crc32c(new Uint8Array(nan)) };
    writeFileSync(join(p, 'model.json'), JSON.stringify(json));
    expect(() => readModelFiles(p)).toThrow(/hold 2 NaN or infinite value\(s\), first in /);
    // A model.json without tfgym's CRC (a converted Keras model) still loads.
    delete json.tfgym;
    writeFileSync(join(p, 'model.json'), JSON.stringify(json));
    writeFileSync(join(p, 'weights.bin'), good);
    expect(readModelFiles(p).weightSpecs?.length).toBeGreaterThan(0);
  });

  it('writeModelFiles returns the weight bytes it wrote; a .json path gets its own weights file', async () => {
    const m = mnistMlp({ variant: 'simple', rng: new Rng(6) });
    const a = await modelArtifacts(m);
    const p = join(dir, 'named-file', 'policy.json');
    const written = writeModelFiles(p, a);
    expect(readdirSync(join(dir, 'named-file')).sort()).toEqual(['policy.json', 'policy.weights.bin']);
    expect(Array.from(readFileSync(join(dir, 'named-file', 'policy.weights.bin')))).toEqual(Array.from(written));
    const back = readModelFiles(p);
    expect(back.weightSpecs).toEqual(a.weightSpecs);
    m.dispose();
  });
});

describe('modelArtifacts and loadWeightsInto', () => {
  it('round-trips weights in memory; names and shapes are checked, and no tensor is left behind', async () => {
    const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });
    const named = (seed: number): tf.LayersModel =>
      tf.sequential({
        layers: [
          tf.layers.dense({ units: 4, inputShape: [3], name: 'fc1', kernelInitializer: glorot(seed) }),
          tf.layers.dense({ units: 2, name: 'fc2', kernelInitializer: glorot(seed + 1) }),
        ],
      });
    const src = named(7);
    const dst = named(9);
    expect(weightsOf(dst)).not.toEqual(weightsOf(src));
    const other = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'elsewhere' })] });
    const a = await modelArtifacts(src);
    const before = tf.memory().numTensors;
    loadWeightsInto(dst, a, 'copy');
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(dst)).toEqual(weightsOf(src));
    expect(() => loadWeightsInto(other, a, 'other net')).toThrow(/other net: weight elsewhere\/kernel is missing/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => loadWeightsInto(dst, { modelTopology: {} }, 'empty')).toThrow(/empty: no weights in the checkpoint/);
    for (const m of [src, dst, other]) m.dispose();
  });
});
