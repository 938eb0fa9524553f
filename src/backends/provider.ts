/**
 * The types and the error shared by the backend switch (`index.ts`) and each backend provider
 * (`native/backend.ts`), apart from both so neither imports the other and so the CLI can
 * recognise a {@link BackendError} without loading TensorFlow.js.
 */

/** A user error in backend selection (unknown name, unavailable backend). */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

/** Every name accepted by `--backend` and `TFGYM_BACKEND`. */
export const BACKEND_CHOICES = ['auto', 'cpu', 'wasm', 'native', 'tensorflow'] as const;
/** A name accepted by `--backend`. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
/** A concrete backend (everything but `auto`). */
export type ConcreteBackend = Exclude<BackendChoice, 'auto'>;

/** The order `auto` tries backends in: fastest first. */
export const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow', 'native', 'wasm', 'cpu'];

/** Outcome of trying to load a backend. */
export type ProbeResult = { available: true; detail: string } | { available: false; reason: string };

/** Knows how to make one backend available to tfjs. */
export interface BackendProvider {
  /** Name used on the command line. */
  readonly name: ConcreteBackend;
  /** The name tfjs registers the backend under (`tf.setBackend(tfName)`). */
  readonly tfName: string;
  /** Loads and registers the backend if possible; never throws. */
  probe(): Promise<ProbeResult>;
}
