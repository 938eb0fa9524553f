import { describe, expect, it } from 'vitest';
import { checkMirrorActions, flipWidth, mirrorBatch } from '../../agents/mirror.js';
import { catchGeometry, initial, movePaddle, observe, transition, type CatchState } from '../../envs/catch/game.js';
import { resizeU8 } from '../../src/image/resize.js';
import { ReplayMemory } from '../../src/replay/index.js';
import { Rng } from '../../src/rng/rng.js';

describe('flipWidth', () => {
  it('reverses each row of one image of a batch, channels kept together, other rows untouched', () => {
    // Two images of 2 x 3 x 2: the second is flipped.
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    flipWidth(data, 1, 2, 3, 2);
    expect(Array.from(data.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(data.subarray(12))).toEqual([16, 17, 14, 15, 12, 13, 22, 23, 20, 21, 18, 19]);
    flipWidth(data, 1, 2, 3, 2);
    expect(Array.from(data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });
});

/** The rows `mirrorBatch` must flip: draw i of `new Rng(seed)` below `p` (one draw per row). */
function expectedFlips(seed: number, rows: number, p: number): boolean[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => rng.nextFloat() < p);
}

describe('mirrorBatch', () => {
  it('flips exactly the rows its draws pick: both observations flipped, the action mapped, the rest kept', () => {
    const mem = new ReplayMemory({ capacity: 64, obsShape: [2, 3], obsDtype: 'uint8', nStep: 1 });
    const obsOf = (t: number): Uint8Array => Uint8Array.from({ length: 6 }, (_, i) => (t * 6 + i) % 256);
    for (let t = 0; t < 40; t++) mem.add(obsOf(t), t % 3, t / 10, obsOf(t + 1), t % 7 === 6, false);
    const batch = mem.createBatch(200);
    mem.sample(batch, new Rng(3));
    const before = {
      obs: Uint8Array.from(batch.obs as Uint8Array),
      next: Uint8Array.from(batch.nextObs as Uint8Array),
      actions: Int32Array.from(batch.actions),
      rewards: Float32Array.from(batch.rewards),
      terminated: Float32Array.from(batch.terminated),
    };
    mirrorBatch(batch, [2, 3], [2, 1, 0], new Rng(9));
    const flips = expectedFlips(9, 200, 0.5);
    const row = (a: ArrayLike<number>, b: number): number[] => Array.from(a as Uint8Array).slice(b * 6, b * 6 + 6);
    const flip = (r: number[]): number[] => [r[2], r[1], r[0], r[5], r[4], r[3]] as number[];
    for (let b = 0; b < batch.size; b++) {
      const mirrored = flips[b] as boolean;
      expect(row(batch.obs, b)).toEqual(mirrored ? flip(row(before.obs, b)) : row(before.obs, b));
      expect(row(batch.nextObs, b)).toEqual(mirrored ? flip(row(before.next, b)) : row(before.next, b));
      expect(batch.actions[b]).toBe(mirrored ? 2 - (before.actions[b] as number) : before.actions[b]);
    }
    // Both branches ran: some rows flipped, some kept.
    expect(flips.some(Boolean) && !flips.every(Boolean)).toBe(true);
    expect(Array.from(batch.rewards)).toEqual(Array.from(before.rewards));
    expect(Array.from(batch.terminated)).toEqual(Array.from(before.terminated));
  });

  it('takes the share to flip: none at 0, all at 1, the rows whose draw is below p otherwise', () => {
    const mem = new ReplayMemory({ capacity: 64, obsShape: [1, 2], obsDtype: 'uint8', nStep: 1 });
    for (let t = 0; t < 40; t++) mem.add(Uint8Array.of(1, 2), 0, 0, Uint8Array.of(1, 2), true, false);
    const flippedRows = (p: number): boolean[] => {
      const batch = mem.createBatch(400);
      mem.sample(batch, new Rng(1));
      mirrorBatch(batch, [1, 2], [2, 1, 0], new Rng(2), p);
      return Array.from(batch.actions, (a) => a === 2);
    };
    expect(flippedRows(0).some(Boolean)).toBe(false);
    expect(flippedRows(1).every(Boolean)).toBe(true);
    for (const p of [0.25, 0.5]) {
      const rows = flippedRows(p);
      expect(rows).toEqual(expectedFlips(2, 400, p));
      // About p of the rows (sd below 10 rows): the draws are uniform.
      expect(Math.abs(rows.filter(Boolean).length - 400 * p)).toBeLessThan(40);
    }
  });
});

describe('checkMirrorActions', () => {
  it('takes self-inverse permutations of the actions for image observations, with Keras-style errors otherwise', () => {
    expect(checkMirrorActions([2, 1, 0], 3, [20, 20, 1])).toEqual([2, 1, 0]);
    expect(checkMirrorActions([1, 0, 2, 3], 4, [10, 5])).toEqual([1, 0, 2, 3]);
    expect(() => checkMirrorActions([2, 1, 0], 4, [10, 5])).toThrow(/one action for each of the env's 4 actions/);
    expect(() => checkMirrorActions([1, 2, 0], 3, [10, 5])).toThrow(/its own inverse.*Received: \[1, 2, 0\]/);
    expect(() => checkMirrorActions([0, 3, 1], 3, [10, 5])).toThrow(/permutation of 0\.\.2/);
    expect(() => checkMirrorActions([2, 1, 0], 3, [4])).toThrow(/shape \[4\]/);
  });
});

describe("the book's Catch is left-right symmetric (what the catch preset's mirrorActions relies on)", () => {
  // The mirror image of a state about the screen's vertical centre line: the 20-px ball at x
  // lands at 380 - x, the 50-px paddle at 350 - x (all lengths at the book's 400-px screen).
  const g = catchGeometry(400);
  const mirror = (s: CatchState): CatchState => ({
    ballX: g.size - g.ball - s.ballX,
    ballY: s.ballY,
    paddleX: g.size - g.paddleWidth - s.paddleX,
  });
  const perm = [2, 1, 0];

  it('every move, the bounces off both walls and the catch test commute with the mirror', () => {
    const rng = new Rng(17);
    let checked = 0;
    let bounces = 0;
    for (let paddleX = 0; paddleX <= g.size - g.paddleWidth; paddleX += 10) {
      for (let k = 0; k < 30; k++) {
        // Ball anywhere the game or its mirror image puts it, at any height up to the last step.
        const s: CatchState = {
          ballX: rng.nextInt(g.size + g.ball + 1) - g.ball,
          ballY: g.ceilingY + g.ballSpeed * rng.nextInt(33),
          paddleX,
        };
        for (let a = 0; a < 3; a++) {
          const t = transition(g, s, a);
          const m = transition(g, mirror(s), perm[a] as number);
          expect(m.state).toEqual(mirror(t.state));
          expect(m.reward).toBe(t.reward);
          expect(m.terminated).toBe(t.terminated);
          const naive = paddleX + (a - 1) * g.paddleSpeed;
          if (movePaddle(g, paddleX, a) !== naive) bounces++;
          checked++;
        }
      }
    }
    expect(checked).toBe(36 * 30 * 3);
    // Every wall bounce was among the moves checked: left from 0 and 10, right from 340 and 350.
    expect(bounces).toBe(4 * 30);
  });

  it("the preset's 20x20 area-resized frame of the mirror image is the flipped frame", () => {
    const rng = new Rng(5);
    const frame = new Uint8Array(g.size * g.size);
    const frameM = new Uint8Array(g.size * g.size);
    for (let k = 0; k < 50; k++) {
      let s = initial(g, rng);
      for (let t = rng.nextInt(30); t > 0; t--) s = transition(g, s, rng.nextInt(3)).state;
      const small = resizeU8(observe(g, s, frame), 400, 400, 1, 20, 20, 'area');
      const smallM = resizeU8(observe(g, mirror(s), frameM), 400, 400, 1, 20, 20, 'area');
      flipWidth(small, 0, 20, 20, 1);
      expect(Array.from(smallM)).toEqual(Array.from(small));
    }
  });
});
