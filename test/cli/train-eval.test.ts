import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSystemHandler } from '../../src/io/model-io.js';
import { decodeEvent, readRecords } from '../../src/metrics/tensorboard.js';

// Spawns the compiled CLI as a user would (npm test builds dist/ first).
function tfgym(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tfgym.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TFGYM_BACKEND: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'tfgym-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tfgym train / eval (tiny budgets)', () => {
  const run = join(dir, 'dqn');
  it('train dqn writes a complete run directory', () => {
    const r = tfgym(
      'train',
      'dqn',
      '--env',
      'bsuite/Catch-v0',
      '--total-steps',
      '120',
      '--learning-starts',
      '40',
      '--batch-size',
      '8',
      '--hidden-sizes',
      '8',
      '--train-frequency',
      '2',
      '--eval-every',
      '60',
      '--eval-episodes',
      '5',
      '--save-replay',
      '--run-dir',
      run,
      '--backend',
      'cpu',
      '--seed',
      '3',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/tfgym train dqn on bsuite\/Catch-v0, seed 3, backend cpu/);
    expect(r.out).toMatch(/done: 120 steps/);
    // The final greedy evaluation: --eval-episodes (5) episodes, won W of 5 on a Catch.
    expect(r.out).toMatch(
      /greedy evaluation of the trained agent \(5 episodes, seeds 1000000\.\.1000004\): won [0-5] of 5, mean return -?\d\.\d{3}/,
    );
    const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as {
      config: Record<string, unknown>;
      backend: string;
      seed: number;
    };
    expect(cfg.config['batchSize']).toBe(8);
    expect(cfg.config['learningRate']).toBe(2.5e-4);
    expect(cfg.backend).toBe('cpu');
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tag: string });
    expect(lines.some((l) => l.tag === 'charts/episodic_return')).toBe(true);
    expect(readFileSync(join(run, 'metrics.csv'), 'utf8').startsWith('wall_time,step,tag,value\n')).toBe(true);
    const ev = readdirSync(run).find((f) => f.startsWith('events.out.tfevents.'));
    const events = readRecords(new Uint8Array(readFileSync(join(run, ev as string)))).map(decodeEvent);
    expect(events.some((e) => e.values.some((v) => v.tag === 'eval/mean_return'))).toBe(true);
    expect(existsSync(join(run, 'checkpoints', 'latest.json'))).toBe(true);
  });

  it('the best model loads with plain tfjs', async () => {
    await tf.setBackend('cpu');
    const m = await tf.loadLayersModel(fileSystemHandler(join(run, 'best')));
    expect(m.outputs[0]!.shape).toEqual([null, 3]);
    m.dispose();
  });

  it('eval --json prints episodes, meanReturn, stdReturn, wins', () => {
    const r = tfgym('eval', '--run-dir', run, '--episodes', '7', '--json', '--backend', 'cpu');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, number>;
    expect(Object.keys(j)).toEqual(['episodes', 'meanReturn', 'stdReturn', 'wins']);
    expect(j['episodes']).toBe(7);
    expect(j['wins']).toBeGreaterThanOrEqual(0);
    const t = tfgym('eval', '--run-dir', run, '--episodes', '4', '--model', 'latest', '--backend', 'cpu');
    expect(t.out).toMatch(/won \d of 4/);
  });

  it('the catch preset trains and evaluates with its frame stack (config.json carries it to eval)', () => {
    const cr = join(dir, 'catch');
    const r = tfgym(
      'train',
      'dqn',
      '--env',
      'Catch-v0',
      '--env-option',
      'size=40',
      '--preset',
      'catch',
      '--episodes',
      '2',
      '--learning-starts-episodes',
      '1',
      '--batch-size',
      '8',
      '--final-eval-episodes',
      '3',
      '--run-dir',
      cr,
      '--backend',
      'cpu',
      '--quiet',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(cr, 'config.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(cfg.config['frameStack']).toBe(1);
    const e = tfgym('eval', '--run-dir', cr, '--episodes', '2', '--json', '--backend', 'cpu');
    expect(e.code).toBe(0);
    expect((JSON.parse(e.out) as Record<string, number>)['episodes']).toBe(2);
  });

  it('--resume continues from the latest checkpoint; config flags are refused', () => {
    const bad = tfgym('train', 'dqn', '--resume', '--run-dir', run, '--gamma', '0.5');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--gamma/);
    // A run begun before a config field existed resumes with that field's default.
    const cfgPath = join(run, 'config.json');
    const saved = JSON.parse(readFileSync(cfgPath, 'utf8')) as { config: Record<string, unknown> };
    delete saved.config['ezGreedyMu'];
    delete saved.config['convKernelHeights'];
    writeFileSync(cfgPath, JSON.stringify(saved));
    const r = tfgym('train', 'dqn', '--resume', '--run-dir', run, '--total-steps', '150', '--backend', 'cpu');
    expect(r.err).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/resuming at step 120/);
    expect(r.out).toMatch(/done: 150 steps/);
  });

  it('--num-envs N --vector async trains on N envs in worker threads, saves them in config.json, resumes with them', () => {
    const vr = join(dir, 'vec');
    const args = ['--env', 'CartPole-v1', '--learning-starts', '30', '--batch-size', '8', '--hidden-sizes', '8'];
    const r = tfgym(
      'train',
      'dqn',
      ...args,
      '--num-envs',
      '3',
      '--vector',
      'async',
      '--total-steps',
      '90',
      '--final-eval-episodes',
      '2',
      '--save-replay',
      '--run-dir',
      vr,
      '--backend',
      'cpu',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/envs: 3 in lockstep \(worker threads\); steps, periods and budgets count env steps/);
    expect(r.out).toMatch(/config: \{.*"hiddenSizes":\[8\]/);
    expect(r.out).toMatch(/done: 90 steps/);
    const cfg = JSON.parse(readFileSync(join(vr, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect([cfg['numEnvs'], cfg['vector']]).toEqual([3, 'async']);
    const refused = tfgym('train', 'dqn', '--resume', '--run-dir', vr, '--num-envs', '2');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/drop --num-envs/);
    const more = tfgym('train', 'dqn', '--resume', '--run-dir', vr, '--total-steps', '120', '--backend', 'cpu');
    expect(more.code).toBe(0);
    expect(more.out).toMatch(/resuming at step 90/);
    expect(more.out).toMatch(/done: 120 steps/);
    const e = tfgym('eval', '--run-dir', vr, '--episodes', '2', '--json', '--backend', 'cpu');
    expect(e.code).toBe(0);
    const w = tfgym(
      'train',
      'dqn',
      ...args,
      '--num-envs',
      '2',
      '--total-steps',
      '10',
      '--watch',
      '--run-dir',
      join(dir, 'w'),
    );
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/--watch shows one env/);
  });

  it('bad values and unknown envs exit 2 with one line', () => {
    const a = tfgym(
      'train',
      'dqn',
      '--env',
      'bsuite/Catch-v0',
      '--total-steps',
      '10',
      '--learning-rate',
      'abc',
      '--run-dir',
      join(dir, 'x'),
    );
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/learningRate/);
    expect(a.err).not.toMatch(/\n\s+at /);
    const b = tfgym('train', 'dqn', '--env', 'Nope-v0', '--total-steps', '10', '--run-dir', join(dir, 'y'));
    expect(b.code).toBe(2);
    const c = tfgym('train', 'dqn', '--env', 'bsuite/Catch-v0', '--run-dir', join(dir, 'z'));
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--total-steps N or --episodes N/);
  });

  it('help is generated from the config descriptor', () => {
    const r = tfgym('train', 'dqn', '--help');
    expect(r.code).toBe(0);
    expect(r.out.replace(/\s+/g, ' ')).toMatch(
      /--learning-rate <value> optimizer learning rate \[default: 0.00025; CleanRL\]/,
    );
    expect(r.out).toMatch(/--double-dqn/);
  });

  it('--env-option values are typed by the registry, as trace --opt', () => {
    const bad = tfgym(
      'train',
      'random',
      '--env',
      'Catch-v0',
      '--env-option',
      'size=forty',
      '--episodes',
      '1',
      '--run-dir',
      join(dir, 'opt-bad'),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Option 'size' of 'Catch-v0' must be a number\. Received: forty/);
    const typo = tfgym(
      'train',
      'random',
      '--env',
      'Catch-v0',
      '--env-option',
      'sise=40',
      '--episodes',
      '1',
      '--run-dir',
      join(dir, 'opt-typo'),
    );
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/unknown option 'sise'/);
    // A number-looking value for a string option stays a string; booleans parse as booleans.
    const ok = tfgym(
      'train',
      'random',
      '--env',
      'Catch-v0',
      '--env-option',
      'size=40',
      'book=true',
      '--episodes',
      '1',
      '--run-dir',
      join(dir, 'opt-ok'),
      '--quiet',
    );
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'opt-ok', 'config.json'), 'utf8')).envOptions).toEqual({
      size: 40,
      book: true,
    });
  });

  it('run directory problems exit 2 with one line; a corrupt checkpoint exits 1 with one line', () => {
    const taken = tfgym(
      'train',
      'random',
      '--env',
      'bsuite/Catch-v0',
      '--episodes',
      '1',
      '--run-dir',
      join(dir, 'opt-ok'),
    );
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(/already holds a run/);
    const other = tfgym('train', 'tabular-q', '--resume', '--run-dir', join(dir, 'opt-ok'));
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/holds a random run, not tabular-q/);
    const none = tfgym('eval', '--run-dir', join(dir, 'nothing-here'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/not a tfgym run directory/);
    // A checkpoint whose trainer state was damaged: resume fails with one line naming the run.
    const cr = join(dir, 'cp-bad');
    expect(
      tfgym('train', 'random', '--env', 'bsuite/Catch-v0', '--episodes', '2', '--run-dir', cr, '--quiet').code,
    ).toBe(0);
    const latest = JSON.parse(readFileSync(join(cr, 'checkpoints', 'latest.json'), 'utf8')) as { dir: string };
    const cpFile = join(cr, 'checkpoints', latest.dir, 'checkpoint.json');
    const cp = JSON.parse(readFileSync(cpFile, 'utf8')) as { agent: string };
    cp.agent = 'dqn';
    writeFileSync(cpFile, JSON.stringify(cp));
    const r = tfgym('train', 'random', '--resume', '--run-dir', cr, '--episodes', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot resume from .*cp-bad/m);
    expect(r.err).not.toMatch(/TFGYM_DEBUG|\n\s+at /);
  });

  it('tabular-q and random train too', () => {
    const t = tfgym(
      'train',
      'tabular-q',
      '--env',
      'bsuite/Catch-v0',
      '--total-steps',
      '90',
      '--run-dir',
      join(dir, 'tq'),
      '--quiet',
    );
    expect(t.code).toBe(0);
    const e = tfgym('eval', '--run-dir', join(dir, 'tq'), '--episodes', '3', '--json');
    expect(JSON.parse(e.out).episodes).toBe(3);
    const r = tfgym(
      'train',
      'random',
      '--env',
      'bsuite/Catch-v0',
      '--episodes',
      '3',
      '--run-dir',
      join(dir, 'rnd'),
      '--quiet',
    );
    expect(r.code).toBe(0);
  });

  it('drqn trains on masked-velocity CartPole from its preset, resumes, evaluates its recurrent model; help lists its flags', () => {
    const run = join(dir, 'drqn');
    const args = [
      '--seq-length',
      '4',
      '--burn-in',
      '2',
      '--overlap',
      '1',
      '--batch-size',
      '4',
      '--recurrent-units',
      '6',
    ];
    const r = tfgym(
      'train',
      'drqn',
      '--env',
      'CartPole-v1',
      '--env-option',
      'maskVelocity=true',
      '--preset',
      'cartpole-novel',
      ...args,
      '--learning-starts',
      '40',
      '--total-steps',
      '80',
      '--checkpoint-every',
      '40',
      '--eval-episodes',
      '3',
      '--save-replay',
      '--run-dir',
      run,
      '--backend',
      'cpu',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/tfgym train drqn on CartPole-v1 \(preset cartpole-novel\), seed 1, backend cpu/);
    expect(r.out).toMatch(/done: 80 steps/);
    const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as {
      envOptions: Record<string, unknown>;
      config: Record<string, unknown>;
    };
    expect(cfg.envOptions).toEqual({ maskVelocity: true });
    expect(cfg.config['cell']).toBe('lstm');
    expect(cfg.config['seqLength']).toBe(4);
    const more = tfgym('train', 'drqn', '--resume', '--run-dir', run, '--total-steps', '120', '--quiet');
    expect(more.err).not.toMatch(/\n\s+at /);
    expect(more.code).toBe(0);
    const e = tfgym('eval', '--run-dir', run, '--episodes', '3', '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).episodes).toBe(3);
    const help = tfgym('train', 'drqn', '--help');
    const flat = help.out.replace(/\s+/g, ' ');
    for (const flag of ['--cell', '--recurrent-units', '--seq-length', '--burn-in', '--overlap', '--stored-state'])
      expect(flat).toContain(flag);
    expect(flat).toMatch(/cartpole-novel: tfgym's tuned DRQN for CartPole-v1 with masked velocities/);
    const bad = tfgym(
      'train',
      'drqn',
      '--env',
      'CartPole-v1',
      '--total-steps',
      '9',
      '--seq-length',
      '4',
      '--overlap',
      '4',
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/overlap must be less than seqLength \(4\)/);
  });
});

describe('tfgym train --results', () => {
  it('appends one result line when the run finishes, with its final evaluation and provenance', () => {
    const results = join(dir, 'results', 'train.jsonl');
    const args = [
      'train',
      'random',
      '--env',
      'CartPole-v1',
      '--total-steps',
      '300',
      '--final-eval-episodes',
      '4',
      '--run-dir',
      join(dir, 'random-results'),
      '--seed',
      '5',
      '--quiet',
      '--results',
      results,
    ];
    const r = tfgym(...args);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`result line appended to ${results}`);
    const lines = readFileSync(results, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown> & {
      finalEval: { episodes: number; meanReturn: number; epsilon: number; seed: number };
    };
    expect(line).toMatchObject({
      kind: 'train',
      agent: 'random',
      env: 'CartPole-v1',
      preset: null,
      seed: 5,
      numEnvs: 1,
      totalSteps: 300,
      steps: 300,
      resumed: false,
      command: `tfgym ${args.join(' ')}`,
    });
    expect(line.finalEval.episodes).toBe(4);
    expect(line.finalEval.seed).toBe(1_000_000);
    // CartPole pays 1 a step and a random policy lasts at least 8 steps.
    expect(line.finalEval.meanReturn).toBeGreaterThanOrEqual(8);
    expect(line['wallSeconds']).toBeGreaterThan(0);
    expect(line['stepsPerSecond']).toBeGreaterThan(0);
    expect(typeof line['commit']).toBe('string');
    expect(line['machine']).toHaveProperty('cpus');
    // The learning curve comes from the run's metrics: every training episode lands in one bin.
    const curve = line['curve'] as { binSteps: number; meanReturn: (number | null)[]; episodes: number[] };
    expect(curve.binSteps).toBe(6);
    expect(curve.episodes.reduce((a, b) => a + b, 0)).toBe(line['episodes']);
    curve.meanReturn.forEach((m, i) => expect(m === null).toBe(curve.episodes[i] === 0));
  });
});
