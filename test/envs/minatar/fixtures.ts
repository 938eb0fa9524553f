/**
 * Loading and replaying the MinAtar reference trajectories in `shared/reference/minatar/`
 * (schema in its README). Shared by the fixture tests and the trace CLI test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MinAtarEnvironment, type MinAtarGameName } from '../../../envs/minatar/reference-api.js';

/** Folder of the MinAtar fixtures. */
export const FIXTURE_DIR = new URL('../../../../shared/reference/minatar/', import.meta.url);

/** One recorded step. */
export interface FixtureStep {
  t: number;
  a: number;
  a_eff: number;
  r: number;
  terminal: boolean;
  ramp: number | null;
  rng_next: number;
  obs: [number, number, number][];
}
/** One recorded episode. */
export interface FixtureEpisode {
  index: number;
  reset_obs: [number, number, number][];
  rng_after_reset: number;
  ramp_after_reset: number | null;
  steps: FixtureStep[];
}
/** A fixture file. */
export interface Fixture {
  game: MinAtarGameName;
  seed: number;
  steps: number;
  sticky_action_prob: number;
  difficulty_ramping: boolean;
  state_shape: [number, number, number];
  channels: string[];
  minimal_action_set: number[];
  rng_after_seed: number;
  summary: { episodes_terminated: number; total_reward: number; sticky_repeats: number };
  episodes: FixtureEpisode[];
}

/** Names of all fixture files. */
export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
}

/** Parses one fixture file. */
export function loadFixture(name: string): Fixture {
  return JSON.parse(gunzipSync(readFileSync(new URL(name, FIXTURE_DIR))).toString('utf8')) as Fixture;
}

/** True cells of an observation as sorted `[row, col, channel]` triples (the fixtures' encoding). */
export function cells(obs: Uint8Array, channels: number): string {
  const out: string[] = [];
  for (let i = 0; i < obs.length; i++) {
    if (obs[i] !== 0) {
      const cell = Math.floor(i / channels);
      out.push(`${Math.floor(cell / 10)},${cell % 10},${i % channels}`);
    }
  }
  return out.join(' ');
}

/** The fixture's cell list in the same string form. */
export function fixtureCells(list: [number, number, number][]): string {
  return list.map((c) => c.join(',')).join(' ');
}

/**
 * Replays a fixture on a {@link MinAtarEnvironment}; returns null when every field matches,
 * else a description of the first mismatch (file, episode, t, field, expected, actual).
 */
export function replay(name: string, fx: Fixture): string | null {
  const env = new MinAtarEnvironment(fx.game, {
    stickyActionProb: fx.sticky_action_prob,
    difficultyRamping: fx.difficulty_ramping,
  });
  const C = env.numChannels;
  const obs = env.newObservation();
  env.seed(fx.seed);
  if (env.rngNext() !== fx.rng_after_seed) return `${name}: rng_after_seed ${fx.rng_after_seed} != ${env.rngNext()}`;
  let steps = 0;
  for (const ep of fx.episodes) {
    env.reset();
    const where = `${name} episode ${ep.index}`;
    const check = (field: string, expected: unknown, actual: unknown, t?: number): string | null =>
      expected === actual
        ? null
        : `${where}${t === undefined ? '' : ` t=${t}`}: ${field} expected ${String(expected)} got ${String(actual)}`;
    const bad =
      check('reset_obs', fixtureCells(ep.reset_obs), cells(env.observe(obs), C)) ??
      check('rng_after_reset', ep.rng_after_reset, env.rngNext()) ??
      check('ramp_after_reset', ep.ramp_after_reset, env.difficultyRamp());
    if (bad !== null) return bad;
    for (const st of ep.steps) {
      const r = env.act(st.a);
      steps++;
      const m =
        check('a_eff', st.a_eff, env.lastAction, st.t) ??
        check('r', st.r, r, st.t) ??
        check('terminal', st.terminal, env.terminal, st.t) ??
        check('ramp', st.ramp, env.difficultyRamp(), st.t) ??
        check('rng_next', st.rng_next, env.rngNext(), st.t) ??
        check('obs', fixtureCells(st.obs), cells(env.observe(obs), C), st.t);
      if (m !== null) return m;
    }
  }
  if (steps !== fx.steps) return `${name}: replayed ${steps} steps, file has ${fx.steps}`;
  return null;
}
