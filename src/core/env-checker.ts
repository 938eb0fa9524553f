/**
 * `checkEnv`: the executable definition of the {@link Env} contract. It throws an
 * {@link EnvCheckError} naming the first failed check, or returns which checks ran.
 *
 * Checks, in order: `spaces` (shapes, dtypes, samples contained), `metadata`, `reset` (obs in
 * the space, info an object), `step` (5-tuple types, obs in the space, finite reward),
 * `determinism` (two runs with the same seed and the same seeded random actions, across episode
 * boundaries with unseeded resets, give identical observations, rewards, flags and infos),
 * `step-after-end` (stepping an ended episode throws) and `render` (frames of the declared
 * shape, or a string for `ansi`). Observations are copied, since envs may reuse buffers.
 */
import type { Env, Info, RgbFrame, Space } from './env.js';
import { Rng } from '../rng/rng.js';

/** Thrown by {@link checkEnv}; `check` names the failed check. */
export class EnvCheckError extends Error {
  override name = 'EnvCheckError';
  constructor(
    readonly check: string,
    detail: string,
  ) {
    super(`checkEnv: ${check} failed: ${detail}`);
  }
}

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Seed of the env and of the random actions (default 0). */
  seed?: number;
  /** Random-action steps per determinism run (default 300). */
  steps?: number;
}

/** What {@link checkEnv} did: checks passed and checks it could not run (with why). */
export interface CheckEnvReport {
  passed: string[];
  skipped: { check: string; reason: string }[];
}

const DTYPES = ['uint8', 'int32', 'float32', 'float64'];

function fail(check: string, detail: string): never {
  throw new EnvCheckError(check, detail);
}

function describeTyped(x: ArrayBufferView): string {
  const a = x as unknown as ArrayLike<number>;
  const head = Array.from({ length: Math.min(a.length, 8) }, (_, i) => a[i]);
  return `${x.constructor.name}(${a.length}) [${head.join(', ')}${a.length > 8 ? ', ...' : ''}]`;
}

/** A short description of a value for error messages (typed arrays summarised, at most 300 characters). */
function describe(x: unknown): string {
  if (ArrayBuffer.isView(x)) return describeTyped(x);
  let s: string;
  try {
    s = JSON.stringify(x, (_k, v: unknown) => (ArrayBuffer.isView(v) ? describeTyped(v) : v)) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

/** Path and values of the first difference between two snapshots (for `dataEqual` failures). */
function firstDifference(a: unknown, b: unknown, path: string): string {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && a.constructor === b.constructor) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return `${path}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++)
      if (!Object.is(x[i], y[i]) && x[i] !== y[i]) return `${path}[${i}]: ${x[i]} vs ${y[i]}`;
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) if (!dataEqual(a[i], b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`);
  } else if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !ArrayBuffer.isView(a) &&
    !ArrayBuffer.isView(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const va = (a as Record<string, unknown>)[k];
      const vb = (b as Record<string, unknown>)[k];
      if (!dataEqual(va, vb)) return firstDifference(va, vb, `${path}.${k}`);
    }
  }
  return `${path}: ${describe(a)} vs ${describe(b)}`;
}

function snapshot(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return (x as unknown as { slice(): unknown }).slice();
  if (Array.isArray(x)) return x.map(snapshot);
  if (x !== null && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = snapshot(v);
    return o;
  }
  return x;
}

/** Deep equality where NaN equals NaN and typed arrays compare by class and elements. */
export function dataEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const u = x[i] as number;
      const v = y[i] as number;
      // Plain !== first (fast path for large frames); NaN is the one value unequal to itself.
      if (u !== v && !(u !== u && v !== v)) return false;
    }
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => dataEqual(v, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (!dataEqual(ka, kb)) return false;
    return ka.every((k) => dataEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function checkSpace(space: Space<unknown> | undefined, name: string, rng: Rng): void {
  const check = 'spaces';
  if (!space || typeof space.sample !== 'function' || typeof space.contains !== 'function') {
    fail(check, `${name} is not a Space (needs sample, contains, shape, dtype)`);
  }
  if (!Array.isArray(space.shape) || !space.shape.every((d) => Number.isInteger(d) && d >= 1)) {
    fail(check, `${name}.shape must be an array of positive integers. Received: ${describe(space.shape)}`);
  }
  if (!DTYPES.includes(space.dtype))
    fail(check, `${name}.dtype must be one of ${DTYPES.join(', ')}. Received: ${String(space.dtype)}`);
  const str = space.toString();
  if (typeof str !== 'string' || str.length === 0 || str === '[object Object]')
    fail(check, `${name}.toString() must describe the space`);
  for (let i = 0; i < 5; i++) {
    const x = space.sample(rng);
    if (!space.contains(x)) fail(check, `${name}.sample() gave ${describe(x)}, which ${str} does not contain`);
  }
}

function isInfo(x: unknown): x is Info {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function checkReset(env: Env<unknown, unknown>, out: unknown, check: string): unknown {
  if (!Array.isArray(out) || out.length !== 2)
    fail(check, `reset() must return [obs, info]. Received: ${describe(out)}`);
  const [obs, info] = out as [unknown, unknown];
  if (!env.observationSpace.contains(obs)) {
    fail(check, `reset() observation ${describe(obs)} is not in ${env.observationSpace.toString()}`);
  }
  if (!isInfo(info)) fail(check, `reset() info must be a plain object. Received: ${describe(info)}`);
  return obs;
}

function checkStep(
  env: Env<unknown, unknown>,
  out: unknown,
  action: unknown,
  check: string,
): [unknown, number, boolean, boolean, Info] {
  if (!Array.isArray(out) || out.length !== 5) {
    fail(check, `step() must return [obs, reward, terminated, truncated, info]. Received: ${describe(out)}`);
  }
  const [obs, r, term, trunc, info] = out as [unknown, unknown, unknown, unknown, unknown];
  if (!env.observationSpace.contains(obs)) {
    fail(check, `step(${describe(action)}) observation ${describe(obs)} is not in ${env.observationSpace.toString()}`);
  }
  if (typeof r !== 'number' || !Number.isFinite(r))
    fail(check, `step() reward must be a finite number. Received: ${describe(r)}`);
  if (typeof term !== 'boolean' || typeof trunc !== 'boolean') {
    fail(check, `step() terminated and truncated must be booleans. Received: ${describe(term)}, ${describe(trunc)}`);
  }
  if (!isInfo(info)) fail(check, `step() info must be a plain object. Received: ${describe(info)}`);
  return [obs, r, term, trunc, info];
}

interface Trajectory {
  records: unknown[];
  /** Whether some episode ended and the env was left ended (for the step-after-end check). */
  endedAtLeastOnce: boolean;
}

function run(env: Env<unknown, unknown>, seed: number, steps: number, check: string): Trajectory {
  const actRng = new Rng(seed);
  const records: unknown[] = [];
  records.push(snapshot(checkReset(env, env.reset({ seed }), check)));
  let ended = false;
  for (let t = 0; t < steps; t++) {
    const a = env.actionSpace.sample(actRng);
    const [obs, r, term, trunc, info] = checkStep(env, env.step(a), a, check);
    records.push([snapshot(a), snapshot(obs), r, term, trunc, snapshot(info)]);
    if (term || trunc) {
      ended = true;
      if (t < steps - 1) {
        const out = env.reset();
        records.push(snapshot(checkReset(env, out, check)));
      }
    }
  }
  return { records, endedAtLeastOnce: ended };
}

function checkFrame(env: Env<unknown, unknown>, frame: unknown, when: string): void {
  const check = 'render';
  if (env.renderMode === 'ansi') {
    if (typeof frame !== 'string')
      fail(check, `render() in 'ansi' mode must return a string ${when}. Received: ${describe(frame)}`);
    return;
  }
  const f = frame as RgbFrame | null;
  if (
    !f ||
    !(f.data instanceof Uint8Array) ||
    !Number.isInteger(f.height) ||
    !Number.isInteger(f.width) ||
    f.height < 1 ||
    f.width < 1
  ) {
    fail(
      check,
      `render() in 'rgb_array' mode must return {data: Uint8Array, height, width} ${when}. Received: ${describe(frame)}`,
    );
  }
  if (f.data.length !== f.height * f.width * 3) {
    fail(check, `render() frame has ${f.data.length} bytes but height*width*3 = ${f.height * f.width * 3} ${when}`);
  }
  const decl = env.metadata.renderShape;
  if (decl && (decl[0] !== f.height || decl[1] !== f.width || decl[2] !== 3)) {
    fail(check, `render() frame is ${f.height}x${f.width}x3 but metadata.renderShape is [${decl.join(', ')}] ${when}`);
  }
}

/**
 * Checks `env` against the env contract (see the module doc); throws {@link EnvCheckError} naming
 * the failed check. The env is left in an arbitrary state (reset it before use).
 */
export function checkEnv(env: Env<unknown, unknown>, opts: CheckEnvOptions = {}): CheckEnvReport {
  const seed = opts.seed ?? 0;
  const steps = opts.steps ?? 300;
  const report: CheckEnvReport = { passed: [], skipped: [] };
  const spaceRng = new Rng(seed + 1);

  checkSpace(env.observationSpace, 'observationSpace', spaceRng);
  checkSpace(env.actionSpace, 'actionSpace', spaceRng);
  report.passed.push('spaces');

  const md = env.metadata;
  if (!md || !Array.isArray(md.renderModes) || !md.renderModes.every((m) => m === 'rgb_array' || m === 'ansi')) {
    fail(
      'metadata',
      `metadata.renderModes must be an array of 'rgb_array' | 'ansi'. Received: ${describe(md?.renderModes)}`,
    );
  }
  if (typeof md.renderFps !== 'number' || !(md.renderFps > 0))
    fail('metadata', `metadata.renderFps must be a positive number. Received: ${describe(md.renderFps)}`);
  if (env.renderMode !== null && !md.renderModes.includes(env.renderMode)) {
    fail('metadata', `renderMode '${env.renderMode}' is not in metadata.renderModes [${md.renderModes.join(', ')}]`);
  }
  report.passed.push('metadata');

  checkReset(env, env.reset({ seed }), 'reset');
  report.passed.push('reset');
  const a0 = env.actionSpace.sample(spaceRng);
  checkStep(env, env.step(a0), a0, 'step');
  report.passed.push('step');

  const first = run(env, seed, steps, 'determinism');
  const second = run(env, seed, steps, 'determinism');
  for (let i = 0; i < first.records.length; i++) {
    if (!dataEqual(first.records[i], second.records[i])) {
      const rec = first.records[i];
      const what = Array.isArray(rec) && rec.length === 6 ? 'step' : 'reset.obs';
      const names = ['action', 'obs', 'reward', 'terminated', 'truncated', 'info'];
      let where = firstDifference(rec, second.records[i], what);
      // Name the tuple fields instead of indices: step[5].x -> step.info.x
      where = where.replace(/^step\[(\d)\]/, (_m, d: string) => `step.${names[Number(d)] ?? d}`);
      fail('determinism', `two runs with seed ${seed} and the same actions differ at record ${i}: ${where}`);
    }
  }
  if (first.records.length !== second.records.length)
    fail('determinism', 'two runs with the same seed have different lengths');
  report.passed.push('determinism');

  // Drive one episode to its end, then step again: it must throw.
  env.reset({ seed });
  const actRng = new Rng(seed + 2);
  let ended = false;
  for (let t = 0; t < steps * 10 && !ended; t++) {
    const [, , term, trunc] = env.step(env.actionSpace.sample(actRng));
    ended = term || trunc;
  }
  if (ended) {
    let threw = false;
    try {
      env.step(env.actionSpace.sample(actRng));
    } catch {
      threw = true;
    }
    if (!threw)
      fail('step-after-end', 'step() after terminated/truncated did not throw (call reset() first is required)');
    report.passed.push('step-after-end');
  } else {
    report.skipped.push({ check: 'step-after-end', reason: `no episode ended within ${steps * 10} random steps` });
  }

  if (env.renderMode === null) {
    report.skipped.push({ check: 'render', reason: 'renderMode is null' });
  } else {
    env.reset({ seed });
    checkFrame(env, env.render(), 'after reset');
    const [, , term, trunc] = env.step(env.actionSpace.sample(actRng));
    if (!term && !trunc) checkFrame(env, env.render(), 'after a step');
    report.passed.push('render');
  }
  return report;
}
