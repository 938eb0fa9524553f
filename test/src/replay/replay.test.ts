import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/rng/rng.js';
import { annealedBeta, PrioritizedReplayMemory, ReplayMemory, SumTree } from '../../../src/replay/index.js';

/** Observation of step t as one value (k = 1). */
function obs1(t: number): Float32Array {
  return new Float32Array([t]);
}

describe('ReplayMemory (k = 1)', () => {
  it('wraps around: keeps the newest `capacity` transitions, oldest dropped first', () => {
    const m = new ReplayMemory({ capacity: 5, obsShape: [1], obsDtype: 'float32' });
    for (let t = 0; t < 12; t++) m.add(obs1(t), t % 3, t, obs1(t + 1), false, false);
    expect(m.size).toBe(5);
    expect(m.added).toBe(12);
    const b = m.createBatch(64);
    m.sample(b, new Rng(1));
    const seen = new Set<number>();
    for (let i = 0; i < b.size; i++) {
      const o = b.obs[i] as number;
      seen.add(o);
      expect(b.rewards[i]).toBe(o); // reward t stored with obs t
      expect(b.nextObs[i]).toBe(o + 1);
      expect(b.actions[i]).toBe(o % 3);
      expect(b.discounts[i]).toBeCloseTo(0.99, 6);
      expect(b.terminated[i]).toBe(0);
    }
    expect([...seen].sort((a, c) => a - c)).toEqual([7, 8, 9, 10, 11]);
  });

  it('terminated: no bootstrap; truncated: bootstrap from the final obs', () => {
    const m = new ReplayMemory({ capacity: 10, obsShape: [1], obsDtype: 'float32' });
    m.add(obs1(0), 0, 1, obs1(1), false, false);
    m.add(obs1(1), 0, 2, obs1(99), true, false); // terminal
    m.add(obs1(10), 0, 3, obs1(11), false, false); // new episode, first obs stored
    m.add(obs1(11), 0, 4, obs1(77), false, true); // time limit
    const b = m.createBatch(200);
    m.sample(b, new Rng(2));
    const byObs = new Map<number, [number, number, number]>();
    for (let i = 0; i < b.size; i++)
      byObs.set(b.obs[i] as number, [b.nextObs[i] as number, b.terminated[i] as number, b.rewards[i] as number]);
    expect(byObs.get(1)).toEqual([99, 1, 2]);
    expect(byObs.get(11)).toEqual([77, 0, 4]);
    expect(byObs.get(10)).toEqual([11, 0, 3]);
  });

  it('n-step returns stop at termination and truncation, discounts gamma^m', () => {
    const g = 0.5;
    const m = new ReplayMemory({ capacity: 16, obsShape: [1], obsDtype: 'float32', nStep: 3, gamma: g });
    // Episode A: rewards 1,2,4,8 then terminated. Episode B: rewards 16,32 then truncated.
    const ra = [1, 2, 4, 8];
    for (let t = 0; t < 4; t++) m.add(obs1(t), 0, ra[t] as number, obs1(t + 1), t === 3, false);
    m.add(obs1(100), 0, 16, obs1(101), false, false);
    m.add(obs1(101), 0, 32, obs1(102), false, true);
    const b = m.createBatch(300);
    m.sample(b, new Rng(3));
    const got = new Map<number, number[]>();
    for (let i = 0; i < b.size; i++)
      got.set(b.obs[i] as number, [
        b.rewards[i] as number,
        b.discounts[i] as number,
        b.terminated[i] as number,
        b.nextObs[i] as number,
      ]);
    // Hand-computed: from t=0, 3 rewards: 1 + .5*2 + .25*4 = 3, bootstrap gamma^3 from obs 3.
    expect(got.get(0)).toEqual([3, 0.125, 0, 3]);
    // t=1: 2 + .5*4 + .25*8 = 6, reaches the terminal: no bootstrap.
    expect(got.get(1)).toEqual([6, 0.125, 1, 4]);
    // t=2: 4 + .5*8 = 8, terminal after 2 rewards.
    expect(got.get(2)).toEqual([8, 0.25, 1, 4]);
    expect(got.get(3)).toEqual([8, 0.5, 1, 4]);
    // t=100: 16 + .5*32 = 32, truncated after 2 rewards: bootstrap gamma^2 from the final obs 102.
    expect(got.get(100)).toEqual([32, 0.25, 0, 102]);
    expect(got.get(101)).toEqual([32, 0.5, 0, 102]);
  });

  it('keeps the dtype: uint8 observations are stored and returned as uint8', () => {
    const m = new ReplayMemory({ capacity: 4, obsShape: [2, 2], obsDtype: 'uint8' });
    m.add(new Uint8Array([1, 2, 3, 255]), 1, 0, new Uint8Array([5, 6, 7, 8]), false, false);
    const b = m.createBatch(2);
    m.sample(b, new Rng(0));
    expect(b.obs).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.obs.subarray(0, 4))).toEqual([1, 2, 3, 255]);
  });

  it('rejects a wrong frame-stack layout early', () => {
    const m = new ReplayMemory({
      capacity: 8,
      obsShape: [2, 2],
      obsDtype: 'float32',
      frameStack: { k: 2, axis: 'last' },
    });
    m.add(new Float32Array([1, 2, 3, 4]), 0, 0, new Float32Array([5, 6, 7, 8]), false, false);
    expect(() => m.add(new Float32Array([9, 9, 9, 9]), 0, 0, new Float32Array([1, 1, 1, 1]), false, false)).toThrow(
      /frame stack|out of order/,
    );
  });
});

/** A naive frame stacker, as a FrameStack wrapper would produce (pads an episode start with its first frame). */
class NaiveStack {
  private frames: Uint8Array[] = [];
  constructor(
    readonly k: number,
    readonly size: number,
    readonly axis: 'first' | 'last',
  ) {}
  reset(f: Uint8Array): Uint8Array {
    this.frames = Array.from({ length: this.k }, () => f);
    return this.obs();
  }
  push(f: Uint8Array): Uint8Array {
    this.frames = [...this.frames.slice(1), f];
    return this.obs();
  }
  obs(): Uint8Array {
    const o = new Uint8Array(this.k * this.size);
    for (let c = 0; c < this.k; c++) {
      const fr = this.frames[c] as Uint8Array;
      for (let p = 0; p < this.size; p++) {
        if (this.axis === 'first') o[c * this.size + p] = fr[p] as number;
        else o[p * this.k + c] = fr[p] as number;
      }
    }
    return o;
  }
}

describe('frame-stack storage with several channels per frame', () => {
  it('channels-last stacks of 2-channel frames (FrameStack layout j * C + c)', () => {
    const k = 3;
    const C = 2;
    const P = 4; // positions
    const m = new ReplayMemory({
      capacity: 20,
      obsShape: [2, 2, k * C],
      obsDtype: 'uint8',
      frameStack: { k, axis: 'last', channels: C },
      verifyAdds: 1000,
    });
    const rng = new Rng(3);
    const frames: Uint8Array[] = [];
    const stackAt = (t: number): Uint8Array => {
      const o = new Uint8Array(P * k * C);
      for (let j = 0; j < k; j++) {
        const f = frames[Math.max(0, t - (k - 1) + j)] as Uint8Array;
        for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) o[p * k * C + j * C + c] = f[p * C + c] as number;
      }
      return o;
    };
    for (let t = 0; t < 12; t++) frames.push(Uint8Array.from({ length: P * C }, () => rng.nextInt(256)));
    for (let t = 0; t < 11; t++) m.add(stackAt(t), 0, t, stackAt(t + 1), false, false);
    const b = m.sample(m.createBatch(40), new Rng(1));
    const osz = P * k * C;
    for (let i = 0; i < b.size; i++) {
      const t = b.rewards[i] as number;
      expect(Array.from(b.obs.subarray(i * osz, (i + 1) * osz))).toEqual(Array.from(stackAt(t)));
      expect(Array.from(b.nextObs.subarray(i * osz, (i + 1) * osz))).toEqual(Array.from(stackAt(t + 1)));
    }
  });
});

describe('frame-stack storage', () => {
  // k = 4 takes the unrolled channels-last path, k = 3 the general one.
  for (const [axis, k] of [
    ['first', 4],
    ['last', 4],
    ['last', 3],
  ] as const) {
    it(`stores each frame once and reproduces naive stacking exactly (axis ${axis}, k ${k})`, () => {
      const fsz = 6;
      const cap = 40;
      const shape = axis === 'first' ? [k, 2, 3] : [2, 3, k];
      const m = new ReplayMemory({
        capacity: cap,
        obsShape: shape,
        obsDtype: 'uint8',
        frameStack: { k, axis },
        verifyAdds: 1000,
      });
      const rng = new Rng(7);
      const frame = () => Uint8Array.from({ length: fsz }, () => rng.nextInt(256));
      const stack = new NaiveStack(k, fsz, axis);
      // Reference: every transition stored naively, keyed by its id.
      const naive: Array<{ o: Uint8Array; n: Uint8Array; term: boolean }> = [];
      let o = stack.reset(frame());
      for (let t = 0, len = 0; t < 150; t++) {
        len++;
        const n = stack.push(frame());
        const end = len >= 3 + (t % 7);
        m.add(o, t % 3, t, n, end && t % 2 === 0, end && t % 2 === 1);
        naive.push({ o, n, term: end && t % 2 === 0 });
        if (end) {
          o = stack.reset(frame());
          len = 0;
        } else {
          o = n;
        }
      }
      expect(m.size).toBeGreaterThanOrEqual(cap - 8);
      // Storage: frames only, about capacity * 1.25 frames, far below 2k per transition.
      expect(m.bytes).toBeLessThan(cap * k * fsz * 2);
      const b = m.createBatch(256);
      m.sample(b, new Rng(9));
      const osz = k * fsz;
      for (let i = 0; i < b.size; i++) {
        const id = b.rewards[i] as number; // reward = t = transition id here
        const ref = naive[id]!;
        expect(Array.from(b.obs.subarray(i * osz, (i + 1) * osz))).toEqual(Array.from(ref.o));
        expect(Array.from(b.nextObs.subarray(i * osz, (i + 1) * osz))).toEqual(Array.from(ref.n));
        expect(b.terminated[i]).toBe(ref.term ? 1 : 0);
      }
    });
  }

  it('state round trip restores sampling exactly', () => {
    const mk = () => new ReplayMemory({ capacity: 6, obsShape: [1], obsDtype: 'float32' });
    const a = mk();
    for (let t = 0; t < 9; t++) a.add(obs1(t), 0, t, obs1(t + 1), t === 4, false);
    const b = mk();
    b.setState(a.getState());
    const ba = a.sample(a.createBatch(10), new Rng(5));
    const bb = b.sample(b.createBatch(10), new Rng(5));
    expect(Array.from(bb.obs)).toEqual(Array.from(ba.obs));
    expect(() => new ReplayMemory({ capacity: 7, obsShape: [1], obsDtype: 'float32' }).setState(a.getState())).toThrow(
      /capacity/,
    );
  });
});

describe('SumTree and prioritized replay', () => {
  it('keeps every inner node equal to the sum of its children', () => {
    const t = new SumTree(11);
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) t.set(rng.nextInt(11), rng.uniform(0, 5));
    for (let node = 1; node < t.nodes.length / 2; node++) {
      expect(t.nodes[node]).toBeCloseTo((t.nodes[2 * node] as number) + (t.nodes[2 * node + 1] as number), 9);
    }
    let s = 0;
    for (let i = 0; i < 11; i++) s += t.get(i);
    expect(t.total()).toBeCloseTo(s, 9);
    expect(t.find(0)).toBeGreaterThanOrEqual(0);
  });

  it('find maps prefix sums to leaves', () => {
    const t = new SumTree(4);
    [1, 0, 3, 6].forEach((p, i) => t.set(i, p));
    expect(t.find(0)).toBe(0);
    expect(t.find(0.999)).toBe(0);
    expect(t.find(1)).toBe(2); // leaf 1 has priority 0: skipped
    expect(t.find(3.9)).toBe(2);
    expect(t.find(4)).toBe(3);
    expect(t.find(9.99)).toBe(3);
  });

  it('samples in proportion to p^alpha and weights by (N P)^-beta / max', () => {
    const m = new PrioritizedReplayMemory({
      capacity: 4,
      obsShape: [1],
      obsDtype: 'float32',
      alpha: 1,
      priorityEpsilon: 0,
    });
    for (let t = 0; t < 4; t++) m.add(obs1(t), 0, 0, obs1(t + 1), false, false);
    m.updatePriorities([0, 1, 2, 3], [1, 2, 3, 4]);
    const b = m.createBatch(100);
    const rng = new Rng(11);
    const counts = [0, 0, 0, 0];
    for (let r = 0; r < 200; r++) {
      m.samplePrioritized(b, rng, 0.5);
      for (let i = 0; i < b.size; i++) counts[b.obs[i] as number]! += 1;
    }
    const n = 200 * 100;
    [0.1, 0.2, 0.3, 0.4].forEach((p, i) => expect((counts[i] as number) / n).toBeCloseTo(p, 2));
    // Weights: w_i = (4 p_i)^-0.5 normalised by the batch max, which is transition 0 (p = 0.1) here.
    m.samplePrioritized(b, rng, 0.5);
    for (let i = 0; i < b.size; i++) {
      const p = ((b.obs[i] as number) + 1) / 10;
      expect(b.weights[i]).toBeCloseTo(Math.pow(4 * p, -0.5) / Math.pow(0.4, -0.5), 5);
    }
  });

  it('gives new transitions the max priority, zeroes evicted ones, anneals beta', () => {
    const m = new PrioritizedReplayMemory({
      capacity: 3,
      obsShape: [1],
      obsDtype: 'float32',
      alpha: 0.5,
      priorityEpsilon: 0,
    });
    m.add(obs1(0), 0, 0, obs1(1), false, false);
    m.updatePriorities([0], [16]);
    m.add(obs1(1), 0, 0, obs1(2), false, false);
    expect(m.tree.get(1)).toBeCloseTo(4, 12); // 16^0.5
    m.add(obs1(2), 0, 0, obs1(3), false, false);
    m.add(obs1(3), 0, 0, obs1(4), false, false); // evicts id 0, slot 0 reused
    expect(m.tree.get(0)).toBeCloseTo(4, 12);
    expect(m.size).toBe(3);
    expect(annealedBeta(0.4, 100, 0)).toBe(0.4);
    expect(annealedBeta(0.4, 100, 50)).toBeCloseTo(0.7, 12);
    expect(annealedBeta(0.4, 100, 100)).toBe(1);
  });
});
