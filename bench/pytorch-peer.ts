/**
 * The PyTorch peer of the compute bench: runs the same workloads (bench/pytorch-peer.py builds
 * the same nets) in a Python subprocess with 1 and 2 threads and reports the better as
 * `"backend": "pytorch"`. Skipped cleanly when no Python with torch is found.
 *
 * `TFGYM_PYTHON` names the interpreter; otherwise `python3` then `/usr/bin/python3` (Debian's
 * `python3-torch` lives there when a pyenv python3 shadows it).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { median, WARM_MAX_RUNS, WARM_MS, type BenchResult } from './harness.js';
import { BOOK_NET_SPECS } from './book-nets.js';
import { NET_SPECS } from './compute-workloads.js';

/** Workloads the peer knows, with its repetitions. */
const PEER_WORKLOADS: Record<string, { spec?: string; book?: string; gemm?: number; reps: number; warmup: number }> = {
  'dqn-step-catch': { spec: 'dqn-step-catch', reps: 20, warmup: 3 },
  'dqn-step-minatar': { spec: 'dqn-step-minatar', reps: 100, warmup: 3 },
  'mnist-mlp': { spec: 'mnist-mlp', reps: 100, warmup: 3 },
  lenet: { spec: 'lenet', reps: 10, warmup: 2 },
  'lstm-sentiment': { spec: 'lstm-sentiment', reps: 100, warmup: 3 },
  'char-rnn': { spec: 'char-rnn', reps: 100, warmup: 3 },
  'pos-gru': { spec: 'pos-gru', reps: 5, warmup: 1 },
  skipgram: { book: 'skipgram', reps: 100, warmup: 3 },
  wavenet: { book: 'wavenet', reps: 3, warmup: 1 },
  dcgan: { book: 'dcgan', reps: 3, warmup: 1 },
  gemm: { gemm: 512, reps: 10, warmup: 1 },
  'gemm-128': { gemm: 128, reps: 10, warmup: 1 },
  'gemm-1024': { gemm: 1024, reps: 10, warmup: 1 },
};

/** Finds a Python that can import torch; undefined (with the reason logged) when there is none. */
export function findTorchPython(log: (l: string) => void): string | undefined {
  const candidates = process.env['TFGYM_PYTHON'] ? [process.env['TFGYM_PYTHON']] : ['python3', '/usr/bin/python3'];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  log(`skip pytorch peer: no Python with torch (tried ${candidates.join(', ')}; set TFGYM_PYTHON)`);
  return undefined;
}

/**
 * Runs the peer on the named workloads (those it knows); one result per workload, best thread count.
 * `reps` overrides every workload's repetitions (as the bench's `--reps`; warm-ups then drop to 1).
 */
export function runPytorchPeer(
  names: readonly string[],
  log: (l: string) => void,
  threads: readonly number[] = [1, 2],
  reps?: number,
): BenchResult[] {
  const known = names.filter((n) => n in PEER_WORKLOADS);
  if (!known.length) return [];
  const py = findTorchPython(log);
  if (!py) return [];
  const script = join(dirname(fileURLToPath(import.meta.url)), 'pytorch-peer.py');
  const src = existsSync(script)
    ? script
    : join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'pytorch-peer.py');
  const workloads = known.map((name) => {
    const w = PEER_WORKLOADS[name] as { spec?: string; book?: string; gemm?: number; reps: number; warmup: number };
    const net = w.spec ? { spec: NET_SPECS[w.spec] } : w.book ? { book: BOOK_NET_SPECS[w.book] } : { gemm: w.gemm };
    // The same time-based warm-up as the tfjs side (harness.ts), unless the repetitions are forced.
    return {
      name,
      reps: reps ?? w.reps,
      warmup: reps === undefined ? w.warmup : Math.min(w.warmup, 1),
      warmMs: reps === undefined ? WARM_MS : 0,
      warmMaxRuns: WARM_MAX_RUNS,
      ...net,
    };
  });
  // One process per thread count: the BLAS under torch sizes its own pool from the environment.
  let stdout = '';
  for (const t of threads) {
    const env = {
      ...process.env,
      OMP_NUM_THREADS: String(t),
      OPENBLAS_NUM_THREADS: String(t),
      MKL_NUM_THREADS: String(t),
    };
    const r = spawnSync(py, [src], {
      input: JSON.stringify({ workloads, threads: [t] }),
      encoding: 'utf8',
      env,
      timeout: 600_000,
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) {
      log(`skip pytorch peer: ${py} failed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop() ?? ''}`);
      return [];
    }
    stdout += r.stdout;
  }
  const best = new Map<string, BenchResult & { threads: number; torch: string }>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { workload: string; threads: number; times: number[]; torch: string };
    const med = median(o.times);
    const res = {
      workload: o.workload,
      backend: 'pytorch',
      medianMs: round(med),
      minMs: round(Math.min(...o.times)),
      maxMs: round(Math.max(...o.times)),
      runs: o.times.length,
      threads: o.threads,
      torch: o.torch,
    };
    log(
      `  ${o.workload} on pytorch ${o.torch} (${o.threads} thread${o.threads > 1 ? 's' : ''}): ${res.medianMs.toFixed(3)} ms`,
    );
    const prev = best.get(o.workload);
    if (!prev || res.medianMs < prev.medianMs) best.set(o.workload, res);
  }
  return known.flatMap((n) => {
    const b = best.get(n);
    if (!b) return [];
    const w = PEER_WORKLOADS[n];
    if (w?.gemm) b.gflops = round((2 * w.gemm ** 3) / (b.medianMs * 1e6));
    return [b];
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
