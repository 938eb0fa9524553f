import { describe, expect, it } from 'vitest';
import { SyncVectorEnv, batchSpace, type AutoresetMode } from '../../../src/core/vector-env.js';
import { Box, Discrete, MultiDiscrete } from '../../../src/core/spaces.js';
import { Rng } from '../../../src/rng/rng.js';
import { BaseEnv } from '../../../src/core/env-base.js';
import type { EnvMetadata, Info, StepResult } from '../../../src/core/env.js';
import { ToyEnv } from './toy-env.js';

/** Discrete observations: a counter that the action adds to, ending at 4 or more. */
class Counter extends BaseEnv<number, number> {
  readonly observationSpace = new Discrete(8);
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata = { renderModes: [], renderFps: 1 };
  private n = 0;
  protected resetEpisode(): [number, Info] {
    this.n = 0;
    return [0, {}];
  }
  protected stepEpisode(a: number): StepResult<number> {
    this.n += a;
    return [this.n, a, this.n >= 4, false, {}];
  }
}

// 1x1x1 toy envs: obs = (offset + 17 t) mod 256, reward of step t = [1.5, -2, 0, 0.25, -0.5][t-1] for action 0.
const px = (offset: number, t: number): number => (offset + 17 * t) % 256;

/** Offsets of successive episodes of the toy env seeded with `seed` (one nextInt(256) per reset). */
function offsets(seed: number, n: number): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.nextInt(256));
}

function make(mode: AutoresetMode): { venv: SyncVectorEnv<Uint8Array, number>; toys: ToyEnv[] } {
  const toys = [
    new ToyEnv({ height: 1, width: 1, channels: 1, length: 2 }),
    new ToyEnv({ height: 1, width: 1, channels: 1, length: 3 }),
  ];
  return { venv: new SyncVectorEnv(toys, { autoresetMode: mode }), toys };
}

describe('SyncVectorEnv', () => {
  it('reset seeds sub-env i with seed + i and batches obs in one typed array', () => {
    const { venv } = make('next-step');
    const [obs, infos] = venv.reset({ seed: 10 });
    const [a] = offsets(10, 1);
    const [b] = offsets(11, 1);
    expect(obs).toBeInstanceOf(Uint8Array);
    expect(Array.from(obs)).toEqual([a, b]);
    expect(infos).toEqual([
      { t: 0, offset: a },
      { t: 0, offset: b },
    ]);
    expect(venv.observationSpace.toString()).toBe('Box(0, 255, [2, 1, 1, 1], uint8)');
    expect(venv.actionSpace.toString()).toBe('MultiDiscrete([3, 3])');
    const [obs2] = venv.reset({ seed: [7, 3] });
    expect(Array.from(obs2)).toEqual([offsets(7, 1)[0], offsets(3, 1)[0]]);
  });

  it("'next-step' resets an ended sub-env on the following step, ignoring its action", () => {
    const { venv, toys } = make('next-step');
    venv.reset({ seed: 10 });
    const [o0a, o0b] = offsets(10, 2) as [number, number];
    const [o1a, o1b] = offsets(11, 2) as [number, number];
    const expected = [
      { obs: [px(o0a, 1), px(o1a, 1)], r: [1.5, 1.5], term: [0, 0] },
      { obs: [px(o0a, 2), px(o1a, 2)], r: [-2, -2], term: [1, 0] },
      { obs: [px(o0b, 0), px(o1a, 3)], r: [0, 0], term: [0, 1] },
      { obs: [px(o0b, 1), px(o1b, 0)], r: [1.5, 0], term: [0, 0] },
      { obs: [px(o0b, 2), px(o1b, 1)], r: [-2, 1.5], term: [1, 0] },
    ];
    for (const [k, e] of expected.entries()) {
      const [obs, r, term, trunc, infos] = venv.step(Int32Array.of(0, 0));
      expect({ k, obs: Array.from(obs), r: Array.from(r), term: Array.from(term) }).toEqual({ k, ...e });
      expect(Array.from(trunc)).toEqual([0, 0]);
      expect(infos).toHaveLength(2);
    }
    // Autoreset steps did not reach the envs: env0 got 4 of the 5 actions, env1 4 of 5.
    expect(toys[0]!.actions).toHaveLength(4);
    expect(toys[1]!.actions).toHaveLength(4);
  });

  it("'same-step' resets within the step and keeps the final obs and info", () => {
    const { venv } = make('same-step');
    venv.reset({ seed: 10 });
    const [o0a, o0b, o0c] = offsets(10, 3) as [number, number, number];
    const [o1a, o1b] = offsets(11, 2) as [number, number];
    const expected = [
      { obs: [px(o0a, 1), px(o1a, 1)], r: [1.5, 1.5], term: [0, 0], final: [null, null] },
      { obs: [px(o0b, 0), px(o1a, 2)], r: [-2, -2], term: [1, 0], final: [px(o0a, 2), null] },
      { obs: [px(o0b, 1), px(o1b, 0)], r: [1.5, 0], term: [0, 1], final: [null, px(o1a, 3)] },
      { obs: [px(o0c, 0), px(o1b, 1)], r: [-2, 1.5], term: [1, 0], final: [px(o0b, 2), null] },
    ];
    for (const [k, e] of expected.entries()) {
      const [obs, r, term, , infos] = venv.step([0, 0]);
      const final = infos.map((inf) => (inf.finalObs instanceof Uint8Array ? inf.finalObs[0] : null));
      expect({ k, obs: Array.from(obs), r: Array.from(r), term: Array.from(term), final }).toEqual({ k, ...e });
      infos.forEach((inf, i) => {
        if (e.final[i] !== null) {
          expect(inf.finalInfo).toEqual({ t: i === 0 ? 2 : 3 });
          expect(inf.t).toBe(0); // the reset info
        }
      });
    }
  });

  it("'disabled' never resets by itself: the caller resets ended sub-envs with resetMask and a seed", () => {
    const { venv, toys } = make('disabled');
    venv.reset({ seed: 10 });
    const [o0] = offsets(10, 1) as [number];
    const [o1] = offsets(11, 1) as [number];
    venv.step([0, 0]);
    const [obs, r, term] = venv.step([0, 0]);
    // Env 0 (2 steps long) ended; its row holds its final observation.
    expect([Array.from(obs), Array.from(r), Array.from(term)]).toEqual([
      [px(o0, 2), px(o1, 2)],
      [-2, -2],
      [1, 0],
    ]);
    expect(() => venv.step([0, 0])).toThrow(/sub-env 0 ended on an earlier step; in 'disabled' autoreset mode/);
    // Reset env 0 alone, with a seed of the caller's choosing: env 1 keeps its state and row.
    const [after, infos] = venv.reset({ seed: [99, 12345], resetMask: [true, false] });
    const [o99] = offsets(99, 1) as [number];
    expect(Array.from(after)).toEqual([px(o99, 0), px(o1, 2)]);
    expect(infos).toEqual([{ t: 0, offset: o99 }, {}]);
    const [next, r2, term2] = venv.step([0, 0]);
    expect([Array.from(next), Array.from(r2), Array.from(term2)]).toEqual([
      [px(o99, 1), px(o1, 3)],
      [1.5, 0],
      [0, 1],
    ]);
    // Every action reached its env: no step was swallowed by an autoreset.
    expect(toys[0]!.actions).toHaveLength(3);
    expect(toys[1]!.actions).toHaveLength(3);
  });

  it('resetMask resets only the masked sub-envs in the autoreset modes too, and is checked', () => {
    const { venv } = make('next-step');
    expect(() => venv.reset({ resetMask: [true, false] })).toThrow(/first reset must reset every sub-env/);
    venv.reset({ seed: 10 });
    venv.step([0, 0]);
    const [obs] = venv.reset({ seed: 50, resetMask: [0, 1] });
    const [o0] = offsets(10, 1) as [number];
    expect(Array.from(obs)).toEqual([px(o0, 1), px(offsets(51, 1)[0] as number, 0)]);
    expect(() => venv.reset({ resetMask: [true] })).toThrow(/resetMask must have 2 entries. Received: 1/);
  });

  it('batches Discrete observations into an Int32Array', () => {
    const v = new SyncVectorEnv([() => new Counter(), () => new Counter()], { autoresetMode: 'same-step' });
    const [obs] = v.reset();
    expect(obs).toEqual(Int32Array.of(0, 0));
    expect(v.observationSpace.toString()).toBe('MultiDiscrete([8, 8])');
    expect(Array.from(v.step([2, 1])[0])).toEqual([2, 1]);
    const [o, r, term, , infos] = v.step([2, 1]);
    expect([Array.from(o), Array.from(r), Array.from(term)]).toEqual([
      [0, 2],
      [2, 1],
      [1, 0],
    ]);
    expect(infos[0]!.finalObs).toBe(4);
  });

  it('validates its inputs', () => {
    expect(() => new SyncVectorEnv([])).toThrow(/at least one env/);
    expect(() => new SyncVectorEnv([new ToyEnv(), new ToyEnv({ width: 4 })])).toThrow(/sub-env 1 has spaces/);
    expect(() => new SyncVectorEnv([() => new ToyEnv()], { autoresetMode: 'x' as 'same-step' })).toThrow(
      /autoresetMode/,
    );
    const v = new SyncVectorEnv([() => new ToyEnv(), () => new ToyEnv()]);
    expect(() => v.step([0, 0])).toThrow(/before reset/);
    v.reset();
    expect(() => v.step([0])).toThrow(/expected 2 actions/);
    expect(() => v.reset({ seed: [1] })).toThrow(/seed array must have 2 entries/);
  });

  it('batches image-sized Box spaces (bounds copied, not spread)', () => {
    const s = batchSpace(new Box(0, 255, [400, 400, 3], 'uint8'), 3) as Box;
    expect(s.shape).toEqual([3, 400, 400, 3]);
    expect(s.high.length).toBe(3 * 480_000);
    expect(s.high[3 * 480_000 - 1]).toBe(255);
  });

  it.each([
    [new Discrete(3, 1), 2, 'MultiDiscrete([3, 3], start=[1, 1])'],
    [new Box(-1, 1, [2], 'float32'), 3, 'Box(-1, 1, [3, 2], float32)'],
    [new MultiDiscrete([2, 3]), 2, 'MultiDiscrete([2, 3, 2, 3])'],
  ])('batchSpace(%s, %i) = %s', (space, n, str) => {
    expect(batchSpace(space, n).toString()).toBe(str);
  });
});
