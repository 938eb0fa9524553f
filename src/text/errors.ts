/**
 * The one error type of `src/text`: a malformed input file (word vectors, `.npy`, `.mrg`).
 */

/**
 * Thrown for a malformed or unsupported text-data file. The message names the file (or the
 * name the caller passed for a buffer), where the problem is (line, or byte offset) and what
 * was expected, so a bad download is diagnosed from the message alone.
 */
export class TextFormatError extends Error {
  override readonly name = 'TextFormatError';
}
