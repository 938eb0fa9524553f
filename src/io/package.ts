/** Reads tfgym's own package.json, wherever this file was compiled to (src/ under vitest, dist/ when built). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root directory (the folder holding tfgym's package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string };
      if (pkg.name === 'tfgym') return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('tfgym package.json not found');
}

/** tfgym's version string. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Provenance of the code: short commit and whether tracked code was modified. */
export interface GitInfo {
  commit: string;
  dirty: boolean | null;
}

/** The git commit of the checkout at `dir` (default: tfgym's package root); "unknown" outside git. */
export function gitInfo(dir: string = packageRoot()): GitInfo {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  let commit: string;
  try {
    commit = git('rev-parse', '--short', 'HEAD');
  } catch {
    return { commit: 'unknown', dirty: null };
  }
  try {
    // Results files and documents change between runs of a series; only code counts.
    const changed = git(
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      '.',
      ':(exclude)results',
      ':(exclude)*.md',
    );
    return { commit, dirty: changed !== '' };
  } catch {
    return { commit, dirty: null };
  }
}
