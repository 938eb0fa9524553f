/**
 * A tiny benchmark runner: named workloads, warm-up, repetitions, median and spread, and
 * backends measured side by side in one process so ratios are not skewed by machine drift.
 *
 * Used by `npm run bench` (bench/main.ts) and `tfgym bench`.
 */
import * as tf from '@tensorflow/tfjs';
import { probeBackend, useBackend, type ConcreteBackend } from '../src/backends/index.js';

/**
 * Warm-up by time after the counted warm-ups, capped in runs (both peers use the same rule). A
 * sub-millisecond tfjs step needs thousands of runs before V8 has optimised the JS around its
 * kernels (the MNIST MLP step: 1.04 ms median after 200 runs, 0.86 after 1,200, 0.78 after 4,200),
 * so the cap is high and the time bound is what limits the slow workloads.
 */
export const WARM_MS = 5000;
export const WARM_MAX_RUNS = 5000;

/** One prepared instance of a workload on one backend. */
export interface PreparedWorkload {
  /** One timed unit of work (a train step, a forward pass...). Must wait for its results (dataSync/await data). */
  run(): void | Promise<void>;
  /** Frees everything setup made. */
  dispose(): void;
  /** Floating-point operations of one run, when known, for GFLOP/s. */
  flops?: number;
  /** Items one run processes (e.g. env steps), for a rate column (`items / second`). */
  items?: number;
  /** What an item is, e.g. `steps` (shown as `steps/s`). */
  itemName?: string;
}

/**
 * Backend name of workloads that do not use tfjs at all (env stepping, data parsing): run once, never per tf backend.
 */
export const JS_BACKEND = 'js';

/** A named unit of work that can be timed on several backends. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  /**
   * Backends this workload makes sense on (default: all requested); `['js']` ({@link JS_BACKEND}) for tfjs-free work.
   */
  readonly backends?: readonly string[];
  /** Prepares the workload on the active backend. */
  setup(backend: string): Promise<PreparedWorkload> | PreparedWorkload;
  /** Repetitions for a backend (slow pure-JS runs may use fewer). */
  reps?(backend: string): number;
  /** Untimed warm-up runs (default 2). */
  warmup?(backend: string): number;
}

/** A timing result (`--json` prints one per line). */
export interface BenchResult {
  workload: string;
  backend: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  gflops?: number;
  /** Items per second at the median time (see {@link PreparedWorkload.items}). */
  rate?: number;
  /** Unit of `rate`, e.g. `steps/s`. */
  rateUnit?: string;
  /** Median time relative to the baseline backend of this workload (baseline / this): >1 means faster. */
  speedup?: number;
}

/** A workload that failed on a backend (setup or a step threw): the bench goes on with the others. */
export interface BenchError {
  workload: string;
  backend: string;
  /** The error's message, on one line. */
  error: string;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  backends: readonly string[];
  /** Called with each result as soon as it is measured. */
  onResult?: (r: BenchResult) => void;
  /** Called when a workload throws on a backend (it is logged as `error: ...` as well). */
  onError?: (e: BenchError) => void;
  /** Progress and notes (to stderr in the CLI). */
  log?: (line: string) => void;
  /** Overrides every workload's repetition count (for smoke tests). */
  reps?: number;
  /** Clock in milliseconds (injected: core code does not reach for globals). */
  now?: () => number;
  /**
   * After the counted warm-ups, go on warming for this long (at most WARM_MAX_RUNS runs): the CLI
   * uses WARM_MS; default 0 (tests).
   */
  warmMs?: number;
}

/** Times each workload on each available backend, side by side, and returns all results. */
export async function runBench(workloads: readonly Workload[], opts: BenchOptions): Promise<BenchResult[]> {
  const now = opts.now ?? (() => performance.now());
  const log = opts.log ?? (() => undefined);
  const results: BenchResult[] = [];
  for (const w of workloads) {
    let baseline: number | undefined;
    // tfjs-free workloads run once whatever backends were asked for.
    const targets = isJsOnly(w) ? [JS_BACKEND] : opts.backends;
    for (const b of targets) {
      if (w.backends && !w.backends.includes(b)) continue;
      if (isTfBackend(b)) {
        const probe = await probeBackend(b);
        if (!probe.available) {
          log(`skip ${w.name} on ${b}: ${probe.reason}`);
          continue;
        }
        await useBackend(b);
      }
      const before = tf.memory().numTensors;
      let prepared: PreparedWorkload | undefined;
      try {
        prepared = await w.setup(b);
        const warm = w.warmup?.(b) ?? 2;
        for (let i = 0; i < warm; i++) await prepared.run();
        // Then until the steady state: V8 optimizes the JS around the kernels only after some
        // hundreds of calls, and the first steps fill the buffer pool (a small net's median over 20
        // steps after 3 warm-ups came out twice its steady-state time). The PyTorch peer warms the same.
        const warmStart = now();
        const warmMs = opts.warmMs ?? 0;
        for (let i = 0; i < WARM_MAX_RUNS && now() - warmStart < warmMs; i++) await prepared.run();
        const reps = opts.reps ?? w.reps?.(b) ?? 10;
        const times: number[] = [];
        for (let i = 0; i < reps; i++) {
          const t0 = now();
          await prepared.run();
          times.push(now() - t0);
        }
        const med = median(times);
        const r: BenchResult = {
          workload: w.name,
          backend: b,
          medianMs: round(med),
          minMs: round(Math.min(...times)),
          maxMs: round(Math.max(...times)),
          runs: reps,
        };
        if (prepared.flops !== undefined) r.gflops = round(prepared.flops / (med * 1e6));
        if (prepared.items !== undefined) {
          r.rate = Math.round(prepared.items / (med / 1000));
          r.rateUnit = `${prepared.itemName ?? 'items'}/s`;
        }
        if (baseline === undefined) baseline = med;
        else r.speedup = round(baseline / med);
        results.push(r);
        opts.onResult?.(r);
      } catch (e) {
        // One workload that cannot run on a backend (e.g. a gradient tfjs does not implement) must
        // not take the rest of the bench down with it.
        const error = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
        log(`error: ${w.name} on ${b}: ${error}`);
        opts.onError?.({ workload: w.name, backend: b, error });
      } finally {
        prepared?.dispose();
      }
      const leaked = tf.memory().numTensors - before;
      if (leaked > 0) log(`warning: ${w.name} on ${b} leaked ${leaked} tensors`);
    }
  }
  return results;
}

function isJsOnly(w: Workload): boolean {
  return w.backends !== undefined && w.backends.length === 1 && w.backends[0] === JS_BACKEND;
}

function isTfBackend(b: string): b is ConcreteBackend {
  return b === 'cpu' || b === 'wasm' || b === 'native' || b === 'tensorflow';
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Formats results as an aligned table with ratios against the first backend of each workload. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = [
    'workload',
    'backend',
    'median ms',
    'min ms',
    'max ms',
    'runs',
    'GFLOP/s',
    'rate',
    'speedup vs first',
  ];
  const rows = results.map((r) => [
    r.workload,
    r.backend,
    r.medianMs.toFixed(3),
    r.minMs.toFixed(3),
    r.maxMs.toFixed(3),
    String(r.runs),
    r.gflops !== undefined ? r.gflops.toFixed(2) : '',
    r.rate !== undefined ? `${r.rate} ${r.rateUnit ?? ''}`.trim() : '',
    r.speedup !== undefined ? `${r.speedup.toFixed(2)}x` : '1 (baseline)',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}
