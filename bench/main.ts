/**
 * `npm run bench [-- names...] [--json] [--backend a,b] [--reps N]`: the bench's own entry (see bench/cli.ts), the same
 * harness as `tfgym bench`.
 */
import { benchEntry } from './cli.js';

process.exitCode = await benchEntry(process.argv.slice(2));
