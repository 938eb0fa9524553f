import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKEND_FLAG, parseBenchArgs } from '../../bench/cli.js';

describe("npm run bench's own argument parsing (bench/ imports nothing from cli/)", () => {
  it('reads workloads, --json, --backend and --reps, in both flag forms', () => {
    expect(parseBenchArgs([])).toEqual({ names: [], json: false, backends: DEFAULT_BACKEND_FLAG });
    expect(parseBenchArgs(['mlp-train', '--json', '--backend', 'cpu,wasm', '--reps=3', 'dqn-update'])).toEqual({
      names: ['mlp-train', 'dqn-update'],
      json: true,
      backends: 'cpu,wasm',
      reps: 3,
    });
  });

  it('refuses unknown flags and bad values with one line', () => {
    expect(() => parseBenchArgs(['--frobnicate'])).toThrow(/unknown option '--frobnicate'/);
    expect(() => parseBenchArgs(['--reps', 'abc'])).toThrow(/--reps expects a positive integer, got "abc"/);
    expect(() => parseBenchArgs(['--reps', '0'])).toThrow(RangeError);
    expect(() => parseBenchArgs(['--backend'])).toThrow(/--backend needs a value/);
  });
});
