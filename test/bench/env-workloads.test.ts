import { describe, expect, it } from 'vitest';
import { catchStep, replaySampleBook } from '../../bench/env-workloads.js';
import { JS_BACKEND, formatTable, runBench, type Workload } from '../../bench/harness.js';
import { WORKLOADS } from '../../bench/workloads.js';

describe('tfjs-free (js) bench workloads', () => {
  it('run once as backend "js" whatever backends are requested, with a rate', async () => {
    let runs = 0;
    const w: Workload = {
      name: 'fake-js',
      description: 'counts',
      backends: [JS_BACKEND],
      setup: () => ({ run: () => void runs++, dispose: () => undefined, items: 100, itemName: 'steps' }),
    };
    let t = 0;
    const rs = await runBench([w], { backends: ['cpu', 'wasm'], reps: 3, now: () => (t += 5) });
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({
      workload: 'fake-js',
      backend: 'js',
      medianMs: 5,
      runs: 3,
      rate: 20000,
      rateUnit: 'steps/s',
    });
    expect(runs).toBe(2 + 3);
    expect(formatTable(rs)).toMatch(/20000 steps\/s/);
  });

  it('catch-step is listed and steps Catch-v0', async () => {
    expect(WORKLOADS.map((x) => x.name)).toEqual(expect.arrayContaining(['catch-step', 'catch-step-rgb']));
    const rs = await runBench([catchStep], { backends: ['cpu'], reps: 1 });
    expect(rs[0]).toMatchObject({ workload: 'catch-step', backend: 'js', runs: 1, rateUnit: 'steps/s' });
    expect(rs[0]?.rate).toBeGreaterThan(0);
  });

  it('replay-sample-book is listed and samples book-sized batches', async () => {
    expect(WORKLOADS.map((x) => x.name)).toContain('replay-sample-book');
    const rs = await runBench([replaySampleBook], { backends: ['cpu'], reps: 1 });
    expect(rs[0]).toMatchObject({ workload: 'replay-sample-book', backend: 'js', runs: 1, rateUnit: 'transitions/s' });
    expect(rs[0]?.rate).toBeGreaterThan(0);
  });
});
