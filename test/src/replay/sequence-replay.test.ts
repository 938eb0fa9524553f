// Sequence replay (DRQN / R2D2): windows of burn-in + training steps inside one episode, the
// stored recurrent state at the window's start, masks, overlap, the ring's wrap-around, seeded
// sampling, checkpoints, and R2D2's prioritized variant.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/rng/rng.js';
import {
  PrioritizedSequenceReplay,
  SequenceReplay,
  sequencePriorities,
  type PrioritizedSequenceOptions,
  type SequenceBatch,
} from '../../../src/replay/index.js';

type EndKind = 'term' | 'trunc' | 'cut';

/** Step t of episode `ep` is encoded in everything stored, so any sample can be checked. */
const obsOf = (ep: number, t: number) => new Float32Array([ep, t]);
const stateOf = (ep: number, t: number) => [ep, t + 0.5];
const actionOf = (ep: number, t: number) => (ep + t) % 4;
const rewardOf = (ep: number, t: number) => ep * 100 + t;

/** Feeds the memory and keeps what a reference needs: each episode's first row, its steps, how it ended. */
class Feeder {
  readonly episodes: { ep: number; startRow: number; steps: number; end: EndKind | null }[] = [];
  private rows = 0;
  constructor(readonly mem: SequenceReplay) {}

  /** Adds `n` steps of a new episode; `end` null leaves it open. */
  episode(n: number, end: EndKind | null): void {
    const ep = this.episodes.length + 1;
    const rec = { ep, startRow: this.rows, steps: 0, end: null as EndKind | null };
    this.episodes.push(rec);
    for (let t = 0; t < n; t++) this.step(rec, t === n - 1 ? end : null);
    if (end === 'cut') {
      this.mem.endEpisode();
      this.rows++;
      rec.end = 'cut';
    }
  }

  /** Adds one more step to the open (last) episode. */
  more(end: EndKind | null = null): void {
    this.step(this.episodes[this.episodes.length - 1]!, end);
  }

  private step(rec: { ep: number; steps: number; end: EndKind | null }, end: EndKind | null): void {
    const t = rec.steps;
    const term = end === 'term';
    const trunc = end === 'trunc';
    this.mem.add(
      obsOf(rec.ep, t),
      actionOf(rec.ep, t),
      rewardOf(rec.ep, t),
      obsOf(rec.ep, t + 1),
      term,
      trunc,
      stateOf(rec.ep, t),
    );
    rec.steps++;
    this.rows++;
    if (term || trunc) {
      rec.end = end;
      this.rows++; // the final row
    }
  }

  /** The sequences a correct memory holds, oldest first: episode, window start and burn-in. */
  expected(): { ep: number; steps: number; ended: boolean; end: EndKind | null; w: number; b: number }[] {
    const { burnIn: B, steps: T, period, capacity } = this.mem;
    const oldest = Math.max(0, this.rows - capacity);
    const out = [];
    for (const e of this.episodes) {
      const ended = e.end !== null;
      for (let s = 0; s < e.steps; s += period) {
        const w = Math.max(0, s - B);
        // Available once the row after the window exists (rows 0..steps-1 of an open episode).
        if (!ended && w + T > e.steps - 1) break;
        if (e.startRow + w >= oldest) out.push({ ep: e.ep, steps: e.steps, ended, end: e.end, w, b: s - w });
      }
    }
    return out;
  }
}

/** Checks row `b` of `batch` against the encoding of the expected sequence. */
function checkRow(mem: SequenceReplay, batch: SequenceBatch, b: number, want: ReturnType<Feeder['expected']>[number]) {
  const T = mem.steps;
  const L = mem.seqLength;
  const { ep, steps: n, end, w, b: burn } = want;
  const label = `episode ${ep} window ${w}`;
  expect(batch.burnInSteps[b], label).toBe(burn);
  expect(Array.from(batch.states.subarray(b * 2, b * 2 + 2)), label).toEqual(stateOf(ep, w));
  for (let t = 0; t <= T; t++) {
    const local = w + t;
    const o = Array.from(batch.obs.subarray((b * (T + 1) + t) * 2, (b * (T + 1) + t) * 2 + 2));
    const real = local < n;
    // Step `local` of the episode, its final observation (row n), or zero padding past it.
    expect(o, `${label} obs ${t}`).toEqual(local <= n ? [ep, local] : [0, 0]);
    if (t === T) break;
    const k = b * T + t;
    expect(batch.valid[k], `${label} valid ${t}`).toBe(real ? 1 : 0);
    expect(batch.mask[k], `${label} mask ${t}`).toBe(real && t >= burn && t < burn + L ? 1 : 0);
    expect(batch.actions[k], `${label} action ${t}`).toBe(real ? actionOf(ep, local) : 0);
    expect(batch.rewards[k], `${label} reward ${t}`).toBe(real ? rewardOf(ep, local) : 0);
    expect(batch.terminated[k], `${label} terminated ${t}`).toBe(real && end === 'term' && local === n - 1 ? 1 : 0);
  }
}

/** Every held sequence against the reference. */
function checkAll(f: Feeder): void {
  const want = f.expected();
  expect(f.mem.size).toBe(want.length);
  const batch = f.mem.createBatch(1);
  want.forEach((w, i) => {
    f.mem.fillSequence(batch, 0, i);
    checkRow(f.mem, batch, 0, w);
  });
}

function opts(o: Partial<PrioritizedSequenceOptions> = {}): PrioritizedSequenceOptions {
  return { capacity: 200, obsShape: [2], obsDtype: 'float32', seqLength: 4, burnIn: 2, overlap: 2, stateSize: 2, ...o };
}

describe('SequenceReplay', () => {
  it('one episode of 7 steps, L 4, burn-in 2, overlap 2 (hand-written)', () => {
    const mem = new SequenceReplay(opts());
    const f = new Feeder(mem);
    f.episode(7, 'term');
    // Training starts every 2 steps: 0, 2, 4, 6; windows of 6 start 2 steps earlier where they can.
    expect(f.expected().map(({ w, b }) => [w, b])).toEqual([
      [0, 0],
      [0, 2],
      [2, 2],
      [4, 2],
    ]);
    const batch = mem.createBatch(4);
    for (let i = 0; i < 4; i++) mem.fillSequence(batch, i, i);
    const rows = (a: ArrayLike<number>, b: number) => Array.from(a).slice(b * 6, b * 6 + 6);
    // Window [2, 8): steps 2..6, then the final row (7); training steps 4, 5, 6.
    expect(rows(batch.valid, 2)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(rows(batch.mask, 2)).toEqual([0, 0, 1, 1, 1, 0]);
    expect(rows(batch.terminated, 2)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(Array.from(batch.obs.subarray(2 * 14, 3 * 14))).toEqual([1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 0, 0]);
    expect(Array.from(batch.states.subarray(4, 6))).toEqual([1, 2.5]);
    // Window [0, 6) with its training part first (the stored state at the episode's start needs no burn-in).
    expect(rows(batch.mask, 0)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(rows(batch.mask, 1)).toEqual([0, 0, 1, 1, 1, 1]);
    // Window [4, 10): steps 4..6, the final observation at t = 3, padding after.
    expect(rows(batch.valid, 3)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(rows(batch.mask, 3)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(Array.from(batch.burnInSteps)).toEqual([0, 2, 2, 2]);
    checkAll(f);
  });

  it('a sequence becomes available once the row after its window exists', () => {
    const mem = new SequenceReplay(opts());
    const f = new Feeder(mem);
    const batch = mem.createBatch(2);
    f.episode(6, null);
    expect(mem.size).toBe(0);
    expect(() => mem.sample(batch, new Rng(0))).toThrow(/no complete sequence/);
    f.more(); // row 6 = the observation after window [0, 6)
    expect(mem.size).toBe(2);
    checkAll(f);
    f.more();
    expect(mem.size).toBe(2);
    f.more(); // row 8 completes window [2, 8)
    expect(mem.size).toBe(3);
    checkAll(f);
    f.more('trunc'); // the end releases the rest, a truncated end bootstraps
    checkAll(f);
  });

  it('never crosses into another episode: short episodes, every end kind', () => {
    const mem = new SequenceReplay(opts({ seqLength: 5, burnIn: 3, overlap: 1 }));
    const f = new Feeder(mem);
    f.episode(1, 'term');
    f.episode(2, 'trunc');
    f.episode(3, 'cut');
    f.episode(12, 'term');
    f.episode(9, 'cut');
    f.episode(4, null);
    checkAll(f);
    // Episode 3 was cut: its last step bootstraps from the kept next observation.
    const cut = f.expected().find((s) => s.ep === 3);
    expect(cut).toMatchObject({ w: 0, b: 0 });
  });

  it.each([
    [4, 2, 2],
    [5, 0, 0],
    [3, 3, 2],
    [6, 1, 5],
    [1, 0, 0],
  ])('wraps around the ring (L %i, burn-in %i, overlap %i): held sequences stay exact', (L, B, O) => {
    const T = L + B;
    const mem = new SequenceReplay(opts({ capacity: 2 * (T + 1) + 17, seqLength: L, burnIn: B, overlap: O }));
    const f = new Feeder(mem);
    const rng = new Rng(L * 100 + B * 10 + O);
    const kinds: EndKind[] = ['term', 'trunc', 'cut'];
    for (let e = 0; e < 40; e++) {
      // Some episodes longer than the ring (their early windows are gone before they are complete).
      const n = e % 13 === 12 ? 3 * mem.capacity : 1 + rng.nextInt(25);
      f.episode(n, kinds[rng.nextInt(3)]!);
      checkAll(f);
    }
    f.episode(T + 3, null);
    checkAll(f);
    expect(mem.rowsAdded).toBeGreaterThan(5 * mem.capacity);
  });

  it('overlap sets the training starts: none, half, every step', () => {
    const starts = (overlap: number) => {
      const mem = new SequenceReplay(opts({ seqLength: 4, burnIn: 0, overlap }));
      const f = new Feeder(mem);
      f.episode(10, 'term');
      return f.expected().map(({ w, b }) => w + b);
    };
    expect(starts(0)).toEqual([0, 4, 8]);
    expect(starts(2)).toEqual([0, 2, 4, 6, 8]);
    expect(starts(3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('samples deterministically under a seed, every sequence eventually', () => {
    const fill = () => {
      const mem = new SequenceReplay(opts());
      const f = new Feeder(mem);
      for (let e = 0; e < 5; e++) f.episode(9 + e, 'term');
      return mem;
    };
    const [a, b] = [fill(), fill()];
    const [ba, bb] = [a.createBatch(400), b.createBatch(400)];
    a.sample(ba, new Rng(3));
    b.sample(bb, new Rng(3));
    expect(bb).toEqual(ba);
    b.sample(bb, new Rng(4));
    expect(Array.from(bb.slots)).not.toEqual(Array.from(ba.slots));
    expect(new Set(ba.slots).size).toBe(a.size);
    expect(Array.from(ba.weights).every((w) => w === 1)).toBe(true);
  });

  it('stores zeros as the state when none is given, and works without state', () => {
    const mem = new SequenceReplay(opts({ stateSize: 3 }));
    mem.add(obsOf(1, 0), 0, 0, obsOf(1, 1), true, false);
    const batch = mem.createBatch(1);
    mem.fillSequence(batch, 0, 0);
    expect(Array.from(batch.states)).toEqual([0, 0, 0]);
    const none = new SequenceReplay(opts({ stateSize: 0 }));
    none.add(obsOf(1, 0), 0, 0, obsOf(1, 1), true, false);
    expect(none.createBatch(2).states.length).toBe(0);
    expect(none.size).toBe(1);
  });

  it('checkpoint round trip: a restored memory continues identically', () => {
    const mem = new PrioritizedSequenceReplay(opts({ capacity: 40 }));
    const f = new Feeder(mem);
    for (let e = 0; e < 6; e++) f.episode(5 + e, 'term');
    f.episode(3, null);
    const st = mem.getState();
    const copy = {
      meta: structuredClone(st.meta),
      arrays: Object.fromEntries(Object.entries(st.arrays).map(([k, v]) => [k, v.slice()])),
    };
    const restored = new PrioritizedSequenceReplay(opts({ capacity: 40 }));
    restored.setState(copy);
    for (const m of [mem, restored]) {
      for (let t = 3; t < 9; t++) m.add(obsOf(7, t), 0, 1, obsOf(7, t + 1), t === 8, false, stateOf(7, t));
    }
    const [b1, b2] = [mem.createBatch(16), restored.createBatch(16)];
    mem.samplePrioritized(b1, new Rng(1), 0.6);
    restored.samplePrioritized(b2, new Rng(1), 0.6);
    expect(b2).toEqual(b1);
    expect(() => new SequenceReplay(opts({ capacity: 40 })).setState(copy)).toThrow(/kind/);
    expect(() => new PrioritizedSequenceReplay(opts({ capacity: 41 })).setState(copy)).toThrow(/capacity/);
    const bad = { ...copy, meta: { ...copy.meta, seqTail: copy.meta.seqHead + 1 } };
    expect(() => new PrioritizedSequenceReplay(opts({ capacity: 40 })).setState(bad)).toThrow(/inconsistent/);
  });

  it('rejects bad options, bad adds and out-of-order steps', () => {
    expect(() => new SequenceReplay(opts({ overlap: 4 }))).toThrow(/overlap/);
    expect(() => new SequenceReplay(opts({ seqLength: 0 }))).toThrow(/seqLength/);
    expect(() => new SequenceReplay(opts({ burnIn: -1 }))).toThrow(/burnIn/);
    expect(() => new SequenceReplay(opts({ capacity: 13 }))).toThrow(/at least 14 rows/);
    const mem = new SequenceReplay(opts());
    expect(() => mem.add(new Float32Array(3), 0, 0, obsOf(1, 1), false, false)).toThrow(/2 values/);
    expect(() => mem.add(obsOf(1, 0), 0, 0, obsOf(1, 1), false, false, [1])).toThrow(/state must have 2/);
    mem.add(obsOf(1, 0), 0, 0, obsOf(1, 1), false, false);
    expect(() => mem.add(obsOf(1, 5), 0, 0, obsOf(1, 6), false, false)).toThrow(/out of order/);
    expect(() => mem.fillSequence(mem.createBatch(1), 0, 0)).toThrow(/out of \[0, 0\)/);
  });
});

describe('R2D2 priorities', () => {
  it('sequencePriorities mixes the max and the mean |delta| over masked steps', () => {
    const td = [1, -3, 100, 0, /**/ -2, 2, 2, 2, /**/ 5, 5, 5, 5];
    const mask = [1, 1, 0, 1, /**/ 1, 1, 1, 1, /**/ 0, 0, 0, 0];
    const out = sequencePriorities(td, mask, 4, 0.9, new Float32Array(3));
    expect(out[0]).toBeCloseTo(0.9 * 3 + 0.1 * (4 / 3), 6);
    expect(out[1]).toBeCloseTo(2, 6);
    expect(out[2]).toBe(0);
    expect(() => sequencePriorities(td, mask, 5, 0.9, new Float32Array(3))).toThrow(/3 x 5/);
  });

  it('samples in proportion to priority^alpha with normalised importance weights', () => {
    const mem = new PrioritizedSequenceReplay(opts({ alpha: 1, burnIn: 0, overlap: 0 }));
    const f = new Feeder(mem);
    f.episode(16, 'term'); // 4 sequences
    expect(mem.size).toBe(4);
    // New sequences share the largest priority so far (1): uniform.
    expect(mem.tree.total()).toBeCloseTo(4, 12);
    mem.updatePriorities([0, 1, 2, 3], [1, 1, 1, 5]);
    const batch = mem.createBatch(800);
    mem.samplePrioritized(batch, new Rng(2), 1);
    const counts = [0, 0, 0, 0];
    for (const s of batch.slots) counts[s]!++;
    // P = 1/8, 1/8, 1/8, 5/8 (stratified sampling: nearly exact).
    expect(Math.abs(counts[3]! - 500)).toBeLessThan(25);
    for (let b = 0; b < 800; b++) {
      const p = batch.slots[b] === 3 ? 5 / 8 : 1 / 8;
      // w = (N P)^-1 / max w, the largest weight belongs to the rarest sequence (P 1/8, w 2).
      expect(batch.weights[b]).toBeCloseTo(1 / (4 * p) / 2, 5);
    }
    // The sampled rows hold the sequences of their slots: sequence k starts at step 4k.
    for (let b = 0; b < 800; b++) expect(batch.obs[b * 5 * 2 + 1]).toBe(4 * batch.slots[b]!);
  });

  it('dropped sequences leave the tree and ignore late priority updates', () => {
    const mem = new PrioritizedSequenceReplay(opts({ capacity: 30, burnIn: 0, overlap: 0, alpha: 1 }));
    const f = new Feeder(mem);
    f.episode(8, 'term'); // rows 0..8, sequences at 0 and 4
    const held = () => {
      const batch = mem.createBatch(1);
      return Array.from({ length: mem.size }, (_, i) => {
        mem.fillSequence(batch, 0, i);
        return batch.slots[0]!;
      });
    };
    const first = held();
    for (let e = 0; e < 5; e++) f.episode(8, 'term');
    const now = held();
    expect(now).not.toContain(first[0]);
    mem.updatePriorities([first[0]!], [100]);
    let sum = 0;
    for (const s of now) sum += mem.tree.get(s);
    expect(mem.tree.total()).toBeCloseTo(sum, 12);
    checkAll(f);
  });
});
