/** Every `tfgym example`, in book order. */
import type { ExampleDef } from './common.js';
import { mnistLenetExample, mnistMlpExample } from './mnist.js';

/** The registry, in book order. */
export const EXAMPLES: readonly ExampleDef[] = [mnistMlpExample, mnistLenetExample];

/** Looks an example up by name. */
export function findExample(name: string): ExampleDef | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
