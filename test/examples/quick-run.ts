/**
 * The example tests' way to run an example in-process: `--quick` options on the shared datasets
 * with the log captured, and a run that asserts it left no tensor behind.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ExampleOptions, ExampleOutcome } from '../../examples/example.js';
import { findExample } from '../../examples/index.js';

/** The shared datasets, relative to the repository root the tests run in. */
export const DATA = '../shared/datasets';

/** `--quick` options (seed 1, data from {@link DATA}) whose log is kept; `text()` returns it. */
export function quickOptions(
  variant: string,
  extra: Partial<ExampleOptions> = {},
): ExampleOptions & { text: () => string } {
  let text = '';
  return {
    variant,
    quick: true,
    seed: 1,
    dataDir: DATA,
    log: { write: (s: string) => void (text += s), isTTY: false },
    text: () => text,
    ...extra,
  };
}

/** Runs example `name` with {@link quickOptions} (variant `default` unless `extra` names one); no tensor may leak. */
export async function runQuick(
  name: string,
  extra: Partial<ExampleOptions> = {},
): Promise<{ r: ExampleOutcome; text: string }> {
  const ex = findExample(name);
  if (!ex) throw new Error(`no example ${name}`);
  const o = quickOptions('default', extra);
  const before = tf.memory().numTensors;
  const r = await ex.run(o);
  expect(tf.memory().numTensors).toBe(before);
  return { r, text: o.text() };
}
