import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cifar10Cnn } from '../../../models/cifar10-cnn.js';
import { lenet } from '../../../models/lenet.js';
import { compileClassifier, mnistMlp } from '../../../models/mnist-mlp.js';
import { copyWeightsByName } from '../../../models/vgg16.js';
import { writeFileAtomic } from '../../../src/io/files.js';
import { fileSystemHandler, loadModel, saveModel } from '../../../src/io/model-io.js';
import { Rng } from '../../../src/rng/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-io-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(model: tf.LayersModel, input: number[], name: string, includeOptimizer = false): Promise<void> {
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
    const json = JSON.parse(readFileSync(join(dir, 'mlp', 'model.json'), 'utf8')) as { format: string; trainingConfig?: { loss: string } };
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
    expect(Array.from(loaded.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(m.getWeights()[0]?.dataSync() ?? []));
    loaded.dispose();
    m.dispose();
  });

  it('copyWeightsByName loads converted weights into a freshly built model, checking names and shapes', async () => {
    const build = (units: number, seed: number) => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ units: 4, inputShape: [3], name: 'fc1', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
      m.add(tf.layers.dense({ units, name: 'predictions', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
      return m;
    };
    const src = build(2, 1);
    await saveModel(src, join(dir, 'named'));
    const loaded = await loadModel(join(dir, 'named'));
    const target = build(2, 9);
    expect(copyWeightsByName(loaded, target)).toBe(2);
    expect(Array.from(target.getWeights()[0]?.dataSync() ?? [])).toEqual(Array.from(src.getWeights()[0]?.dataSync() ?? []));
    const wrong = build(5, 3);
    expect(() => copyWeightsByName(loaded, wrong)).toThrow(/Layer "predictions": weight shapes/);
    for (const m of [src, loaded, target, wrong]) m.dispose();
  });

  it('missing or invalid files give clear errors', async () => {
    await expect(loadModel(join(dir, 'nothing'))).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    await expect(loadModel(join(dir, 'bad.json'))).rejects.toThrow(/not valid JSON/);
  });

  it('atomic writes leave no temporary files and replace the target whole', () => {
    const p = join(dir, 'atomic', 'f.txt');
    writeFileAtomic(p, 'one');
    writeFileAtomic(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'atomic'))).toEqual(['f.txt']);
    expect(existsSync(`${p}.tmp`)).toBe(false);
  });
});
