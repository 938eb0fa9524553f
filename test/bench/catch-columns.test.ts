import { describe, expect, it } from 'vitest';
import { catchColumns } from '../../bench/catch-columns.js';
import { make } from '../../src/core/registry.js';
import '../../envs/index.js';
import type { Env } from '../../src/core/env.js';

describe('catchColumns', () => {
  it('a paddle that never moves catches exactly the columns its start position covers', () => {
    // Paddle [200, 250) at the book's size: the 20-wide ball overlaps it strictly for x in 181..249.
    const env = make('Catch-v0') as Env<unknown, number>;
    const stay = { numActions: 3, qValues: () => [0, 1, 0] };
    const r = catchColumns(stay, env, 401);
    expect(r.columns).toBe(401);
    expect(r.caught).toBe(69);
    expect(r.missed).toHaveLength(401 - 69);
    expect(r.missed).toContain(180);
    expect(r.missed).toContain(250);
    expect(r.missed).not.toContain(181);
    expect(r.missed).not.toContain(249);
  });

  it('scales with the env size and names envs it cannot measure', () => {
    const env = make('Catch-v0', { size: 40 }) as Env<unknown, number>;
    const left = { numActions: 3, qValues: () => [1, 0, 0] };
    const r = catchColumns(left, env, 41);
    // Always left at size 40 (paddle 5 wide, 2 px per step from x = 20): 0 after 10 steps, then
    // the bounce alternates 2, 0, 2, ... so after the 33rd step it is at 2, and a 2-wide ball
    // overlaps [2, 7) strictly for x in 1..6.
    expect(r.caught).toBe(6);
    expect(r.missed.slice(0, 2)).toEqual([0, 7]);
    const notCatch = {
      reset: () => [new Uint8Array(1), {}],
      step: () => [new Uint8Array(1), 0, true, false, {}],
    } as unknown as Env<unknown, number>;
    expect(() => catchColumns(left, notCatch, 5)).toThrow(/needs a Catch env/);
  });
});
