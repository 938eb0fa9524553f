// AsyncVectorEnv: equal to SyncVectorEnv step for step (both autoreset modes), clear errors
// (never a hang) when a worker's env throws or its thread exits, and a process that can exit.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../../envs/index.js';
import { AsyncVectorEnv, AsyncVectorEnvError } from '../../../src/core/async-vector-env.js';
import { make } from '../../../src/core/registry.js';
import { SyncVectorEnv, type AutoresetMode } from '../../../src/core/vector-env.js';
import { Rng } from '../../../src/rng/rng.js';

const TEST_ENVS = new URL('./async-test-envs.ts', import.meta.url);

function compare(id: string, n: number, mode: AutoresetMode, steps: number, numWorkers: number): void {
  const sync = new SyncVectorEnv(
    Array.from({ length: n }, () => () => make(id)),
    { autoresetMode: mode },
  );
  const asyncEnv = new AsyncVectorEnv(id, { numEnvs: n, autoresetMode: mode, numWorkers });
  try {
    expect(asyncEnv.observationSpace.toString()).toBe(sync.observationSpace.toString());
    expect(asyncEnv.actionSpace.toString()).toBe(sync.actionSpace.toString());
    const [so, si] = sync.reset({ seed: 42 });
    const [ao, ai] = asyncEnv.reset({ seed: 42 });
    expect(ao.constructor).toBe(so.constructor);
    expect(Array.from(ao)).toEqual(Array.from(so));
    expect(ai).toEqual(si);
    const rng = new Rng(7);
    let ends = 0;
    for (let t = 0; t < steps; t++) {
      const actions = Array.from({ length: n }, () => sync.singleActionSpace.sample(rng) as number);
      const s = sync.step(actions);
      const a = asyncEnv.step(actions);
      for (let k = 0; k < 4; k++)
        expect(Array.from(a[k] as ArrayLike<number>)).toEqual(Array.from(s[k] as ArrayLike<number>));
      expect(a[4]).toEqual(s[4]);
      for (let i = 0; i < n; i++) ends += (s[2][i] as number) | (s[3][i] as number);
    }
    // The comparison crossed episode boundaries (autoresets) in every configuration.
    expect(ends).toBeGreaterThan(0);
  } finally {
    asyncEnv.close();
    sync.close();
  }
}

describe('AsyncVectorEnv', () => {
  it.each(['next-step', 'same-step'] as const)('equals SyncVectorEnv on CartPole-v1 (%s)', (mode) => {
    compare('CartPole-v1', 4, mode, 300, 2);
  });

  it.each(['next-step', 'same-step'] as const)('equals SyncVectorEnv on bsuite/Catch-v0 (%s)', (mode) => {
    compare('bsuite/Catch-v0', 3, mode, 200, 2);
  });

  it("equals SyncVectorEnv in 'disabled' mode, the ended sub-envs reset by mask with fresh seeds", () => {
    const n = 5;
    const sync = new SyncVectorEnv(
      Array.from({ length: n }, () => () => make('CartPole-v1')),
      { autoresetMode: 'disabled' },
    );
    const asyncEnv = new AsyncVectorEnv('CartPole-v1', { numEnvs: n, autoresetMode: 'disabled', numWorkers: 2 });
    try {
      const [so] = sync.reset({ seed: 3 });
      const [ao] = asyncEnv.reset({ seed: 3 });
      expect(Array.from(ao)).toEqual(Array.from(so));
      const rng = new Rng(11);
      let resets = 0;
      for (let t = 0; t < 200; t++) {
        const actions = Array.from({ length: n }, () => rng.nextInt(2));
        const s = sync.step(actions);
        const a = asyncEnv.step(actions);
        for (let k = 0; k < 4; k++)
          expect(Array.from(a[k] as ArrayLike<number>)).toEqual(Array.from(s[k] as ArrayLike<number>));
        const mask = Array.from({ length: n }, (_, i) => (s[2][i] as number) + (s[3][i] as number) > 0);
        if (mask.some(Boolean)) {
          const seeds = mask.map((m) => (m ? rng.nextSeed() : undefined));
          const [so2, si] = sync.reset({ seed: seeds, resetMask: mask });
          const [ao2, ai] = asyncEnv.reset({ seed: seeds, resetMask: mask });
          expect(Array.from(ao2)).toEqual(Array.from(so2));
          expect(ai).toEqual(si);
          // The flag arrays are live buffers: both cleared the reset sub-envs' flags, and only theirs.
          expect(Array.from(a[2])).toEqual(Array.from(s[2]));
          expect(mask.some((m, i) => m && (a[2][i] as number) + (a[3][i] as number) > 0)).toBe(false);
          resets++;
        }
      }
      expect(resets).toBeGreaterThan(3);
      const ended = new Array<boolean>(n).fill(false);
      // Step until one ends, then refuse to step it: checked on the main thread, the env stays usable.
      for (let t = 0; t < 600 && !ended.some(Boolean); t++) {
        const a = asyncEnv.step(new Array<number>(n).fill(0));
        for (let i = 0; i < n; i++) ended[i] = (a[2][i] as number) + (a[3][i] as number) > 0;
      }
      expect(() => asyncEnv.step(new Array<number>(n).fill(0))).toThrow(/ended on an earlier step/);
      asyncEnv.reset({ seed: 1 });
      expect(() => asyncEnv.step(new Array<number>(n).fill(0))).not.toThrow();
    } finally {
      asyncEnv.close();
      sync.close();
    }
  });

  it('seeds with arrays, passes envOptions and accepts a seedless reset', () => {
    const v = new AsyncVectorEnv('CartPole-v1', { numEnvs: 2, numWorkers: 1, envOptions: { maxEpisodeSteps: 3 } });
    try {
      const [o] = v.reset({ seed: [5, 9] });
      const a = make<Float32Array, number>('CartPole-v1').reset({ seed: 5 })[0];
      const b = make<Float32Array, number>('CartPole-v1').reset({ seed: 9 })[0];
      expect(Array.from(o)).toEqual([...a, ...b]);
      for (let t = 0; t < 2; t++) v.step([0, 0]);
      expect(Array.from(v.step([0, 0])[3])).toEqual([1, 1]);
      expect(() => v.reset({ seed: [1] })).toThrow(/2 entries/);
      v.reset();
    } finally {
      v.close();
    }
    expect(() => v.step([0, 0])).toThrow(/closed/);
  });

  it('names the env id and index when an env throws, and closes', () => {
    const v = new AsyncVectorEnv('test/Faulty-v0', {
      numEnvs: 3,
      numWorkers: 3,
      modules: [TEST_ENVS],
      envOptions: { throwAt: 2 },
    });
    v.reset({ seed: 0 });
    v.step([0, 0, 0]);
    let err: unknown = null;
    try {
      v.step([0, 0, 0]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AsyncVectorEnvError);
    expect((err as Error).message).toMatch(
      /sub-env 0 \('test\/Faulty-v0'\) failed in step: RangeError: faulty env broke at step 2/,
    );
    expect(() => v.step([0, 0, 0])).toThrow(/closed/);
  });

  it('reports a factory that throws, naming the env', () => {
    expect(
      () => new AsyncVectorEnv('test/Faulty-v0', { numEnvs: 2, modules: [TEST_ENVS], envOptions: { failMake: true } }),
    ).toThrow(/sub-env 0 \('test\/Faulty-v0'\) failed in make: Error: faulty factory/);
    expect(() => new AsyncVectorEnv('NoSuchEnv-v0', { numEnvs: 1 })).toThrow(/Unknown env id 'NoSuchEnv-v0'/);
  });

  it('reports a worker thread that exits, without hanging', () => {
    const v = new AsyncVectorEnv('test/Faulty-v0', {
      numEnvs: 2,
      numWorkers: 2,
      modules: [TEST_ENVS],
      envOptions: { exitAt: 1 },
    });
    v.reset({ seed: 0 });
    const t0 = Date.now();
    expect(() => v.step([0, 0])).toThrow(/worker of sub-envs 0\.\.0 \('test\/Faulty-v0'\) died/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('lets the process exit after close(), and without it', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const hooks = fileURLToPath(new URL('../../../src/core/ts-worker-hooks.mjs', import.meta.url));
    for (const callClose of [true, false]) {
      const script = [
        `import { register } from 'node:module';`,
        `register(${JSON.stringify(new URL(`file://${hooks}`).href)});`,
        `const { AsyncVectorEnv } = await import(${JSON.stringify(new URL('../../../src/core/async-vector-env.ts', import.meta.url).href)});`,
        `const v = new AsyncVectorEnv('CartPole-v1', { numEnvs: 2 });`,
        `v.reset({ seed: 1 }); v.step([0, 1]);`,
        callClose ? 'v.close();' : '',
        `console.log('ok');`,
      ].join('\n');
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: here,
        timeout: 30_000,
        encoding: 'utf8',
      });
      expect({ status: r.status, out: r.stdout.trim(), err: r.stderr.includes('Error') ? r.stderr : '' }).toEqual({
        status: 0,
        out: 'ok',
        err: '',
      });
    }
  });
});
