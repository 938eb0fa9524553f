/**
 * Checkpoint errors for the commands that read runs (`train`, `eval`, `watch`): a corrupt or
 * incompatible checkpoint is not the user's fault but needs no stack trace, so it leaves the
 * command as a {@link CliError} (exit 1, one line). This lives apart from `errors.ts` because the
 * checkpoint module loads TensorFlow.js, which `errors.ts` must not.
 */
import { CheckpointError } from '../src/io/checkpoints.js';
import { CliError } from './errors.js';

/** Wraps a command action so that a {@link CheckpointError} becomes a {@link CliError} with its message. */
export function checkpointErrorsAsCliErrors<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (e) {
      if (e instanceof CheckpointError) throw new CliError(e.message, 1);
      throw e;
    }
  };
}
