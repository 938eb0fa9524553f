#!/usr/bin/env node
// tfgym command-line entry: runs the compiled CLI (built by `npm install` / `npm run build`).
import { run } from '../dist/cli/main.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
