/**
 * The bench's own entry, shared by `npm run bench` (`bench/main.ts`, through {@link benchEntry})
 * and `tfgym bench` (the CLI parses its flags with commander and calls {@link benchMain}).
 */
import { BACKEND_CHOICES } from '../src/backends/index.js';
import { formatTable, runBench, WARM_MS, type BenchResult } from './harness.js';
import { runPytorchPeer } from './pytorch-peer.js';
import { WORKLOADS } from './workloads.js';

/** Options of {@link benchMain}. */
export interface BenchCliOptions {
  names: string[];
  json: boolean;
  backends?: string;
  reps?: number;
}

/** Default backends compared side by side when `backends` is not given at all. */
export const DEFAULT_BENCH_BACKENDS = ['cpu', 'wasm', 'native', 'tensorflow', 'pytorch'];

/**
 * What `--backend` defaults to on the command line (`tfgym bench` and `npm run bench`): the tfjs backends, no PyTorch
 * peer.
 */
export const DEFAULT_BACKEND_FLAG = 'cpu,wasm,native,tensorflow';

/** Runs the bench; throws an Error with a one-line message on bad names. */
export async function benchMain(o: BenchCliOptions): Promise<BenchResult[]> {
  const unknown = o.names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) {
    throw new RangeError(
      `Unknown workload(s): ${unknown.join(', ')}. Choose from: ${WORKLOADS.map((w) => w.name).join(', ')}.`,
    );
  }
  const backends = o.backends
    ? o.backends
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : DEFAULT_BENCH_BACKENDS;
  const bad = backends.filter((b) => !(BACKEND_CHOICES as readonly string[]).includes(b) && b !== 'pytorch');
  if (bad.length)
    throw new RangeError(
      `Unknown backend(s) in --backend: ${bad.join(', ')}. Choose from: cpu, wasm, native, tensorflow, pytorch.`,
    );
  const selected = o.names.length ? WORKLOADS.filter((w) => o.names.includes(w.name)) : WORKLOADS;
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const results = await runBench(selected, {
    // The PyTorch peer is not a tfjs backend: it runs after, in a subprocess (bench/pytorch-peer.ts).
    backends: backends.filter((b) => b !== 'pytorch'),
    reps: o.reps,
    // Steady state unless a repetition count was forced (smoke runs).
    warmMs: o.reps === undefined ? WARM_MS : 0,
    log: (l) => process.stderr.write(`${l}\n`),
    onResult: (r) => {
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stderr.write(`  ${r.workload} on ${r.backend}: ${r.medianMs.toFixed(3)} ms\n`);
    },
    // runBench has logged the error line; --json readers get it as a line of its own kind.
    onError: (e) => {
      if (o.json) process.stdout.write(`${JSON.stringify(e)}\n`);
    },
  });
  if (backends.includes('pytorch')) {
    for (const r of runPytorchPeer(
      selected.map((w) => w.name),
      log,
      undefined,
      o.reps,
    )) {
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
      if (nat)
        process.stdout.write(
          `${peer.workload}: native takes ${(nat.medianMs / peer.medianMs).toFixed(2)}x PyTorch's time\n`,
        );
    }
  }
  return results;
}

/** Usage line of `npm run bench`. */
const USAGE = 'usage: npm run bench -- [workloads...] [--json] [--backend a,b,...] [--reps N]';

/**
 * Parses `npm run bench` arguments: workload names, `--json`, `--backend LIST` (default
 * {@link DEFAULT_BACKEND_FLAG}), `--reps N` (also as `--opt=value`). Throws a RangeError with a
 * one-line message for an unknown flag or a bad value.
 */
export function parseBenchArgs(argv: readonly string[]): BenchCliOptions {
  const o: BenchCliOptions = { names: [], json: false, backends: DEFAULT_BACKEND_FLAG };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new RangeError(`${flag} needs a value. ${USAGE}`);
      return v;
    };
    if (flag === '--json') o.json = true;
    else if (flag === '--backend') o.backends = value();
    else if (flag === '--reps') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new RangeError(`--reps expects a positive integer, got "${v}"`);
      o.reps = Number(v);
    } else if (flag.startsWith('-')) throw new RangeError(`unknown option '${flag}'. ${USAGE}`);
    else o.names.push(arg);
  }
  return o;
}

/** `npm run bench`: parses `argv`, runs, returns the exit code (2 with one line for bad arguments). */
export async function benchEntry(argv: readonly string[]): Promise<number> {
  try {
    await benchMain(parseBenchArgs(argv));
    return 0;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
}
