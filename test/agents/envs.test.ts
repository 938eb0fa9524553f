import { describe, expect, it } from 'vitest';
import { inputDivisor, makeAgentEnv } from '../../agents/envs.js';
import { Box } from '../../src/spaces.js';

describe('agent envs: network input scaling', () => {
  it('divides pixels by 255 but leaves 0/1 cells and floats alone', () => {
    expect(inputDivisor(new Box(0, 255, [4, 4, 3], 'uint8'))).toBe(255);
    expect(inputDivisor(new Box(0, 1, [10, 10, 4], 'uint8'))).toBe(1);
    expect(inputDivisor(new Box(-1, 1, [3], 'float32'))).toBe(1);
  });

  it('MinAtar observations reach the network as 0/1, book Catch pixels as [0, 1]', () => {
    expect(makeAgentEnv('MinAtar/Breakout-v1', {}, 'none').obsDivisor).toBe(1);
    expect(makeAgentEnv('Catch-v0', { size: 40 }, 'book', 20).obsDivisor).toBe(255);
  });
});
