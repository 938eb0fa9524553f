/** Shared argument handling of `npm run bench` and `tfgym bench`. */
import { BACKEND_CHOICES } from '../src/backend.js';
import { formatTable, runBench, type BenchResult } from './harness.js';
import { WORKLOADS } from './workloads.js';

/** Options of {@link benchMain}. */
export interface BenchCliOptions {
  names: string[];
  json: boolean;
  backends?: string;
  reps?: number;
}

/** Default backends compared side by side. */
export const DEFAULT_BENCH_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow'];

/** Runs the bench; throws an Error with a one-line message on bad names. */
export async function benchMain(o: BenchCliOptions): Promise<BenchResult[]> {
  const unknown = o.names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) {
    throw new RangeError(`Unknown workload(s): ${unknown.join(', ')}. Choose from: ${WORKLOADS.map((w) => w.name).join(', ')}.`);
  }
  const backends = o.backends ? o.backends.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_BENCH_BACKENDS;
  const bad = backends.filter((b) => !(BACKEND_CHOICES as readonly string[]).includes(b) && b !== 'pytorch');
  if (bad.length) throw new RangeError(`Unknown backend(s) in --backend: ${bad.join(', ')}. Choose from: cpu, wasm, native, tensorflow, pytorch.`);
  const selected = o.names.length ? WORKLOADS.filter((w) => o.names.includes(w.name)) : WORKLOADS;
  const results = await runBench(selected, {
    backends,
    reps: o.reps,
    log: (l) => process.stderr.write(`${l}\n`),
    onResult: (r) => {
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stderr.write(`  ${r.workload} on ${r.backend}: ${r.medianMs.toFixed(3)} ms\n`);
    },
  });
  if (!o.json) process.stdout.write(`${formatTable(results)}\n`);
  return results;
}
