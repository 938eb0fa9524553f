/**
 * The DRQN config: one typed object whose every field documents its default and its source, the
 * presets for the memory tasks, and their validation. The agent itself is `drqn.ts`.
 *
 * Sources: Hausknecht & Stone (2015), "Deep Recurrent Q-Learning for Partially Observable MDPs"
 * (DRQN: one frame per step, an LSTM after the torso, 10-step unrolls) and Kapturowski et al.
 * (2019), "Recurrent Experience Replay in Distributed Reinforcement Learning" (R2D2: stored
 * recurrent state, burn-in, overlapping sequences, n-step double-Q targets, value rescaling,
 * sequence priorities). Fields DRQN shares with DQN keep DQN's docs (`dqn-config.ts`) and, unless a
 * recurrent source says otherwise, its defaults; Rainbow's C51 and noisy heads among them, with
 * DQN's checks ({@link checkDistributional}) and one of their own: no value rescaling with C51.
 */
import { RECURRENT_CELLS, type RecurrentCellKind } from '../models/recurrent-q.js';
import type { InitKind, TorsoKind } from '../models/q-networks.js';
import { defaultsOf, resolveWithPreset, type ConfigDescriptor, type Preset } from './config.js';
import { CATCH_TORSO, checkConvTorso, checkDistributional, DQN_CONFIG } from './dqn-config.js';
import type { Preprocess } from './envs.js';
import type { EpsilonConfig } from './schedules.js';

/** Every DRQN hyperparameter. Defaults and sources: {@link DRQN_CONFIG}. */
export interface DrqnConfig extends EpsilonConfig {
  preprocess: Preprocess;
  frameSize: number;
  frameStack: number;
  network: TorsoKind;
  hiddenSizes: number[];
  convFilters: number[];
  convKernels: number[];
  convKernelHeights: number[];
  convStrides: number[];
  init: InitKind;
  cell: RecurrentCellKind;
  recurrentUnits: number;
  dueling: boolean;
  numAtoms: number;
  vMin: number;
  vMax: number;
  noisy: boolean;
  noisySigma0: number;
  seqLength: number;
  burnIn: number;
  overlap: number;
  storedState: boolean;
  gamma: number;
  nStep: number;
  doubleDqn: boolean;
  valueRescale: boolean;
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
  prioritized: boolean;
  perAlpha: number;
  perBeta0: number;
  perEpsilon: number;
  perEta: number;
  evalEpsilon: number;
  rewardClip: boolean;
}

const D = DQN_CONFIG;

/** The descriptor (flags, help, defaults with their sources). */
export const DRQN_CONFIG: ConfigDescriptor<DrqnConfig> = {
  preprocess: { ...D.preprocess },
  frameSize: { ...D.frameSize },
  frameStack: {
    ...D.frameStack,
    default: 1,
    doc: "frames stacked by the book's and the stack preprocessing (DRQN sees one frame per step)",
    source: 'Hausknecht & Stone 2015',
  },
  network: { ...D.network, doc: 'torso applied to every step before the recurrent layer (models/q-networks.ts)' },
  hiddenSizes: {
    ...D.hiddenSizes,
    default: [64],
    min: 1,
    doc: 'dense ReLU layers of the torso (an MLP, or after the conv layers) before the recurrent layer',
    source: 'tfgym',
  },
  convFilters: { ...D.convFilters },
  convKernels: { ...D.convKernels },
  convKernelHeights: { ...D.convKernelHeights },
  convStrides: { ...D.convStrides },
  init: { ...D.init, doc: 'weight initialisation of the torso and head (the recurrent layer: Glorot / orthogonal)' },
  cell: {
    type: 'enum',
    choices: RECURRENT_CELLS,
    default: 'lstm',
    doc: "recurrent cell: lstm, or gru (Keras 3's reset-after GRU)",
    source: 'Hausknecht & Stone 2015; Kapturowski et al. 2019',
  },
  recurrentUnits: {
    type: 'int',
    default: 64,
    min: 1,
    doc: 'units of the recurrent layer',
    source: 'tfgym; Hausknecht & Stone 2015 and R2D2 use 512 on Atari',
  },
  dueling: { ...D.dueling, source: 'Wang et al. 2016; R2D2 uses it' },
  numAtoms: { ...D.numAtoms },
  vMin: { ...D.vMin },
  vMax: { ...D.vMax },
  noisy: {
    ...D.noisy,
    doc:
      'factorised Gaussian NoisyDense layers in the head after the recurrent layer, resampled per acting step and ' +
      'per update (set epsilon to 0 to explore by noise alone)',
  },
  noisySigma0: { ...D.noisySigma0 },
  seqLength: {
    type: 'int',
    default: 10,
    min: 1,
    doc: 'training steps per replayed sequence (the loss covers these)',
    source: 'Hausknecht & Stone 2015 unroll 10 steps; R2D2 80',
  },
  burnIn: {
    type: 'int',
    default: 5,
    min: 0,
    doc: 'steps before each sequence that only warm the recurrent state up from the stored state (no loss, no gradient)',
    source: 'Kapturowski et al. 2019 (40 before 80)',
  },
  overlap: {
    type: 'int',
    default: 5,
    min: 0,
    doc: 'training steps shared by consecutive sequences of an episode (less than seq-length)',
    source: 'Kapturowski et al. 2019 (40 of 80)',
  },
  storedState: {
    type: 'bool',
    default: true,
    doc: "start each sequence from the actor's stored recurrent state (false: from zeros, DRQN's bootstrapped random updates)",
    source: 'Kapturowski et al. 2019',
  },
  gamma: { ...D.gamma, source: 'Hausknecht & Stone 2015; R2D2 0.997' },
  nStep: {
    ...D.nStep,
    max: 1000,
    doc: 'n-step returns, summed inside each sequence (at most seq-length)',
    source: 'Hausknecht & Stone 2015: 1; R2D2: 5',
  },
  doubleDqn: { ...D.doubleDqn, source: 'van Hasselt et al. 2016; R2D2 uses it' },
  valueRescale: {
    type: 'bool',
    default: false,
    doc: 'learn h(Q) with the invertible value rescaling h(x) = sign(x)(sqrt(|x| + 1) - 1) + 0.001 x',
    source: 'Pohlen et al. 2018; R2D2 uses it',
  },
  learningRate: { ...D.learningRate, default: 1e-4, source: 'Kapturowski et al. 2019' },
  optimizer: { ...D.optimizer, source: 'Kapturowski et al. 2019' },
  optimizerEpsilon: { ...D.optimizerEpsilon, default: 1e-3, source: 'Kapturowski et al. 2019' },
  rmspropDecay: { ...D.rmspropDecay },
  rmspropMomentum: { ...D.rmspropMomentum },
  rmspropCentered: { ...D.rmspropCentered },
  loss: { ...D.loss, source: 'Kapturowski et al. 2019 (squared)' },
  maxGradNorm: { ...D.maxGradNorm },
  bufferSize: {
    ...D.bufferSize,
    doc: 'replay capacity in rows (one per step plus one per episode for its final observation)',
  },
  batchSize: { ...D.batchSize, default: 32, doc: 'sequences per gradient step', source: 'Hausknecht & Stone 2015' },
  learningStarts: { ...D.learningStarts, default: 1000, source: 'tfgym' },
  learningStartsEpisodes: { ...D.learningStartsEpisodes },
  trainFrequency: { ...D.trainFrequency },
  gradientSteps: { ...D.gradientSteps },
  targetUpdateInterval: {
    ...D.targetUpdateInterval,
    default: 100,
    doc: 'target syncs every this many gradient steps (0 = no target network)',
    source: 'tfgym; R2D2: 2,500',
  },
  tau: { ...D.tau },
  prioritized: {
    ...D.prioritized,
    doc: "prioritized sequence replay, R2D2's priority eta max|delta| + (1 - eta) mean|delta| (one env only)",
    source: 'Kapturowski et al. 2019',
  },
  perAlpha: { ...D.perAlpha, default: 0.9, source: 'Kapturowski et al. 2019' },
  perBeta0: { ...D.perBeta0, default: 0.6, source: 'Kapturowski et al. 2019 (fixed there)' },
  perEpsilon: { ...D.perEpsilon },
  perEta: {
    type: 'float',
    default: 0.9,
    min: 0,
    max: 1,
    doc: "weight of a sequence's largest |TD error| in its priority",
    source: 'Kapturowski et al. 2019',
  },
  epsilonStart: { ...D.epsilonStart },
  epsilonEnd: { ...D.epsilonEnd },
  explorationFraction: { ...D.explorationFraction },
  epsilonDecay: { ...D.epsilonDecay },
  epsilonUnit: { ...D.epsilonUnit },
  evalEpsilon: { ...D.evalEpsilon },
  rewardClip: { ...D.rewardClip },
};

/**
 * Presets for the memory tasks, each a few overrides with its source. Env options and budgets are
 * not config: the README gives each preset's command line.
 */
export const DRQN_PRESETS: Readonly<Record<string, Preset<DrqnConfig>>> = {
  'cartpole-novel': {
    description:
      "tfgym's tuned DRQN for CartPole-v1 with masked velocities (--env-option maskVelocity=true, RL Zoo's " +
      "CartPoleNoVel): RL Zoo's CartPole DQN settings where they carry over (Huber loss, gradients clipped to norm " +
      '10, gamma 0.99, learning from 1,000 env steps, epsilon 1 -> 0.04 over the first 16% of the budget; ' +
      'hyperparams/dqn.yml) with a small recurrent network (MLP 64 -> LSTM 64 -> Q) replayed as R2D2 replays ' +
      '(stored state, 5 burn-in steps before 10 training steps, overlap 5; Kapturowski et al. 2019), double DQN, ' +
      '3-step returns, Adam 5e-3 (tuned here: the LSTM must difference positions whose steps are ~0.01, and ' +
      "learned much slower at RL Zoo's 2.3e-3 or at 1e-3), 16 sequences every 4 env steps, target every 200 " +
      'updates. Greedy returns of about 100-450 after 8,000-10,000 steps on seeds 1-3 (frame-stack-1 DQN: about ' +
      '40). Run with --total-steps 20000.',
    overrides: {
      network: 'mlp',
      hiddenSizes: [64],
      cell: 'lstm',
      recurrentUnits: 64,
      seqLength: 10,
      burnIn: 5,
      overlap: 5,
      storedState: true,
      gamma: 0.99,
      nStep: 3,
      doubleDqn: true,
      optimizer: 'adam',
      learningRate: 5e-3,
      optimizerEpsilon: 1e-8,
      loss: 'huber',
      maxGradNorm: 10,
      bufferSize: 50_000,
      batchSize: 16,
      learningStarts: 1000,
      trainFrequency: 4,
      gradientSteps: 1,
      targetUpdateInterval: 200,
      epsilonStart: 1,
      epsilonEnd: 0.04,
      explorationFraction: 0.16,
      evalEpsilon: 0,
    },
  },
  'catch-hidden': {
    description:
      "tfgym's DRQN for Catch-v0 with the ball shown in the first frames only (--env-option hideBallAfter=K): the " +
      "`catch` DQN preset's input and torso (the book's preprocessing at 20x20, 1 frame; a column convolution, 16 " +
      'filters 9 wide and the full 20 rows high, then dense 128), an LSTM of 128 that must hold where the ball ' +
      'fell for the rest of the game, whole games as sequences (every game is 33 steps: no burn-in), double DQN, ' +
      '10-step returns (the only reward comes at the end), Adam 3e-3, MSE, 10 random games, then 16 sequences ' +
      'every 8 frames, target every 50 updates, epsilon 1 -> 0.01 over the first 30% of the games. Tuned by hand ' +
      'on hideBallAfter=3 (seeds 1 and 2: 81 and 89 of 100 greedy games won after 1,000 games; one-frame and ' +
      '4-frame DQN with the catch preset: 11 and 15 after 500). Run with --episodes 1000.',
    overrides: {
      ...CATCH_TORSO,
      cell: 'lstm',
      recurrentUnits: 128,
      seqLength: 33,
      burnIn: 0,
      overlap: 0,
      optimizer: 'adam',
      learningRate: 3e-3,
      optimizerEpsilon: 1e-8,
      loss: 'mse',
      gamma: 0.99,
      nStep: 10,
      doubleDqn: true,
      bufferSize: 20_000,
      batchSize: 16,
      learningStarts: 0,
      learningStartsEpisodes: 10,
      trainFrequency: 8,
      targetUpdateInterval: 50,
      epsilonStart: 1,
      epsilonEnd: 0.01,
      epsilonUnit: 'episode',
      explorationFraction: 0.3,
      evalEpsilon: 0,
    },
  },
  minatar: {
    description:
      "MinAtar's DQN settings where they carry over (Young & Tian 2019, dqn.py: conv 16 3x3 and dense 128, Huber " +
      'loss, gamma 0.99, replay 100k, learning from 5k frames, epsilon 1 -> 0.1 over the first 100k frames of 5M) ' +
      'with an LSTM of 128 after the dense layer, sequences of 10 steps after 10 burn-in steps, overlap 5 ' +
      "(Kapturowski et al. 2019), 16 sequences every 4 frames (40 replayed steps per frame, about DQN's 32), Adam " +
      "3e-4 (tuned here on Breakout: with MinAtar's centered RMSProp 2.5e-4 the greedy return stayed at random " +
      'play for 60k frames; with Adam 3e-4, 4.7 after 40k frames, 2.2 with frameDrop=0.5), target every 100 ' +
      'updates (400 frames). For MinAtar with frames dropped: --env-option frameDrop=0.5.',
    overrides: {
      network: 'minatar',
      hiddenSizes: [128],
      cell: 'lstm',
      recurrentUnits: 128,
      seqLength: 10,
      burnIn: 10,
      overlap: 5,
      optimizer: 'adam',
      learningRate: 3e-4,
      optimizerEpsilon: 1e-8,
      loss: 'huber',
      gamma: 0.99,
      bufferSize: 100_000,
      batchSize: 16,
      trainFrequency: 4,
      learningStarts: 5000,
      targetUpdateInterval: 100,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationFraction: 0.02,
    },
  },
};

/** The defaults as an object. */
export function defaultDrqnConfig(): DrqnConfig {
  return defaultsOf(DRQN_CONFIG);
}

/** Defaults, then the preset, then each layer of overrides (a config file, CLI flags), validated. */
export function resolveDrqnConfig(
  preset: string | undefined,
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): DrqnConfig {
  const c = resolveWithPreset(DRQN_CONFIG, DRQN_PRESETS, preset, ...layers);
  checkConvTorso(c);
  checkDistributional(c);
  if (c.numAtoms > 1 && c.valueRescale) {
    // h(x) rescales expected values; C51's fixed atoms already bound the returns it represents.
    throw new RangeError('valueRescale applies to expected Q-values only: with numAtoms > 1 set vMin and vMax instead');
  }
  if (c.overlap >= c.seqLength) {
    throw new RangeError(
      `overlap must be less than seqLength (${c.seqLength}): consecutive sequences must advance. Received: overlap=${c.overlap}`,
    );
  }
  if (c.nStep > c.seqLength) {
    throw new RangeError(
      `nStep must not exceed seqLength (${c.seqLength}): returns are summed inside a sequence. Received: nStep=${c.nStep}`,
    );
  }
  const rows = 2 * (c.burnIn + c.seqLength + 1);
  if (c.bufferSize < rows) {
    throw new RangeError(
      `bufferSize must hold two windows of burnIn + seqLength steps and their final rows, at least ${rows} rows. ` +
        `Received: bufferSize=${c.bufferSize}`,
    );
  }
  return c;
}
