#!/usr/bin/env node
// `npm test`: lint, format check (Prettier; `npm run format` fixes), typecheck, then the vitest suite; ends with the
// line "N passed, N failed"
// so CI can never mistake the run for "no tests". Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
function step(name, args) {
  process.stdout.write(`\n== ${name}: ${args.join(' ')}\n`);
  const r = spawnSync(npx, args, { stdio: 'inherit' });
  return r.status ?? 1;
}

let failedSteps = 0;
if (step('lint', ['eslint', '.']) !== 0) failedSteps++;
if (step('format', ['prettier', '--check', '.']) !== 0) failedSteps++;
if (step('typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) failedSteps++;
// The CLI tests spawn the compiled bin, so build first.
if (step('build', ['tsc', '-p', 'tsconfig.build.json']) !== 0) failedSteps++;
// The viewer tests serve the bundled page.
if (step('build viewer', ['node', 'scripts/build-viewer.mjs']) !== 0) failedSteps++;

const out = '.vitest-results.json';
rmSync(out, { force: true });
const vitestStatus = step('vitest', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(out)) {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed = r.numPassedTests ?? 0;
  // A file that failed to load (syntax error, throw at import) has no failed test of its own:
  // count it once; files with failed tests are already counted through their tests.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  failed = (r.numFailedTests ?? 0) + brokenFiles;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} else {
  failed = 1;
}
if (failedSteps) process.stdout.write(`\n${failedSteps} step(s) before the tests failed (lint/typecheck/build).\n`);
process.stdout.write(`\n${passed} passed, ${failed + failedSteps} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failedSteps || failed || vitestStatus !== 0 || passed === 0 ? 1 : 0);
