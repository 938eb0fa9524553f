/** `tfgym bench [names...]`: times workloads side by side on several backends. */
import type { Command } from 'commander';
import { benchMain, DEFAULT_BACKEND_FLAG } from '../../bench/cli.js';
import { WORKLOADS } from '../../bench/workloads.js';
import { UsageError } from '../errors.js';
import { intArg } from '../options.js';

/** Registers `bench`. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('time workloads on several backends side by side (ratios in one run)')
    .argument('[workloads...]', `workloads to run (default all): ${WORKLOADS.map((w) => w.name).join(', ')}`)
    .option(
      '--backend <list>',
      'comma-separated backends to compare (pytorch adds the PyTorch peer)',
      DEFAULT_BACKEND_FLAG,
    )
    .option('--reps <n>', 'repetitions per workload and backend (default: per workload)', intArg(1, 100000))
    .option('--json', 'print one JSON object per result line')
    .action(async (names: string[], opts: { backend: string; reps?: number; json?: boolean }) => {
      try {
        await benchMain({ names, json: opts.json ?? false, backends: opts.backend, reps: opts.reps });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
    });
}
