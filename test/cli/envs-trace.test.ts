import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeObs, jsonValue } from '../../cli/commands/trace.js';
import { run } from '../../cli/main.js';

/** Runs the CLI in-process, capturing stdout and stderr. */
async function tfgym(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await run(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function lines(out: string): Record<string, unknown>[] {
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('tfgym envs', () => {
  it('--json lists both Catch envs with spaces and max episode steps', async () => {
    const r = await tfgym('envs', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as {
      id: string;
      observationSpace: unknown;
      actionSpace: unknown;
      maxEpisodeSteps: number | null;
    }[];
    const byId = new Map(rows.map((x) => [x.id, x]));
    expect(byId.get('Catch-v0')).toMatchObject({
      observationSpace: { type: 'Box', low: 0, high: 255, shape: [400, 400, 1], dtype: 'uint8' },
      actionSpace: { type: 'Discrete', n: 3 },
      maxEpisodeSteps: null,
    });
    expect(byId.get('bsuite/Catch-v0')).toMatchObject({
      observationSpace: { type: 'Box', low: 0, high: 1, shape: [10, 5], dtype: 'float32' },
      actionSpace: { type: 'Discrete', n: 3 },
    });
  });

  it('prints a table', async () => {
    const r = await tfgym('envs');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^id\s+observation\s+action\s+max steps/);
    expect(r.out).toMatch(/Catch-v0\s+Box\(0, 255, \[400, 400, 1\], uint8\)\s+Discrete\(3\)/);
  });
});

describe('tfgym trace', () => {
  it('bsuite/Catch-v0 reproduces the bsuite fixture line by line (resets after each episode)', async () => {
    const fx = JSON.parse(
      readFileSync(new URL('../../../shared/reference/bsuite-catch/catch_seed1.json', import.meta.url), 'utf8'),
    ) as {
      episodes: {
        reset: { board: number[][] };
        steps: { t: number; action: number; reward: number; terminal: boolean; board: number[][] }[];
      }[];
    };
    const expected: Record<string, unknown>[] = [];
    const actions: number[] = [];
    fx.episodes.slice(0, 3).forEach((ep, e) => {
      expected.push({ reset: true, seed: e === 0 ? 1 : null, obs: ep.reset.board.flat() });
      for (const s of ep.steps) {
        actions.push(s.action);
        expected.push({
          t: s.t,
          action: s.action,
          reward: s.reward,
          terminated: s.terminal,
          truncated: false,
          obs: s.board.flat(),
        });
      }
    });
    const r = await tfgym('trace', '--env', 'bsuite/Catch-v0', '--seed', '1', '--actions', actions.join(','));
    expect(r.code).toBe(0);
    const got = lines(r.out);
    expect(got.map(({ info: _i, ...rest }) => rest)).toEqual([
      ...expected,
      { reset: true, seed: null, obs: fx.episodes[3]?.reset.board.flat() },
    ]);
    expect(Object.keys(got[1] ?? {})).toEqual(['t', 'action', 'reward', 'terminated', 'truncated', 'obs', 'info']);
    expect(Object.keys(got[0] ?? {})).toEqual(['reset', 'seed', 'obs', 'info']);
  });

  it('Catch-v0 at 40x40 prints the frame; info carries positions (hand-computed)', async () => {
    const r = await tfgym('trace', '--env', 'Catch-v0', '--seed', '3', '--opt', 'size=40', '--actions', '0,0,2');
    expect(r.code).toBe(0);
    const got = lines(r.out);
    expect(got).toHaveLength(4);
    const ballX = (got[0]?.['info'] as { ballX: number }).ballX;
    const infos = got.map((l) => l['info']);
    expect(infos).toEqual([
      { ballX, ballY: 1, paddleX: 20 },
      { ballX, ballY: 2, paddleX: 18 },
      { ballX, ballY: 3, paddleX: 16 },
      { ballX, ballY: 4, paddleX: 18 },
    ]);
    // Frame after the last step: ball [ballX, ballX+2) x [4, 6), paddle [18, 23) x [35, 36), clipped at 40.
    const frame = new Array<number>(1600).fill(0);
    for (let y = 4; y < 6; y++) for (let x = ballX; x < Math.min(40, ballX + 2); x++) frame[y * 40 + x] = 255;
    for (let x = 18; x < 23; x++) frame[35 * 40 + x] = 255;
    expect(got[3]?.['obs']).toEqual(frame);
    expect(got[3]).toMatchObject({ t: 2, action: 2, reward: 0, terminated: false, truncated: false });
  });

  it('Catch-v0 at 400x400 hashes the raw frame bytes instead of printing 160000 values', async () => {
    const r = await tfgym('trace', '--env', 'Catch-v0', '--seed', '0', '--actions', '1');
    expect(r.code).toBe(0);
    const got = lines(r.out);
    const info = got[1]?.['info'] as { ballX: number; ballY: number; paddleX: number };
    expect(info.ballY).toBe(20);
    const frame = new Uint8Array(400 * 400);
    for (let y = 20; y < 40; y++)
      for (let x = info.ballX; x < Math.min(400, info.ballX + 20); x++) frame[y * 400 + x] = 255;
    for (let y = 350; y < 360; y++) for (let x = 200; x < 250; x++) frame[y * 400 + x] = 255;
    expect(got[1]).not.toHaveProperty('obs');
    expect(got[1]?.['obsSha256']).toBe(createHash('sha256').update(frame).digest('hex'));
  });

  it('--random-actions: N steps, a reset after each 33-step Catch episode, deterministic per action seed', async () => {
    const a = await tfgym('trace', '--env', 'Catch-v0', '--seed', '5', '--opt', 'size=40', '--random-actions', '70');
    expect(a.code).toBe(0);
    const got = lines(a.out);
    expect(got.filter((l) => 't' in l)).toHaveLength(70);
    expect(got.filter((l) => l['reset'] === true).map((l) => [got.indexOf(l), l['seed']])).toEqual([
      [0, 5],
      [34, null],
      [68, null],
    ]);
    const b = await tfgym('trace', '--env', 'Catch-v0', '--seed', '5', '--opt', 'size=40', '--random-actions', '70');
    expect(b.out).toBe(a.out);
    const c = await tfgym(
      'trace',
      '--env',
      'Catch-v0',
      '--seed',
      '5',
      '--opt',
      'size=40',
      '--random-actions',
      '70',
      '--action-seed',
      '6',
    );
    expect(c.out).not.toBe(a.out);
    expect(lines(c.out)[0]).toEqual(got[0]);
  });

  it.each([
    [['--env', 'Catch-v1', '--seed', '0', '--actions', '1'], /Unknown env id 'Catch-v1'.*Catch-v0/],
    [['--env', 'Catch-v0', '--seed', '0'], /exactly one of --actions/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '1', '--random-actions', '3'], /exactly one of --actions/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '0,3'], /action 3 \(position 2\).*Discrete\(3\)/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '0,x'], /--actions/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '1', '--opt', 'size=41'], /size must be one of/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '1', '--opt', 'sise=40'], /unknown option 'sise'/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '1', '--opt', 'size'], /key=value/],
    [['--env', 'Catch-v0', '--seed', '-1', '--actions', '1'], /--seed/],
    [['--env', 'bsuite/Catch-v0', '--seed', '4294967296', '--actions', '1'], /seed/],
    [['--env', 'Catch-v0', '--seed', '0', '--actions', '1', '--action-seed', '2'], /--action-seed only applies/],
  ])('bad input %j exits 2 with one line', async (args, msg) => {
    const r = await tfgym('trace', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });
});

describe('trace encoding', () => {
  it('typed arrays flatten, large ones hash their raw bytes, non-JSON values become strings', () => {
    expect(encodeObs(new Float32Array([0.5, 1]))).toEqual({ obs: [0.5, 1] });
    expect(encodeObs(3)).toEqual({ obs: 3 });
    const big = new Uint16Array(4097).fill(1);
    const bytes = new Uint8Array(big.buffer);
    expect(encodeObs(big)).toEqual({ obsSha256: createHash('sha256').update(bytes).digest('hex') });
    expect(
      jsonValue({ a: new Int32Array([1, -2]), b: NaN, c: -Infinity, d: 5n, e: [Infinity], f: 'x', g: null }),
    ).toEqual({
      a: [1, -2],
      b: 'nan',
      c: '-inf',
      d: '5',
      e: ['inf'],
      f: 'x',
      g: null,
    });
  });

  it('the built bin runs trace end to end (npm test builds dist first)', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/tfgym.js', 'trace', '--env', 'bsuite/Catch-v0', '--seed', '0', '--actions', '1'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l['info'])).toEqual([
      { ballX: 4, ballY: 0, paddleX: 2 },
      { ballX: 4, ballY: 1, paddleX: 2 },
    ]);
    const bad = spawnSync(
      process.execPath,
      ['bin/tfgym.js', 'trace', '--env', 'bsuite/Catch-v1', '--seed', '0', '--actions', '1'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Did you mean: bsuite\/Catch-v0/);
  });
});
