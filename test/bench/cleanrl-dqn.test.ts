import { describe, expect, it } from 'vitest';
import { parseEpisodicReturns } from '../../bench/cleanrl-dqn.js';

describe('bench/cleanrl-dqn', () => {
  it("reads the returns CleanRL's dqn.py prints, as numbers or one-element arrays", () => {
    const out = [
      'global_step=21, episodic_return=[21.]',
      'SPS: 2200',
      'global_step=500, episodic_return=-500.0',
      'global_step=900, episodic_return=[-83.5]',
      'global_step=901, episodic_return=1e+02',
    ].join('\n');
    expect(parseEpisodicReturns(out)).toEqual([21, -500, -83.5, 100]);
  });
});
