import { describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/harness.js';
import { MINATAR_WORKLOADS, PYTHON_STEPS_PER_SEC } from '../../../bench/minatar-speed.js';
import { WORKLOADS } from '../../../bench/workloads.js';

describe('MinAtar bench workloads', () => {
  it('are registered in WORKLOADS, one per game, tfjs-free', () => {
    const names = WORKLOADS.map((w) => w.name);
    for (const w of MINATAR_WORKLOADS) {
      expect(names).toContain(w.name);
      expect(w.backends).toEqual(['js']);
    }
    expect(MINATAR_WORKLOADS).toHaveLength(Object.keys(PYTHON_STEPS_PER_SEC).length);
  });

  it('run through the harness and report a steps/s rate', async () => {
    const w = MINATAR_WORKLOADS.find((x) => x.name === 'minatar-breakout');
    if (w === undefined) throw new Error('missing minatar-breakout');
    const [r] = await runBench([w], { backends: ['cpu'], reps: 1 });
    expect(r?.backend).toBe('js');
    expect(r?.rateUnit).toBe('steps/s');
    expect(r?.rate ?? 0).toBeGreaterThan(0);
  });
});
