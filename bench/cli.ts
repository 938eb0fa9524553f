/** Shared argument handling of `npm run bench` and `tfgym bench`. */
import { BACKEND_CHOICES } from '../src/backends/index.js';
import { formatTable, runBench, type BenchResult } from './harness.js';
import { runPytorchPeer } from './pytorch-peer.js';
import { WORKLOADS } from './workloads.js';

/** Options of {@link benchMain}. */
export interface BenchCliOptions {
  names: string[];
  json: boolean;
  backends?: string;
  reps?: number;
}

/** Default backends compared side by side. */
export const DEFAULT_BENCH_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow', 'pytorch'];

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
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const results = await runBench(selected, {
    // The PyTorch peer is not a tfjs backend: it runs after, in a subprocess (bench/pytorch-peer.ts).
    backends: backends.filter((b) => b !== 'pytorch'),
    reps: o.reps,
    log: (l) => process.stderr.write(`${l}\n`),
    onResult: (r) => {
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stderr.write(`  ${r.workload} on ${r.backend}: ${r.medianMs.toFixed(3)} ms\n`);
    },
  });
  if (backends.includes('pytorch')) {
    for (const r of runPytorchPeer(selected.map((w) => w.name), log)) {
      const first = results.find((x) => x.workload === r.workload);
      if (first) r.speedup = Math.round((first.medianMs / r.medianMs) * 1000) / 1000;
      results.push(r);
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    }
  }
  if (!o.json) {
    const order = selected.map((w) => w.name);
    results.sort((a, b) => order.indexOf(a.workload) - order.indexOf(b.workload));
    process.stdout.write(`${formatTable(results)}\n`);
    for (const peer of results.filter((r) => r.backend === 'pytorch')) {
      const nat = results.find((r) => r.workload === peer.workload && r.backend === 'native');
      if (nat) process.stdout.write(`${peer.workload}: native takes ${(nat.medianMs / peer.medianMs).toFixed(2)}x PyTorch's time\n`);
    }
  }
  return results;
}
