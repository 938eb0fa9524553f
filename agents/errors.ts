/**
 * Errors of training runs that are neither bugs nor bad input, in a module that loads nothing
 * (no TensorFlow.js), so the CLI can tell them apart by class.
 */

/**
 * Training produced a NaN or infinite loss or weight (a learning rate too high, rewards too
 * large): the run stops at once, without writing the damaged weights, and its last checkpoint
 * (if any) is the last good state.
 */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  constructor(
    message: string,
    /** Env step at which the divergence was seen. */
    readonly step: number,
  ) {
    super(message);
  }
}
