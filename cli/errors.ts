/** CLI error types: user errors exit 2 with one line, never a stack trace. */
import { BackendError } from '../src/backends/provider.js';

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

/** Exit code for an error thrown out of a command. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError || e instanceof BackendError) return 2;
  if (e instanceof CliError) return e.exitCode;
  return 1;
}

/** Whether an error is expected (printed as one line) rather than a bug (printed with its stack in debug mode). */
export function isExpectedError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof BackendError || e instanceof CliError;
}
