/** `npm run bench [-- names...] [--json] [--backend a,b] [--reps N]`: same harness as `tfgym bench`. */
import { run } from '../cli/main.js';

process.exitCode = await run(['bench', ...process.argv.slice(2)]);
