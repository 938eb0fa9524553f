import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../agents/config.js';
import { agentNames, agentSpec, AGENTS } from '../../agents/registry.js';
import { TrainingDivergedError } from '../../agents/errors.js';
import {
  evaluate,
  EVAL_SEED,
  loadRunPolicy,
  readResolvedRunConfig,
  train,
  type TrainRunStart,
} from '../../agents/run.js';
import type { TrainEvent } from '../../agents/trainer.js';
import { trainResultLine } from '../../agents/results.js';
import '../../envs/index.js';
import { useBackend } from '../../src/backends/index.js';
import { countsWins, EnvError, spec } from '../../src/core/registry.js';
import { readCheckpoint } from '../../src/io/checkpoints.js';
import { RunDirError, RunOptionsError, readRunConfig } from '../../src/io/run-dir.js';
import { MemorySink, TAGS } from '../../src/metrics/sink.js';
import { hasWins } from '../../src/viewer/loop.js';

let dir = '';
beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfgym-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny DQN on bsuite Catch: trains in well under a second on the cpu backend. */
const TINY_DQN = { learningStarts: 20, batchSize: 8, bufferSize: 100, hiddenSizes: [8], trainFrequency: 2 };

describe('the agent registry', () => {
  it('lists the agents and names them in its error', () => {
    expect(agentNames()).toEqual(['dqn', 'drqn', 'tabular-q', 'random']);
    expect(agentSpec('dqn').presets).toHaveProperty('catch');
    expect(() => agentSpec('ppo')).toThrow(ConfigError);
    expect(() => agentSpec('ppo')).toThrow("Unknown agent 'ppo'. Choose one of: dqn, drqn, tabular-q, random");
  });

  it('hands configs out as data and validates them on the way back in', () => {
    const dqn = agentSpec('dqn');
    const c = dqn.resolve('catch', { gamma: 0.9 });
    expect(c['gamma']).toBe(0.9);
    expect(c['frameStack']).toBe(1);
    // A resolved config resolves to itself.
    expect(dqn.resolve(undefined, c)).toEqual(c);
    expect(() => dqn.resolve('nope')).toThrow(ConfigError);
    expect(() => dqn.resolve(undefined, { gamma: 2 })).toThrow(ConfigError);
    // Fields that contradict each other (a RangeError of the DQN's resolve) are ConfigErrors too.
    expect(() => dqn.resolve(undefined, { ezGreedyMu: 0.5 })).toThrow(ConfigError);
    const env = { env: null as never, obsShape: [2], obsDtype: 'float32' as const, numActions: 2, obsDivisor: 1 };
    expect(() => dqn.create({ ...c, gamma: 2 }, env, null as never, { steps: 10 })).toThrow(/gamma/);
    expect(() => agentSpec('tabular-q').resolve('fast')).toThrow('tabular-q has no presets');
    expect(() => agentSpec('random').resolve(undefined, { gamma: 0.5 })).toThrow(ConfigError);
    expect(agentSpec('random').evalEpsilon({})).toBe(1);
    // DRQN's contradictory sequence settings are ConfigErrors as well.
    expect(() => agentSpec('drqn').resolve('cartpole-novel', { overlap: 10 })).toThrow(ConfigError);
    expect(AGENTS.map((a) => a.policy)).toEqual([{ network: 'online' }, { network: 'online' }, 'state', 'none']);
  });
});

describe('win counting is an env registry field', () => {
  it("is set for the book's Catch and bsuite's Catch only, and the viewer reads it", () => {
    expect(spec('Catch-v0').countsWins).toBe(true);
    expect(spec('bsuite/Catch-v0').countsWins).toBe(true);
    expect(countsWins('MinAtar/Breakout-v1')).toBe(false);
    expect(countsWins('Unregistered-v0')).toBe(false);
    expect([
      hasWins('Catch-v0'),
      hasWins('bsuite/Catch-v0'),
      hasWins('MinAtar/Asterix-v0'),
      hasWins('Tiny-v0'),
    ]).toEqual([true, true, false, false]);
  });
});

describe('train() and evaluate() as library functions', () => {
  it('train writes the run directory, never prints, and ends with a greedy evaluation that evaluate() reproduces', async () => {
    const runDir = join(dir, 'dqn');
    const events = new Subject<TrainEvent>();
    const seen: string[] = [];
    events.subscribe((e) => seen.push(e.type));
    const sink = new MemorySink();
    const starts: unknown[] = [];
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    let r;
    try {
      r = await train({
        agent: 'dqn',
        env: 'bsuite/Catch-v0',
        config: TINY_DQN,
        seed: 3,
        totalSteps: 90,
        evalEvery: 45,
        evalEpisodes: 4,
        finalEvalEpisodes: 6,
        runDir,
        events,
        sink,
        onStart: (s) => starts.push(s),
      });
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(r.reason).toBe('budget');
    expect(r.steps).toBe(90);
    expect(r.runDir).toBe(runDir);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ runDir, resumedAt: null, backend: null });
    expect(seen[0]).toBe('start');
    expect(seen.at(-1)).toBe('end');
    expect(sink.values(TAGS.episodicReturn).length).toBe(r.episodes);
    for (const f of ['config.json', 'metrics.jsonl', 'metrics.csv']) expect(existsSync(join(runDir, f))).toBe(true);
    expect(readdirSync(runDir).some((f) => f.startsWith('events.out.tfevents.'))).toBe(true);
    expect(existsSync(join(runDir, 'best', 'model.json'))).toBe(true);
    const saved = readRunConfig(runDir);
    expect(saved).toMatchObject({
      agent: 'dqn',
      env: 'bsuite/Catch-v0',
      seed: 3,
      backend: 'cpu',
      evalEvery: 45,
      evalEpisodes: 4,
    });
    expect(saved.config['batchSize']).toBe(8);
    // The final evaluation: greedy, seeds EVAL_SEED + i, wins counted (Catch registers countsWins).
    const fe = r.finalEval;
    expect(fe).toMatchObject({ episodes: 6, epsilon: 0, seed: EVAL_SEED });
    expect(fe?.wins).toBe(fe?.returns.filter((x) => x > 0).length);
    const again = await evaluate({ runDir, model: 'latest', epsilon: 0, episodes: 6 });
    expect(again.returns).toEqual(fe?.returns);
    expect(again.wins).toBe(fe?.wins);
    expect(again.source).toMatch(/checkpoints[/\\]step-000000090$/);
    // By default: the best model and the run's evalEpsilon (dqn: 0.05).
    const best = await evaluate({ runDir, episodes: 3 });
    expect(best).toMatchObject({ episodes: 3, epsilon: 0.05, seed: EVAL_SEED, source: join(runDir, 'best') });
  });

  it("finalModel 'best' plays the best periodic evaluation's model; evalSeed moves the periodic evaluations' seeds", async () => {
    const runDir = join(dir, 'dqn-best');
    const sink = new MemorySink();
    const r = await train({
      agent: 'dqn',
      env: 'bsuite/Catch-v0',
      config: TINY_DQN,
      seed: 4,
      totalSteps: 90,
      evalEvery: 30,
      evalEpisodes: 5,
      evalSeed: 2_000_000,
      finalModel: 'best',
      finalEvalEpisodes: 7,
      runDir,
      sink,
    });
    expect(readRunConfig(runDir)).toMatchObject({ evalSeed: 2_000_000, finalModel: 'best' });
    const fe = r.finalEval;
    const bestInfo = JSON.parse(readFileSync(join(runDir, 'best', 'eval.json'), 'utf8')) as { step: number };
    expect(fe).toMatchObject({ episodes: 7, epsilon: 0, seed: EVAL_SEED, model: 'best', bestStep: bestInfo.step });
    // The same episodes as `tfgym eval` of the best model, greedy.
    const again = await evaluate({ runDir, model: 'best', epsilon: 0, episodes: 7 });
    expect(again.returns).toEqual(fe?.returns);
    // The trained agent is measured on the same episodes too.
    const trained = await evaluate({ runDir, model: 'latest', epsilon: 0, episodes: 7 });
    expect(r.trainedEval).toMatchObject({ model: 'final', seed: EVAL_SEED, returns: trained.returns });
    // The periodic evaluations played seeds 2,000,000 + i (at the run's eval epsilon): the best
    // model played there again gives the best recorded return.
    const there = await evaluate({ runDir, model: 'best', episodes: 5, seed: 2_000_000 });
    const evals = sink.values(TAGS.evalReturn);
    expect(Math.max(...evals)).toBeCloseTo(there.meanReturn, 6);
  });

  it('resumes with the saved settings, refusing ones it would ignore', async () => {
    const runDir = join(dir, 'tq');
    const first = await train({
      agent: 'tabular-q',
      env: 'bsuite/Catch-v0',
      totalSteps: 45,
      runDir,
      finalEvalEpisodes: 0,
      provenance: { commit: 'part001', dirty: false },
    });
    expect(first.finalEval).toBeNull();
    expect(first.earlierSegments).toEqual([]);
    await expect(train({ agent: 'tabular-q', resume: true, runDir, config: { gamma: 0.5 } })).rejects.toThrow(
      RunOptionsError,
    );
    await expect(train({ agent: 'random', resume: true, runDir })).rejects.toThrow(/holds a tabular-q run, not random/);
    const starts: Array<{ resumedAt: unknown }> = [];
    const r = await train({
      agent: 'tabular-q',
      resume: true,
      runDir,
      totalSteps: 90,
      finalEvalEpisodes: 5,
      onStart: (s) => starts.push(s),
    });
    expect(starts[0]?.resumedAt).toEqual({ step: 45, episode: 5 });
    expect(r.steps).toBe(90);
    // The part before, as its checkpoint recorded it; the result line lists both parts and sums their times.
    expect(r.earlierSegments).toHaveLength(1);
    const part1 = r.earlierSegments[0];
    expect(part1).toMatchObject({ commit: 'part001', dirty: false });
    expect(part1?.wallSeconds).toBeGreaterThanOrEqual(0);
    const ctx = {
      wallSeconds: 2,
      argv: ['train', 'tabular-q', '--resume'],
      resumed: true,
      git: { commit: 'part002', dirty: false },
      version: '9.9.9',
      machine: { cpus: 2, cpuModel: 'cpu', node: 'v20', platform: 'linux-x64' },
      date: new Date(0),
    };
    const line = trainResultLine(r, ctx);
    expect(line.segments).toEqual([part1, { commit: 'part002', dirty: false, wallSeconds: 2 }]);
    expect(line.wallSeconds).toBeCloseTo(2 + (part1?.wallSeconds ?? NaN), 6);
    expect(line.stepsPerSecond).toBe(Math.round(90 / line.wallSeconds));
    expect([line.commit, line.dirty]).toEqual(['part002', false]);
    expect(trainResultLine(r, { ...ctx, git: { commit: 'part002', dirty: true } }).dirty).toBe(true);
    expect(trainResultLine(first, { ...ctx, resumed: false }).segments).toBeUndefined();
    expect(r.finalEval?.episodes).toBe(5);
    // A run begun before a config field existed resolves with that field's default.
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { config: Record<string, unknown> };
    delete cfg.config['initialQ'];
    writeFileSync(join(runDir, 'config.json'), JSON.stringify(cfg));
    expect(readResolvedRunConfig(runDir).run.config['initialQ']).toBe(0);
    const loaded = await loadRunPolicy(runDir, 'latest');
    expect(loaded.countsWins).toBe(true);
    expect(loaded.source).toMatch(/step-000000090$/);
    loaded.dispose();
    await expect(loadRunPolicy(runDir, 'best')).rejects.toThrow(RunDirError);
  });

  it("a noisy C51 run's checkpoint plays as its best model: distribution means from the mean weights", async () => {
    const runDir = join(dir, 'dqn-c51');
    await train({
      agent: 'dqn',
      env: 'bsuite/Catch-v0',
      config: { ...TINY_DQN, numAtoms: 11, vMin: -1, vMax: 1, noisy: true },
      seed: 5,
      totalSteps: 90,
      evalEvery: 90,
      evalEpisodes: 2,
      finalEvalEpisodes: 2,
      runDir,
    });
    // The checkpoint holds the online network (logits, noise as it was while acting); best/ the
    // policy (means, noise off), both from the weights after step 90.
    const latest = await loadRunPolicy(runDir, 'latest');
    const best = await loadRunPolicy(runDir, 'best');
    const obs = Float32Array.from({ length: 50 }, (_, i) => (i === 7 || i === 47 ? 1 : 0));
    const q = latest.policy.qValues(obs);
    expect(q.length).toBe(3);
    expect(Array.from(q)).toEqual(Array.from(best.policy.qValues(obs)));
    latest.dispose();
    best.dispose();
  });

  it('reports what the caller got wrong with error classes', async () => {
    const at = (name: string) => join(dir, name);
    await expect(train({ agent: 'ppo', env: 'bsuite/Catch-v0', totalSteps: 9, runDir: at('a') })).rejects.toThrow(
      ConfigError,
    );
    await expect(
      train({ agent: 'dqn', env: 'bsuite/Catch-v0', totalSteps: 9, config: { learningRate: 'fast' }, runDir: at('b') }),
    ).rejects.toThrow(ConfigError);
    await expect(train({ agent: 'random', env: 'Cach-v0', totalSteps: 9, runDir: at('c') })).rejects.toThrow(EnvError);
    await expect(
      train({ agent: 'random', env: 'Catch-v0', envOptions: { size: 41 }, totalSteps: 9, runDir: at('d') }),
    ).rejects.toThrow(EnvError);
    // The book's preprocessing needs image observations; bsuite's Catch has a float board.
    await expect(
      train({ agent: 'dqn', env: 'bsuite/Catch-v0', config: { preprocess: 'book' }, totalSteps: 9, runDir: at('h') }),
    ).rejects.toThrow(/^bsuite\/Catch-v0: the book's preprocessing needs uint8 image observations/);
    await expect(train({ agent: 'random', env: 'bsuite/Catch-v0', runDir: at('e') })).rejects.toThrow(RunOptionsError);
    await expect(train({ agent: 'random', totalSteps: 9, runDir: at('f') })).rejects.toThrow(RunOptionsError);
    // Epsilon decaying per step needs a budget in steps: the config does not fit the budget.
    await expect(train({ agent: 'tabular-q', env: 'bsuite/Catch-v0', episodes: 3, runDir: at('g') })).rejects.toThrow(
      ConfigError,
    );
    await expect(
      train({ agent: 'random', env: 'bsuite/Catch-v0', episodes: 1, runDir: join(dir, 'dqn') }),
    ).rejects.toThrow(RunDirError);
    await expect(evaluate({ runDir: at('nothing') })).rejects.toThrow(RunDirError);
    // Nothing was written for the refused runs.
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) expect(existsSync(at(n))).toBe(false);
  });

  it('a diverging run stops with TrainingDivergedError and never writes NaN weights over its last checkpoint', async () => {
    const runDir = join(dir, 'diverge');
    // Plain SGD with a learning rate no network survives: the loss overflows within a few updates.
    const config = { ...TINY_DQN, learningStarts: 30, optimizer: 'sgd', learningRate: 1e30 };
    const err = await train({
      agent: 'dqn',
      env: 'bsuite/Catch-v0',
      totalSteps: 400,
      runDir,
      checkpointEvery: 25,
      config,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/training diverged at step \d+: the loss is (NaN|Infinity)/);
    expect((err as Error).message).toMatch(/the last good state is .*step-0+25/);
    // Every checkpoint on disk reads back (CRCs and finite weights checked).
    const cps = readdirSync(join(runDir, 'checkpoints')).filter((f) => /^step-\d+$/.test(f));
    expect(cps.length).toBeGreaterThan(0);
    for (const cp of cps) expect(() => readCheckpoint(join(runDir, 'checkpoints', cp))).not.toThrow();
  });

  it('resume of a run with no checkpoint starts it again; stale temp folders of dead writers go', async () => {
    const runDir = join(dir, 'no-checkpoint');
    const first = await train({ agent: 'random', env: 'bsuite/Catch-v0', episodes: 2, runDir, finalEvalEpisodes: 0 });
    rmSync(join(runDir, 'checkpoints'), { recursive: true });
    mkdirSync(join(runDir, 'checkpoints', 'step-000000007.tmp-999999999'), { recursive: true });
    const starts: TrainRunStart[] = [];
    const again = await train({
      agent: 'random',
      resume: true,
      runDir,
      finalEvalEpisodes: 0,
      onStart: (s) => starts.push(s),
    });
    expect(starts[0]).toMatchObject({ restarted: true, resumedAt: null, checkpointFallback: null });
    expect(starts[0]?.cleanup.removed).toEqual([join(runDir, 'checkpoints', 'step-000000007.tmp-999999999')]);
    expect(again.steps).toBe(first.steps);
    expect(readdirSync(join(runDir, 'checkpoints')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('an aborted signal ends training early with a checkpoint and no final evaluation', async () => {
    const ac = new AbortController();
    const events = new Subject<TrainEvent>();
    events.subscribe((e) => {
      if (e.type === 'episode' && e.episode === 2) ac.abort();
    });
    const r = await train({
      agent: 'random',
      env: 'bsuite/Catch-v0',
      episodes: 50,
      runDir: join(dir, 'stop'),
      signal: ac.signal,
      events,
    });
    expect(r.reason).toBe('interrupted');
    expect(r.finalEval).toBeNull();
    expect(r.checkpointPath).not.toBeNull();
  });
});
