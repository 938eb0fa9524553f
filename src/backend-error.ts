/** The backend error type, apart from src/backend.ts so the CLI can recognise it without loading TensorFlow.js. */

/** A user error in backend selection (unknown name, unavailable backend). */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}
