/**
 * Option parsers and shared options for the CLI. Parsers throw commander's
 * InvalidArgumentError, which commander turns into a one-line message naming the flag.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  BACKEND_CHOICES,
  describeSelection,
  requestedBackend,
  useBackend,
  type BackendChoice,
  type BackendSelection,
} from '../src/backends/index.js';

/** Parser for an integer option with bounds. */
export function intArg(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    if (!/^[-+]?\d+$/.test(v.trim())) throw new InvalidArgumentError(`Expected an integer, got "${v}".`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected an integer in [${min}, ${max}], got ${n}.`);
    return n;
  };
}

/** Parser for a finite number option with bounds. */
export function floatArg(min = -Infinity, max = Infinity): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`Expected a number, got "${v}".`);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a number in [${min}, ${max}], got ${n}.`);
    return n;
  };
}

/**
 * Collects repeated `key=value` flags (`trace --opt`, `train --env-option`) into a record of
 * strings; the env registry's `parseOptions` then types them by each option's default, so every
 * command reads env options the same way.
 */
export function collectKeyValue(v: string, prev: Record<string, string> | undefined): Record<string, string> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`Expected key=value, got "${v}".`);
  return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
}

/** Adds `--backend <name>` (choices checked by commander; exit 2 on a bad one). */
export function addBackendOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--backend <name>', 'tfjs backend (default: $TFGYM_BACKEND or auto)').choices([...BACKEND_CHOICES]),
  );
}

/** The backend `--backend` or `TFGYM_BACKEND` asks for (`auto` when neither); a BackendError for a bad name. */
export function backendRequest(flag: string | undefined): BackendChoice {
  return requestedBackend(flag, process.env['TFGYM_BACKEND']);
}

/** Resolves `--backend`/`TFGYM_BACKEND`, activates it, and prints the one-line notice to stderr. */
export async function initBackend(flag: string | undefined, quiet = false): Promise<BackendSelection> {
  const sel = await useBackend(backendRequest(flag));
  if (!quiet) process.stderr.write(`${describeSelection(sel)}\n`);
  return sel;
}

/** The command line as typed after `tfgym` (commander keeps it on the root program), for result lines. */
export function typedArgs(cmd: Command): string[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: unknown }).rawArgs;
  return Array.isArray(raw) && raw.every((a) => typeof a === 'string') ? raw : process.argv.slice(2);
}
