import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../../src/core/env-checker.js';
import type { RenderMode } from '../../../src/core/env.js';
import { make, registeredIds } from '../../../src/core/registry.js';
import { RandomState } from '../../../src/rng/index.js';
import { MINATAR_GAMES } from '../../../envs/minatar/reference-api.js';
import { MinAtarEnv, type MinAtarInfo } from '../../../envs/minatar/index.js';
import { MINATAR_PALETTES } from '../../../envs/minatar/render.js';
import { cells, fixtureCells, loadFixture } from './fixtures.js';

const TITLES = ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders'];
const IDS = TITLES.flatMap((t) => [`MinAtar/${t}-v0`, `MinAtar/${t}-v1`, `MinAtar/${t}-pixels-v1`]);

function unwrap(env: unknown): MinAtarEnv {
  if (!(env instanceof MinAtarEnv)) throw new Error('expected a MinAtarEnv');
  return env;
}

describe('MinAtar registry ids', () => {
  it('registers v0, v1 and pixels-v1 for all five games', () => {
    const ids = registeredIds();
    for (const id of IDS) expect(ids).toContain(id);
  });

  it('has six actions in v0 and the minimal set in v1', () => {
    expect(unwrap(make('MinAtar/Breakout-v0')).actionSpace.n).toBe(6);
    const v1 = unwrap(make('MinAtar/Breakout-v1'));
    expect(v1.actionSpace.n).toBe(3);
    expect(v1.actionSet).toEqual([0, 1, 3]);
    expect(v1.metadata.actionNames).toEqual(['NOOP', 'LEFT', 'RIGHT']);
    expect(unwrap(make('MinAtar/Freeway-v1')).actionSet).toEqual([0, 2, 4]);
    expect(unwrap(make('MinAtar/SpaceInvaders-v1')).actionSet).toEqual([0, 1, 3, 5]);
    expect(unwrap(make('MinAtar/Seaquest-v1')).actionSpace.n).toBe(6);
  });

  it('observes Box(0, 1, [10, 10, C], uint8) in the reference channel order', () => {
    const shapes: Record<string, number> = { Asterix: 4, Breakout: 4, Freeway: 7, Seaquest: 10, SpaceInvaders: 6 };
    for (const t of TITLES) {
      const env = make(`MinAtar/${t}-v0`);
      expect(env.observationSpace.toString()).toBe(`Box(0, 1, [10, 10, ${shapes[t]}], uint8)`);
      const [obs] = env.reset({ seed: 3 });
      expect(env.observationSpace.contains(obs)).toBe(true);
    }
  });

  it('rejects unknown options and accepts the documented ones', () => {
    expect(() => make('MinAtar/Breakout-v0', { stickyProb: 0 })).toThrow(/stickyActionProb/);
    const env = unwrap(make('MinAtar/Asterix-v0', { stickyActionProb: 0, difficultyRamping: false }));
    expect(env.core.stickyActionProb).toBe(0);
    expect(env.core.difficultyRamping).toBe(false);
  });
});

describe('MinAtarEnv seeding and steps', () => {
  it('reproduces a fixture through reset({seed})/step and info, resetting on terminal', () => {
    const fx = loadFixture('breakout_seed0_sticky0.1_ramp.json.gz');
    const env = make('MinAtar/Breakout-v0', { stickyActionProb: fx.sticky_action_prob });
    let [obs, info] = env.reset({ seed: fx.seed });
    for (const ep of fx.episodes) {
      if (ep.index > 0) [obs, info] = env.reset();
      expect(cells(obs as Uint8Array, 4)).toBe(fixtureCells(ep.reset_obs));
      expect((info as MinAtarInfo).rngNext).toBe(ep.rng_after_reset);
      for (const st of ep.steps) {
        const [o, r, term, trunc, inf] = env.step(st.a);
        const i = inf as MinAtarInfo;
        expect([r, term, trunc, i.effectiveAction, i.rngNext, i.difficultyRamp]).toEqual([
          st.r,
          st.terminal,
          false,
          st.a_eff,
          st.rng_next,
          null,
        ]);
        expect(cells(o as Uint8Array, 4)).toBe(fixtureCells(st.obs));
      }
    }
  });

  it('maps v1 actions to the reference indices', () => {
    const fx = loadFixture('space_invaders_seed0_sticky0.1_ramp_planner.json.gz');
    const env = make('MinAtar/SpaceInvaders-v1');
    env.reset({ seed: fx.seed });
    const set = [0, 1, 3, 5];
    let n = 0;
    for (const ep of fx.episodes) {
      if (ep.index > 0) env.reset();
      for (const st of ep.steps) {
        // Actions outside the minimal set (the planner uses them) act like no-op.
        const [o, r, term, , info] = env.step(Math.max(0, set.indexOf(st.a)));
        expect([r, term, (info as MinAtarInfo).rngNext]).toEqual([st.r, st.terminal, st.rng_next]);
        if (++n % 97 === 0) expect(cells(o as Uint8Array, 6)).toBe(fixtureCells(st.obs));
      }
    }
  });

  it('behaves as seed 0 when never seeded, and reset() continues the stream', () => {
    const a = make('MinAtar/Freeway-v0');
    const b = make('MinAtar/Freeway-v0');
    const [oa, ia] = a.reset();
    const [ob, ib] = b.reset({ seed: 0 });
    expect(oa).toEqual(ob);
    expect(ia).toEqual(ib);
    const [, i2] = a.reset();
    expect((i2 as MinAtarInfo).rngNext).not.toBe((ia as MinAtarInfo).rngNext);
  });

  it('returns the same observation buffer every step (no per-step allocation)', () => {
    const env = make('MinAtar/Seaquest-v0');
    const [o0] = env.reset({ seed: 1 });
    const [o1] = env.step(0);
    expect(o1).toBe(o0);
  });

  it('rejects seeds numpy RandomState rejects', () => {
    const env = make('MinAtar/Breakout-v0');
    expect(() => env.reset({ seed: -1 })).toThrow(RangeError);
    expect(() => env.reset({ seed: 2 ** 32 })).toThrow(RangeError);
  });
});

describe('MinAtar rendering', () => {
  it('draws the palette colour of the front-most channel in 16x16 cells (160x160)', () => {
    const env = unwrap(make('MinAtar/Breakout-v0', { renderMode: 'rgb_array' }));
    const [obs] = env.reset({ seed: 0 });
    const frame = env.render();
    if (frame === null || typeof frame === 'string') throw new Error('expected a frame');
    expect([frame.height, frame.width, frame.data.length]).toEqual([160, 160, 160 * 160 * 3]);
    const pal = MINATAR_PALETTES['breakout'] as readonly (readonly number[])[];
    const px = (r: number, c: number): number[] =>
      Array.from(frame.data.subarray((r * 160 + c) * 3, (r * 160 + c) * 3 + 3));
    // Paddle at (9, 4): every pixel of the cell.
    for (const [y, x] of [
      [144, 64],
      [159, 79],
      [150, 70],
    ] as const)
      expect(px(y, x)).toEqual(pal[0]);
    // A brick in row 1, background in row 5.
    expect(px(16 + 3, 16 * 5 + 7)).toEqual(pal[3]);
    expect(px(16 * 5 + 1, 16 * 5 + 1)).toEqual([0, 0, 0]);
    // The ball (row 3) is drawn over its trail (same cell right after reset).
    const ballCol = (obs[(3 * 10 + 0) * 4 + 1] ?? 0) === 1 ? 0 : 9;
    expect(px(16 * 3 + 8, 16 * ballCol + 8)).toEqual(pal[1]);
    // Reused buffer.
    env.step(0);
    const again = env.render();
    expect(typeof again !== 'string' && again !== null && again.data === frame.data).toBe(true);
  });

  it('scales frames with cellSize and observes them in the pixels variant', () => {
    const env = make('MinAtar/SpaceInvaders-pixels-v1', { cellSize: 4 });
    expect(env.observationSpace.toString()).toBe('Box(0, 255, [40, 40, 3], uint8)');
    const [obs] = env.reset({ seed: 0 });
    expect((obs as Uint8Array).length).toBe(40 * 40 * 3);
    expect(env.observationSpace.contains(obs)).toBe(true);
    // Aliens moving left are drawn in the alien_left colour.
    const pal = MINATAR_PALETTES['space_invaders'] as readonly (readonly number[])[];
    const o = obs as Uint8Array;
    expect(Array.from(o.subarray((1 * 40 + 2 * 4) * 3, (1 * 40 + 2 * 4) * 3 + 3))).toEqual(pal[2]);
    expect(make('MinAtar/Breakout-pixels-v1').observationSpace.toString()).toBe('Box(0, 255, [160, 160, 3], uint8)');
  });

  it('renders ansi as a 10x10 text grid', () => {
    const env = make('MinAtar/Breakout-v0', { renderMode: 'ansi' });
    env.reset({ seed: 0 });
    const text = env.render() as string;
    const lines = text.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[1]).toBe('|##########|');
    expect(lines[9]).toBe('|    P     |');
  });

  it('keeps channel colours apart in grayscale', () => {
    for (const [game, pal] of Object.entries(MINATAR_PALETTES)) {
      const grays = pal.map(([r, g, b]) => 0.299 * (r ?? 0) + 0.587 * (g ?? 0) + 0.114 * (b ?? 0));
      for (let i = 0; i < grays.length; i++) {
        expect(grays[i], `${game} channel ${i}`).toBeGreaterThan(40);
      }
    }
  });
});

describe('MinAtar contract', () => {
  it.each(
    IDS.flatMap((id): [string, RenderMode | null][] => [
      [id, null],
      [id, 'rgb_array'],
      [id, 'ansi'],
    ]),
  )('%s passes checkEnv (renderMode %s)', (id, renderMode) => {
    const report = checkEnv(make(id, { renderMode, cellSize: 4 }), { seed: 0, steps: 100 });
    expect(report.passed).toEqual(expect.arrayContaining(['spaces', 'metadata', 'reset', 'step', 'determinism']));
    if (renderMode !== null) expect(report.passed).toContain('render');
  });

  it('clone() is a deep copy: stepping the copy leaves the original unchanged', () => {
    for (const game of Object.values(MINATAR_GAMES)) {
      const rng = new RandomState(1);
      const s = game.create(true);
      game.reset(s, rng);
      for (let i = 0; i < 40 && !s.terminal; i++) game.step(s, i % 6, rng);
      const before = new Uint8Array(100 * game.channels.length);
      game.observe(s, before);
      const c = game.clone(s);
      for (let i = 0; i < 60 && !c.terminal; i++) game.step(c, (i * 7) % 6, rng);
      const after = new Uint8Array(before.length);
      game.observe(s, after);
      expect(after, game.name).toEqual(before);
    }
  });
});
