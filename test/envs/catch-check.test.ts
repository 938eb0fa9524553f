// checkEnv on the Catch option variants the registry-wide test (check-all) does not make.
import { describe, expect, it } from 'vitest';
import { bookCatch } from '../../envs/catch/book.js';
import '../../envs/index.js';
import { checkEnv } from '../../src/core/env-checker.js';
import { make } from '../../src/core/registry.js';

describe('checkEnv on Catch variants', () => {
  it.each([
    ['Catch-v0', { size: 40 }],
    ['Catch-v0', { size: 80, renderMode: 'rgb_array' }],
    ['Catch-v0', { size: 40, book: true }],
    ['bsuite/Catch-v0', { rows: 4, columns: 7, renderMode: 'ansi' }],
    ['bsuite/Catch-v0', { maxEpisodeSteps: 5 }],
  ])('%s %j', (id, options) => {
    const report = checkEnv(make(id, options), { seed: 3, steps: 100 });
    expect(report.passed).toEqual(
      expect.arrayContaining(['spaces', 'metadata', 'reset', 'step', 'determinism', 'step-after-end']),
    );
  });

  it('bookCatch over a small Catch', () => {
    const report = checkEnv(bookCatch({ size: 40 }, { frameSize: 20, stack: 2 }), { seed: 1, steps: 80 });
    expect(report.passed).toContain('determinism');
  });
});
