import { describe, expect, it } from 'vitest';
import { bookCatch } from '../../envs/catch/book.js';
import { makeAgentEnv } from '../../agents/envs.js';
import '../../envs/index.js';
import { make } from '../../src/core/registry.js';

/**
 * Expected 80x80 value of block (row br, col bc) of a 400x400 frame with one white rectangle, from the count of white
 * pixels.
 */
function blockValue(br: number, bc: number, rect: { x: number; y: number; w: number; h: number }): number {
  const ox = Math.max(0, Math.min(5 * bc + 5, rect.x + rect.w, 400) - Math.max(5 * bc, rect.x));
  const oy = Math.max(0, Math.min(5 * br + 5, rect.y + rect.h) - Math.max(5 * br, rect.y));
  // Mean of 25 pixels in {0, 255}, rounded to uint8 (the network divides by 255, not the env).
  return Math.round((ox * oy * 255) / 25);
}

describe('bookCatch: resize 80x80, stack 4 (first frame repeated), uint8', () => {
  it('observation space and the first stack repeat the reset frame', () => {
    const env = bookCatch();
    expect(env.observationSpace.toString()).toBe('Box(0, 255, [80, 80, 4], uint8)');
    const [obs, info] = env.reset({ seed: 2 });
    expect(obs).toBeInstanceOf(Uint8Array);
    const ballX = info['ballX'] as number;
    let differing = 0;
    for (let p = 0; p < 80 * 80; p++) for (let j = 1; j < 4; j++) if (obs[p * 4 + j] !== obs[p * 4]) differing++;
    expect(differing).toBe(0);
    // Ball rows y 10..29 = block rows 2..5; the ball's left block column is partly covered.
    const ball = { x: ballX, y: 10, w: 20, h: 20 };
    for (let bc = Math.floor(ballX / 5) - 1; bc <= Math.floor(ballX / 5) + 5; bc++) {
      if (bc < 0 || bc >= 80) continue;
      expect([bc, obs[(3 * 80 + bc) * 4]]).toEqual([bc, blockValue(3, bc, ball)]);
    }
    // Paddle [200, 250) x [350, 360): block rows 70-71, columns 40-49 fully white.
    expect(obs[(70 * 80 + 40) * 4]).toBe(255);
    expect(obs[(71 * 80 + 49) * 4]).toBe(255);
    expect(obs[(71 * 80 + 50) * 4]).toBe(0);
    expect(obs[(72 * 80 + 45) * 4]).toBe(0);
  });

  it('each step shifts the stack: newest frame in channel 3, oldest in channel 0', () => {
    const env = bookCatch({ size: 400 });
    env.reset({ seed: 4 });
    const [o1] = env.step(2); // paddle 200 -> 220: blocks 44..53 in rows 70-71
    const at = (o: Uint8Array, r: number, c: number, j: number) => o[(r * 80 + c) * 4 + j];
    expect([at(o1, 70, 40, 0), at(o1, 70, 40, 1), at(o1, 70, 40, 2), at(o1, 70, 40, 3)]).toEqual([255, 255, 255, 0]);
    expect([at(o1, 70, 52, 0), at(o1, 70, 52, 3)]).toEqual([0, 255]);
    const copy = o1.slice();
    const [o2] = env.step(2); // paddle 240: blocks 48..57
    // Channels 0..2 of the new stack are channels 1..3 of the previous one.
    let moved = 0;
    for (let p = 0; p < 6400; p++) for (let j = 0; j < 3; j++) if (o2[p * 4 + j] === copy[p * 4 + j + 1]) moved++;
    expect(moved).toBe(6400 * 3);
    expect([at(o2, 71, 57, 3), at(o2, 71, 47, 3)]).toEqual([255, 0]);
  });

  it('is also the registered option book=true', () => {
    const env = make<Uint8Array, number>('Catch-v0', { book: true });
    expect(env.observationSpace.shape).toEqual([80, 80, 4]);
    const [a] = env.reset({ seed: 9 });
    const [b] = bookCatch().reset({ seed: 9 });
    expect(a).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(new Uint8Array(a.buffer), new Uint8Array(b.buffer))).toBe(0);
  });

  it("is the one definition of the book's preprocessing: the agents' preprocess 'book' sees the same frames", () => {
    const registered = make<Uint8Array, number>('Catch-v0', { size: 40, book: true });
    const agents = makeAgentEnv('Catch-v0', { size: 40 }, 'book');
    expect(agents.obsDtype).toBe('uint8');
    expect(agents.obsDivisor).toBe(255);
    const [a] = registered.reset({ seed: 5 });
    const [b] = agents.env.reset({ seed: 5 });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b as Uint8Array))).toBe(0);
    for (const action of [2, 2, 0, 1]) {
      const [x] = registered.step(action);
      const [y] = agents.env.step(action);
      expect(Buffer.compare(Buffer.from(x), Buffer.from(y as Uint8Array))).toBe(0);
    }
  });
});
