/**
 * Deep Q-Networks (Mnih et al. 2015) and the usual extensions, read top to bottom:
 *
 * 1. the config: one typed object whose every field documents its default and its source;
 * 2. presets: the book's Chapter 8 setup, Nature DQN, MinAtar, and a tuned Catch setup;
 * 3. the Q-network, from `models/q-networks.ts`;
 * 4. action selection: epsilon-greedy on Q(s);
 * 5. TD targets, as a pure function of plain arrays (tested against hand-computed values);
 * 6. the update: loss (MSE or Huber, importance-weighted for prioritized replay), optional
 *    gradient-norm clipping, the optimizer step, and target-network syncing;
 * 7. checkpoint state: weights, optimizer slots, counters, RNG and (optionally) the replay.
 *
 * Extensions, each a config flag: target network (hard copy every N updates or Polyak `tau`),
 * double DQN (van Hasselt et al. 2016), dueling head (Wang et al. 2016), n-step returns,
 * prioritized replay (Schaul et al. 2016), Huber loss, gradient clipping, Adam / RMSprop
 * (centered) / SGD, train frequency, gradient steps, learning starts, reward clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { DType } from '../src/core/env.js';
import { annealedBeta, PrioritizedReplayMemory, ReplayMemory, type ReplayBatch, type ReplayState, type StackAxis } from '../src/replay/index.js';
import { Rng, type RngState } from '../src/rng/rng.js';
import { epsilonAt, type EpsilonSchedule } from './schedules.js';
import { argmax, EzGreedy, type EzGreedyState } from './exploration.js';
import { inputDivisor, type AnyTypedArray } from '../src/core/spaces.js';
import { buildQNetwork, INITS, TORSOS, type ConvSpec, type InitKind, type TorsoKind } from '../models/q-networks.js';
import { epsilonGreedy, type Agent, type AgentSnapshot, type Blob, type UpdateInfo } from './agent.js';
import { defaultsOf, resolveConfig, type ConfigDescriptor, type Preset } from './config.js';

// ---------------------------------------------------------------------------------------------
// 1. Config
// ---------------------------------------------------------------------------------------------

/** Every DQN hyperparameter. Defaults and sources: {@link DQN_CONFIG}. */
export interface DqnConfig {
  preprocess: 'none' | 'book';
  frameSize: number;
  frameStack: number;
  network: TorsoKind;
  hiddenSizes: number[];
  convFilters: number[];
  convKernels: number[];
  convKernelHeights: number[];
  convStrides: number[];
  inputPool: number;
  init: InitKind;
  dueling: boolean;
  gamma: number;
  learningRate: number;
  optimizer: 'adam' | 'rmsprop' | 'sgd';
  optimizerEpsilon: number;
  rmspropDecay: number;
  rmspropMomentum: number;
  rmspropCentered: boolean;
  loss: 'mse' | 'huber';
  maxGradNorm: number;
  bufferSize: number;
  batchSize: number;
  learningStarts: number;
  learningStartsEpisodes: number;
  trainFrequency: number;
  gradientSteps: number;
  targetUpdateInterval: number;
  tau: number;
  doubleDqn: boolean;
  nStep: number;
  prioritized: boolean;
  perAlpha: number;
  perBeta0: number;
  perEpsilon: number;
  epsilonStart: number;
  epsilonEnd: number;
  explorationFraction: number;
  epsilonDecay: 'linear' | 'exponential';
  epsilonUnit: 'step' | 'episode';
  evalEpsilon: number;
  ezGreedyMu: number;
  rewardClip: boolean;
}

/**
 * The descriptor: defaults follow CleanRL's `dqn.py` (Huang et al. 2022) where it has the
 * field, else Stable-Baselines3's `DQN`, else the paper that introduced the feature.
 */
export const DQN_CONFIG: ConfigDescriptor<DqnConfig> = {
  preprocess: { type: 'enum', choices: ['none', 'book'], default: 'none', doc: "observation pipeline: none, or the book's (gray 80x80 area resize, 4 frames stacked; /255 at the network input; see frame-size, frame-stack)", source: 'Gulli & Pal ch. 8' },
  frameSize: { type: 'int', default: 80, min: 1, doc: "side of the resized frames of the book's preprocessing", source: 'Gulli & Pal ch. 8' },
  frameStack: { type: 'int', default: 4, min: 1, doc: "frames stacked by the book's preprocessing (channels-last, newest last)", source: 'Gulli & Pal ch. 8' },
  network: { type: 'enum', choices: TORSOS, default: 'mlp', doc: 'Q-network torso (models/q-networks.ts)' },
  hiddenSizes: { type: 'intList', default: [64, 64], min: 1, doc: 'dense layer sizes (MLP torso, or after the conv layers)', source: 'SB3 DQN MlpPolicy' },
  convFilters: { type: 'intList', default: [16, 32], min: 1, doc: 'filters per conv layer of the cnn torso' },
  convKernels: { type: 'intList', default: [8, 4], min: 1, doc: 'kernel sizes (widths) of the cnn torso' },
  convKernelHeights: { type: 'intList', default: [], min: 0, doc: 'kernel heights of the cnn torso where they differ from the widths: one per layer, 0 = the full input height (a convolution along x over whole columns); empty = square' },
  convStrides: { type: 'intList', default: [4, 2], min: 1, doc: 'strides of the cnn torso' },
  inputPool: { type: 'int', default: 1, min: 1, doc: 'average-pool image inputs by this factor first (weight-free downscale; 1 = off)' },
  init: { type: 'enum', choices: INITS, default: 'glorot', doc: 'weight initialisation', source: 'Keras default' },
  dueling: { type: 'bool', default: false, doc: 'dueling head Q = V + A - mean(A)', source: 'Wang et al. 2016' },
  gamma: { type: 'float', default: 0.99, min: 0, max: 1, doc: 'discount factor', source: 'CleanRL' },
  learningRate: { type: 'float', default: 2.5e-4, min: 0, doc: 'optimizer learning rate', source: 'CleanRL' },
  optimizer: { type: 'enum', choices: ['adam', 'rmsprop', 'sgd'], default: 'adam', doc: 'optimizer', source: 'CleanRL' },
  optimizerEpsilon: { type: 'float', default: 1e-8, min: 0, doc: "Adam's / RMSprop's epsilon (tfjs RMSprop adds it inside the square root)", source: 'PyTorch Adam' },
  rmspropDecay: { type: 'float', default: 0.95, min: 0, max: 1, doc: 'RMSprop squared-gradient decay', source: 'Mnih et al. 2015' },
  rmspropMomentum: { type: 'float', default: 0, min: 0, max: 1, doc: 'RMSprop momentum' },
  rmspropCentered: { type: 'bool', default: false, doc: 'centered RMSprop', source: 'Graves 2013' },
  loss: { type: 'enum', choices: ['mse', 'huber'], default: 'mse', doc: 'TD loss (huber = smooth L1, delta 1)', source: 'CleanRL' },
  maxGradNorm: { type: 'float', default: 0, min: 0, doc: 'clip gradients to this global norm (0 = off)', source: 'SB3 uses 10' },
  bufferSize: { type: 'int', default: 10000, min: 1, doc: 'replay memory capacity (transitions)', source: 'CleanRL' },
  batchSize: { type: 'int', default: 128, min: 1, doc: 'transitions per gradient step', source: 'CleanRL' },
  learningStarts: { type: 'int', default: 10000, min: 0, doc: 'env steps of random actions before training', source: 'CleanRL' },
  learningStartsEpisodes: { type: 'int', default: 0, min: 0, doc: 'episodes of random actions before training (the book\'s "observation" games)', source: 'Gulli & Pal ch. 8' },
  trainFrequency: { type: 'int', default: 10, min: 1, doc: 'env steps between training rounds', source: 'CleanRL' },
  gradientSteps: { type: 'int', default: 1, min: 1, doc: 'gradient steps per training round', source: 'SB3' },
  targetUpdateInterval: { type: 'int', default: 50, min: 0, doc: 'gradient steps between target syncs (0 = no target network)', source: "CleanRL's 500 env steps at train frequency 10" },
  tau: { type: 'float', default: 1, min: 0, max: 1, doc: 'target sync rate: 1 = hard copy, < 1 = Polyak averaging', source: 'CleanRL' },
  doubleDqn: { type: 'bool', default: false, doc: 'double DQN: online argmax, target evaluates', source: 'van Hasselt et al. 2016' },
  nStep: { type: 'int', default: 1, min: 1, doc: 'n-step returns', source: 'Sutton 1988; Hessel et al. 2018 use 3' },
  prioritized: { type: 'bool', default: false, doc: 'proportional prioritized replay', source: 'Schaul et al. 2016' },
  perAlpha: { type: 'float', default: 0.6, min: 0, doc: 'priority exponent alpha', source: 'Schaul et al. 2016' },
  perBeta0: { type: 'float', default: 0.4, min: 0, max: 1, doc: 'initial importance exponent beta, annealed to 1', source: 'Schaul et al. 2016' },
  perEpsilon: { type: 'float', default: 1e-6, min: 0, doc: 'added to |TD error| for priorities', source: 'SB3 contrib / Dopamine' },
  epsilonStart: { type: 'float', default: 1, min: 0, max: 1, doc: 'initial exploration epsilon', source: 'CleanRL' },
  epsilonEnd: { type: 'float', default: 0.05, min: 0, max: 1, doc: 'final exploration epsilon', source: 'CleanRL' },
  explorationFraction: { type: 'float', default: 0.5, min: 0, max: 1, doc: 'fraction of the budget (steps or episodes, see epsilon-unit) over which epsilon decays', source: 'CleanRL' },
  epsilonDecay: { type: 'enum', choices: ['linear', 'exponential'], default: 'linear', doc: 'shape of the epsilon decay', source: 'CleanRL linear_schedule' },
  epsilonUnit: { type: 'enum', choices: ['step', 'episode'], default: 'step', doc: 'epsilon decays per env step or per finished episode' },
  evalEpsilon: { type: 'float', default: 0.05, min: 0, max: 1, doc: 'epsilon during evaluation', source: 'CleanRL evaluate' },
  ezGreedyMu: { type: 'float', default: 0, min: 0, doc: 'temporally-extended exploration (εz-greedy): an exploratory action repeats for n ~ zeta(mu) steps; 0 = plain epsilon-greedy, mu > 1 on', source: 'Dabney et al. 2021 use mu = 2' },
  rewardClip: { type: 'bool', default: false, doc: 'clip rewards to [-1, 1] before storing', source: 'Mnih et al. 2015' },
};

/**
 * Presets, each a few overrides with its source. Budgets (`--episodes`, `--total-steps`) are
 * not config: the README gives each preset's command line.
 */
export const DQN_PRESETS: Readonly<Record<string, Preset<DqnConfig>>> = {
  book: {
    description:
      'Gulli & Pal, "Deep Learning with Keras" (2017), ch. 8, rl-network-train.py: the 80x80x4 conv net with "normal" init, ' +
      'Adam 1e-6, MSE, gamma 0.99, epsilon 0.1 -> 0.0001 decayed linearly once per game over all games, replay 50,000, ' +
      '100 observation games of random actions, then one batch-32 update per frame, no target network. Run with ' +
      '--episodes 1100 for "100 observation + 1,000 training games". (Keras averages the squared error over all 3 ' +
      'outputs, 2 of them with zero error; that 1/3 scale is invisible to Adam up to its epsilon.)',
    overrides: {
      preprocess: 'book',
      network: 'book',
      hiddenSizes: [512],
      init: 'normal',
      learningRate: 1e-6,
      optimizer: 'adam',
      loss: 'mse',
      gamma: 0.99,
      epsilonStart: 0.1,
      epsilonEnd: 0.0001,
      epsilonUnit: 'episode',
      epsilonDecay: 'linear',
      explorationFraction: 1,
      bufferSize: 50000,
      batchSize: 32,
      learningStarts: 0,
      learningStartsEpisodes: 100,
      trainFrequency: 1,
      gradientSteps: 1,
      targetUpdateInterval: 0,
      evalEpsilon: 0,
    },
  },
  nature: {
    description:
      'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Extended Data Table 1: Nature CNN, ' +
      'RMSProp lr 2.5e-4 (decay 0.95, eps 0.01), Huber loss (error clipping), gamma 0.99, replay 1M, batch 32, ' +
      'update every 4 frames, target every 10,000 updates, epsilon 1 -> 0.1 over 1M frames, 50k random frames, rewards clipped.',
    overrides: {
      network: 'nature',
      hiddenSizes: [512],
      optimizer: 'rmsprop',
      learningRate: 2.5e-4,
      rmspropDecay: 0.95,
      optimizerEpsilon: 0.01,
      loss: 'huber',
      bufferSize: 1_000_000,
      batchSize: 32,
      trainFrequency: 4,
      targetUpdateInterval: 10_000,
      learningStarts: 50_000,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationFraction: 0.02,
      rewardClip: true,
      evalEpsilon: 0.05,
    },
  },
  minatar: {
    description:
      'Young & Tian (2019), MinAtar dqn.py: conv 16 3x3 + dense 128, centered RMSProp lr 2.5e-4 (alpha 0.95, eps 0.01), ' +
      'Huber loss, gamma 0.99, replay 100k, batch 32, training every frame from 5k frames, epsilon 1 -> 0.1 over the ' +
      'first 100k frames (explorationFraction 0.02 of their 5M frames), target every 1,000 frames.',
    overrides: {
      network: 'minatar',
      hiddenSizes: [128],
      optimizer: 'rmsprop',
      rmspropCentered: true,
      rmspropDecay: 0.95,
      optimizerEpsilon: 0.01,
      learningRate: 2.5e-4,
      loss: 'huber',
      bufferSize: 100_000,
      batchSize: 32,
      trainFrequency: 1,
      learningStarts: 5000,
      targetUpdateInterval: 1000,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationFraction: 0.02,
    },
  },
  catch: {
    description:
      "tfgym's tuned setup for Catch-v0 (measured in the README): the book's preprocessing at 20x20 instead of 80x80 " +
      '(the same area resize, so each pixel is the mean of a 20x20 block of the 400x400 screen) and 1 frame instead of 4 ' +
      '(the ball falls straight at a constant speed, so one frame holds the whole state); a column convolution (16 filters ' +
      '9 wide and the full 20 rows high, so one window sees the ball and the paddle below it, the same at every horizontal ' +
      'offset) and a dense layer of 128; Adam 1e-3, MSE, double DQN, 3-step returns, replay 20,000, a target network every ' +
      '50 updates, 10 random games, then a batch-128 update every 2 frames; epsilon 1 -> 0.01 over the first 30% of games, ' +
      'each exploratory action repeated for a zeta(2)-distributed number of steps (εz-greedy, Dabney et al. 2021), which ' +
      'carries the paddle to the walls where one-step dithering rarely goes.',
    overrides: {
      preprocess: 'book',
      frameSize: 20,
      frameStack: 1,
      network: 'cnn',
      convFilters: [16],
      convKernels: [9],
      convKernelHeights: [0],
      convStrides: [1],
      hiddenSizes: [128],
      init: 'glorot',
      optimizer: 'adam',
      learningRate: 1e-3,
      loss: 'mse',
      gamma: 0.99,
      bufferSize: 20000,
      batchSize: 128,
      learningStarts: 0,
      learningStartsEpisodes: 10,
      trainFrequency: 2,
      gradientSteps: 1,
      targetUpdateInterval: 50,
      doubleDqn: true,
      nStep: 3,
      epsilonStart: 1,
      epsilonEnd: 0.01,
      epsilonUnit: 'episode',
      explorationFraction: 0.3,
      ezGreedyMu: 2,
      evalEpsilon: 0,
    },
  },
};

/** The defaults as an object. */
export function defaultDqnConfig(): DqnConfig {
  return defaultsOf(DQN_CONFIG);
}

/** Defaults, then the preset, then each layer of overrides (a config file, CLI flags), validated. */
export function resolveDqnConfig(preset: string | undefined, ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>): DqnConfig {
  let p: Preset<DqnConfig> | undefined;
  if (preset !== undefined) {
    p = DQN_PRESETS[preset];
    if (!p) throw new RangeError(`Unknown preset '${preset}'. Choose one of: ${Object.keys(DQN_PRESETS).join(', ')}`);
  }
  const c = resolveConfig(DQN_CONFIG, p?.overrides as Record<string, unknown> | undefined, ...layers);
  if (c.network === 'cnn' && !(c.convFilters.length === c.convKernels.length && c.convKernels.length === c.convStrides.length && c.convFilters.length > 0)) {
    throw new RangeError('convFilters, convKernels and convStrides must have the same, non-zero length');
  }
  if (c.ezGreedyMu !== 0 && !(c.ezGreedyMu > 1)) {
    // zeta(mu) has no finite normaliser for mu <= 1.
    throw new RangeError(`ezGreedyMu must be 0 (plain epsilon-greedy) or greater than 1. Received: ezGreedyMu=${c.ezGreedyMu}`);
  }
  if (c.network === 'cnn' && c.convKernelHeights.length > 0 && c.convKernelHeights.length !== c.convKernels.length) {
    throw new RangeError(`convKernelHeights needs one height per conv layer (${c.convKernels.length}), or none for square kernels. Received: ${c.convKernelHeights.join(',')}`);
  }
  return c;
}

/** The epsilon schedule a config describes, for a budget of `steps` or `episodes` (whichever matches `epsilonUnit`). */
export function epsilonScheduleOf(c: DqnConfig, budget: { steps?: number; episodes?: number }): EpsilonSchedule {
  const total = c.epsilonUnit === 'step' ? budget.steps : budget.episodes;
  if (total === undefined) {
    throw new RangeError(`epsilon decays per ${c.epsilonUnit}, so the budget must be given in ${c.epsilonUnit}s (--${c.epsilonUnit === 'step' ? 'total-steps' : 'episodes'})`);
  }
  return { kind: c.epsilonDecay, unit: c.epsilonUnit, start: c.epsilonStart, end: c.epsilonEnd, duration: c.explorationFraction * total };
}

// ---------------------------------------------------------------------------------------------
// 5. TD targets (pure)
// ---------------------------------------------------------------------------------------------

/**
 * One-step (or n-step) TD targets `y = r + (1 - terminated) * discount * Q_target(s', a*)`, with
 * `a* = argmax_a Q_target(s', a)` (DQN) or `a* = argmax_a Q_online(s', a)` when `nextQOnline` is
 * given (double DQN: the online net selects, the target net evaluates). `discount` is
 * `gamma^m` for an m-step return. Truncated transitions have `terminated = 0`: they bootstrap.
 *
 * @param nextQTarget `batch x numActions` row-major
 * @param nextQOnline `batch x numActions`, or null for plain DQN
 * @param out receives the `batch` targets (reused between calls)
 */
export function tdTargets(
  rewards: ArrayLike<number>,
  discounts: ArrayLike<number>,
  terminated: ArrayLike<number>,
  nextQTarget: ArrayLike<number>,
  nextQOnline: ArrayLike<number> | null,
  numActions: number,
  out: Float32Array,
): Float32Array {
  for (let b = 0; b < out.length; b++) {
    const row = b * numActions;
    const best = argmax(nextQOnline ?? nextQTarget, numActions, row);
    const bootstrap = nextQTarget[row + best] as number;
    out[b] = (rewards[b] as number) + (1 - (terminated[b] as number)) * (discounts[b] as number) * bootstrap;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The agent
// ---------------------------------------------------------------------------------------------

/** What the agent needs to know about the env. */
export interface DqnEnvInfo {
  /** Observation shape and dtype as the env (after wrappers) produces them. */
  readonly obsShape: readonly number[];
  readonly obsDtype: DType;
  readonly numActions: number;
  /**
   * What observations are divided by at the network input (default: 255 for uint8, else 1).
   * MinAtar's uint8 cells are already 0/1 and must not be divided by 255.
   */
  readonly obsDivisor?: number;
  /** Frame stacking of the observations, so the replay stores each frame once. */
  readonly frameStack?: { readonly k: number; readonly axis: StackAxis };
}

/** Training budget, for schedules that are a fraction of it. */
export interface DqnBudget {
  readonly steps?: number;
  readonly episodes?: number;
}


/** Serialisable DQN state (see `agents/checkpoint.ts` for how it is written). */
export interface DqnState {
  readonly updates: number;
  readonly rng: RngState;
  readonly online: tf.io.ModelArtifacts;
  readonly target: tf.io.ModelArtifacts | null;
  readonly optimizer: { readonly specs: tf.io.WeightsManifestEntry[]; readonly data: ArrayBuffer; readonly accBeta: number[] | null };
  readonly replay: ReplayState | null;
  /** εz-greedy's running option (absent in older checkpoints and when it is off). */
  readonly ez?: EzGreedyState | null;
}

/** Captures `model.save()` output in memory. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/**
 * Loads saved weights into `model` by weight name, checking every name and shape, so an
 * incompatible checkpoint fails with a clear message instead of garbage or a crash.
 */
export function loadWeightsInto(model: tf.LayersModel, a: tf.io.ModelArtifacts, what: string): void {
  if (!a.weightSpecs || !a.weightData) throw new Error(`${what}: no weights in the checkpoint`);
  const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
  let map: tf.NamedTensorMap;
  try {
    map = tf.io.decodeWeights(data, a.weightSpecs);
  } catch (e) {
    throw new Error(`${what}: weights do not decode (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const vals = model.weights.map((w) => {
      const t = map[w.originalName];
      if (!t) throw new Error(`${what}: weight ${w.originalName} is missing (the checkpoint was made for another network)`);
      if (t.shape.join(',') !== w.shape.join(',')) {
        throw new Error(`${what}: weight ${w.originalName} has shape [${t.shape.join(', ')}], this network needs [${w.shape.join(', ')}]`);
      }
      return t;
    });
    model.setWeights(vals);
  } finally {
    tf.dispose(Object.values(map));
  }
}

/** Private fields of tfjs' Adam that `setWeights` recomputes with `pow` (not bit-exact with the running product). */
interface AdamAccBeta {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** A DQN agent: Q-network(s), optimizer, replay memory, exploration. */
export class DqnAgent implements Agent {
  readonly name = 'dqn';
  readonly numActions: number;
  readonly config: DqnConfig;
  readonly env: DqnEnvInfo;
  readonly online: tf.LayersModel;
  /** Null when `targetUpdateInterval` is 0 (the online net bootstraps itself, as in the book). */
  readonly target: tf.LayersModel | null;
  readonly optimizer: tf.Optimizer;
  readonly replay: ReplayMemory;
  /** Gradient steps taken. */
  updates = 0;
  private readonly rng: Rng;
  private readonly schedule: EpsilonSchedule;
  private readonly budgetSteps: number;
  private readonly batch: ReplayBatch;
  private readonly targets: Float32Array;
  /** Network input shape (observations are reshaped to it: flattened for the MLP, a channel added to 2-D frames). */
  private readonly inputShape: number[];
  private readonly obsSize: number;
  private readonly scratch: Float32Array;
  /** εz-greedy's running option, when `ezGreedyMu` > 0. */
  private readonly ez: EzGreedy | null;

  /**
   * @param rng the agent's own stream (exploration, replay sampling, weight init)
   * @param budget total steps and/or episodes (epsilon decays over a fraction of it)
   */
  constructor(config: DqnConfig, env: DqnEnvInfo, rng: Rng, budget: DqnBudget) {
    this.config = config;
    this.env = env;
    this.numActions = env.numActions;
    this.rng = rng;
    this.schedule = epsilonScheduleOf(config, budget);
    this.ez = config.ezGreedyMu > 1 ? new EzGreedy(config.ezGreedyMu) : null;
    this.budgetSteps = budget.steps ?? 0;
    this.obsSize = env.obsShape.reduce((a, b) => a * b, 1);
    // Conv torsos and pooling see images (a channel added to 2-D frames); a plain MLP sees a flat vector.
    const image = config.network !== 'mlp' || config.inputPool > 1;
    this.inputShape = image ? (env.obsShape.length === 2 ? [...env.obsShape, 1] : [...env.obsShape]) : [this.obsSize];

    // 3. The Q-network and its target twin, from the shared model core.
    const convSpecs: ConvSpec[] = config.convFilters.map((filters, i) => ({
      filters,
      kernel: config.convKernels[i] ?? 3,
      kernelHeight: config.convKernelHeights[i],
      stride: config.convStrides[i] ?? 1,
      padding: 'valid',
    }));
    const build = (name: string, seedRng: Rng) =>
      buildQNetwork({
        inputShape: this.inputShape,
        numActions: env.numActions,
        torso: config.network,
        hiddenSizes: config.hiddenSizes,
        conv: convSpecs,
        dueling: config.dueling,
        init: config.init,
        inputPool: config.inputPool,
        rng: seedRng,
        name,
      });
    this.online = build('q_online', rng);
    if (config.targetUpdateInterval > 0) {
      this.target = build('q_target', new Rng(0));
      this.syncTarget(1);
    } else {
      this.target = null;
    }
    this.optimizer = makeOptimizer(config);

    const replayOpts = {
      capacity: config.bufferSize,
      obsShape: env.obsShape,
      obsDtype: env.obsDtype,
      frameStack: env.frameStack,
      nStep: config.nStep,
      gamma: config.gamma,
    };
    this.replay = config.prioritized
      ? new PrioritizedReplayMemory({ ...replayOpts, alpha: config.perAlpha, priorityEpsilon: config.perEpsilon })
      : new ReplayMemory(replayOpts);
    this.batch = this.replay.createBatch(config.batchSize);
    this.targets = new Float32Array(config.batchSize);
    this.scratch = new Float32Array(config.batchSize * env.numActions);
  }

  // -------------------------------------------------------------------------------------------
  // 4. Action selection
  // -------------------------------------------------------------------------------------------

  /** Whether training has not started yet (actions are uniformly random until then). */
  warmingUp(step: number, episodes: number): boolean {
    return step < this.config.learningStarts || episodes < this.config.learningStartsEpisodes;
  }

  /** Exploration epsilon after `step` env steps and `episodes` finished episodes (1 while warming up). */
  epsilon(step: number, episodes: number): number {
    return this.warmingUp(step, episodes) ? 1 : epsilonAt(this.schedule, step, episodes);
  }

  /**
   * Epsilon-greedy: a uniform random action with probability `epsilon`, else argmax Q(obs). With
   * `ezGreedyMu` the exploratory action repeats for a zeta-distributed number of steps
   * (agents/exploration.ts); only on the agent's own stream, so evaluation with its own `rng` stays
   * plain epsilon-greedy.
   */
  act(obs: AnyTypedArray, epsilon: number, rng: Rng = this.rng): number {
    // The random stream never depends on Q (see epsilonGreedy / EzGreedy.select).
    if (this.ez && rng === this.rng) return this.ez.select(() => this.qValues(obs), this.env.numActions, epsilon, rng);
    return epsilonGreedy(() => this.qValues(obs), this.env.numActions, epsilon, rng);
  }

  /** The online network (greedy policy). */
  policyModel(): tf.LayersModel {
    return this.online;
  }

  /** Q(obs, ·) for one observation. */
  qValues(obs: AnyTypedArray): Float32Array {
    return tf.tidy(() => {
      const q = this.online.apply(this.toInput(obs, 1)) as tf.Tensor;
      return q.dataSync() as Float32Array;
    });
  }

  /** A batch of observations as the network's input tensor (divided by `obsDivisor`). Caller disposes (or calls inside tidy). */
  private toInput(data: AnyTypedArray, n: number): tf.Tensor {
    const shape = [n, ...this.inputShape];
    const divisor = this.env.obsDivisor ?? inputDivisor({ dtype: this.env.obsDtype });
    if (divisor !== 1) return tf.tidy(() => tf.div(tf.tensor(data, shape, 'float32'), divisor));
    return tf.tensor(data, shape, 'float32');
  }

  /** Stores a transition (rewards clipped first when `rewardClip`). */
  observe(obs: AnyTypedArray, action: number, reward: number, nextObs: AnyTypedArray, terminated: boolean, truncated: boolean): void {
    const r = this.config.rewardClip ? Math.max(-1, Math.min(1, reward)) : reward;
    this.replay.add(obs, action, r, nextObs, terminated, truncated);
    if (terminated || truncated) this.ez?.endEpisode();
  }

  /** Marks an episode boundary that no terminal transition announced (e.g. an interrupted episode). */
  endEpisode(): void {
    this.replay.endEpisode();
    this.ez?.endEpisode();
  }

  // -------------------------------------------------------------------------------------------
  // 6. The update
  // -------------------------------------------------------------------------------------------

  /**
   * Called after every env step: trains `gradientSteps` times every `trainFrequency` steps once
   * warm-up is over and the replay holds a batch. Returns null when it did not train.
   * @param step env steps taken so far (including this one)
   */
  train(step: number, episodes: number): UpdateInfo | null {
    const c = this.config;
    if (this.warmingUp(step, episodes) || step % c.trainFrequency !== 0 || this.replay.size < 1) return null;
    let loss = 0;
    let q = 0;
    for (let g = 0; g < c.gradientSteps; g++) {
      const r = this.gradientStep(step);
      loss += r.loss;
      q += r.q;
      this.updates++;
      if (this.target && this.updates % c.targetUpdateInterval === 0) this.syncTarget(c.tau);
    }
    return { loss: loss / c.gradientSteps, q: q / c.gradientSteps, updates: this.updates };
  }

  /** One gradient step on a sampled batch. */
  private gradientStep(step: number): { loss: number; q: number } {
    const c = this.config;
    const A = this.env.numActions;
    const b =
      this.replay instanceof PrioritizedReplayMemory
        ? this.replay.samplePrioritized(this.batch, this.rng, annealedBeta(c.perBeta0, this.budgetSteps, step))
        : this.replay.sample(this.batch, this.rng);

    // Bootstrap values on the backend, targets in plain arrays (the tested pure function).
    tf.tidy(() => {
      const next = this.toInput(b.nextObs, b.size);
      const qt = ((this.target ?? this.online).apply(next) as tf.Tensor).dataSync();
      if (c.doubleDqn) {
        this.scratch.set((this.online.apply(next) as tf.Tensor).dataSync());
        tdTargets(b.rewards, b.discounts, b.terminated, qt, this.scratch, A, this.targets);
      } else {
        tdTargets(b.rewards, b.discounts, b.terminated, qt, null, A, this.targets);
      }
    });

    let tdKept: tf.Tensor | null = null;
    let qKept: tf.Tensor | null = null;
    const lossValue = tf.tidy(() => {
      const obs = this.toInput(b.obs, b.size);
      const actions = tf.tensor1d(b.actions, 'int32');
      const targets = tf.tensor1d(this.targets, 'float32');
      const weights = tf.tensor1d(b.weights, 'float32');
      const vars = this.online.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const qAll = this.online.apply(obs) as tf.Tensor;
        const qa = tf.sum(tf.mul(qAll, tf.oneHot(actions, A)), 1);
        const td = tf.sub(qa, targets);
        tdKept = tf.keep(td);
        qKept = tf.keep(tf.mean(qa));
        const elem = c.loss === 'huber' ? huber(td) : tf.square(td);
        return tf.mean(tf.mul(elem, weights)) as tf.Scalar;
      }, vars);
      this.optimizer.applyGradients(c.maxGradNorm > 0 ? clipByGlobalNorm(grads, c.maxGradNorm) : grads);
      return value.dataSync()[0] as number;
    });
    const tdT = tdKept as tf.Tensor | null;
    const qT = qKept as tf.Tensor | null;
    const qMean = qT ? (qT.dataSync()[0] as number) : NaN;
    if (this.replay instanceof PrioritizedReplayMemory && tdT) this.replay.updatePriorities(b.slots, tdT.dataSync());
    tdT?.dispose();
    qT?.dispose();
    return { loss: lossValue, q: qMean };
  }

  /** target <- tau * online + (1 - tau) * target (tau = 1: hard copy). */
  syncTarget(tau: number): void {
    const target = this.target;
    if (!target) return;
    tf.tidy(() => {
      const on = this.online.getWeights();
      if (tau >= 1) {
        // Copies, so later in-place updates of either side can never alias the other.
        target.setWeights(on.map((w) => w.clone()));
      } else {
        const tw = target.getWeights();
        target.setWeights(on.map((w, i) => tf.add(tf.mul(w, tau), tf.mul(tw[i] as tf.Tensor, 1 - tau))));
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // 7. Checkpoint state
  // -------------------------------------------------------------------------------------------

  /** Everything needed to continue bit-exactly; the replay only when `withReplay`. */
  async getState(withReplay: boolean): Promise<DqnState> {
    const named = await this.optimizer.getWeights();
    const enc = await tf.io.encodeWeights(named);
    // getWeights returns the slot variables themselves plus a fresh `iter` scalar, which we own.
    for (const n of named) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
    const acc = this.optimizer as unknown as AdamAccBeta;
    const accBeta = acc.accBeta1 && acc.accBeta2 ? [acc.accBeta1.dataSync()[0] as number, acc.accBeta2.dataSync()[0] as number] : null;
    return {
      updates: this.updates,
      rng: this.rng.getState(),
      online: await modelArtifacts(this.online),
      target: this.target ? await modelArtifacts(this.target) : null,
      optimizer: { specs: enc.specs, data: enc.data, accBeta },
      replay: withReplay ? this.replay.getState() : null,
      ez: this.ez ? this.ez.getState() : null,
    };
  }

  /** Restores {@link DqnAgent.getState}; throws a clear Error when it does not fit this agent. */
  async setState(s: DqnState): Promise<void> {
    loadWeightsInto(this.online, s.online, 'online network');
    if (this.target) {
      if (!s.target) throw new Error('the checkpoint has no target network but this config uses one');
      loadWeightsInto(this.target, s.target, 'target network');
    }
    const map = tf.io.decodeWeights(s.optimizer.data, s.optimizer.specs);
    const list = s.optimizer.specs.map((sp) => ({ name: sp.name, tensor: map[sp.name] as tf.Tensor }));
    try {
      await this.optimizer.setWeights(list);
    } catch (e) {
      throw new Error(`optimizer state does not fit the configured ${this.config.optimizer} optimizer (${e instanceof Error ? e.message : String(e)})`);
    }
    // Variables made from these tensors hold their own references.
    tf.dispose(Object.values(map));
    const acc = this.optimizer as unknown as AdamAccBeta;
    if (s.optimizer.accBeta && acc.accBeta1 && acc.accBeta2) {
      const [b1, b2] = s.optimizer.accBeta;
      tf.tidy(() => {
        acc.accBeta1?.assign(tf.scalar(b1 as number));
        acc.accBeta2?.assign(tf.scalar(b2 as number));
      });
    }
    this.updates = s.updates;
    this.rng.setState(s.rng);
    if (s.replay) this.replay.setState(s.replay);
    if (this.ez) this.ez.setState(s.ez ?? { action: 0, left: 0 });
  }

  /** {@link DqnAgent.getState} as a generic snapshot (JSON + models + blobs). */
  async snapshot(withReplay: boolean): Promise<AgentSnapshot> {
    const st = await this.getState(withReplay);
    const blobs: Record<string, Blob> = { optimizer: new Uint8Array(st.optimizer.data) };
    if (st.replay) for (const [k, v] of Object.entries(st.replay.arrays)) blobs[`replay.${k}`] = v;
    const models: Record<string, tf.io.ModelArtifacts> = { online: st.online };
    if (st.target) models['target'] = st.target;
    return {
      kind: this.name,
      json: { updates: st.updates, rng: st.rng, optimizer: { name: this.config.optimizer, specs: st.optimizer.specs, accBeta: st.optimizer.accBeta }, replay: st.replay?.meta ?? null, ez: st.ez ?? null },
      models,
      blobs,
    };
  }

  /** Restores {@link DqnAgent.snapshot}. */
  async restore(s: AgentSnapshot): Promise<void> {
    if (s.kind !== this.name) throw new Error(`the checkpoint is for agent '${s.kind}', not '${this.name}'`);
    const j = s.json as { updates?: number; rng?: RngState; optimizer?: { name?: string; specs?: tf.io.WeightsManifestEntry[]; accBeta?: number[] | null }; replay?: ReplayState['meta'] | null; ez?: EzGreedyState | null };
    const opt = s.blobs['optimizer'];
    if (typeof j.updates !== 'number' || !j.rng || !j.optimizer?.specs || !(opt instanceof Uint8Array) || !s.models['online']) {
      throw new Error('the checkpoint is missing DQN state (updates, rng, optimizer or online network)');
    }
    if (j.optimizer.name !== this.config.optimizer) throw new Error(`the checkpoint used optimizer '${String(j.optimizer.name)}', the config says '${this.config.optimizer}'`);
    let replay: ReplayState | null = null;
    if (j.replay) {
      const arrays: ReplayState['arrays'] = {};
      for (const [k, v] of Object.entries(s.blobs)) if (k.startsWith('replay.')) arrays[k.slice(7)] = v;
      replay = { meta: j.replay, arrays };
    }
    const data = opt.buffer.slice(opt.byteOffset, opt.byteOffset + opt.byteLength) as ArrayBuffer;
    await this.setState({
      updates: j.updates,
      rng: j.rng,
      online: s.models['online'],
      target: s.models['target'] ?? null,
      optimizer: { specs: j.optimizer.specs, data, accBeta: j.optimizer.accBeta ?? null },
      replay,
      ez: j.ez ?? null,
    });
  }

  /** Frees the networks and optimizer. */
  dispose(): void {
    this.online.dispose();
    this.target?.dispose();
    this.optimizer.dispose();
  }
}

/** Huber (smooth L1, delta 1): 0.5 x^2 for |x| <= 1, |x| - 0.5 beyond. Call inside tidy. */
export function huber(x: tf.Tensor): tf.Tensor {
  const a = tf.abs(x);
  const quad = tf.minimum(a, 1);
  return tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(a, quad));
}

/** Scales all gradients by min(1, maxNorm / (globalNorm + 1e-6)), as PyTorch's clip_grad_norm_. Call inside tidy. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const keys = Object.keys(grads);
  const sq = keys.map((k) => tf.sum(tf.square(grads[k] as tf.Tensor)));
  const norm = tf.sqrt(tf.addN(sq));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  const out: tf.NamedTensorMap = {};
  for (const k of keys) out[k] = tf.mul(grads[k] as tf.Tensor, scale);
  return out;
}

/** The configured optimizer. */
export function makeOptimizer(c: DqnConfig): tf.Optimizer {
  switch (c.optimizer) {
    case 'adam':
      return tf.train.adam(c.learningRate, 0.9, 0.999, c.optimizerEpsilon);
    case 'rmsprop':
      // tfjs 4.22's centered RMSProp divides by sqrt(ms - (mg^2 + epsilon)): epsilon is
      // subtracted, so with small gradients the root goes negative and every weight turns NaN
      // (MinAtar's epsilon 0.01 hits it at the first update). Passing -epsilon gives the
      // intended sqrt(ms - mg^2 + epsilon) (TensorFlow's centered RMSProp).
      return tf.train.rmsprop(
        c.learningRate,
        c.rmspropDecay,
        c.rmspropMomentum,
        c.rmspropCentered ? -c.optimizerEpsilon : c.optimizerEpsilon,
        c.rmspropCentered,
      );
    case 'sgd':
      return tf.train.sgd(c.learningRate);
  }
}
