/**
 * The list of subcommands. Each module exports `register(program)`; adding a command is one
 * entry here. Modules are imported on demand: most of them pull in TensorFlow.js, whose loading
 * costs most of a second, so `tfgym envs` or `tfgym trace` load only their own command.
 */
import type { Command } from 'commander';

/** A subcommand: its name on the command line and how to load its module. */
export interface CommandEntry {
  readonly name: string;
  load(): Promise<{ register(program: Command): void }>;
}

/** Every subcommand, in the order `tfgym --help` lists them. */
export const commands: readonly CommandEntry[] = [
  { name: 'info', load: () => import('./info.js') },
  { name: 'bench', load: () => import('./bench.js') },
  { name: 'envs', load: () => import('./envs.js') },
  { name: 'trace', load: () => import('./trace.js') },
  { name: 'play', load: () => import('./play.js') },
  { name: 'example', load: () => import('./example.js') },
  { name: 'train', load: () => import('./train.js') },
  { name: 'eval', load: () => import('./eval.js') },
  { name: 'watch', load: () => import('./watch.js') },
];
