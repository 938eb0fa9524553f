/** Every `tfgym example`, in book order. */
import type { ExampleDef } from './common.js';
import { cifar10CnnExample, cifar10PredictExample } from './cifar.js';
import { mnistLenetExample, mnistMlpExample } from './mnist.js';
import { vgg16Example } from './vgg.js';

/** The registry, in book order. */
export const EXAMPLES: readonly ExampleDef[] = [mnistMlpExample, vgg16Example, mnistLenetExample, cifar10CnnExample, cifar10PredictExample];

/** Looks an example up by name. */
export function findExample(name: string): ExampleDef | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
