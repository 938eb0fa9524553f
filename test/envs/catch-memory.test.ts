// Catch-v0's memory variant (`hideBallAfter`): the ball is drawn in the first k observations
// only; the rules, rewards, info and render frames are those of the plain game.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { CatchEnv } from '../../envs/catch/env.js';
import { ballVisible, catchGeometry, observe, stepsTaken } from '../../envs/catch/game.js';
import { checkEnv } from '../../src/core/env-checker.js';
import type { RgbFrame } from '../../src/core/env.js';
import { make } from '../../src/core/registry.js';

const g40 = catchGeometry(40);

/** Byte equality (vitest's deep equality is slow on thousands of typed-array elements). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Number of white pixels in a one-channel frame. */
function white(frame: Uint8Array): number {
  let n = 0;
  for (const v of frame) if (v === 255) n++;
  return n;
}

describe('hideBallAfter: game logic', () => {
  it('counts steps from the ball height and shows the ball in the first k frames', () => {
    const s = (t: number) => ({ ballX: 7, ballY: g40.ceilingY + t * g40.ballSpeed, paddleX: 20 });
    expect([0, 1, 2, 3, 32].map((t) => stepsTaken(g40, s(t)))).toEqual([0, 1, 2, 3, 32]);
    expect([0, 1, 2, 3, 4].map((t) => ballVisible(g40, s(t), 3))).toEqual([true, true, true, false, false]);
    expect([0, 5, 32].map((t) => ballVisible(g40, s(t), 0))).toEqual([true, true, true]);
  });

  it('observe without the ball draws the paddle alone', () => {
    const st = { ballX: 4, ballY: 10, paddleX: 20 };
    const full = observe(g40, st, new Uint8Array(1600));
    const hidden = observe(g40, st, new Uint8Array(1600), false);
    // 40 px screen: ball 2x2, paddle 5x1.
    expect(white(full)).toBe(4 + 5);
    expect(white(hidden)).toBe(5);
    for (let i = 0; i < 1600; i++) if (hidden[i] === 255) expect(full[i]).toBe(255);
  });
});

describe('hideBallAfter: the env', () => {
  it('same trajectory as the plain game; frames after the first k lack the ball; info and render keep it', () => {
    const k = 3;
    const plain = make<Uint8Array, number>('Catch-v0', { size: 40 });
    const mem = make<Uint8Array, number>('Catch-v0', { size: 40, hideBallAfter: k, renderMode: 'rgb_array' });
    const [o0, i0] = plain.reset({ seed: 11 });
    const [m0, j0] = mem.reset({ seed: 11 });
    expect(same(m0, o0)).toBe(true);
    expect(j0).toEqual(i0);
    const unwrapped = mem as unknown as CatchEnv;
    for (let t = 1; ; t++) {
      const a = t % 3;
      const [o, r, term, trunc, info] = plain.step(a);
      const [m, rm, termM, truncM, infoM] = mem.step(a);
      expect([rm, termM, truncM, infoM]).toEqual([r, term, trunc, info]);
      const state = unwrapped.gameState;
      const want = t < k ? o : observe(g40, state, new Uint8Array(1600), false);
      expect(same(m, want), `frame ${t}`).toBe(true);
      // The render frame (for people) always shows the ball: its red channel holds ball + paddle.
      const frame = mem.render() as RgbFrame;
      const red = new Uint8Array(1600);
      for (let p = 0; p < 1600; p++) red[p] = frame.data[3 * p] as number;
      expect(same(red, observe(g40, state, new Uint8Array(1600))), `render ${t}`).toBe(true);
      if (term || trunc) {
        expect(t).toBe(33);
        break;
      }
    }
  });

  it('the hidden frames differ from the plain ones while the ball is in the air', () => {
    const env = new CatchEnv({ size: 40, hideBallAfter: 1 });
    const [o0] = env.reset({ seed: 2 });
    expect(white(o0)).toBeGreaterThan(5);
    const [o1] = env.step(1);
    expect(white(o1)).toBe(5);
  });

  it('rejects bad values with the option named', () => {
    expect(() => make('Catch-v0', { hideBallAfter: -1 })).toThrow(/hideBallAfter/);
    expect(() => make('Catch-v0', { hideBallAfter: 1.5 })).toThrow(/hideBallAfter/);
    expect(() => make('Catch-v0', { hideBallAfter: '2' })).toThrow(/hideBallAfter/);
  });

  it('with the book preprocessing, the newest stacked frame loses the ball', () => {
    const env = make<Uint8Array, number>('Catch-v0', { size: 40, book: true, hideBallAfter: 2 });
    expect(env.observationSpace.shape).toEqual([80, 80, 4]);
    env.reset({ seed: 0 });
    env.step(1);
    const [obs] = env.step(1);
    // Resized 40 -> 80: the paddle's 5x1 becomes 10x2 pixels of 255 in the newest channel.
    let newest = 0;
    for (let p = 3; p < obs.length; p += 4) if (obs[p] === 255) newest++;
    expect(newest).toBe(20);
  });

  it('passes checkEnv', () => {
    for (const options of [
      { size: 40, hideBallAfter: 4 },
      { size: 40, hideBallAfter: 1, renderMode: 'ansi' },
    ]) {
      const report = checkEnv(make('Catch-v0', options), { seed: 5, steps: 100 });
      expect(report.passed).toEqual(expect.arrayContaining(['spaces', 'reset', 'step', 'determinism']));
    }
  });
});
