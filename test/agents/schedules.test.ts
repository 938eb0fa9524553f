import { describe, expect, it } from 'vitest';
import { epsilonAt, exponentialValue, linearValue, scheduleValue, validateSchedule } from '../../agents/schedules.js';

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
    expect(() => validateSchedule({ kind: 'linear', unit: 'step', start: 1, end: 0, duration: -1 })).toThrow(/duration=-1/);
  });
});
