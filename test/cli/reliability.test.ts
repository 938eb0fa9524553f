/**
 * Reliability of the CLI as a hostile user meets it: bad input of every kind exits 1 or 2 with one
 * line (never a stack trace, never a hang), damaged run files are caught by every loader, and a
 * training process SIGKILLed at any point resumes to the same final weights as a run never
 * interrupted, leaving no temporary files behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../../src/metrics/crc32c.js';
import { TINY_CATCH_DQN } from '../viewer/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tfgym-reliability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/** Runs the compiled CLI (npm test builds dist/ first), killed after `timeoutMs`. */
function tfgym(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Result {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TFGYM_BACKEND: '', TFGYM_HOME: join(dir, 'home'), ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

/** The pid of a process that has exited (its temp files are a dead writer's). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

// The viewer tests' tiny Catch DQN (later flags win), checkpointing every 50 steps with the replay
// (an exact resume) and keeping a best model.
const TINY = [
  'train',
  ...TINY_CATCH_DQN,
  '--learning-starts',
  '40',
  '--hidden-sizes',
  '8',
  '--train-frequency',
  '2',
  '--buffer-size',
  '500',
  '--checkpoint-every',
  '50',
  '--save-replay',
  '--eval-every',
  '100',
  '--eval-episodes',
  '3',
  '--final-eval-episodes',
  '0',
  '--backend',
  'cpu',
  '--seed',
  '5',
  '--quiet',
];
const STEPS = ['--total-steps', '300'];

const ref = join(dir, 'ref');
beforeAll(() => {
  const r = tfgym([...TINY, ...STEPS, '--run-dir', ref]);
  if (r.code !== 0) throw new Error(`reference run failed: ${r.err}`);
}, 120_000);

/** The final weights of a run: its latest checkpoint's online network. */
function finalWeights(run: string): Buffer {
  const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
  return readFileSync(join(run, 'checkpoints', latest.dir, 'online', 'weights.bin'));
}

/** Names in a run directory and its checkpoints/ that are temporary files of a write. */
function temps(run: string): string[] {
  const names = [...readdirSync(run), ...readdirSync(join(run, 'checkpoints')).map((n) => `checkpoints/${n}`)];
  return names.filter((n) => /\.(tmp|old)-\d+/.test(n));
}

/** Copies the reference run to a fresh folder for one damage case. */
function copyRun(name: string): string {
  const to = join(dir, name);
  cpSync(ref, to, { recursive: true });
  return to;
}

function latestDir(run: string): string {
  const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
  return join(run, 'checkpoints', latest.dir);
}

/** Flips bytes in the middle of a file, keeping its size. */
function garble(path: string): void {
  const b = readFileSync(path);
  for (let i = Math.floor(b.length / 3); i < Math.floor(b.length / 3) + 16 && i < b.length; i++)
    b[i] = 255 - (b[i] ?? 0);
  writeFileSync(path, b);
}

/** Writes NaN into a model folder's weights and records the matching CRC everywhere it is kept. */
function poisonWeights(modelDir: string, checkpointJson?: string, key?: string): void {
  const w = readFileSync(join(modelDir, 'weights.bin'));
  const f = new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4);
  f.fill(NaN, 0, 4);
  writeFileSync(join(modelDir, 'weights.bin'), w);
  const crc = crc32c(new Uint8Array(w));
  const mj = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { tfgym?: { weightsCrc32c: number } };
  mj.tfgym = { weightsCrc32c: crc };
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify(mj));
  if (checkpointJson && key) {
    const cp = JSON.parse(readFileSync(checkpointJson, 'utf8')) as { crc32c: Record<string, number> };
    cp.crc32c[key] = crc;
    writeFileSync(checkpointJson, JSON.stringify(cp));
  }
}

/** The one-line-error contract: exit 1 or 2, exactly one stderr line, `error: ...`, no stack. */
function expectOneLineError(r: Result, pattern: RegExp, code?: 1 | 2): void {
  const lines = r.err.split('\n').filter((l) => l.trim() !== '' && !/^backend: /.test(l));
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at |TFGYM_DEBUG/);
  if (code !== undefined) expect(r.code, r.err).toBe(code);
  else expect([1, 2]).toContain(r.code);
}

describe('bad input: one line naming the problem, exit 1 or 2, no hang', () => {
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'not a folder');
  const badJson = join(dir, 'bad.json');
  writeFileSync(badJson, '{"learningRate": 0.1,');
  const unknownKey = join(dir, 'unknown-key.json');
  writeFileSync(unknownKey, JSON.stringify({ learningRat: 0.1 }));
  const base = ['train', 'dqn', '--env', 'bsuite/Catch-v0', '--total-steps', '100', '--backend', 'cpu'];
  const run = (name: string): string[] => ['--run-dir', join(dir, 'bad', name)];
  const cases: Array<{ name: string; args: string[]; env?: Record<string, string>; error: RegExp; code?: 1 | 2 }> = [
    { name: 'unknown flag', args: [...base, '--nope', ...run('a')], error: /unknown option '--nope'/, code: 2 },
    { name: 'unknown command', args: ['tarin'], error: /unknown command 'tarin'/, code: 2 },
    { name: 'NaN number', args: [...base, '--learning-rate', 'NaN', ...run('b')], error: /learningRate/, code: 2 },
    { name: 'negative budget', args: [...base, '--total-steps', '-5', ...run('c')], error: /total-steps/, code: 2 },
    { name: 'non-integer seed', args: [...base, '--seed', 'abc', ...run('d')], error: /seed/, code: 2 },
    { name: 'tau 0', args: [...base, '--tau', '0', ...run('e')], error: /tau.*never moves/, code: 2 },
    { name: 'huge n-step', args: [...base, '--n-step', '1000000', ...run('f')], error: /nStep/, code: 2 },
    {
      name: 'exploration fraction 0',
      args: [...base, '--exploration-fraction', '0', ...run('g')],
      error: /explorationFraction.*constant epsilon/,
      code: 2,
    },
    {
      name: 'batch 1e9',
      args: [...base, '--batch-size', '1e9', ...run('h')],
      error: /batchSize=1000000000 needs/,
      code: 2,
    },
    {
      name: 'buffer 1e12',
      args: [...base, '--buffer-size', '1e12', ...run('i')],
      error: /bufferSize=1000000000000 needs .* replay memory/,
      code: 2,
    },
    {
      name: 'hidden 1e9',
      args: [...base, '--hidden-sizes', '1000000000', ...run('j')],
      error: /hiddenSizes="1000000000" needs/,
      code: 2,
    },
    {
      name: 'tabular-q on pixels',
      args: ['train', 'tabular-q', '--env', 'Catch-v0', '--episodes', '2', ...run('k')],
      error: /tabular-q keys its table by whole observations/,
      code: 2,
    },
    {
      name: 'run dir is a file',
      args: [...base, '--run-dir', aFile],
      error: /is a file, not a run directory/,
      code: 2,
    },
    {
      name: 'run dir under a file',
      args: [...base, '--run-dir', join(aFile, 'x')],
      error: /a-file is a file, not a folder/,
      code: 2,
    },
    { name: 'run dir in /proc', args: [...base, '--run-dir', '/proc/tfgym-run'], error: /proc file system/, code: 2 },
    { name: 'config not JSON', args: [...base, '--config', badJson, ...run('l')], error: /bad\.json/, code: 2 },
    { name: 'config unknown key', args: [...base, '--config', unknownKey, ...run('m')], error: /learningRat/, code: 2 },
    { name: 'config missing', args: [...base, '--config', join(dir, 'nope.json'), ...run('n')], error: /nope\.json/ },
    {
      name: 'unknown env',
      args: ['train', 'dqn', '--env', 'Nope-v9', '--episodes', '1', ...run('o')],
      error: /Nope-v9/,
    },
    { name: 'unknown backend env var', args: ['info'], env: { TFGYM_BACKEND: 'bogus' }, error: /bogus/, code: 2 },
    { name: 'eval of no run', args: ['eval', '--run-dir', join(dir, 'nothing')], error: /not a tfgym run/, code: 2 },
    {
      name: 'resume of no run',
      args: ['train', 'dqn', '--resume', '--run-dir', join(dir, 'nothing')],
      error: /nothing/,
    },
    {
      name: 'cifar10-predict without --model',
      args: ['example', 'cifar10-predict'],
      error: /needs --model DIR/,
      code: 2,
    },
    {
      name: 'cifar10-predict with a missing model',
      args: ['example', 'cifar10-predict', '--model', join(dir, 'no-model')],
      error: /--model .*no-model: no such file/,
      code: 2,
    },
    {
      name: 'vgg16 with missing weights',
      args: ['example', 'vgg16', '--weights', join(dir, 'missing.json')],
      error: /--weights .*missing\.json: no such file/,
      code: 2,
    },
    { name: 'unknown example variant', args: ['example', 'mnist-mlp', '--variant', 'nope'], error: /nope/, code: 2 },
  ];

  it.each(cases)('$name', ({ args, env, error, code }) => {
    const r = tfgym(args, env, 20_000);
    expect(r.code, `timed out or crashed: ${r.err}`).not.toBeNull();
    expectOneLineError(r, error, code);
  });

  it('validates before expensive work: no download, no 138M-parameter model', () => {
    // Without --model nothing is fetched into TFGYM_HOME; a missing --weights fails before VGG16 is built.
    expect(existsSync(join(dir, 'home', 'datasets'))).toBe(false);
    const r = tfgym(['example', 'vgg16', '--weights', join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(8000);
  });
});

describe('damaged run files: every loader checks them', () => {
  it('a weights.bin garbled at the same size: eval of best/ and of the latest checkpoint, and resume, fail in one line', () => {
    const run = copyRun('garbled');
    garble(join(run, 'best', 'weights.bin'));
    expectOneLineError(tfgym(['eval', '--run-dir', run, '--episodes', '2']), /best.*CRC-32C/, 1);
    garble(join(latestDir(run), 'online', 'weights.bin'));
    expectOneLineError(tfgym(['eval', '--run-dir', run, '--model', 'latest', '--episodes', '2']), /CRC-32C/, 1);
    expectOneLineError(tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet']), /corrupt/, 1);
    // watch loads through the same checks, before it serves anything.
    expectOneLineError(tfgym(['watch', '--run-dir', run, '--port', '0', '--episodes', '1']), /best.*CRC-32C/, 1);
  });

  it('NaN weights with valid CRCs are refused by eval and resume', () => {
    const run = copyRun('nan');
    poisonWeights(join(run, 'best'));
    expectOneLineError(tfgym(['eval', '--run-dir', run, '--episodes', '2']), /NaN or infinite/, 1);
    const cp = latestDir(run);
    poisonWeights(join(cp, 'online'), join(cp, 'checkpoint.json'), 'online/weights.bin');
    expectOneLineError(tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet']), /NaN or infinite/, 1);
  });

  it('a replay action outside the action space, or an all-zero RNG state, with valid CRCs, is refused on resume', () => {
    const run = copyRun('replay-action');
    const cp = latestDir(run);
    const meta = JSON.parse(readFileSync(join(cp, 'checkpoint.json'), 'utf8')) as {
      agentState: { blobs: Array<{ name: string; offset: number; length: number }> };
      crc32c: Record<string, number>;
      trainer: { rng: { s: number[] } };
    };
    const entry = meta.agentState.blobs.find((b) => b.name === 'replay.actions');
    expect(entry).toBeDefined();
    const blobs = readFileSync(join(cp, 'blobs.bin'));
    blobs.writeInt32LE(99999, entry?.offset ?? 0);
    writeFileSync(join(cp, 'blobs.bin'), blobs);
    meta.crc32c['blobs.bin'] = crc32c(new Uint8Array(blobs));
    writeFileSync(join(cp, 'checkpoint.json'), JSON.stringify(meta));
    expectOneLineError(tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet']), /action 99999/, 1);

    const run2 = copyRun('zero-rng');
    const cp2 = latestDir(run2);
    const meta2 = JSON.parse(readFileSync(join(cp2, 'checkpoint.json'), 'utf8')) as {
      trainer: { rng: { s: number[] } };
    };
    meta2.trainer.rng.s = [0, 0, 0, 0];
    writeFileSync(join(cp2, 'checkpoint.json'), JSON.stringify(meta2));
    expectOneLineError(tfgym(['train', 'dqn', '--resume', '--run-dir', run2, '--quiet']), /all four words are 0/, 1);
  });

  it('checkpoint.json or config.json that is not JSON: one line, never a stack trace', () => {
    const run = copyRun('bad-json');
    writeFileSync(join(latestDir(run), 'checkpoint.json'), '{"format": "tfgym-checkpoint",');
    expectOneLineError(
      tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet']),
      /checkpoint\.json is corrupt/,
      1,
    );
    writeFileSync(join(run, 'config.json'), '{"agent": ');
    expectOneLineError(tfgym(['eval', '--run-dir', run, '--episodes', '1']), /config\.json is corrupt/, 2);
  });

  it('both budgets are accepted, and the output says which rule ends the run', () => {
    const r = tfgym(
      ['train', 'random', '--env', 'bsuite/Catch-v0', '--total-steps', '30', '--episodes', '2'].concat([
        '--run-dir',
        join(dir, 'both-budgets'),
        '--final-eval-episodes',
        '0',
      ]),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/budget: 30 steps or 2 episodes, whichever runs out first/);
    expect(r.out).toMatch(/done: \d+ steps, 2 episodes/);
  });

  it('a corrupt or missing latest.json falls back to the newest intact checkpoint, saying so', () => {
    const run = copyRun('latest-bad');
    writeFileSync(join(run, 'checkpoints', 'latest.json'), '{"dir": ');
    const e = tfgym(['eval', '--run-dir', run, '--model', 'latest', '--episodes', '2', '--json']);
    expect(e.code, e.err).toBe(0);
    const r = tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet', '--total-steps', '320']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/latest\.json is corrupt; using the newest intact checkpoint, step-000000300/);
    rmSync(join(run, 'checkpoints', 'latest.json'));
    const m = tfgym(['eval', '--run-dir', run, '--model', 'latest', '--episodes', '2']);
    expect(m.code, m.err).toBe(0);
    expect(m.out + m.err).toMatch(/latest\.json is missing; using the newest intact checkpoint, step-000000320/);
  });
});

describe('interruptions: SIGKILL at any point, resume, same final weights', () => {
  /** Starts a training run and SIGKILLs it once `ready(runDir)` holds (polled); resolves when it is dead. */
  function killWhen(run: string, ready: (run: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/tfgym.js', ...TINY, ...STEPS, '--run-dir', run], {
        env: { ...process.env, TFGYM_BACKEND: '' },
        stdio: 'ignore',
      });
      const timer = setInterval(() => {
        if (ready(run)) child.kill('SIGKILL');
      }, 2);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
      child.on('error', reject);
    });
  }

  const resume = (run: string): Result => tfgym(['train', 'dqn', '--resume', '--run-dir', run, '--quiet']);
  const latestStep = (run: string): number => {
    try {
      return (JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8')) as { step: number }).step;
    } catch {
      return -1;
    }
  };

  it('killed before its first checkpoint: --resume starts it again and says so', async () => {
    const run = join(dir, 'kill-early');
    await killWhen(run, (r) => existsSync(join(r, 'config.json')));
    // Whatever the kill caught, a run with no checkpoint is what is tested here.
    rmSync(join(run, 'checkpoints'), { recursive: true, force: true });
    const r = resume(run);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/has no complete checkpoint .*starting it again from step 0 with its saved settings/);
    expect(finalWeights(run).equals(finalWeights(ref))).toBe(true);
  });

  it('killed mid-run and mid-write (temp folders of a dead writer left behind): resumes exactly, cleans up', async () => {
    const run = join(dir, 'kill-mid');
    await killWhen(run, (r) => latestStep(r) >= 150);
    expect(existsSync(join(run, 'checkpoints'))).toBe(true);
    // What a kill inside a checkpoint or best-model write leaves: a half-written step folder, a
    // temp file of an atomic write, and best/ moved aside before its replacement came in.
    const pid = deadPid();
    mkdirSync(join(run, 'checkpoints', `step-000000999.tmp-${pid}`, 'online'), { recursive: true });
    writeFileSync(join(run, 'checkpoints', `step-000000999.tmp-${pid}`, 'online', 'weights.bin'), 'partial');
    writeFileSync(join(run, 'checkpoints', `latest.json.tmp-${pid}-3`), '{"dir":');
    if (existsSync(join(run, 'best'))) cpSync(join(run, 'best'), join(run, `best.old-${pid}`), { recursive: true });
    rmSync(join(run, 'best'), { recursive: true, force: true });
    const hadBest = existsSync(join(run, `best.old-${pid}`));
    const r = tfgym(['train', 'dqn', '--resume', '--run-dir', run]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/cleaned up after an interrupted write: removed \d+ temporary file/);
    expect(temps(run)).toEqual([]);
    if (hadBest) expect(existsSync(join(run, 'best', 'model.json'))).toBe(true);
    expect(finalWeights(run).equals(finalWeights(ref))).toBe(true);
  });

  it('killed at several points in a row: every resume continues, the end is bit-identical', async () => {
    const run = join(dir, 'kill-many');
    await killWhen(run, (r) => latestStep(r) >= 50);
    for (const at of [100, 200]) {
      // Resume in the background and kill it again once it has checkpointed past `at`.
      await new Promise<void>((resolve) => {
        const child = spawn(
          process.execPath,
          ['bin/tfgym.js', 'train', 'dqn', '--resume', '--run-dir', run, '--quiet'],
          {
            env: { ...process.env, TFGYM_BACKEND: '' },
            stdio: 'ignore',
          },
        );
        const timer = setInterval(() => {
          if (latestStep(run) >= at) child.kill('SIGKILL');
        }, 2);
        child.on('exit', () => {
          clearInterval(timer);
          resolve();
        });
      });
    }
    const r = resume(run);
    expect(r.code, r.err).toBe(0);
    expect(temps(run)).toEqual([]);
    expect(finalWeights(run).equals(finalWeights(ref))).toBe(true);
  });
});
