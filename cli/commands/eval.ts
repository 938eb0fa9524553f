/**
 * `tfgym eval --run-dir DIR [--episodes N] [--epsilon E] [--seed S] [--json]`: `evaluate()` from
 * `agents/run.ts` (the run's best model or its latest checkpoint, N episodes on a fresh env built
 * like the training one), printed: mean and standard deviation of the return and, for envs that
 * count wins (Catch), `won W of N`.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_EVAL_EPISODES, EVAL_SEED, evaluate, type ModelChoice } from '../../agents/run.js';
import { addBackendOption, backendRequest, floatArg, intArg } from '../options.js';

interface EvalFlags {
  runDir: string;
  episodes: number;
  epsilon?: number;
  seed: number;
  json?: boolean;
  model: ModelChoice;
  backend?: string;
}

/** Registers `eval`. */
export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description("play N episodes with a trained run's best (or latest) model")
    .requiredOption('--run-dir <dir>', 'run directory written by tfgym train')
    .option('--episodes <n>', 'episodes to play', intArg(1), DEFAULT_EVAL_EPISODES)
    .option('--epsilon <e>', "exploration epsilon (default: the run's evalEpsilon)", floatArg(0, 1))
    .option('--seed <n>', 'episode i uses seed S + i', intArg(0), EVAL_SEED)
    .option('--json', 'print one JSON object: {"episodes", "meanReturn", "stdReturn", "wins"}')
    .addOption(
      new Option('--model <which>', 'best model or latest checkpoint (auto: best when there is one)')
        .choices(['auto', 'best', 'latest'])
        .default('auto'),
    );
  addBackendOption(cmd);
  cmd.action(async (flags: EvalFlags) => {
    const res = await evaluate({
      runDir: flags.runDir,
      episodes: flags.episodes,
      epsilon: flags.epsilon,
      seed: flags.seed,
      model: flags.model,
      backend: backendRequest(flags.backend),
    });
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ episodes: res.episodes, meanReturn: res.meanReturn, stdReturn: res.stdReturn, wins: res.wins })}\n`,
      );
      return;
    }
    process.stdout.write(`model: ${res.source}\n`);
    process.stdout.write(
      `mean return ${res.meanReturn.toFixed(3)} ± ${res.stdReturn.toFixed(3)} over ${res.episodes} episodes (epsilon ${res.epsilon}, seeds ${res.seed}..${res.seed + res.episodes - 1})\n`,
    );
    if (res.wins !== null) process.stdout.write(`won ${res.wins} of ${res.episodes}\n`);
  });
}
