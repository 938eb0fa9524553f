/**
 * The env registry: `register(id, factory, spec)` and `make(id, options)`, like Gymnasium's.
 *
 * Ids are `[namespace/]Name-vN`. Options a factory accepts are exactly the keys of its
 * `defaultOptions` (plus the reserved ones `make` applies itself: `renderMode`, `maxEpisodeSteps`,
 * and the partial-observability wrappers `maskVelocity` and `frameDrop`), so `make` can reject
 * typos with a clear error instead of silently ignoring them. Concrete envs register themselves
 * when their module is imported; `envs/index.ts` imports all of them.
 */
import type { AnyTypedArray } from './spaces.js';
import type { Env, RenderMode } from './env.js';
import { TimeLimit } from './wrappers/common.js';
import { FrameDrop } from './wrappers/stateful-observation.js';
import { MaskVelocity } from './wrappers/transform-observation.js';

/** Option values an env may take (JSON-like scalars, so the CLI can pass them as `key=value`). */
export type EnvOptionValue = number | string | boolean | null;
/** Options passed to a factory: the defaults merged with the caller's, plus `renderMode`. */
export type EnvOptions = Record<string, EnvOptionValue | undefined> & { renderMode?: RenderMode | null };

/**
 * A user error about an env: a malformed or unknown id, an unknown option, an option value of the
 * wrong type. Callers (the CLI, `agents/run.ts`) recognise it by class and report its one-line
 * message; it is a RangeError so code that catches RangeErrors keeps working.
 */
export class EnvError extends RangeError {
  override readonly name = 'EnvError';
}

/** Builds an env from its merged options. */
export type EnvFactory = (options: EnvOptions) => Env<unknown, unknown>;

/** What `register` takes besides the id and factory. */
export interface RegisterOptions {
  /** Wraps made envs in `TimeLimit(maxEpisodeSteps)` (override per call with the `maxEpisodeSteps` option). */
  maxEpisodeSteps?: number;
  /** Every option the env accepts, with its default value; the type of the default is the type accepted. */
  defaultOptions?: Record<string, EnvOptionValue>;
  /** One line for `tfgym envs`. */
  description?: string;
  /**
   * Whether an episode is a game won or lost: an episode whose return is greater than 0 counts as
   * a win (Catch: +1 caught, -1 missed). Evaluations then report `won W of N` and the viewer marks
   * each episode won or lost. Default false.
   */
  countsWins?: boolean;
}

/** A registered env. */
export interface EnvSpec {
  readonly id: string;
  readonly namespace: string | null;
  readonly name: string;
  readonly version: number;
  readonly maxEpisodeSteps: number | null;
  readonly defaultOptions: Readonly<Record<string, EnvOptionValue>>;
  readonly description: string;
  /** An episode with a return > 0 counts as a win (see {@link RegisterOptions.countsWins}). */
  readonly countsWins: boolean;
  readonly factory: EnvFactory;
}

/** `[namespace/]Name-vN`: namespace and name of letters, digits, `_`, `-`, `.`; version digits. */
const ID_RE = /^(?:([A-Za-z0-9_.-]+)\/)?([A-Za-z0-9_.-]+?)-v(\d+)$/;
/**
 * Option keys `make` understands itself, on top of an env's `defaultOptions`: the render mode, the
 * time limit, and two wrappers that make any env a memory task (so a task is named by its id and
 * options alone, in worker threads too): `maskVelocity` (RL Zoo's `MaskVelocityWrapper`, the
 * classic-control envs) and `frameDrop` (observations zeroed with probability p, Hausknecht &
 * Stone 2015's flickering).
 */
const RESERVED_OPTIONS = ['renderMode', 'maxEpisodeSteps', 'maskVelocity', 'frameDrop'] as const;

/** The type of each reserved option's value, for {@link Registry.parseOptions} (`renderMode` is a string). */
const RESERVED_TYPES: Readonly<Record<string, EnvOptionValue>> = {
  renderMode: '',
  maxEpisodeSteps: 0,
  maskVelocity: false,
  frameDrop: 0,
};

/** Splits an id into its parts; throws on a malformed id. */
export function parseEnvId(id: string): { namespace: string | null; name: string; version: number } {
  const m = typeof id === 'string' ? ID_RE.exec(id) : null;
  if (!m) {
    throw new EnvError(
      `Malformed env id '${String(id)}': expected [namespace/]Name-vN, e.g. 'Catch-v0' or 'bsuite/Catch-v0'`,
    );
  }
  return { namespace: m[1] ?? null, name: m[2] as string, version: Number(m[3]) };
}

/** Levenshtein edit distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** A set of registered envs. Most code uses the module-level default one through the free functions. */
export class Registry {
  private readonly specs = new Map<string, EnvSpec>();

  /** Registers `id`; throws on a malformed or already registered id or bad spec values. */
  register(id: string, factory: EnvFactory, opts: RegisterOptions = {}): EnvSpec {
    const parts = parseEnvId(id);
    if (this.specs.has(id)) throw new Error(`Env id '${id}' is already registered`);
    if (typeof factory !== 'function') throw new TypeError(`register('${id}'): factory must be a function`);
    const mes = opts.maxEpisodeSteps;
    if (mes !== undefined && (!Number.isInteger(mes) || mes < 1)) {
      throw new RangeError(`register('${id}'): maxEpisodeSteps must be a positive integer. Received: ${String(mes)}`);
    }
    const defaults = { ...(opts.defaultOptions ?? {}) };
    for (const k of RESERVED_OPTIONS) {
      if (k in defaults) throw new RangeError(`register('${id}'): '${k}' is reserved and cannot be a default option`);
    }
    const spec: EnvSpec = Object.freeze({
      id,
      ...parts,
      maxEpisodeSteps: mes ?? null,
      defaultOptions: Object.freeze(defaults),
      description: opts.description ?? '',
      countsWins: opts.countsWins ?? false,
      factory,
    });
    this.specs.set(id, spec);
    return spec;
  }

  /** Removes `id` (for tests); returns whether it was registered. */
  unregister(id: string): boolean {
    return this.specs.delete(id);
  }

  /** All registered ids, sorted. */
  registeredIds(): string[] {
    return [...this.specs.keys()].sort();
  }

  /** The spec of `id`; throws with suggestions when unknown. */
  spec(id: string): EnvSpec {
    const s = this.specs.get(id);
    if (s) return s;
    parseEnvId(id);
    throw new EnvError(this.unknownIdMessage(id));
  }

  /** Whether `id` is registered. */
  has(id: string): boolean {
    return this.specs.has(id);
  }

  /** Whether `id` counts wins (see {@link RegisterOptions.countsWins}); false for ids not registered here. */
  countsWins(id: string): boolean {
    return this.specs.get(id)?.countsWins ?? false;
  }

  /** Registered ids close to `id` (edit distance, case-insensitive; same name with another version first). */
  suggest(id: string, max = 3): string[] {
    const lower = id.toLowerCase();
    const baseOf = (s: string): string => s.toLowerCase().replace(/-v\d+$/, '');
    const scored = this.registeredIds().map((cand) => {
      let d = editDistance(lower, cand.toLowerCase());
      if (baseOf(cand) === baseOf(id)) d = Math.min(d, 0.5);
      return { cand, d };
    });
    const limit = Math.max(2, Math.floor(id.length / 3));
    return scored
      .filter((s) => s.d <= limit)
      .sort((a, b) => a.d - b.d || a.cand.localeCompare(b.cand))
      .slice(0, max)
      .map((s) => s.cand);
  }

  private unknownIdMessage(id: string): string {
    const close = this.suggest(id);
    const hint = close.length ? ` Did you mean: ${close.join(', ')}?` : '';
    return `Unknown env id '${id}'.${hint} Run 'tfgym envs' to list registered envs.`;
  }

  /**
   * Makes `id` with `options` merged over its defaults. `renderMode` is passed to the factory;
   * `maxEpisodeSteps` overrides the registered limit (`null` or 0 removes the `TimeLimit`);
   * `maskVelocity: true` wraps the env in {@link MaskVelocity} (velocity components zeroed, for
   * the envs it knows), `frameDrop: p` (in [0, 1), 0 = off) in {@link FrameDrop}, inside the
   * time limit. Unknown option keys and values of the wrong type throw, naming the accepted keys.
   */
  make<Obs = unknown, Act = unknown>(id: string, options: Record<string, unknown> = {}): Env<Obs, Act> {
    const s = this.spec(id);
    const merged: EnvOptions = { ...s.defaultOptions };
    let maxSteps: number | null = s.maxEpisodeSteps;
    let maskVelocity = false;
    let frameDrop = 0;
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) continue;
      if (k === 'maskVelocity') {
        if (typeof v !== 'boolean')
          throw new EnvError(`make('${id}'): maskVelocity must be true or false. Received: ${String(v)}`);
        maskVelocity = v;
      } else if (k === 'frameDrop') {
        if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
          throw new EnvError(`make('${id}'): frameDrop must be a probability in [0, 1). Received: ${String(v)}`);
        }
        frameDrop = v;
      } else if (k === 'renderMode') {
        if (v !== null && v !== 'rgb_array' && v !== 'ansi') {
          throw new EnvError(`make('${id}'): renderMode must be 'rgb_array', 'ansi' or null. Received: ${String(v)}`);
        }
        merged.renderMode = v;
      } else if (k === 'maxEpisodeSteps') {
        if (v !== null && v !== 0 && (!Number.isInteger(v) || (v as number) < 1)) {
          throw new EnvError(
            `make('${id}'): maxEpisodeSteps must be a positive integer, 0 or null. Received: ${String(v)}`,
          );
        }
        maxSteps = v === null || v === 0 ? null : (v as number);
      } else if (!(k in s.defaultOptions)) {
        const keys = [...Object.keys(s.defaultOptions), ...RESERVED_OPTIONS];
        const close = keys.filter((c) => editDistance(c.toLowerCase(), k.toLowerCase()) <= 2);
        throw new EnvError(
          `make('${id}'): unknown option '${k}'.${close.length ? ` Did you mean: ${close.join(', ')}?` : ''} Accepted options: ${keys.join(', ')}`,
        );
      } else {
        const def = s.defaultOptions[k];
        if (def !== null && v !== null && typeof v !== typeof def) {
          throw new EnvError(`make('${id}'): option '${k}' must be a ${typeof def}. Received: ${JSON.stringify(v)}`);
        }
        if (def !== null && v === null) {
          throw new EnvError(`make('${id}'): option '${k}' must be a ${typeof def}. Received: null`);
        }
        merged[k] = v as EnvOptionValue;
      }
    }
    let env: Env<unknown, unknown>;
    try {
      env = s.factory(merged);
    } catch (e) {
      // Factories reject bad option values with RangeErrors (e.g. Catch's `size`): as user errors
      // they become EnvErrors, with the factory's message.
      if (e instanceof RangeError && !(e instanceof EnvError)) throw new EnvError(e.message);
      throw e;
    }
    try {
      if (maskVelocity) env = new MaskVelocity(env as Env<AnyTypedArray, unknown>, id) as Env<unknown, unknown>;
      if (frameDrop > 0) env = new FrameDrop(env as Env<AnyTypedArray, unknown>, frameDrop) as Env<unknown, unknown>;
    } catch (e) {
      // An env the wrapper does not fit (no velocities it knows, no Box observations).
      env.close();
      if (e instanceof RangeError || e instanceof TypeError) throw new EnvError(`make('${id}'): ${e.message}`);
      throw e;
    }
    return (maxSteps === null ? env : new TimeLimit(env, maxSteps)) as Env<Obs, Act>;
  }

  /**
   * Converts `key=value` strings (from the command line) to typed options for `id`, using the
   * type of each default: numbers must parse as finite numbers, booleans as `true`/`false`,
   * `null` as null. Unknown keys are kept as strings so that `make` reports them. Both `tfgym trace
   * --opt` and `tfgym train --env-option` parse with this, so an option means the same in both.
   */
  parseOptions(id: string, raw: Readonly<Record<string, string>>): Record<string, EnvOptionValue> {
    const s = this.spec(id);
    const out: Record<string, EnvOptionValue> = {};
    for (const [k, str] of Object.entries(raw)) {
      const def = Object.prototype.hasOwnProperty.call(RESERVED_TYPES, k) ? RESERVED_TYPES[k] : s.defaultOptions[k];
      if (str === 'null') out[k] = null;
      else if (typeof def === 'number') {
        const n = Number(str);
        if (str.trim() === '' || !Number.isFinite(n))
          throw new EnvError(`Option '${k}' of '${id}' must be a number. Received: ${str}`);
        out[k] = n;
      } else if (typeof def === 'boolean') {
        if (str !== 'true' && str !== 'false')
          throw new EnvError(`Option '${k}' of '${id}' must be true or false. Received: ${str}`);
        out[k] = str === 'true';
      } else {
        out[k] = str;
      }
    }
    return out;
  }
}

/** The default registry that `register`/`make` use. */
export const registry = new Registry();

/** Registers an env id in the default registry (see {@link Registry.register}). */
export function register(id: string, factory: EnvFactory, opts?: RegisterOptions): EnvSpec {
  return registry.register(id, factory, opts);
}

/** Makes an env from the default registry (see {@link Registry.make}). */
export function make<Obs = unknown, Act = unknown>(id: string, options?: Record<string, unknown>): Env<Obs, Act> {
  return registry.make<Obs, Act>(id, options);
}

/** Ids in the default registry, sorted. */
export function registeredIds(): string[] {
  return registry.registeredIds();
}

/** Spec of a registered id in the default registry; throws with suggestions when unknown. */
export function spec(id: string): EnvSpec {
  return registry.spec(id);
}

/**
 * Whether `id` counts wins in the default registry (see {@link RegisterOptions.countsWins}); false when not registered.
 */
export function countsWins(id: string): boolean {
  return registry.countsWins(id);
}

/**
 * Parses `key=value` strings into typed options for `id` with the default registry (see {@link Registry.parseOptions}).
 */
export function parseOptions(id: string, raw: Readonly<Record<string, string>>): Record<string, EnvOptionValue> {
  return registry.parseOptions(id, raw);
}
