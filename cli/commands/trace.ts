/**
 * `tfgym trace --env ID --seed N (--actions 0,2,1 | --random-actions N [--action-seed M]) [--opt k=v ...]`:
 * runs an env and prints one JSON line per reset and per step, so trajectories can be compared
 * step by step with other implementations (e.g. the Python references).
 *
 * Line formats (keys in this order):
 *   {"reset": true, "seed": N|null, "obs": [...] | "obsSha256": "...", "info": {...}}
 *   {"t": k, "action": a, "reward": r, "terminated": b, "truncated": b, "obs"|"obsSha256": ..., "info": {...}}
 * `obs` is the observation flattened in C order when it has at most 4096 elements; larger ones
 * are replaced by the SHA-256 of their raw bytes (little-endian, as the typed array stores them).
 * When an episode ends, the next line is a reset without a seed (the env's RNG stream goes on).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { loadBuiltinEnvs } from '../../envs/index.js';
import type { Env, Info } from '../../src/core/env.js';
import { registry } from '../../src/core/registry.js';
import { Rng } from '../../src/rng/rng.js';
import { UsageError } from '../errors.js';
import { collectKeyValue, intArg } from '../options.js';

/** Observations with more elements than this are printed as a hash. */
export const TRACE_MAX_OBS_ELEMENTS = 4096;

/** One trace line (already in output key order). */
export type TraceLine = Record<string, unknown>;

/** What {@link traceLines} needs. */
export interface TraceSpec {
  env: Env<unknown, unknown>;
  seed: number;
  /** The actions to take, in order. */
  actions: Iterable<unknown>;
}

/** `obs` or `obsSha256` for an observation of any kind (typed array, number, nested arrays). */
export function encodeObs(obs: unknown): { obs: unknown } | { obsSha256: string } {
  if (ArrayBuffer.isView(obs) && !(obs instanceof DataView)) {
    const ta = obs as unknown as ArrayLike<number | bigint> & ArrayBufferView;
    if (ta.length > TRACE_MAX_OBS_ELEMENTS) {
      const bytes = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
      return { obsSha256: createHash('sha256').update(bytes).digest('hex') };
    }
    return { obs: jsonValue(ta) };
  }
  return { obs: jsonValue(obs) };
}

/**
 * A JSON-safe copy of `v`: typed arrays become arrays, bigints decimal strings, non-finite
 * numbers the strings "nan"/"inf"/"-inf" (JSON has none), other values as JSON.stringify sees them.
 */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  }
  if (typeof v === 'bigint') return v.toString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<unknown>, jsonValue);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonValue(x);
    return out;
  }
  return v;
}

/** The trace of `spec.env` as line objects: a seeded reset, then steps, with unseeded resets after episode ends. */
export function* traceLines(spec: TraceSpec): Generator<TraceLine> {
  const { env } = spec;
  const resetLine = (seed: number | null, obs: unknown, info: Info): TraceLine => ({
    reset: true,
    seed,
    ...encodeObs(obs),
    info: jsonValue(info),
  });
  const [obs0, info0] = env.reset({ seed: spec.seed });
  yield resetLine(spec.seed, obs0, info0);
  let t = 0;
  for (const action of spec.actions) {
    const [obs, reward, terminated, truncated, info] = env.step(action);
    yield {
      t,
      action: jsonValue(action),
      reward: jsonValue(reward),
      terminated,
      truncated,
      ...encodeObs(obs),
      info: jsonValue(info),
    };
    t++;
    if (terminated || truncated) {
      const [o, i] = env.reset();
      yield resetLine(null, o, i);
    }
  }
}

/** Parses `--actions 0,2,1` into integers (discrete actions). */
export function parseActionList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^[-+]?\d+$/.test(p))) {
    throw new InvalidArgumentError(`Expected a comma-separated list of integer actions, e.g. 0,2,1. Got "${v}".`);
  }
  return parts.map(Number);
}

/** Options of the `trace` command. */
export interface TraceOptions {
  env: string;
  seed: number;
  actions?: number[];
  randomActions?: number;
  actionSeed?: number;
  opt?: Record<string, string>;
}

/** Makes the env and the action sequence for `trace`, turning bad input into {@link UsageError}s. */
export function prepareTrace(o: TraceOptions): TraceSpec {
  if ((o.actions === undefined) === (o.randomActions === undefined)) {
    throw new UsageError('trace needs exactly one of --actions <list> or --random-actions <n>');
  }
  if (o.actionSeed !== undefined && o.randomActions === undefined) {
    throw new UsageError('--action-seed only applies with --random-actions');
  }
  loadBuiltinEnvs();
  // EnvErrors (unknown id, bad option) reach the user as they are: one line, exit 2.
  const env: Env<unknown, unknown> = registry.make(o.env, registry.parseOptions(o.env, o.opt ?? {}));
  let actions: Iterable<unknown>;
  if (o.actions !== undefined) {
    o.actions.forEach((a, i) => {
      if (!env.actionSpace.contains(a)) {
        throw new UsageError(
          `--actions: action ${a} (position ${i + 1}) is not in the action space ${env.actionSpace.toString()}`,
        );
      }
    });
    actions = o.actions;
  } else {
    // Actions come from tfgym's own Rng (default: the env seed), sampled from the action space.
    const rng = new Rng(o.actionSeed ?? o.seed);
    const n = o.randomActions ?? 0;
    const space = env.actionSpace;
    actions = (function* () {
      for (let i = 0; i < n; i++) yield space.sample(rng);
    })();
  }
  return { env, seed: o.seed, actions };
}

/** Registers `trace`. */
export function register(program: Command): void {
  program
    .command('trace')
    .description('run an env and print JSON Lines (one per reset and per step) to compare implementations step by step')
    .requiredOption('--env <id>', 'env id, e.g. Catch-v0 or bsuite/Catch-v0 (see tfgym envs)')
    .requiredOption('--seed <n>', 'seed of the first reset', intArg(0, Number.MAX_SAFE_INTEGER))
    .option('--actions <list>', 'comma-separated actions, e.g. 0,2,1', parseActionList)
    .option('--random-actions <n>', 'take n actions sampled from the action space', intArg(0, 100_000_000))
    .option('--action-seed <m>', 'seed of the random actions (default: --seed)', intArg(0, Number.MAX_SAFE_INTEGER))
    .option('--opt <key=value>', 'env option (repeatable), e.g. --opt size=40', collectKeyValue)
    .action((opts: TraceOptions) => {
      const spec = prepareTrace(opts);
      let first = true;
      let buf = '';
      try {
        for (const line of traceLines(spec)) {
          first = false;
          buf += `${JSON.stringify(line)}\n`;
          // Flush in chunks: one write per line is slow for long traces, one huge string wastes memory.
          if (buf.length > 1 << 16) {
            process.stdout.write(buf);
            buf = '';
          }
        }
      } catch (e) {
        // A bad seed is only detected by the env's reset.
        if (first && e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      } finally {
        if (buf) process.stdout.write(buf);
        spec.env.close();
      }
    });
}
