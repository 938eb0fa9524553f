/**
 * The agent registry: every trainable agent, typed once. Each agent is declared as an
 * {@link AgentSpec} over its own config type (`DqnConfig`, ...) and passed through
 * {@link defineAgent}, the one place where that type is erased: the erased {@link AgentEntry}
 * hands configs out as plain data (what `config.json` stores) and takes them back only through
 * the agent's own `resolve`, which validates every field, so no config reaches an agent unchecked.
 *
 * The CLI generates `tfgym train <agent>` and its flags from these entries; `agents/run.ts`
 * trains, resumes and evaluates through them.
 */
import { totalmem } from 'node:os';
import type { Rng } from '../src/rng/rng.js';
import type { Agent } from './agent.js';
import { checkMemory, ConfigError, type ConfigDescriptor, type FieldSpec, type Preset } from './config.js';
import { DqnAgent, dqnMemoryNeeds, type DqnEnvInfo } from './dqn.js';
import { DQN_CONFIG, DQN_PRESETS, resolveDqnConfig, type DqnConfig } from './dqn-config.js';
import { DrqnAgent, drqnMemoryNeeds, type DrqnEnvInfo } from './drqn.js';
import { DRQN_CONFIG, DRQN_PRESETS, resolveDrqnConfig, type DrqnConfig } from './drqn-config.js';
import type { AgentEnv } from './envs.js';
import type { Budget } from './schedules.js';
import { RandomAgent, RANDOM_CONFIG, type RandomConfig } from './random.js';
import { resolveTabularQConfig, TABULAR_Q_CONFIG, TabularQAgent, type TabularQConfig } from './tabular-q.js';

/**
 * Where a trained run's greedy policy comes from: `{ network }`, a network the agent saves as its
 * best model and under that name in each checkpoint (loaded alone, without replay memory or
 * optimizer); `'state'`, the agent rebuilt from the latest checkpoint's state (a Q-table);
 * `'none'`, nothing (the agent acts uniformly at random and learns nothing).
 */
export type PolicySource = { readonly network: string } | 'state' | 'none';

/** Config layers: each a partial config, later ones win (a preset's, a file's, flags'). */
export type ConfigLayers = ReadonlyArray<Readonly<Record<string, unknown>> | undefined>;

/** How tfgym knows an agent whose config has type `C`. */
export interface AgentSpec<C> {
  /** Name on the command line and in `config.json`. */
  readonly name: string;
  /** One line for `tfgym train --help`. */
  readonly description: string;
  /** Every config field with its type, default and doc (the CLI's flags come from it). */
  readonly descriptor: ConfigDescriptor<C>;
  /** Named sets of overrides. */
  readonly presets: Readonly<Record<string, Preset<C>>>;
  /** Defaults, then the preset, then each layer, validated; throws for an unknown preset, key or bad value. */
  resolve(preset: string | undefined, ...layers: ConfigLayers): C;
  /**
   * A new agent for an env, fed by `numEnvs` envs stepped in lockstep (default 1); throws a
   * RangeError when the config does not suit the env, the budget or the number of envs.
   */
  create(config: C, env: AgentEnv, rng: Rng, budget: Budget, numEnvs?: number): Agent;
  /** Epsilon of evaluations during training and of `tfgym eval` by default. */
  evalEpsilon(config: C): number;
  /** Where a trained run's policy comes from. */
  readonly policy: PolicySource;
}

/** An agent config as data (what `config.json` stores); {@link AgentEntry} validates it before use. */
export type AgentConfig = Readonly<Record<string, unknown>>;

/** A registered agent, its config type erased by {@link defineAgent}. */
export interface AgentEntry {
  /** See {@link AgentSpec.name}. */
  readonly name: string;
  /** See {@link AgentSpec.description}. */
  readonly description: string;
  /** Every config field by key (see {@link AgentSpec.descriptor}). */
  readonly descriptor: Readonly<Record<string, FieldSpec>>;
  /** Preset names with their descriptions. */
  readonly presets: Readonly<Record<string, { readonly description: string }>>;
  /** See {@link AgentSpec.resolve}; every error is a {@link ConfigError}. */
  resolve(preset: string | undefined, ...layers: ConfigLayers): AgentConfig;
  /** Validates `config` (a {@link ConfigError} when it does not resolve), then {@link AgentSpec.create}. */
  create(config: AgentConfig, env: AgentEnv, rng: Rng, budget: Budget, numEnvs?: number): Agent;
  /** See {@link AgentSpec.evalEpsilon}. */
  evalEpsilon(config: AgentConfig): number;
  /** See {@link AgentSpec.policy}. */
  readonly policy: PolicySource;
}

/**
 * Erases an agent's config type: the one place where a typed config becomes data and data
 * becomes a typed config again, the latter only through `spec.resolve` (full validation; a
 * resolved config resolves to itself). Range errors of `resolve` (an unknown preset, fields that
 * contradict each other) become {@link ConfigError}s, so callers see one error class.
 */
export function defineAgent<C extends object>(spec: AgentSpec<C>): AgentEntry {
  const resolve = (preset: string | undefined, layers: ConfigLayers): C => {
    try {
      return spec.resolve(preset, ...layers);
    } catch (e) {
      if (e instanceof RangeError && !(e instanceof ConfigError)) throw new ConfigError(e.message);
      throw e;
    }
  };
  const typed = (config: AgentConfig): C => resolve(undefined, [config]);
  return {
    name: spec.name,
    description: spec.description,
    descriptor: spec.descriptor,
    presets: spec.presets,
    // A plain copy of the typed config: data from here on, until `typed` resolves it again.
    resolve: (preset, ...layers) => Object.fromEntries(Object.entries(resolve(preset, layers))),
    create: (config, env, rng, budget, numEnvs) => spec.create(typed(config), env, rng, budget, numEnvs),
    evalEpsilon: (config) => spec.evalEpsilon(typed(config)),
    policy: spec.policy,
  };
}

/** Refuses a preset for agents that have none. */
function noPresets(name: string, preset: string | undefined): void {
  if (preset !== undefined) throw new ConfigError(`${name} has no presets`);
}

/** Largest observation (elements) tabular Q-learning accepts: MinAtar's 10x10x10 fits, pixel frames do not. */
export const TABULAR_MAX_OBS_SIZE = 1024;

/** The trainable agents, in the order `tfgym train --help` lists them. */
export const AGENTS: readonly AgentEntry[] = [
  defineAgent<DqnConfig>({
    name: 'dqn',
    description: 'Deep Q-Network (Mnih et al. 2015) with double, dueling, n-step, prioritized replay options',
    descriptor: DQN_CONFIG,
    presets: DQN_PRESETS,
    resolve: resolveDqnConfig,
    create: (c, e, rng, budget, numEnvs = 1) => {
      const info: DqnEnvInfo = {
        obsShape: e.obsShape,
        obsDtype: e.obsDtype,
        numActions: e.numActions,
        obsDivisor: e.obsDivisor,
        frameStack: e.frameStack,
      };
      const available = totalmem();
      for (const n of dqnMemoryNeeds(c, info)) checkMemory(n.key, n.value, n.bytes, n.what, available, n.elements);
      return new DqnAgent(c, info, rng, budget, numEnvs);
    },
    evalEpsilon: (c) => c.evalEpsilon,
    policy: { network: 'online' },
  }),
  defineAgent<DrqnConfig>({
    name: 'drqn',
    description:
      'Deep Recurrent Q-Network (Hausknecht & Stone 2015) replaying sequences from stored state with burn-in (R2D2, Kapturowski et al. 2019)',
    descriptor: DRQN_CONFIG,
    presets: DRQN_PRESETS,
    resolve: resolveDrqnConfig,
    create: (c, e, rng, budget, numEnvs = 1) => {
      const info: DrqnEnvInfo = {
        obsShape: e.obsShape,
        obsDtype: e.obsDtype,
        numActions: e.numActions,
        obsDivisor: e.obsDivisor,
      };
      const available = totalmem();
      for (const n of drqnMemoryNeeds(c, info)) checkMemory(n.key, n.value, n.bytes, n.what, available, n.elements);
      return new DrqnAgent(c, info, rng, budget, numEnvs);
    },
    evalEpsilon: (c) => c.evalEpsilon,
    policy: { network: 'online' },
  }),
  defineAgent<TabularQConfig>({
    name: 'tabular-q',
    description: 'tabular Q-learning (Watkins 1989) for small discrete envs such as bsuite/Catch-v0',
    descriptor: TABULAR_Q_CONFIG,
    presets: {},
    resolve: (preset, ...layers) => {
      noPresets('tabular-q', preset);
      return resolveTabularQConfig(...layers);
    },
    create: (c, e, rng, budget) => {
      // The table is keyed by whole observations: on pixel frames no state ever repeats.
      const size = e.obsShape.reduce((a, b) => a * b, 1);
      if (size > TABULAR_MAX_OBS_SIZE) {
        throw new RangeError(
          `tabular-q keys its table by whole observations, and these have ${size} elements ` +
            `([${e.obsShape.join(', ')}], at most ${TABULAR_MAX_OBS_SIZE}): no state would repeat. ` +
            'Use dqn, or a small discrete env such as bsuite/Catch-v0',
        );
      }
      return new TabularQAgent(c, e.numActions, rng, budget);
    },
    evalEpsilon: (c) => c.evalEpsilon,
    policy: 'state',
  }),
  defineAgent<RandomConfig>({
    name: 'random',
    description: 'uniformly random actions (the baseline)',
    descriptor: RANDOM_CONFIG,
    presets: {},
    resolve: (preset, ...layers) => {
      noPresets('random', preset);
      for (const layer of layers) {
        const key = Object.keys(layer ?? {})[0];
        if (key !== undefined) throw new ConfigError(`Unknown config key \`${key}\`: random has no hyperparameters`);
      }
      return {};
    },
    create: (_c, e, rng) => new RandomAgent(e.numActions, rng),
    // Every action is random anyway; 1 says so in config-free terms.
    evalEpsilon: () => 1,
    policy: 'none',
  }),
];

/** The names of the registered agents. */
export function agentNames(): string[] {
  return AGENTS.map((a) => a.name);
}

/** The agent called `name`; a {@link ConfigError} listing the names when there is none. */
export function agentSpec(name: string): AgentEntry {
  const a = AGENTS.find((x) => x.name === name);
  if (a === undefined) throw new ConfigError(`Unknown agent '${name}'. Choose one of: ${agentNames().join(', ')}`);
  return a;
}
