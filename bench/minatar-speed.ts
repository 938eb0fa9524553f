/**
 * MinAtar env speed: steps per second per game on one core, compared with the reference Python
 * implementation measured on the same machine kind (act + state, one core; figures from issue 7).
 *
 * Two loops per game: `core` is `MinAtarEnvironment.act` + `observe` into a reused buffer (what
 * the Python figure measures: `act` + `state()`); `env` is the Gymnasium-style `MinAtarEnv.step`
 * (observation, info object with the peeked RNG word). Both reset on terminal. Random actions
 * are drawn up front so their cost is not measured. Time is the process's CPU time
 * (`process.cpuUsage`), not wall time, so the figure is steps per second of one core even on a
 * machine shared with other jobs.
 *
 * Run: `npm run build && node dist/bench/minatar-speed.js [--seconds 1] [--json]`. The same
 * core loop is also in `npm run bench` as the `minatar-<game>` workloads ({@link MINATAR_WORKLOADS}).
 */
import { pathToFileURL } from 'node:url';
import { MINATAR_GAMES, MinAtarEnvironment, type MinAtarGameName } from '../envs/minatar/reference-api.js';
import { MinAtarEnv } from '../envs/minatar/env.js';
import { Rng } from '../src/rng/rng.js';
// Type-only: importing the harness's values would load tfjs into this tfjs-free bench.
import type { Workload } from './harness.js';

/** Reference Python steps/s (act + state, one core), from issue 7. */
export const PYTHON_STEPS_PER_SEC: Readonly<Record<MinAtarGameName, number>> = {
  breakout: 185_000,
  asterix: 162_000,
  freeway: 62_000,
  seaquest: 103_000,
  space_invaders: 15_600,
};

/** One measurement. */
export interface MinAtarSpeed {
  game: MinAtarGameName;
  loop: 'core' | 'env';
  stepsPerSec: number;
  /** Versus the Python reference's steps/s. */
  speedupVsPython: number;
}

/** CPU seconds (user + system) used by this process so far. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const ACTIONS = (() => {
  const rng = new Rng(7);
  const a = new Uint8Array(1 << 16);
  for (let i = 0; i < a.length; i++) a[i] = rng.nextInt(6);
  return a;
})();

function timeCore(game: MinAtarGameName, seconds: number): number {
  const env = new MinAtarEnvironment(game);
  env.seed(0);
  env.reset();
  const obs = env.newObservation();
  let steps = 0;
  let i = 0;
  const t0 = cpuSeconds();
  const deadline = t0 + seconds;
  let now = t0;
  while (now < deadline) {
    for (let k = 0; k < 4096; k++) {
      env.act(ACTIONS[i++ & 0xffff] as number);
      env.observe(obs);
      if (env.terminal) env.reset();
    }
    steps += 4096;
    now = cpuSeconds();
  }
  return steps / (now - t0);
}

function timeEnv(game: MinAtarGameName, seconds: number): number {
  const env = new MinAtarEnv(game);
  env.reset({ seed: 0 });
  let steps = 0;
  let i = 0;
  const t0 = cpuSeconds();
  const deadline = t0 + seconds;
  let now = t0;
  while (now < deadline) {
    for (let k = 0; k < 4096; k++) {
      const r = env.step(ACTIONS[i++ & 0xffff] as number);
      if (r[2] || r[3]) env.reset();
    }
    steps += 4096;
    now = cpuSeconds();
  }
  return steps / (now - t0);
}

/** Measures every game with both loops (best of `reps` runs of `seconds` each). */
export function measureMinAtarSpeed(seconds = 1, reps = 3): MinAtarSpeed[] {
  const out: MinAtarSpeed[] = [];
  for (const game of Object.keys(MINATAR_GAMES) as MinAtarGameName[]) {
    for (const loop of ['core', 'env'] as const) {
      let best = 0;
      // Warm-up so the JIT has compiled the step before timing.
      if (loop === 'core') timeCore(game, 0.2);
      else timeEnv(game, 0.2);
      for (let r = 0; r < reps; r++)
        best = Math.max(best, loop === 'core' ? timeCore(game, seconds) : timeEnv(game, seconds));
      out.push({ game, loop, stepsPerSec: best, speedupVsPython: best / PYTHON_STEPS_PER_SEC[game] });
    }
  }
  return out;
}

/** Steps per timed run of the harness workloads. */
const STEPS_PER_RUN = 100_000;

/** `minatar-<game>`: {@link STEPS_PER_RUN} steps of act + observe with random actions (harness workload, no tfjs). */
function minatarWorkload(game: MinAtarGameName): Workload {
  return {
    name: `minatar-${game.replace('_', '-')}`,
    description: `MinAtar ${game}: ${STEPS_PER_RUN} act + observe steps, random actions (Python ref ${PYTHON_STEPS_PER_SEC[game]} steps/s)`,
    backends: ['js'], // the harness's JS_BACKEND
    setup() {
      const env = new MinAtarEnvironment(game);
      env.seed(0);
      env.reset();
      const obs = env.newObservation();
      let i = 0;
      return {
        run() {
          for (let k = 0; k < STEPS_PER_RUN; k++) {
            env.act(ACTIONS[i++ & 0xffff] as number);
            env.observe(obs);
            if (env.terminal) env.reset();
          }
        },
        dispose() {},
        items: STEPS_PER_RUN,
        itemName: 'steps',
      };
    },
    reps: () => 5,
    warmup: () => 1,
  };
}

/** The five MinAtar stepping workloads, for `WORKLOADS`. */
export const MINATAR_WORKLOADS: Workload[] = (Object.keys(PYTHON_STEPS_PER_SEC) as MinAtarGameName[]).map(
  minatarWorkload,
);

function main(argv: readonly string[]): void {
  const si = argv.indexOf('--seconds');
  const seconds = si >= 0 ? Number(argv[si + 1]) : 1;
  const json = argv.includes('--json');
  const results = measureMinAtarSpeed(seconds);
  if (json) {
    for (const r of results) console.log(JSON.stringify(r));
    return;
  }
  console.log('game            loop   steps/s      python    speedup');
  for (const r of results) {
    console.log(
      `${r.game.padEnd(15)} ${r.loop.padEnd(5)} ${Math.round(r.stepsPerSec).toLocaleString('en-US').padStart(11)} ${PYTHON_STEPS_PER_SEC[
        r.game
      ]
        .toLocaleString('en-US')
        .padStart(9)} ${r.speedupVsPython.toFixed(1).padStart(8)}x`,
    );
  }
}

// Run main only when executed directly, not when imported (the harness imports the workloads).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main(process.argv.slice(2));
