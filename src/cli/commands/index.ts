/**
 * The list of subcommands. Each module exports `register(program)`; adding a command is one
 * import and one entry here.
 */
import type { Command } from 'commander';
import { register as info } from './info.js';
import { register as bench } from './bench.js';
import { register as envs } from './envs.js';
import { register as trace } from './trace.js';
import { register as play } from './play.js';
import { register as example } from './example.js';
import { register as train } from './train.js';
import { register as evalCmd } from './eval.js';
import { register as watch } from './watch.js';

/** Registers every subcommand on the root program. */
export const commands: ReadonlyArray<(program: Command) => void> = [info, bench, envs, trace, play, example, train, evalCmd, watch];
