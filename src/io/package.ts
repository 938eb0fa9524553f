/** Reads tfgym's own package.json, wherever this file was compiled to (src/ under vitest, dist/ when built). */
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
