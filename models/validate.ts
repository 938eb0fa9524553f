/**
 * Argument checks for model factories, with Keras-style messages so that a wrong value reads
 * like it would in Keras: "Received an invalid value for `units`, expected a positive integer.
 * Received: units=0". Shared by every factory in `models/` (Q-networks included).
 */

/** Thrown by every factory argument check: a caller error, never a bug in the factory. */
export class ModelArgumentError extends RangeError {
  override readonly name = 'ModelArgumentError';
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

/** Builds the Keras-style message; exported so other checks can word theirs the same way. */
export function invalidValueMessage(name: string, expected: string, value: unknown): string {
  return `Received an invalid value for \`${name}\`, expected ${expected}. Received: ${name}=${show(value)}`;
}

/** Throws unless `value` is an integer >= 1. */
export function checkPositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ModelArgumentError(invalidValueMessage(name, 'a positive integer', value));
  }
  return value;
}

/** Throws unless `value` is an integer >= 0. */
export function checkNonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ModelArgumentError(invalidValueMessage(name, 'a non-negative integer', value));
  }
  return value;
}

/** Throws unless `value` is a rate in [0, 1) (dropout, validation split). */
export function checkRate(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ModelArgumentError(invalidValueMessage(name, 'a float in the range [0, 1)', value));
  }
  return value;
}

/** Throws unless `value` is a finite number > 0 (learning rates, ranges). */
export function checkPositiveFloat(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ModelArgumentError(invalidValueMessage(name, 'a positive float', value));
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0. */
export function checkNonNegativeFloat(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ModelArgumentError(invalidValueMessage(name, 'a non-negative float', value));
  }
  return value;
}

/** Throws unless `value` is one of `choices`. */
export function checkOneOf<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new ModelArgumentError(invalidValueMessage(name, `one of ${choices.map(show).join(', ')}`, value));
  }
  return value as T;
}

/**
 * Throws unless `shape` has `rank` entries, each a positive integer (null not allowed: factories
 * take concrete per-example shapes, the batch dimension is implicit).
 */
export function checkShape(name: string, shape: readonly number[], rank: number): number[] {
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ModelArgumentError(invalidValueMessage(name, `a shape of ${rank} positive integers`, shape));
  }
  return [...shape];
}

/** Throws unless `value >= min` (e.g. an image side that survives the pooling stages). */
export function checkAtLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ModelArgumentError(invalidValueMessage(name, `an integer >= ${min}`, value));
  }
  return value;
}
