/** ReduceLROnPlateau counts epochs, cooldown and cuts as Keras 2.0 does. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReduceLROnPlateau } from '../../models/callbacks.js';
import type { TrainContext } from '../../models/fit.js';
import { getLearningRate } from '../../models/optimizers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function context(lr: number): TrainContext {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  model.compile({ optimizer: tf.train.momentum(lr, 0.9, true), loss: 'meanSquaredError' });
  return { model, epochs: 10, batchSize: 1, samples: 1, steps: 1, validationSamples: 1, stopTraining: false };
}

describe('ReduceLROnPlateau', () => {
  it('cuts after patience + 1 flat epochs, waits out the cooldown, logs the rate before the cut', () => {
    const ctx = context(1);
    const cuts: Array<[number, number]> = [];
    const cb = new ReduceLROnPlateau({
      patience: 2,
      cooldown: 1,
      factor: 0.5,
      onReduce: (e, lr) => cuts.push([e, lr]),
    });
    cb.onTrainBegin();
    const lrs: number[] = [];
    [1, 1, 1, 1, 1, 1, 1, 0.5, 0.5].forEach((v, epoch) => {
      const logs = { val_loss: v };
      cb.onEpochEnd(epoch, logs, ctx);
      lrs.push((logs as Record<string, number>)['lr'] ?? NaN);
    });
    expect(cuts).toEqual([
      [3, 0.5],
      [6, 0.25],
    ]);
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(getLearningRate(ctx.model.optimizer)).toBeCloseTo(0.25);
    ctx.model.optimizer.dispose();
    ctx.model.dispose();
  });

  it('an improvement smaller than minDelta is a flat epoch; minLr bounds the rate', () => {
    const ctx = context(0.1);
    const cb = new ReduceLROnPlateau({ patience: 0, minDelta: 0.01, minLr: 0.05 });
    cb.onTrainBegin();
    [1, 0.995, 0.99, 0.985].forEach((v, epoch) => cb.onEpochEnd(epoch, { val_loss: v }, ctx));
    expect(getLearningRate(ctx.model.optimizer)).toBeCloseTo(0.05);
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
    ctx.model.optimizer.dispose();
    ctx.model.dispose();
  });
});
