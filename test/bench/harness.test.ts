import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { formatTable, median, runBench } from '../../bench/harness.js';
import { mlpTrainStep } from '../../bench/workloads.js';

describe('bench harness', () => {
  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('times a real workload on two backends and reports a ratio without leaking', async () => {
    const before = tf.memory().numTensors;
    const rs = await runBench([mlpTrainStep], { backends: ['cpu', 'wasm'], reps: 1 });
    expect(rs.map((r) => r.backend)).toEqual(['cpu', 'wasm']);
    expect(rs[0]!.medianMs).toBeGreaterThan(0);
    expect(rs[1]!.speedup).toBeGreaterThan(0);
    expect(formatTable(rs)).toMatch(/mlp-train/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
