/**
 * CLI error types and how errors map to exit codes: user errors exit 2 with one line, never a
 * stack trace. Errors are told apart by class (each layer throws its own), never by message text.
 *
 * Nothing here may load TensorFlow.js: `tfgym envs` imports this module too.
 */
import { ConfigError } from '../agents/config.js';
import { TrainingDivergedError } from '../agents/errors.js';
import { BackendError } from '../src/backends/provider.js';
import { EnvError } from '../src/core/registry.js';
import { CheckpointError, ModelFileError } from '../src/io/errors.js';
import { RunDirError, RunOptionsError } from '../src/io/run-dir.js';

/** A user error (bad flag, bad value, bad file): exit code 2, one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure that is not the user's fault but needs no stack trace (e.g. a corrupt file). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Errors the user can fix by changing the command: flags, the agent config, the env id or options,
 * the run directory or run options that do not fit together, the backend.
 */
const USER_ERRORS = [UsageError, BackendError, ConfigError, EnvError, RunDirError, RunOptionsError] as const;

/** Whether `e` is a user error (exit 2). */
export function isUserError(e: unknown): boolean {
  return USER_ERRORS.some((c) => e instanceof c);
}

/**
 * Damaged or mismatched files (a checkpoint, a saved model): not the user's doing, yet no bug
 * either; exit 1 with one line.
 */
const FILE_ERRORS = [CliError, CheckpointError, ModelFileError, TrainingDivergedError] as const;

/** Exit code for an error thrown out of a command. */
export function exitCodeFor(e: unknown): number {
  if (isUserError(e)) return 2;
  if (e instanceof CliError) return e.exitCode;
  return 1;
}

/** Whether an error is expected (printed as one line) rather than a bug (printed with its stack in debug mode). */
export function isExpectedError(e: unknown): boolean {
  return isUserError(e) || FILE_ERRORS.some((c) => e instanceof c);
}
