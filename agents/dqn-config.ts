/**
 * The DQN config: one typed object whose every field documents its default and its source,
 * the presets (the book's Chapter 8 setup, Nature DQN, Rainbow on Atari and on MinAtar, MinAtar, a
 * tuned Catch setup, CleanRL's `dqn.py`, RL Zoo's CartPole), and their validation. The agent
 * itself is `dqn.ts`.
 */
import { INITS, TORSOS, type InitKind, type TorsoKind } from '../models/q-networks.js';
import { PREPROCESS, type Preprocess } from './envs.js';
import { defaultsOf, resolveWithPreset, type ConfigDescriptor, type Preset } from './config.js';
import type { EpsilonConfig } from './schedules.js';

/** Every DQN hyperparameter. Defaults and sources: {@link DQN_CONFIG}. */
export interface DqnConfig extends EpsilonConfig {
  preprocess: Preprocess;
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
  numAtoms: number;
  vMin: number;
  vMax: number;
  noisy: boolean;
  noisySigma0: number;
  gamma: number;
  learningRate: number;
  learningRateDecay: 'constant' | 'linear';
  learningRateEnd: number;
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
  targetUpdateUnit: 'update' | 'step';
  tau: number;
  doubleDqn: boolean;
  nStep: number;
  prioritized: boolean;
  perAlpha: number;
  perBeta0: number;
  perEpsilon: number;
  evalEpsilon: number;
  ezGreedyMu: number;
  mirrorActions: number[];
  mirrorProbability: number;
  targetEpsilon: number;
  rewardClip: boolean;
  normalizeObservation: boolean;
  normalizeReward: boolean;
}

/**
 * The descriptor: defaults follow CleanRL's `dqn.py` (Huang et al. 2022) where it has the
 * field, else Stable-Baselines3's `DQN`, else the paper that introduced the feature.
 */
export const DQN_CONFIG: ConfigDescriptor<DqnConfig> = {
  preprocess: {
    type: 'enum',
    choices: PREPROCESS,
    default: 'none',
    doc:
      "observation pipeline: none; book, the book's (gray 80x80 area resize, 4 frames stacked; /255 at the network " +
      'input; see frame-size, frame-stack); stack, frame-stack observations stacked along their last axis as they are',
    source: 'Gulli & Pal ch. 8',
  },
  frameSize: {
    type: 'int',
    default: 80,
    min: 1,
    doc: "side of the resized frames of the book's preprocessing",
    source: 'Gulli & Pal ch. 8',
  },
  frameStack: {
    type: 'int',
    default: 4,
    min: 1,
    doc: "frames stacked by the book's and the stack preprocessing (channels-last, newest last)",
    source: 'Gulli & Pal ch. 8',
  },
  network: { type: 'enum', choices: TORSOS, default: 'mlp', doc: 'Q-network torso (models/q-networks.ts)' },
  hiddenSizes: {
    type: 'intList',
    default: [64, 64],
    min: 1,
    doc: 'dense layer sizes (MLP torso, or after the conv layers)',
    source: 'SB3 DQN MlpPolicy',
  },
  convFilters: { type: 'intList', default: [16, 32], min: 1, doc: 'filters per conv layer of the cnn torso' },
  convKernels: { type: 'intList', default: [8, 4], min: 1, doc: 'kernel sizes (widths) of the cnn torso' },
  convKernelHeights: {
    type: 'intList',
    default: [],
    min: 0,
    doc:
      'kernel heights of the cnn torso where they differ from the widths: one per layer, 0 = the full input height ' +
      '(a convolution along x over whole columns); empty = square',
  },
  convStrides: { type: 'intList', default: [4, 2], min: 1, doc: 'strides of the cnn torso' },
  inputPool: {
    type: 'int',
    default: 1,
    min: 1,
    doc: 'average-pool image inputs by this factor first (weight-free downscale; 1 = off)',
  },
  init: { type: 'enum', choices: INITS, default: 'glorot', doc: 'weight initialisation', source: 'Keras default' },
  dueling: { type: 'bool', default: false, doc: 'dueling head Q = V + A - mean(A)', source: 'Wang et al. 2016' },
  numAtoms: {
    type: 'int',
    default: 1,
    min: 1,
    doc: 'atoms of the categorical return distribution (1: expected Q-values; C51: 51, cross-entropy loss)',
    source: 'Bellemare et al. 2017',
  },
  vMin: { type: 'float', default: -10, doc: 'lowest atom of the return distribution', source: 'Bellemare et al. 2017' },
  vMax: { type: 'float', default: 10, doc: 'highest atom of the return distribution', source: 'Bellemare et al. 2017' },
  noisy: {
    type: 'bool',
    default: false,
    doc: 'factorised Gaussian NoisyDense layers in the head, resampled per acting step and per update (set epsilon to 0 to explore by noise alone)',
    source: 'Fortunato et al. 2018',
  },
  noisySigma0: {
    type: 'float',
    default: 0.5,
    min: 0,
    doc: 'initial noise scale sigma0 (sigma = sigma0 / sqrt(fan-in))',
    source: 'Fortunato et al. 2018',
  },
  gamma: { type: 'float', default: 0.99, min: 0, max: 1, doc: 'discount factor', source: 'CleanRL' },
  learningRate: { type: 'float', default: 2.5e-4, min: 0, doc: 'optimizer learning rate', source: 'CleanRL' },
  learningRateDecay: {
    type: 'enum',
    choices: ['constant', 'linear'],
    default: 'constant',
    doc: 'learning-rate schedule: constant, or linear from learning-rate to learning-rate-end over the budget',
    source: "SB3 / RL Zoo's lin_<lr> schedules",
  },
  learningRateEnd: {
    type: 'float',
    default: 0,
    min: 0,
    doc: 'learning rate at the end of the budget with learning-rate-decay linear',
    source: "SB3's linear_schedule ends at 0",
  },
  optimizer: {
    type: 'enum',
    choices: ['adam', 'rmsprop', 'sgd'],
    default: 'adam',
    doc: 'optimizer',
    source: 'CleanRL',
  },
  optimizerEpsilon: {
    type: 'float',
    default: 1e-8,
    min: 0,
    doc: "Adam's / RMSprop's epsilon (tfjs RMSprop adds it inside the square root)",
    source: 'PyTorch Adam',
  },
  rmspropDecay: {
    type: 'float',
    default: 0.95,
    min: 0,
    max: 1,
    doc: 'RMSprop squared-gradient decay',
    source: 'Mnih et al. 2015',
  },
  rmspropMomentum: { type: 'float', default: 0, min: 0, max: 1, doc: 'RMSprop momentum' },
  rmspropCentered: { type: 'bool', default: false, doc: 'centered RMSprop', source: 'Graves 2013' },
  loss: {
    type: 'enum',
    choices: ['mse', 'huber'],
    default: 'mse',
    doc: 'TD loss (huber = smooth L1, delta 1)',
    source: 'CleanRL',
  },
  maxGradNorm: {
    type: 'float',
    default: 0,
    min: 0,
    doc: 'clip gradients to this global norm (0 = off)',
    source: 'SB3 uses 10',
  },
  bufferSize: { type: 'int', default: 10000, min: 1, doc: 'replay memory capacity (transitions)', source: 'CleanRL' },
  batchSize: { type: 'int', default: 128, min: 1, doc: 'transitions per gradient step', source: 'CleanRL' },
  learningStarts: {
    type: 'int',
    default: 10000,
    min: 0,
    doc: 'env steps of random actions before training',
    source: 'CleanRL',
  },
  learningStartsEpisodes: {
    type: 'int',
    default: 0,
    min: 0,
    doc: 'episodes of random actions before training (the book\'s "observation" games)',
    source: 'Gulli & Pal ch. 8',
  },
  trainFrequency: { type: 'int', default: 10, min: 1, doc: 'env steps between training rounds', source: 'CleanRL' },
  gradientSteps: { type: 'int', default: 1, min: 1, doc: 'gradient steps per training round', source: 'SB3' },
  targetUpdateInterval: {
    type: 'int',
    default: 50,
    min: 0,
    doc: 'target syncs every this many gradient steps or env steps (see target-update-unit; 0 = no target network)',
    source: "CleanRL's 500 env steps at train frequency 10",
  },
  targetUpdateUnit: {
    type: 'enum',
    choices: ['update', 'step'],
    default: 'update',
    doc:
      'what target-update-interval counts: gradient steps (Mnih et al. 2015) or env steps over all envs ' +
      "(CleanRL's target_network_frequency, SB3's target_update_interval)",
    source: 'Mnih et al. 2015',
  },
  tau: {
    type: 'float',
    default: 1,
    above: 0,
    aboveWhy: 'at 0 the target network never moves',
    max: 1,
    doc: 'target sync rate: 1 = hard copy, < 1 = Polyak averaging',
    source: 'CleanRL',
  },
  doubleDqn: {
    type: 'bool',
    default: false,
    doc: 'double DQN: online argmax, target evaluates',
    source: 'van Hasselt et al. 2016',
  },
  nStep: {
    type: 'int',
    default: 1,
    min: 1,
    max: 1000,
    doc: 'n-step returns (at most 1000 and the replay capacity)',
    source: 'Sutton 1988; Hessel et al. 2018 use 3',
  },
  prioritized: { type: 'bool', default: false, doc: 'proportional prioritized replay', source: 'Schaul et al. 2016' },
  perAlpha: { type: 'float', default: 0.6, min: 0, doc: 'priority exponent alpha', source: 'Schaul et al. 2016' },
  perBeta0: {
    type: 'float',
    default: 0.4,
    min: 0,
    max: 1,
    doc:
      'initial importance exponent beta, annealed linearly to 1 over the budget (steps or episodes, whichever ' +
      'is given; with both, whichever runs out first)',
    source: 'Schaul et al. 2016',
  },
  perEpsilon: {
    type: 'float',
    default: 1e-6,
    min: 0,
    doc: 'added to |TD error| for priorities',
    source: 'SB3 contrib / Dopamine',
  },
  epsilonStart: { type: 'float', default: 1, min: 0, max: 1, doc: 'initial exploration epsilon', source: 'CleanRL' },
  epsilonEnd: { type: 'float', default: 0.05, min: 0, max: 1, doc: 'final exploration epsilon', source: 'CleanRL' },
  explorationFraction: {
    type: 'float',
    default: 0.5,
    above: 0,
    aboveWhy: 'for a constant epsilon set epsilon-start equal to epsilon-end',
    max: 1,
    doc: 'fraction of the budget (steps or episodes, see epsilon-unit) over which epsilon decays',
    source: 'CleanRL',
  },
  epsilonDecay: {
    type: 'enum',
    choices: ['linear', 'exponential'],
    default: 'linear',
    doc: 'shape of the epsilon decay',
    source: 'CleanRL linear_schedule',
  },
  epsilonUnit: {
    type: 'enum',
    choices: ['step', 'episode'],
    default: 'step',
    doc: 'epsilon decays per env step or per finished episode',
  },
  evalEpsilon: {
    type: 'float',
    default: 0.05,
    min: 0,
    max: 1,
    doc: 'epsilon during evaluation',
    source: 'CleanRL evaluate',
  },
  ezGreedyMu: {
    type: 'float',
    default: 0,
    min: 0,
    doc:
      'temporally-extended exploration (εz-greedy): an exploratory action repeats for n ~ zeta(mu) steps; ' +
      '0 = plain epsilon-greedy, mu > 1 on',
    source: 'Dabney et al. 2021 use mu = 2',
  },
  targetEpsilon: {
    type: 'float',
    default: 0,
    min: 0,
    max: 1,
    doc:
      "bootstrap from an epsilon-greedy target policy's expected value (1 - e) Q(s', a*) + e mean_a Q(s', a) " +
      'instead of the greedy one (Expected SARSA); 0 = Q-learning. Not with numAtoms > 1',
    source: 'van Seijen et al. 2009',
  },
  mirrorActions: {
    type: 'intList',
    default: [],
    min: 0,
    doc:
      'mirror augmentation for envs whose rules are left-right symmetric: each replayed transition is flipped ' +
      'along the width of its (image) observations with probability 1/2 and its action i replaced by ' +
      'mirrorActions[i]; empty = off (Catch: 2,1,0)',
    source: 'symmetry augmentation, van der Pol et al. 2020',
  },
  mirrorProbability: {
    type: 'float',
    default: 0.5,
    min: 0,
    max: 1,
    doc: 'probability that mirror augmentation flips a replayed transition (with mirrorActions)',
    source: 'tfgym; 1/2 replays both images of a symmetric game equally often',
  },
  rewardClip: {
    type: 'bool',
    default: false,
    doc: 'clip rewards to [-1, 1] before storing',
    source: 'Mnih et al. 2015',
  },
  normalizeObservation: {
    type: 'bool',
    default: false,
    doc:
      'normalize observations with running mean and variance over all envs (kept in checkpoints; frozen for ' +
      'evaluation)',
    source: "Gymnasium 1.x's NormalizeObservation",
  },
  normalizeReward: {
    type: 'bool',
    default: false,
    doc: 'scale rewards by the running std of the discounted return (gamma) per env, before storing',
    source: "Gymnasium 1.x's NormalizeReward",
  },
};

/**
 * The `catch` presets' input and torso, shared with DRQN's `catch-hidden`: the book's
 * preprocessing at 20x20 with 1 frame, a column convolution (16 filters 9 wide and the full 20
 * rows high), then dense 128.
 */
export const CATCH_TORSO: Readonly<
  Pick<
    DqnConfig,
    | 'preprocess'
    | 'frameSize'
    | 'frameStack'
    | 'network'
    | 'convFilters'
    | 'convKernels'
    | 'convKernelHeights'
    | 'convStrides'
    | 'hiddenSizes'
  >
> = {
  preprocess: 'book',
  frameSize: 20,
  frameStack: 1,
  network: 'cnn',
  convFilters: [16],
  convKernels: [9],
  convKernelHeights: [0],
  convStrides: [1],
  hiddenSizes: [128],
};

/** The `catch` preset's settings (also the base of `catch-mirror`). */
const CATCH_OVERRIDES: Partial<DqnConfig> = {
  ...CATCH_TORSO,
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
};

/**
 * Presets, each a few overrides with its source. Budgets (`--episodes`, `--total-steps`) are
 * not config: the README gives each preset's command line.
 */
export const DQN_PRESETS: Readonly<Record<string, Preset<DqnConfig>>> = {
  book: {
    description:
      'Gulli & Pal, "Deep Learning with Keras" (2017), ch. 8, rl-network-train.py: the 80x80x4 conv net with ' +
      '"normal" init, Adam 1e-6, MSE, gamma 0.99, epsilon 0.1 -> 0.0001 decayed linearly once per game over all ' +
      'games, replay 50,000, 100 observation games of random actions, then one batch-32 update per frame, no target ' +
      'network. Run with --episodes 1100 for "100 observation + 1,000 training games". (Keras averages the squared ' +
      'error over all 3 outputs, 2 of them with zero error; that 1/3 scale is invisible to Adam up to its epsilon.)',
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
      'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Extended Data Table 1: ' +
      'Nature CNN, RMSProp lr 2.5e-4 (decay 0.95, eps 0.01), Huber loss (error clipping), gamma 0.99, replay 1M, ' +
      'batch 32, update every 4 frames, target every 10,000 updates, epsilon 1 -> 0.1 over 1M frames, 50k random ' +
      'frames, rewards clipped.',
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
      'Young & Tian (2019), MinAtar dqn.py: conv 16 3x3 + dense 128, centered RMSProp lr 2.5e-4 (alpha 0.95, ' +
      'eps 0.01), Huber loss, gamma 0.99, replay 100k, batch 32, training every frame from 5k frames, epsilon ' +
      '1 -> 0.1 over the first 100k frames (explorationFraction 0.02 of their 5M frames), target every 1,000 frames.',
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
  rainbow: {
    description:
      'Hessel et al. (2018), "Rainbow: Combining Improvements in Deep Reinforcement Learning", Table 1, on the ' +
      'Nature CNN with 512 hidden units (Mnih et al. 2015): all six components - C51 with 51 atoms in [-10, 10], ' +
      'noisy nets (sigma0 0.5) and no epsilon-greedy exploration (epsilon 0: the paper acts greedily on noisy ' +
      'nets), dueling, double DQN, proportional prioritized replay (alpha 0.5, beta 0.4 -> 1 over the budget), ' +
      '3-step returns - Adam 6.25e-5 (eps 1.5e-4), gamma 0.99, replay 1M, batch 32, an update every 4 agent steps ' +
      "from 20,000 (80k frames; the warm-up acts at random, as Dopamine's), target every 8,000 agent steps (32k " +
      "frames); rewards clipped to [-1, 1] as in the nature preset. Dopamine's rainbow_aaai.gin has the same " +
      'optimizer, atoms, n, gamma, replay, batch and periods in agent steps and evaluates at epsilon 0.001 (here ' +
      'too), but its agent is a simplified Rainbow (C51, n-step, prioritized replay with beta fixed at 0.5; ' +
      'epsilon-greedy 1 -> 0.01, no noisy nets, dueling or double DQN). Run with --total-steps 50000000 (200M ' +
      "frames at frame skip 4). Frames are the env's: 84x84x4 from Atari preprocessing and frame stacking, as for " +
      'nature.',
    overrides: {
      // Network: Mnih et al. (2015)'s torso, Wang et al. (2016)'s dueling head, noisy and categorical.
      network: 'nature',
      hiddenSizes: [512],
      dueling: true,
      // Distributional: Table 1, "distributional atoms 51", "min/max values [-10, 10]".
      numAtoms: 51,
      vMin: -10,
      vMax: 10,
      // Noisy nets: Table 1, "Noisy Nets sigma0 0.5", "exploration epsilon 0".
      noisy: true,
      noisySigma0: 0.5,
      epsilonStart: 0,
      epsilonEnd: 0,
      // Double DQN: the online net picks the bootstrap action, the target net's distribution is used.
      doubleDqn: true,
      // Prioritized replay: Table 1, proportional, "exponent omega 0.5", "importance sampling beta 0.4 -> 1.0".
      prioritized: true,
      perAlpha: 0.5,
      perBeta0: 0.4,
      // Multi-step: Table 1, "multi-step returns n 3".
      nStep: 3,
      // Optimizer: Table 1, "Adam learning rate 0.0000625", "Adam epsilon 1.5e-4" (rainbow_aaai.gin the same).
      optimizer: 'adam',
      learningRate: 6.25e-5,
      optimizerEpsilon: 1.5e-4,
      // C51's cross-entropy replaces the TD loss (the field only applies to expected values).
      loss: 'mse',
      // DQN's settings (Mnih et al. 2015), as rainbow_aaai.gin has them: gamma, replay, batch, update period.
      gamma: 0.99,
      bufferSize: 1_000_000,
      batchSize: 32,
      trainFrequency: 4,
      // Table 1, "min history to start learning 80K frames" = rainbow_aaai.gin's min_replay_history 20000 agent steps.
      learningStarts: 20_000,
      // Table 1, "target network period 32K frames" = rainbow_aaai.gin's target_update_period 8000 agent steps.
      targetUpdateInterval: 8000,
      targetUpdateUnit: 'step',
      // Atari preprocessing as the nature preset: rewards clipped to [-1, 1] (Mnih et al. 2015).
      rewardClip: true,
      // Evaluation: rainbow_aaai.gin's epsilon_eval.
      evalEpsilon: 0.001,
    },
  },
  'minatar-rainbow': {
    description:
      'Obando-Ceron & Castro (2021), Revisiting Rainbow, MinAtar configs (Dopamine JAX, ' +
      'revisiting_rainbow/Configs/rainbow_<game>.gin): all six Rainbow components - C51 with 51 atoms in ' +
      "[-100, 100], noisy nets, dueling, double DQN, prioritized replay, 3-step returns - on MinAtar's network " +
      '(conv 16 3x3 + dense 128), Adam 1e-4 (eps 3.125e-4), gamma 0.99, replay 100k, batch 32, training every 4 ' +
      "steps from 1,000, target every 1,000 steps, epsilon 1 -> 0.01 over 250k steps (Dopamine's linear decay: " +
      'explorationFraction 0.025 of their 10M steps; with --total-steps 1000000 pass --exploration-fraction 0.25). ' +
      "Dopamine's replay uses priorities sqrt(loss) (alpha 0.5) and fixed importance weights 1/sqrt(P) (beta " +
      '0.5); tfgym anneals beta from 0.5 to 1 over the budget.',
    overrides: {
      network: 'minatar',
      hiddenSizes: [128],
      numAtoms: 51,
      vMin: -100,
      vMax: 100,
      noisy: true,
      dueling: true,
      doubleDqn: true,
      prioritized: true,
      perAlpha: 0.5,
      perBeta0: 0.5,
      nStep: 3,
      optimizer: 'adam',
      learningRate: 1e-4,
      optimizerEpsilon: 3.125e-4,
      loss: 'mse',
      gamma: 0.99,
      bufferSize: 100_000,
      batchSize: 32,
      trainFrequency: 4,
      learningStarts: 1000,
      targetUpdateInterval: 1000,
      targetUpdateUnit: 'step',
      epsilonStart: 1,
      epsilonEnd: 0.01,
      explorationFraction: 0.025,
    },
  },
  cleanrl: {
    description:
      "CleanRL's dqn.py defaults (Huang et al. 2022, JMLR 23(274); vwxyzjn/cleanrl, cleanrl/dqn.py): MLP 120-84 " +
      "(ReLU) with PyTorch's default init, Adam 2.5e-4, MSE, gamma 0.99, replay 10,000, batch 128, epsilon 1 -> " +
      '0.05 over the first 50% of the budget (their total_timesteps 500,000: run with --total-steps 500000), ' +
      'training every 10 env steps from 10,000, target network every 500 env steps with tau 1 (a hard copy).',
    overrides: {
      network: 'mlp',
      hiddenSizes: [120, 84],
      init: 'torch',
      optimizer: 'adam',
      learningRate: 2.5e-4,
      optimizerEpsilon: 1e-8,
      loss: 'mse',
      maxGradNorm: 0,
      gamma: 0.99,
      bufferSize: 10_000,
      batchSize: 128,
      epsilonStart: 1,
      epsilonEnd: 0.05,
      explorationFraction: 0.5,
      epsilonDecay: 'linear',
      epsilonUnit: 'step',
      learningStarts: 10_000,
      trainFrequency: 10,
      gradientSteps: 1,
      targetUpdateInterval: 500,
      targetUpdateUnit: 'step',
      tau: 1,
      doubleDqn: false,
      nStep: 1,
      prioritized: false,
      evalEpsilon: 0.05,
    },
  },
  cartpole: {
    description:
      "RL Baselines3 Zoo's tuned DQN for CartPole-v1 (DLR-RM/rl-baselines3-zoo, hyperparams/dqn.yml; Raffin 2020): " +
      'MLP 256-256, Adam 2.3e-3, Huber loss with gradients clipped to norm 10 (SB3 DQN), gamma 0.99, replay ' +
      '100,000, batch 64, learning from 1,000 env steps, a round of 128 gradient steps every 256 env steps, target ' +
      'network every 10 env steps, epsilon 1 -> 0.04 over the first 16% of the budget. Run with --total-steps 50000 ' +
      '(their n_timesteps). trainFrequency counts env steps over all envs (SB3 counts vector steps: with N envs ' +
      'SB3 trains every 256 N transitions).',
    overrides: {
      network: 'mlp',
      hiddenSizes: [256, 256],
      init: 'torch',
      optimizer: 'adam',
      learningRate: 2.3e-3,
      optimizerEpsilon: 1e-8,
      loss: 'huber',
      maxGradNorm: 10,
      gamma: 0.99,
      bufferSize: 100_000,
      batchSize: 64,
      learningStarts: 1000,
      trainFrequency: 256,
      gradientSteps: 128,
      targetUpdateInterval: 10,
      targetUpdateUnit: 'step',
      tau: 1,
      epsilonStart: 1,
      epsilonEnd: 0.04,
      explorationFraction: 0.16,
      epsilonDecay: 'linear',
      epsilonUnit: 'step',
      doubleDqn: false,
      nStep: 1,
      prioritized: false,
      evalEpsilon: 0,
    },
  },
  acrobot: {
    description:
      "RL Baselines3 Zoo's tuned DQN for Acrobot-v1 (DLR-RM/rl-baselines3-zoo, hyperparams/dqn.yml; Raffin 2020): " +
      'MLP 256-256, Adam 6.3e-4, Huber loss with gradients clipped to norm 10 (SB3 DQN), gamma 0.99, replay ' +
      '50,000, batch 128, learning from the first step, 4 gradient steps every 4 env steps (their train_freq 4 with ' +
      'gradient_steps -1: as many as steps collected), target network every 250 env steps, epsilon 1 -> 0.1 over ' +
      'the first 12% of the budget. Run with --total-steps 100000 (their n_timesteps).',
    overrides: {
      network: 'mlp',
      hiddenSizes: [256, 256],
      init: 'torch',
      optimizer: 'adam',
      learningRate: 6.3e-4,
      optimizerEpsilon: 1e-8,
      loss: 'huber',
      maxGradNorm: 10,
      gamma: 0.99,
      bufferSize: 50_000,
      batchSize: 128,
      learningStarts: 0,
      trainFrequency: 4,
      gradientSteps: 4,
      targetUpdateInterval: 250,
      targetUpdateUnit: 'step',
      tau: 1,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationFraction: 0.12,
      epsilonDecay: 'linear',
      epsilonUnit: 'step',
      doubleDqn: false,
      nStep: 1,
      prioritized: false,
      evalEpsilon: 0,
    },
  },
  mountaincar: {
    description:
      "RL Baselines3 Zoo's tuned DQN for MountainCar-v0 (DLR-RM/rl-baselines3-zoo, hyperparams/dqn.yml; Raffin " +
      '2020): MLP 256-256, Adam 4e-3, Huber loss with gradients clipped to norm 10 (SB3 DQN), gamma 0.98, replay ' +
      '10,000, batch 128, learning from 1,000 env steps, a round of 8 gradient steps every 16 env steps, target ' +
      'network every 600 env steps, epsilon 1 -> 0.07 over the first 20% of the budget. Run with --total-steps ' +
      '120000 (their n_timesteps).',
    overrides: {
      network: 'mlp',
      hiddenSizes: [256, 256],
      init: 'torch',
      optimizer: 'adam',
      learningRate: 4e-3,
      optimizerEpsilon: 1e-8,
      loss: 'huber',
      maxGradNorm: 10,
      gamma: 0.98,
      bufferSize: 10_000,
      batchSize: 128,
      learningStarts: 1000,
      trainFrequency: 16,
      gradientSteps: 8,
      targetUpdateInterval: 600,
      targetUpdateUnit: 'step',
      tau: 1,
      epsilonStart: 1,
      epsilonEnd: 0.07,
      explorationFraction: 0.2,
      epsilonDecay: 'linear',
      epsilonUnit: 'step',
      doubleDqn: false,
      nStep: 1,
      prioritized: false,
      evalEpsilon: 0,
    },
  },
  catch: {
    description:
      "tfgym's tuned setup for Catch-v0 (measured in the README): the book's preprocessing at 20x20 instead of " +
      '80x80 (the same area resize, so each pixel is the mean of a 20x20 block of the 400x400 screen) and 1 frame ' +
      'instead of 4 (the ball falls straight at a constant speed, so one frame holds the whole state); a column ' +
      'convolution (16 filters 9 wide and the full 20 rows high, so one window sees the ball and the paddle below ' +
      'it, the same at every horizontal offset) and a dense layer of 128; Adam 1e-3, MSE, double DQN, 3-step ' +
      'returns, replay 20,000, a target network every 50 updates, 10 random games, then a batch-128 update every 2 ' +
      'frames; epsilon 1 -> 0.01 over the first 30% of games, each exploratory action repeated for a ' +
      'zeta(2)-distributed number of steps (εz-greedy, Dabney et al. 2021), which carries the paddle to the walls ' +
      'where one-step dithering rarely goes.',
    overrides: CATCH_OVERRIDES,
  },
  'catch-mirror': {
    description:
      "the `catch` preset plus four changes measured on Catch-v0 (RESULTS.md): mirror augmentation (the book's " +
      'game is left-right symmetric, so replayed transitions are flipped, left and right swapped; with ' +
      'probability 1/4, as the rare games at the right wall have no mirror images and 1/2 drowned them), ' +
      'epsilon ending at 0.2 instead of 0.01 (the greedy policy is what is evaluated; more exploration ' +
      'keeps the Q-values right in the states a slightly wrong policy drifts into), Expected SARSA targets under ' +
      'that epsilon (a catch with the paddle at the edge of the ball is worth less when the last moves may be ' +
      'random, so the learned policy keeps a margin the 20x20 frames cannot resolve otherwise) and prioritized ' +
      'replay (the rare games near the right wall, where the bounce matters, are replayed more).',
    overrides: {
      ...CATCH_OVERRIDES,
      prioritized: true,
      epsilonEnd: 0.2,
      targetEpsilon: 0.2,
      mirrorActions: [2, 1, 0],
      mirrorProbability: 0.25,
    },
  },
};

/** The defaults as an object. */
export function defaultDqnConfig(): DqnConfig {
  return defaultsOf(DQN_CONFIG);
}

/** Defaults, then the preset, then each layer of overrides (a config file, CLI flags), validated. */
export function resolveDqnConfig(
  preset: string | undefined,
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): DqnConfig {
  const c = resolveWithPreset(DQN_CONFIG, DQN_PRESETS, preset, ...layers);
  checkConvTorso(c);
  if (c.targetEpsilon > 0 && c.numAtoms > 1) {
    // The categorical target projects one next-state distribution; a mixture is not implemented.
    throw new RangeError(
      `targetEpsilon applies to expected Q-values only; with numAtoms > 1 set it to 0. Received: targetEpsilon=${c.targetEpsilon}`,
    );
  }
  if (c.ezGreedyMu !== 0 && !(c.ezGreedyMu > 1)) {
    // zeta(mu) has no finite normaliser for mu <= 1.
    throw new RangeError(
      `ezGreedyMu must be 0 (plain epsilon-greedy) or greater than 1. Received: ezGreedyMu=${c.ezGreedyMu}`,
    );
  }
  checkDistributional(c);
  if (c.nStep > c.bufferSize) {
    throw new RangeError(
      `nStep must not exceed the replay capacity bufferSize (${c.bufferSize}). Received: nStep=${c.nStep}`,
    );
  }
  return c;
}

/** C51's settings agree (DQN's and DRQN's): a non-empty support, and no TD loss to choose. */
export function checkDistributional(c: Pick<DqnConfig, 'numAtoms' | 'vMin' | 'vMax' | 'loss'>): void {
  if (c.numAtoms > 1 && !(c.vMin < c.vMax)) {
    throw new RangeError(
      `a categorical return distribution needs vMin < vMax. Received: numAtoms=${c.numAtoms}, vMin=${c.vMin}, vMax=${c.vMax}`,
    );
  }
  if (c.numAtoms > 1 && c.loss === 'huber') {
    // C51 minimises the cross-entropy to the projected target; a TD loss has no meaning there.
    throw new RangeError('loss applies to expected Q-values only: with numAtoms > 1 the loss is the cross-entropy');
  }
}

/** The conv torso's lists agree: one filter count, kernel, stride (and height, if any) per layer. */
export function checkConvTorso(
  c: Pick<DqnConfig, 'network' | 'convFilters' | 'convKernels' | 'convStrides' | 'convKernelHeights'>,
): void {
  if (c.network !== 'cnn') return;
  const depth = c.convFilters.length;
  if (!(depth > 0 && c.convKernels.length === depth && c.convStrides.length === depth)) {
    throw new RangeError('convFilters, convKernels and convStrides must have the same, non-zero length');
  }
  if (c.convKernelHeights.length > 0 && c.convKernelHeights.length !== depth) {
    throw new RangeError(
      `convKernelHeights needs one height per conv layer (${depth}), or none for square kernels. ` +
        `Received: ${c.convKernelHeights.join(',')}`,
    );
  }
}
