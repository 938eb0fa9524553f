import { describe, expect, it } from 'vitest';
import {
  budgetProgress,
  epsilonAt,
  epsilonScheduleOf,
  exponentialValue,
  linearValue,
  scheduleValue,
  validateSchedule,
} from '../../agents/schedules.js';
import { annealedBeta } from '../../src/replay/index.js';

describe('schedules', () => {
  it('linear: endpoints, midpoint, clamp', () => {
    expect(linearValue(1, 0.1, 100, 0)).toBe(1);
    expect(linearValue(1, 0.1, 100, 50)).toBeCloseTo(0.55, 12);
    expect(linearValue(1, 0.1, 100, 100)).toBe(0.1);
    expect(linearValue(1, 0.1, 100, 1e9)).toBe(0.1);
    expect(linearValue(1, 0.1, 0, 5)).toBe(0.1);
  });

  it('exponential: geometric midpoint, clamp', () => {
    expect(exponentialValue(1, 0.01, 100, 50)).toBeCloseTo(0.1, 12);
    expect(exponentialValue(1, 0.01, 100, 25)).toBeCloseTo(Math.sqrt(0.1), 12);
    expect(exponentialValue(1, 0.01, 100, 200)).toBe(0.01);
    expect(exponentialValue(1, 0, 100, 50)).toBeCloseTo(0.5, 12); // falls back to linear at 0
  });

  it('per step vs per episode reads the right counter', () => {
    const s = { kind: 'linear' as const, unit: 'episode' as const, start: 0.1, end: 0.0001, duration: 2100 };
    // The book decays by (0.1 - 0.0001) / NUM_EPOCHS after each game.
    expect(epsilonAt(s, 999999, 1)).toBeCloseTo(0.1 - 0.0999 / 2100, 12);
    const st = { ...s, unit: 'step' as const };
    expect(epsilonAt(st, 0, 500)).toBe(0.1);
    expect(scheduleValue({ ...s, kind: 'constant' }, 77)).toBe(0.1);
  });

  it('validation names the field', () => {
    expect(() => validateSchedule({ kind: 'linear', unit: 'step', start: 2, end: 0, duration: 1 })).toThrow(/start=2/);
    const negative = { kind: 'linear', unit: 'step', start: 1, end: 0, duration: -1 } as const;
    expect(() => validateSchedule(negative)).toThrow(/duration=-1/);
  });

  it('epsilonScheduleOf: a fraction of the budget in the config unit; a budget in the other unit is refused', () => {
    const c = {
      epsilonStart: 1,
      epsilonEnd: 0.05,
      explorationFraction: 0.3,
      epsilonDecay: 'linear' as const,
      epsilonUnit: 'episode' as const,
    };
    const s = epsilonScheduleOf(c, { episodes: 1000, steps: 5 });
    expect(s).toEqual({ kind: 'linear', unit: 'episode', start: 1, end: 0.05, duration: 300 });
    expect(() => epsilonScheduleOf(c, { steps: 1000 })).toThrow(
      'epsilon decays per episode, so the budget must be given in episodes (--episodes)',
    );
    expect(() => epsilonScheduleOf({ ...c, epsilonUnit: 'step' }, { episodes: 9 })).toThrow(/--total-steps/);
  });

  it('budgetProgress: the unit of the budget, or of whichever budget is further along', () => {
    expect(budgetProgress({ steps: 1000 }, 250, 7)).toEqual({ t: 250, duration: 1000 });
    expect(budgetProgress({ episodes: 40 }, 9999, 10)).toEqual({ t: 10, duration: 40 });
    expect(budgetProgress({ steps: 1000, episodes: 40 }, 250, 20)).toEqual({ t: 20, duration: 40 });
    expect(budgetProgress({ steps: 1000, episodes: 40 }, 600, 20)).toEqual({ t: 600, duration: 1000 });
    expect(budgetProgress({}, 5, 5)).toEqual({ t: 0, duration: 0 });
    // Prioritized replay's beta over an episode budget: beta0 at the start, 1 at the end.
    const beta = (episodes: number) => {
      const p = budgetProgress({ episodes: 40 }, 123, episodes);
      return annealedBeta(0.4, p.duration, p.t);
    };
    expect(beta(0)).toBe(0.4);
    expect(beta(20)).toBeCloseTo(0.7, 12);
    expect(beta(40)).toBe(1);
    expect(annealedBeta(0.4, 0, 0)).toBe(1);
  });
});
