import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/rng/rng.js';
import {
  BOOK_NET_SPECS,
  buildWavenet,
  dilatedConvGradientError,
  prepareBookNet,
  type WavenetSpec,
} from '../../bench/book-nets.js';
import { BOOK_WAVENET_PARAMS } from '../../models/wavenet.js';
import { NET_SPECS, prepareTrainStep, type NetSpec } from '../../bench/compute-workloads.js';
import { runBench, type BenchError, type Workload } from '../../bench/harness.js';
import { AUDIT_NETS, auditNet, formatAuditTable } from '../../bench/kernel-audit.js';
import type { PreparedWorkload } from '../../bench/harness.js';
import { nativeAvailable } from '../native/helpers.js';

const have = await nativeAvailable();

/** Steps twice: the tensor count must not grow, and dispose must free everything. */
async function stepsCleanly(prepare: () => PreparedWorkload): Promise<void> {
  const before = tf.memory().numTensors;
  const p = prepare();
  await p.run();
  const during = tf.memory().numTensors;
  await p.run();
  expect(tf.memory().numTensors).toBe(during);
  p.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

const small = (name: string, changes: Partial<NetSpec>): NetSpec => ({ ...(NET_SPECS[name] as NetSpec), ...changes });
const smallWavenet = (dilations: number[]): WavenetSpec => ({
  net: 'wavenet',
  length: 16,
  bins: 8,
  filters: 8,
  dilations,
  batch: 2,
});

describe.skipIf(!have)('the book-net bench workloads, small, on native', () => {
  it('char-rnn and pos-gru step without growing', async () => {
    await useBackend('native');
    await stepsCleanly(() => prepareTrainStep(small('char-rnn', { batch: 4 }), 1));
    await stepsCleanly(() =>
      prepareTrainStep(
        small('pos-gru', {
          input: [6],
          vocab: 20,
          outputSteps: 6,
          batch: 2,
          layers: [
            { kind: 'embedding', inputDim: 20, outputDim: 8 },
            { kind: 'gru', units: 8, returnSequences: false },
            { kind: 'repeat', n: 6 },
            { kind: 'gru', units: 8, returnSequences: true },
            { kind: 'timedense', units: 5, activation: 'softmax' },
          ],
        }),
        1,
      ),
    );
  });

  it('skip-gram, DCGAN and WaveNet (dilation 1) step without growing', async () => {
    await useBackend('native');
    await stepsCleanly(() => prepareBookNet({ net: 'skipgram', vocab: 50, dim: 8, batch: 16 }, 1));
    await stepsCleanly(() => prepareBookNet({ net: 'dcgan', batch: 2, latent: 100 }, 1));
    await stepsCleanly(() => prepareBookNet(smallWavenet([1, 1, 1]), 1));
  });

  it("the DCGAN's combined step leaves the discriminator alone and trains the generator", async () => {
    await useBackend('native');
    const { buildDcgan } = await import('../../bench/book-nets.js');
    const { g, d, gd, optimizers } = buildDcgan({ net: 'dcgan', batch: 2, latent: 100 }, new Rng(3));
    const before = { g: g.getWeights()[0]!.dataSync().slice(), d: d.getWeights()[0]!.dataSync().slice() };
    d.trainable = false;
    // Distinct latents: with two equal ones, the generator's BatchNormalization sees zero variance
    // and passes no gradient back (cpu's comes out as rounding noise, native's as exact zeros).
    const rng = new Rng(4);
    const z = tf.tensor2d(
      Float32Array.from({ length: 200 }, () => rng.uniform(-1, 1)),
      [2, 100],
    );
    await gd.trainOnBatch(z, tf.ones([2, 1]));
    z.dispose();
    d.trainable = true;
    expect(d.getWeights()[0]!.dataSync()).toEqual(before.d);
    expect(g.getWeights()[0]!.dataSync()).not.toEqual(before.g);
    gd.dispose();
    optimizers.forEach((o) => o.dispose());
  });

  it("WaveNet's dilated step: runs once tfjs has the gradient, else one clear setup error", async () => {
    await useBackend('native');
    const before = tf.memory().numTensors;
    if (dilatedConvGradientError() === undefined) {
      await stepsCleanly(() => prepareBookNet(smallWavenet([1, 2, 4]), 1));
    } else {
      expect(() => prepareBookNet(smallWavenet([1, 2, 4]), 1)).toThrow(/forward pass ran.*dilated Conv1D/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the kernel audit lists a step's kernels, native or JS, and formats a table", async () => {
    await useBackend('native');
    const net = AUDIT_NETS.find((n) => n.name === 'regression-mlp')!;
    const r = await auditNet(net);
    expect(r.error).toBeUndefined();
    // Its Dense ReLU layer trains as one native kernel (src/backends/native/dense.ts), the ReLU in the GEMM.
    expect(r.kernels.find((k) => k.kernel === 'TfgymDenseRelu')).toMatchObject({ nativeCalls: 1, jsMs: 0 });
    expect(r.kernels.find((k) => k.kernel === 'TfgymReluGrad')).toMatchObject({ nativeCalls: 1, jsMs: 0 });
    expect(r.kernels.some((k) => k.kernel === 'Relu')).toBe(false);
    // Reshape is a view: always the cpu backend's JS.
    expect(r.kernels.some((k) => k.kernel === 'Reshape' && k.nativeCalls === 0)).toBe(true);
    expect(formatAuditTable([r, { ...r, network: 'x', error: 'boom' }])).toMatch(
      /`regression-mlp` \|.*\n.*could not run: boom/,
    );
  });
});

describe('book-net workloads without a backend', () => {
  it("WaveNet's layers come to the book's parameter count (4,129,536)", async () => {
    await useBackend('cpu');
    const m = buildWavenet(BOOK_NET_SPECS['wavenet'] as WavenetSpec, new Rng(1));
    expect(m.countParams()).toBe(BOOK_WAVENET_PARAMS);
    m.dispose();
  });

  it('a workload that throws is reported and the bench goes on', async () => {
    const failing: Workload = {
      name: 'fails',
      description: 'throws at its first step',
      setup: () => ({
        run() {
          throw new Error('no gradient\nsecond line');
        },
        dispose() {},
      }),
    };
    const fine: Workload = { name: 'fine', description: 'does nothing', setup: () => ({ run() {}, dispose() {} }) };
    const errors: BenchError[] = [];
    const lines: string[] = [];
    const rs = await runBench([failing, fine], {
      backends: ['cpu'],
      reps: 1,
      onError: (e) => errors.push(e),
      log: (l) => lines.push(l),
    });
    expect(errors).toEqual([{ workload: 'fails', backend: 'cpu', error: 'no gradient' }]);
    expect(lines).toContain('error: fails on cpu: no gradient');
    expect(rs.map((r) => r.workload)).toEqual(['fine']);
  });
});
