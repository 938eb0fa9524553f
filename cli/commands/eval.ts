/**
 * `tfgym eval --run-dir DIR [--episodes N] [--epsilon E] [--seed S] [--json]`: loads a run's best
 * model (or its latest checkpoint) and plays N episodes on a fresh env built like the training one.
 * Prints mean and standard deviation of the return and, for Catch, `won W of N`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { evaluate, type QPolicy } from '../../agents/evaluate.js';
import { makeRunEnv, type AgentEnv } from '../../agents/envs.js';
import { TabularQAgent, type TabularQConfig } from '../../agents/tabular-q.js';
import { CheckpointError, fileModelHandler, latestCheckpointDir, readCheckpoint } from '../../src/io/checkpoints.js';
import { Rng } from '../../src/rng/rng.js';
import type { AnyTypedArray } from '../../src/core/spaces.js';
import { UsageError } from '../errors.js';
import { addBackendOption, floatArg, initBackend, intArg } from '../options.js';
import { EVAL_SEED, readRunConfig } from './train.js';

/** A Q-network as a policy: observations are scaled like in training (`obsDivisor`, see `makeAgentEnv`) and reshaped to the model's input. */
export function modelPolicy(model: tf.LayersModel, numActions: number, obsDivisor: number): QPolicy {
  const inShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? 1);
  return {
    numActions,
    qValues(obs: AnyTypedArray): Float32Array {
      return tf.tidy(() => {
        let x = tf.tensor(obs, [1, ...inShape], 'float32');
        if (obsDivisor !== 1) x = tf.div(x, obsDivisor);
        return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
      });
    },
  };
}

interface EvalFlags {
  runDir: string;
  episodes: number;
  epsilon?: number;
  seed: number;
  json?: boolean;
  model: 'auto' | 'best' | 'latest';
  backend?: string;
}

/** {@link loadRunPolicy} for commands: any unexpected load failure becomes a one-line CheckpointError. */
export async function loadRunPolicyForCli(runDir: string, which: 'auto' | 'best' | 'latest'): ReturnType<typeof loadRunPolicy> {
  try {
    return await loadRunPolicy(runDir, which);
  } catch (e) {
    if (e instanceof UsageError || e instanceof CheckpointError) throw e;
    throw new CheckpointError(`cannot load a model from ${runDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Loads a run's policy: `best/` (when present and asked for) or the latest checkpoint. */
export async function loadRunPolicy(
  runDir: string,
  which: 'auto' | 'best' | 'latest',
): Promise<{ policy: QPolicy; source: string; dispose: () => void; env: AgentEnv }> {
  const run = readRunConfig(runDir);
  // The run's own env (same preprocessing as in training): the policy's scaling comes from it,
  // and the caller may play on it.
  const probe = makeRunEnv(run.env, run.envOptions, run.config);
  const bestDir = join(runDir, 'best');
  if (run.agent === 'random') {
    return { policy: { numActions: probe.numActions, qValues: () => new Float32Array(probe.numActions), alwaysRandom: true }, source: 'random policy', dispose: () => {}, env: probe };
  }
  if (run.agent === 'dqn' && which !== 'latest' && existsSync(join(bestDir, 'model.json'))) {
    const model = await tf.loadLayersModel(fileModelHandler(bestDir));
    return { policy: modelPolicy(model, probe.numActions, probe.obsDivisor), source: bestDir, dispose: () => model.dispose(), env: probe };
  }
  if (which === 'best') throw new UsageError(`${runDir} has no best model (train with --eval-every N to keep one)`);
  const cpDir = latestCheckpointDir(runDir);
  if (!cpDir) throw new UsageError(`${runDir} has no checkpoint yet`);
  if (run.agent === 'dqn') {
    const model = await tf.loadLayersModel(fileModelHandler(join(cpDir, 'online')));
    return { policy: modelPolicy(model, probe.numActions, probe.obsDivisor), source: cpDir, dispose: () => model.dispose(), env: probe };
  }
  if (run.agent === 'tabular-q') {
    const cp = readCheckpoint(cpDir);
    const agent = new TabularQAgent(run.config as unknown as TabularQConfig, probe.numActions, new Rng(0), { steps: 1, episodes: 1 });
    await agent.restore(cp.agentState);
    return { policy: agent, source: cpDir, dispose: () => {}, env: probe };
  }
  throw new UsageError(`unknown agent '${run.agent}' in ${runDir}/config.json`);
}

/** Registers `eval`. */
export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description("play N episodes with a trained run's best (or latest) model")
    .requiredOption('--run-dir <dir>', 'run directory written by tfgym train')
    .option('--episodes <n>', 'episodes to play', intArg(1), 100)
    .option('--epsilon <e>', "exploration epsilon (default: the run's evalEpsilon)", floatArg(0, 1))
    .option('--seed <n>', 'episode i uses seed S + i', intArg(0), EVAL_SEED)
    .option('--json', 'print one JSON object: {"episodes", "meanReturn", "stdReturn", "wins"}')
    .addOption(new Option('--model <which>', 'best model or latest checkpoint (auto: best when there is one)').choices(['auto', 'best', 'latest']).default('auto'));
  addBackendOption(cmd);
  cmd.action(async (flags: EvalFlags) => {
    await initBackend(flags.backend, true);
    const run = readRunConfig(flags.runDir);
    const loaded = await loadRunPolicyForCli(flags.runDir, flags.model);
    const env = loaded.env.env;
    const epsilon = flags.epsilon ?? Number(run.config['evalEpsilon'] ?? 0);
    const countWins = /catch/i.test(run.env);
    const res = evaluate(loaded.policy, env, { episodes: flags.episodes, epsilon, seed: flags.seed, countWins });
    loaded.dispose();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ episodes: res.episodes, meanReturn: res.meanReturn, stdReturn: res.stdReturn, wins: res.wins })}\n`);
      return;
    }
    process.stdout.write(`model: ${loaded.source}\n`);
    process.stdout.write(`mean return ${res.meanReturn.toFixed(3)} ± ${res.stdReturn.toFixed(3)} over ${res.episodes} episodes (epsilon ${epsilon}, seeds ${flags.seed}..${flags.seed + flags.episodes - 1})\n`);
    if (res.wins !== null) process.stdout.write(`won ${res.wins} of ${res.episodes}\n`);
  });
}
