import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BsuiteCatchEnv } from '../../envs/bsuite-catch/env.js';
import { bsuiteCatchConfig, initial, transition } from '../../envs/bsuite-catch/game.js';
import { RandomState } from '../../src/rng/mt19937.js';

const DIR = new URL('../../../shared/reference/bsuite-catch/', import.meta.url);

interface Cells {
  board: number[][];
  ball: [number, number];
  paddle: [number, number];
}
interface Fixture {
  env: { rows: number; columns: number; seed: number };
  steps: number;
  summary: { episodes_completed: number; total_reward: number };
  episodes: {
    reset: Cells & { step_type: number };
    steps: (Cells & {
      t: number;
      action: number;
      dx: number;
      reward: number;
      discount: number;
      step_type: number;
      terminal: boolean;
    })[];
  }[];
}

/** The observation as the fixture's list of rows. */
function rowsOf(obs: Float32Array, columns: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < obs.length; i += columns) out.push(Array.from(obs.subarray(i, i + columns)));
  return out;
}

describe.each([0, 1, 2])('bsuite/Catch-v0 replays catch_seed%i.json exactly', (seed) => {
  const fx = JSON.parse(readFileSync(new URL(`catch_seed${seed}.json`, DIR), 'utf8')) as Fixture;

  it('every reset and step: board, ball, paddle, reward, terminal; actions from RandomState(seed + 1000)', () => {
    const env = new BsuiteCatchEnv({ rows: fx.env.rows, columns: fx.env.columns });
    const actions = new RandomState(seed + 1000);
    let [obs, info] = env.reset({ seed });
    let t = 0;
    let completed = 0;
    let total = 0;
    for (const [e, ep] of fx.episodes.entries()) {
      const where = `seed ${seed} episode ${e} reset`;
      expect({
        where,
        board: rowsOf(obs, fx.env.columns),
        ball: [info['ballY'], info['ballX']],
        paddle: [fx.env.rows - 1, info['paddleX']],
      }).toEqual({
        where,
        board: ep.reset.board,
        ball: ep.reset.ball,
        paddle: ep.reset.paddle,
      });
      for (const s of ep.steps) {
        const a = actions.randint(3);
        expect(a).toBe(s.action);
        const [o, r, term, trunc, inf] = env.step(a);
        const w = `seed ${seed} t ${t}`;
        expect({
          w,
          t,
          board: rowsOf(o, fx.env.columns),
          ball: [inf['ballY'], inf['ballX']],
          paddle: [fx.env.rows - 1, inf['paddleX']],
          r,
          term,
          trunc,
        }).toEqual({
          w,
          t: s.t,
          board: s.board,
          ball: s.ball,
          paddle: s.paddle,
          r: s.reward,
          term: s.terminal,
          trunc: false,
        });
        t++;
        total += r;
        if (term) {
          completed++;
          [obs, info] = env.reset();
        }
      }
    }
    expect(t).toBe(fx.steps);
    expect(completed).toBe(fx.summary.episodes_completed);
    expect(total).toBe(fx.summary.total_reward);
  });
});

describe('bsuite Catch rules', () => {
  const c = bsuiteCatchConfig(10, 5);

  it('reset draws one randint(5) per episode and centres the paddle', () => {
    const rs = new RandomState(0);
    const ref = new RandomState(0);
    const s = initial(c, rs);
    expect(s).toEqual({ ballRow: 0, ballCol: ref.randint(5), paddleCol: 2 });
    expect(rs.peekUint32()).toBe(ref.peekUint32());
  });

  it('the paddle moves first and is clamped; the ball falls one row; 9 steps per episode', () => {
    let s = { ballRow: 0, ballCol: 0, paddleCol: 0 };
    let tr = transition(c, s, 0);
    expect(tr.state).toEqual({ ballRow: 1, ballCol: 0, paddleCol: 0 });
    s = { ballRow: 0, ballCol: 4, paddleCol: 4 };
    expect(transition(c, s, 2).state.paddleCol).toBe(4);
    let steps = 0;
    do {
      tr = transition(c, s, 1);
      s = tr.state;
      steps++;
    } while (!tr.terminated);
    expect(steps).toBe(9);
    expect(tr.reward).toBe(1);
    expect(transition(c, { ballRow: 8, ballCol: 3, paddleCol: 2 }, 2)).toEqual({
      state: { ballRow: 9, ballCol: 3, paddleCol: 3 },
      reward: 1,
      terminated: true,
    });
    expect(transition(c, { ballRow: 8, ballCol: 3, paddleCol: 2 }, 1)).toEqual({
      state: { ballRow: 9, ballCol: 3, paddleCol: 2 },
      reward: -1,
      terminated: true,
    });
  });

  it('seeded resets repeat; reset() continues the stream; step after the end throws', () => {
    const a = new BsuiteCatchEnv();
    const cols = (env: BsuiteCatchEnv, seed?: number) => {
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const [, info] = env.reset(i === 0 && seed !== undefined ? { seed } : {});
        out.push(info['ballX']);
      }
      return out;
    };
    const first = cols(a, 0);
    expect(first.slice(0, 6)).toEqual([4, 0, 3, 3, 3, 1]); // the README's seed-0 columns
    expect(cols(new BsuiteCatchEnv(), 0)).toEqual(first);
    expect(cols(new BsuiteCatchEnv())).toEqual(first); // never seeded = seed 0
    const b = new BsuiteCatchEnv();
    b.reset({ seed: 1 });
    for (let i = 0; i < 9; i++) b.step(1);
    expect(() => b.step(1)).toThrow(/reset/);
    expect(() => b.reset({ seed: -1 })).toThrow(/seed/);
  });

  it('renders ansi and rgb boards', () => {
    const env = new BsuiteCatchEnv({ renderMode: 'ansi' });
    env.reset({ seed: 0 });
    expect(env.render()).toBe(['....o', ...Array<string>(8).fill('.....'), '..=..'].join('\n'));
    const rgbEnv = new BsuiteCatchEnv({ renderMode: 'rgb_array' });
    rgbEnv.reset({ seed: 0 });
    const f = rgbEnv.render() as { data: Uint8Array; height: number; width: number };
    expect([f.height, f.width, f.data.length]).toEqual([10, 5, 150]);
    expect(Array.from(f.data.subarray(12, 15))).toEqual([255, 255, 255]);
    expect(f.data.reduce((a, v) => a + v, 0)).toBe(255 * 6);
  });
});
