/**
 * Tabular Q-learning (Watkins 1989; Sutton & Barto 2018, section 6.5), the idea the book explains
 * before DQN: a table Q(s, a) updated towards r + gamma * max_a' Q(s', a') after every step.
 * States are observations used as keys, so it suits small discrete envs such as bsuite Catch
 * (at most 50 ball cells x 5 paddle cells).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng, RngState } from '../src/rng/rng.js';
import { at, type AnyTypedArray } from '../src/core/spaces.js';
import type { AgentSnapshot } from '../src/io/snapshot.js';
import type { ActOptions, Agent, UpdateInfo } from './agent.js';
import { defaultsOf, resolveConfig, type ConfigDescriptor } from './config.js';
import { epsilonGreedy } from './exploration.js';
import { epsilonAt, epsilonScheduleOf, type Budget, type EpsilonConfig, type EpsilonSchedule } from './schedules.js';

/** Tabular Q-learning hyperparameters. */
export interface TabularQConfig extends EpsilonConfig {
  learningRate: number;
  gamma: number;
  initialQ: number;
  evalEpsilon: number;
}

/** Descriptor with defaults (Sutton & Barto 2018 use alpha 0.1 in their examples). */
export const TABULAR_Q_CONFIG: ConfigDescriptor<TabularQConfig> = {
  learningRate: {
    type: 'float',
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'step size alpha',
    source: 'Sutton & Barto 2018, ex. 6.6',
  },
  gamma: { type: 'float', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  initialQ: { type: 'float', default: 0, doc: 'initial value of unseen entries' },
  epsilonStart: { type: 'float', default: 1, min: 0, max: 1, doc: 'initial exploration epsilon' },
  epsilonEnd: { type: 'float', default: 0.05, min: 0, max: 1, doc: 'final exploration epsilon' },
  explorationFraction: {
    type: 'float',
    default: 0.5,
    above: 0,
    aboveWhy: 'for a constant epsilon set epsilon-start equal to epsilon-end',
    max: 1,
    doc: 'fraction of the budget over which epsilon decays',
  },
  epsilonDecay: {
    type: 'enum',
    choices: ['linear', 'exponential'],
    default: 'linear',
    doc: 'shape of the epsilon decay',
  },
  epsilonUnit: {
    type: 'enum',
    choices: ['step', 'episode'],
    default: 'step',
    doc: 'epsilon decays per env step or per episode',
  },
  evalEpsilon: { type: 'float', default: 0, min: 0, max: 1, doc: 'epsilon during evaluation' },
};

/** Defaults, then overrides, validated. */
export function resolveTabularQConfig(
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): TabularQConfig {
  return resolveConfig(TABULAR_Q_CONFIG, ...layers);
}

/** The defaults. */
export function defaultTabularQConfig(): TabularQConfig {
  return defaultsOf(TABULAR_Q_CONFIG);
}

/** Key of an observation in the table. */
function keyOf(obs: AnyTypedArray): string {
  return Array.prototype.join.call(obs, ',');
}

/** Q-learning with a hash table of action-value rows. */
export class TabularQAgent implements Agent {
  readonly name = 'tabular-q';
  private readonly table = new Map<string, Float64Array>();
  private readonly schedule: EpsilonSchedule;
  private readonly scratch: Float32Array;
  private updates = 0;

  constructor(
    readonly config: TabularQConfig,
    readonly numActions: number,
    private readonly rng: Rng,
    budget: Budget,
  ) {
    this.schedule = epsilonScheduleOf(config, budget);
    this.scratch = new Float32Array(numActions);
  }

  /** Number of states seen. */
  get states(): number {
    return this.table.size;
  }

  private row(obs: AnyTypedArray): Float64Array {
    const k = keyOf(obs);
    let r = this.table.get(k);
    if (!r) {
      r = new Float64Array(this.numActions).fill(this.config.initialQ);
      this.table.set(k, r);
    }
    return r;
  }

  epsilon(step: number, episodes: number): number {
    return epsilonAt(this.schedule, step, episodes);
  }

  /** Epsilon-greedy on the table's row (no exploration state: `options.extended` changes nothing). */
  act(obs: AnyTypedArray, epsilon: number, options: ActOptions = {}): number {
    return epsilonGreedy(() => this.qValues(obs), this.numActions, epsilon, options.rng ?? this.rng);
  }

  /** {@link TabularQAgent.act} for each of `n` envs, in env order (a table needs no batching). */
  actBatch(obs: AnyTypedArray, n: number, epsilon: number, out: Int32Array, options: ActOptions = {}): void {
    const size = obs.length / n;
    for (let i = 0; i < n; i++) out[i] = this.act(obs.subarray(i * size, (i + 1) * size), epsilon, options);
  }

  qValues(obs: AnyTypedArray): Float32Array {
    const r = this.table.get(keyOf(obs));
    if (r) this.scratch.set(r);
    else this.scratch.fill(this.config.initialQ);
    return this.scratch;
  }

  /** Q(s,a) += alpha (r + gamma (1 - terminated) max Q(s') - Q(s,a)); truncation bootstraps. */
  observe(obs: AnyTypedArray, action: number, reward: number, nextObs: AnyTypedArray, terminated: boolean): void {
    const q = this.row(obs);
    let boot = 0;
    if (!terminated) {
      const n = this.table.get(keyOf(nextObs));
      boot = n ? Math.max(...n) : this.config.initialQ;
    }
    const target = reward + this.config.gamma * boot;
    const old = at(q, action);
    q[action] = old + this.config.learningRate * (target - old);
    this.updates++;
  }

  endEpisode(): void {}

  train(): UpdateInfo | null {
    return null;
  }

  policyModel(): tf.LayersModel | null {
    return null;
  }

  async snapshot(): Promise<AgentSnapshot> {
    const keys = [...this.table.keys()];
    const values = new Float64Array(keys.length * this.numActions);
    keys.forEach((k, i) => values.set(this.table.get(k) as Float64Array, i * this.numActions));
    const json = { rng: this.rng.getState(), keys, updates: this.updates };
    return { kind: this.name, json, models: {}, blobs: { table: values } };
  }

  async restore(s: AgentSnapshot): Promise<void> {
    if (s.kind !== this.name) throw new Error(`the checkpoint is for agent '${s.kind}', not '${this.name}'`);
    const keys = s.json['keys'];
    const values = s.blobs['table'];
    if (!Array.isArray(keys) || !(values instanceof Float64Array) || values.length !== keys.length * this.numActions) {
      throw new Error('the checkpoint has no valid Q-table');
    }
    this.table.clear();
    keys.forEach((k, i) => this.table.set(String(k), values.slice(i * this.numActions, (i + 1) * this.numActions)));
    this.rng.setState(s.json['rng'] as RngState);
    this.updates = Number(s.json['updates'] ?? 0);
  }

  /** Tabular Q-learning's table as JSON-friendly rows (for inspection). */
  entries(): Array<[string, number[]]> {
    return [...this.table.entries()].map(([k, v]) => [k, Array.from(v)]);
  }

  dispose(): void {}
}
