import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../cli/main.js';
import { loadFixture, type Fixture } from './fixtures.js';

/** Runs the CLI in-process and returns its stdout JSON lines. */
async function trace(...args: string[]): Promise<Record<string, unknown>[]> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    expect(await run(['trace', ...args])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The fixture's cell list as the flat `[10][10][C]` 0/1 array trace prints. */
function flat(list: [number, number, number][], C: number): number[] {
  const a = new Array<number>(100 * C).fill(0);
  for (const [r, c, ch] of list) a[(r * 10 + c) * C + ch] = 1;
  return a;
}

/** The trace lines a fixture predicts for its first `n` steps (resets included). */
function expectedLines(fx: Fixture, n: number): { lines: Record<string, unknown>[]; actions: number[] } {
  const C = fx.state_shape[2];
  const lines: Record<string, unknown>[] = [];
  const actions: number[] = [];
  // A reset keeps last_action: the env starts with 0, later resets carry the last step's.
  let lastEff = 0;
  for (const ep of fx.episodes) {
    if (actions.length >= n) break;
    lines.push({
      reset: true,
      seed: ep.index === 0 ? fx.seed : null,
      obs: flat(ep.reset_obs, C),
      info: { effectiveAction: lastEff, difficultyRamp: ep.ramp_after_reset, rngNext: ep.rng_after_reset },
    });
    for (const st of ep.steps) {
      if (actions.length >= n) break;
      actions.push(st.a);
      lastEff = st.a_eff;
      lines.push({
        t: st.t,
        action: st.a,
        reward: st.r,
        terminated: st.terminal,
        truncated: false,
        obs: flat(st.obs, C),
        info: { effectiveAction: st.a_eff, difficultyRamp: st.ramp, rngNext: st.rng_next },
      });
    }
  }
  return { lines, actions };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('tfgym trace on MinAtar', () => {
  const cases: [string, string, string[]][] = [
    ['breakout_seed0_sticky0.1_ramp.json.gz', 'MinAtar/Breakout-v0', []],
    [
      'seaquest_seed0_sticky0.0_noramp.json.gz',
      'MinAtar/Seaquest-v0',
      ['--opt', 'stickyActionProb=0', '--opt', 'difficultyRamping=false'],
    ],
    ['asterix_seed1_sticky0.1_ramp.json.gz', 'MinAtar/Asterix-v0', []],
  ];
  for (const [file, id, opts] of cases) {
    it(`${id} ${opts.join(' ')} reproduces ${file} line by line`, async () => {
      const fx = loadFixture(file);
      const { lines, actions } = expectedLines(fx, 400);
      const got = await trace('--env', id, '--seed', String(fx.seed), '--actions', actions.join(','), ...opts);
      expect(got.slice(0, lines.length)).toEqual(lines);
    });
  }
});
