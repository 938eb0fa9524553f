/**
 * The file errors of `src/io/`, in a module that loads nothing (no TensorFlow.js), so the CLI can
 * tell them apart by class before any backend is loaded.
 */

/** A message with its line breaks (and the blanks around them) folded into single spaces: one line for the user. */
export function oneLine(msg: string): string {
  return msg.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * A checkpoint that cannot be read, or does not fit the agent restoring it (another agent, network
 * or optimizer): a problem with the files, reported in one line, never a bug.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** A model folder that is missing, unreadable, corrupt or made for another network: one line for the user. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}
