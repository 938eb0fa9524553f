/**
 * Registers every built-in env. Each env module calls `register(...)` from `src/core/registry.ts`
 * at top level; importing this module (as the CLI and the `checkEnv` test do) imports them all,
 * so `registeredIds()` is complete afterwards.
 *
 * To add an env: write `envs/<name>.ts` that registers it, then append one line below,
 * `import './<name>.js';` (keep the list sorted by file name).
 */
import { registeredIds } from '../src/core/registry.js';

// --- env modules (append here) ---
import './bsuite-catch/index.js';
import './catch/index.js';
import './classic-control/index.js';
import './minatar/index.js';

/** Ensures all built-in envs are registered (the imports above did it) and returns their ids. */
export function loadBuiltinEnvs(): string[] {
  return registeredIds();
}
