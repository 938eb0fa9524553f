/**
 * Deep Q-Networks (Mnih et al. 2015) and the usual extensions. The config and its presets are
 * `dqn-config.ts`; {@link DqnAgent} reads top to bottom:
 *
 * 1. the network: the Q-network and its target twin, from `models/q-networks.ts`, and the optimizer;
 * 2. action selection: epsilon-greedy (or εz-greedy) on Q(s);
 * 3. TD targets: bootstrap values from the networks, then {@link tdTargets}, a pure function of
 *    plain arrays (tested against hand-computed values);
 * 4. the loss: MSE or Huber, importance-weighted for prioritized replay;
 * 5. the update: sampling, optional gradient-norm clipping, the optimizer step, priorities and
 *    target-network syncing;
 * 6. checkpoint state: weights, optimizer slots, counters, RNG and (optionally) the replay.
 *
 * With N envs in lockstep (a vector env) the agent chooses their N actions from one batched
 * forward pass ({@link DqnAgent.actBatch}), keeps one replay column and one εz-greedy option per
 * env (so n-step returns and truncation bootstrapping follow each env's own steps) and samples
 * them as one memory ({@link MultiEnvReplay}). `learningStarts`, `trainFrequency` and (in the
 * `step` unit) `targetUpdateInterval` count env steps over all envs; see {@link DqnAgent.train}.
 *
 * The pure pieces ({@link tdTargets}, {@link huber}, {@link clipByGlobalNorm},
 * {@link makeOptimizer}) follow the class, in the same order.
 *
 * Extensions, each a config flag: target network (hard copy every N updates or Polyak `tau`),
 * double DQN (van Hasselt et al. 2016), dueling head (Wang et al. 2016), n-step returns,
 * prioritized replay (Schaul et al. 2016), Huber loss, gradient clipping, Adam / RMSprop
 * (centered) / SGD, train frequency, gradient steps, learning starts, reward clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { DType } from '../src/core/env.js';
import { at, inputDivisor, shapeSize, type AnyTypedArray } from '../src/core/spaces.js';
import { Rng, type RngState } from '../src/rng/rng.js';
import {
  annealedBeta,
  MultiEnvReplay,
  PrioritizedReplayMemory,
  ReplayMemory,
  type ReplayBatch,
  type ReplayState,
  type StackAxis,
} from '../src/replay/index.js';
import { setLearningRate } from '../models/optimizers.js';
import { loadWeightsInto, modelArtifacts } from '../src/io/model-io.js';
import type { AgentSnapshot, SnapshotArray } from '../src/io/snapshot.js';
import { CheckpointError, ModelFileError } from '../src/io/errors.js';
import { loadOptimizerState, saveOptimizerState, type OptimizerState } from '../src/io/optimizer-state.js';
import { categoricalPolicyModel } from '../models/categorical-q.js';
import { setModelsNoise } from '../models/noisy-dense.js';
import { buildQNetwork, type ConvSpec } from '../models/q-networks.js';
import { activeNativeHost, MlpQStep, plainDenseStack } from '../src/backends/native/mlp-q-step.js';
import type { NativeHost } from '../src/backends/native/host.js';
import type { ActOptions, Agent, UpdateInfo } from './agent.js';
import type { DqnConfig } from './dqn-config.js';
import {
  categoricalSupport,
  categoricalTargets,
  type CategoricalSupport,
  type ReturnDistributions,
} from './distributional.js';
import {
  categoricalLoss,
  categoricalProbs,
  categoricalQValues,
  readReturnDistributions,
} from './distributional-loss.js';
import { argmax, epsilonGreedy, EzGreedy, type EzGreedyState } from './exploration.js';
import { checkMirrorActions, mirrorBatch } from './mirror.js';
import {
  budgetProgress,
  epsilonAt,
  epsilonScheduleOf,
  multiplesPassed,
  type Budget,
  type EpsilonSchedule,
} from './schedules.js';

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

/** Serialisable DQN state (written to disk by `src/io/checkpoints.ts`, as an {@link AgentSnapshot}). */
export interface DqnState {
  readonly updates: number;
  readonly rng: RngState;
  readonly online: tf.io.ModelArtifacts;
  readonly target: tf.io.ModelArtifacts | null;
  /** The optimizer's slots; `accBeta` is Adam's running [beta1^t, beta2^t] (null for other optimizers). */
  readonly optimizer: OptimizerState;
  /** One state per env's replay column (null: the replay was not saved). */
  readonly replay: ReplayState[] | null;
  /** εz-greedy's running option per env (absent in older checkpoints, null when it is off). */
  readonly ez?: EzGreedyState[] | null;
  /** The noise stream of noisy nets (absent in older checkpoints, null when `noisy` is off). */
  readonly noiseRng?: RngState | null;
}

/**
 * The JSON part of a DQN snapshot, as read back (every field checked before use). One env keeps
 * the single-env layout (`replay` and `ez` objects, blobs `replay.NAME`), so older checkpoints
 * resume; N envs store arrays (`replays`, `ez`) and blobs `replay.E.NAME`.
 */
interface DqnSnapshotJson {
  updates?: number;
  rng?: RngState;
  optimizer?: { name?: string; specs?: tf.io.WeightsManifestEntry[]; accBeta?: readonly number[] | null };
  replay?: ReplayState['meta'] | null;
  replays?: Array<ReplayState['meta']> | null;
  ez?: EzGreedyState | EzGreedyState[] | null;
  noiseRng?: RngState | null;
}

/** Tensors that leave the loss's tidy scope (see {@link DqnAgent.tdLoss}); whoever made them disposes them. */
interface KeptTensors {
  /** Q(s, a) - y per transition (C51: the KL divergence to the target): the new priorities. */
  td: tf.Tensor | null;
  /** Mean Q(s, a) over the batch (a scalar), for the logs. */
  q: tf.Tensor | null;
}

/** One size setting's memory, for {@link dqnMemoryNeeds}. */
export interface MemoryNeed {
  /** The config key that sets it. */
  readonly key: keyof DqnConfig;
  readonly value: unknown;
  /** Bytes it needs (an estimate from below: what is certainly allocated). */
  readonly bytes: number;
  /** The largest single array (elements). */
  readonly elements: number;
  readonly what: string;
}

const DTYPE_BYTES: Record<DType, number> = { uint8: 1, int32: 4, float32: 4, float64: 8 };

/**
 * What the size settings of a DQN config will allocate on an env, estimated from below (replay
 * frames, a batch of observations, the MLP weights with their target copy, gradients and two
 * optimizer slots), so that absurd sizes are refused up front with the setting named.
 */
export function dqnMemoryNeeds(config: DqnConfig, env: DqnEnvInfo): MemoryNeed[] {
  const obsSize = shapeSize(env.obsShape);
  // With frame stacking the replay stores each frame once: one k-th of an observation per slot.
  const perSlot = env.frameStack ? obsSize / env.frameStack.k : obsSize;
  const obsBytes = DTYPE_BYTES[env.obsDtype] ?? 4;
  const needs: MemoryNeed[] = [
    {
      key: 'bufferSize',
      value: config.bufferSize,
      bytes: config.bufferSize * perSlot * obsBytes,
      elements: config.bufferSize * perSlot,
      what: 'the replay memory',
    },
    {
      key: 'batchSize',
      value: config.batchSize,
      bytes: config.batchSize * obsSize * 2 * 4,
      elements: config.batchSize * obsSize,
      what: 'a batch of observations and next observations',
    },
  ];
  if (config.network === 'mlp') {
    let prev = obsSize;
    let params = 0;
    let largest = 0;
    for (const h of [...config.hiddenSizes, env.numActions]) {
      params += prev * h + h;
      largest = Math.max(largest, prev * h);
      prev = h;
    }
    // online + target + gradients + two optimizer slots, float32.
    needs.push({
      key: 'hiddenSizes',
      value: config.hiddenSizes.join(','),
      bytes: params * 4 * 5,
      elements: largest,
      what: 'the Q-networks, their gradients and optimizer state',
    });
  }
  return needs;
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
  /** The replay memory shared by the envs (one column per env). */
  readonly memory: MultiEnvReplay;
  /** Env 0's replay column: the whole memory when there is one env. */
  readonly replay: ReplayMemory;
  /** Envs stepped in lockstep that feed this agent. */
  readonly numEnvs: number;
  /** Gradient steps taken. */
  updates = 0;
  private readonly rng: Rng;
  private readonly budget: Budget;
  private readonly schedule: EpsilonSchedule;
  private readonly batch: ReplayBatch;
  private readonly targets: Float32Array;
  /** Network input shape (observations are reshaped to it: flattened for the MLP, a channel added to 2-D frames). */
  private readonly inputShape: number[];
  /** Q_online(s', ·) of a batch, for double DQN. */
  private readonly nextQOnline: Float32Array;
  /** εz-greedy's running option of each env, when `ezGreedyMu` > 0 (else empty). */
  private readonly ez: EzGreedy[];
  /** `mirrorActions` when mirror augmentation is on (checked against the env), else null. */
  private readonly mirror: number[] | null;
  /** C51's atoms, when `numAtoms` > 1 (else null: the network outputs Q-values). */
  private readonly support: CategoricalSupport | null;
  /**
   * The network that outputs Q-values: the online network itself, or for C51 a view of it whose
   * last layer takes the distribution means (shares its layers; never disposed on its own).
   */
  private readonly policy: tf.LayersModel;
  /** Noisy nets' own stream (a fork made only when `noisy`, so other configs keep their draws). */
  private readonly noiseRng: Rng | null;
  /** C51's projected target distributions of a batch, `[batch, numAtoms]`. */
  private readonly targetDist: Float32Array;
  /** C51's next-state probabilities of the target network, `[batch, numActions, numAtoms]`. */
  private readonly nextProbs: Float32Array;
  /**
   * A plain MLP's forward passes and gradients as direct addon calls, used on the `native`
   * backend (src/backends/native/mlp-q-step.ts); null for other networks and heads.
   */
  private readonly mlpStep: MlpQStep | null;
  /** The fused path's float32 inputs, `[batch, obsSize]` (observations divided by `obsDivisor`). */
  private readonly fusedObs: Float32Array;
  private readonly fusedNextObs: Float32Array;

  // -------------------------------------------------------------------------------------------
  // 1. The network
  // -------------------------------------------------------------------------------------------

  /**
   * @param rng the agent's own stream (exploration, replay sampling, weight init)
   * @param budget total steps and/or episodes (epsilon decays over a fraction of it, prioritized
   *   replay's beta anneals over all of it)
   * @param numEnvs envs stepped in lockstep that feed the agent; the replay gives each
   *   `floor(bufferSize / numEnvs)` transitions (SB3's `buffer_size // n_envs`)
   */
  constructor(config: DqnConfig, env: DqnEnvInfo, rng: Rng, budget: Budget, numEnvs = 1) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(`numEnvs must be a positive integer. Received: ${String(numEnvs)}`);
    }
    const column = MultiEnvReplay.columnCapacityFor(config.bufferSize, numEnvs);
    if (config.nStep > column) {
      throw new RangeError(
        `nStep (${config.nStep}) must not exceed each env's share of the replay, floor(bufferSize / numEnvs) = ${column}`,
      );
    }
    this.config = config;
    this.env = env;
    this.numActions = env.numActions;
    this.numEnvs = numEnvs;
    this.rng = rng;
    this.budget = { ...budget };
    this.schedule = epsilonScheduleOf(config, budget);
    this.mirror =
      config.mirrorActions.length > 0
        ? checkMirrorActions(config.mirrorActions, env.numActions, env.obsShape, env.frameStack?.axis)
        : null;
    this.ez = config.ezGreedyMu > 1 ? Array.from({ length: numEnvs }, () => new EzGreedy(config.ezGreedyMu)) : [];
    // Conv torsos and pooling see images (a channel added to 2-D frames); a plain MLP sees a flat vector.
    const image = config.network !== 'mlp' || config.inputPool > 1;
    const frames = env.obsShape.length === 2 ? [...env.obsShape, 1] : [...env.obsShape];
    this.inputShape = image ? frames : [shapeSize(env.obsShape)];

    const convSpecs: ConvSpec[] = config.convFilters.map((filters, i) => ({
      filters,
      kernel: config.convKernels[i] ?? 3,
      kernelHeight: config.convKernelHeights[i],
      stride: config.convStrides[i] ?? 1,
      padding: 'valid',
    }));
    const build = (name: string, seedRng: Rng): tf.LayersModel =>
      buildQNetwork({
        inputShape: this.inputShape,
        numActions: env.numActions,
        torso: config.network,
        hiddenSizes: config.hiddenSizes,
        conv: convSpecs,
        dueling: config.dueling,
        numAtoms: config.numAtoms,
        noisy: config.noisy,
        noisySigma0: config.noisySigma0,
        init: config.init,
        inputPool: config.inputPool,
        rng: seedRng,
        name,
      });
    this.online = build('q_online', rng);
    this.support = config.numAtoms > 1 ? categoricalSupport(config.numAtoms, config.vMin, config.vMax) : null;
    this.policy = this.support ? categoricalPolicyModel(this.online, this.support) : this.online;
    this.noiseRng = config.noisy ? rng.fork() : null;
    if (config.targetUpdateInterval > 0) {
      // Its own initial weights are overwritten at once: a fixed seed keeps `rng` untouched.
      this.target = build('q_target', new Rng(0));
      this.syncTarget(1);
    } else {
      this.target = null;
    }
    this.optimizer = makeOptimizer(config);

    const replayOpts = {
      capacity: column,
      obsShape: env.obsShape,
      obsDtype: env.obsDtype,
      frameStack: env.frameStack,
      nStep: config.nStep,
      gamma: config.gamma,
    };
    const columns = Array.from({ length: numEnvs }, () =>
      config.prioritized
        ? new PrioritizedReplayMemory({ ...replayOpts, alpha: config.perAlpha, priorityEpsilon: config.perEpsilon })
        : new ReplayMemory(replayOpts),
    );
    this.memory = new MultiEnvReplay(columns);
    this.replay = columns[0] as ReplayMemory;
    this.batch = this.memory.createBatch(config.batchSize);
    this.targets = new Float32Array(config.batchSize);
    this.nextQOnline = new Float32Array(config.batchSize * env.numActions);
    this.targetDist = new Float32Array(this.support ? config.batchSize * config.numAtoms : 0);
    this.nextProbs = new Float32Array(this.support ? config.batchSize * env.numActions * config.numAtoms : 0);
    this.mlpStep = this.fusedMlpStep();
    const fusedSize = this.mlpStep ? config.batchSize * shapeSize(this.inputShape) : 0;
    this.fusedObs = new Float32Array(fusedSize);
    this.fusedNextObs = new Float32Array(fusedSize);
  }

  /**
   * The fused MLP path when the networks are plain MLPs with a plain Q head (no dueling, C51 or
   * noise) and `TFGYM_FUSED_MLP` is not `0`; it runs only while the native backend is the current one.
   */
  private fusedMlpStep(): MlpQStep | null {
    const c = this.config;
    if (process.env['TFGYM_FUSED_MLP'] === '0') return null;
    if (c.network !== 'mlp' || c.dueling || c.noisy || this.support) return null;
    const online = plainDenseStack(this.online);
    const target = this.target ? plainDenseStack(this.target) : null;
    if (!online || target === undefined) return null;
    return new MlpQStep(online, target, c.batchSize);
  }

  /**
   * The native backend when the fused MLP path can run `n` rows now (it exists, native is the
   * current backend, and a training call brings a full batch: its arrays hold one); else undefined.
   */
  private fusedHost(n: number, training: boolean): NativeHost | undefined {
    if (!this.mlpStep || (training && n !== this.config.batchSize)) return undefined;
    return activeNativeHost();
  }

  /**
   * The greedy policy's network, outputting Q-values (C51: the distribution means; noisy nets:
   * the mean weights, noise off), for evaluation and saving.
   */
  policyModel(): tf.LayersModel {
    this.setNoise(false);
    return this.policy;
  }

  /** Q(obs, ·) for one observation (noise off). */
  qValues(obs: AnyTypedArray): Float32Array {
    return this.qBatch(obs, 1);
  }

  /**
   * C51: the return distribution of every action for one observation and their means (equal to
   * {@link DqnAgent.qValues}), from one forward pass of the online network with its noise off, as
   * `qValues` has it. Null without C51 (`numAtoms` 1), before any forward pass. Only the viewer
   * asks for it, when it shows a frame: training never computes it.
   */
  returnDistributions(obs: AnyTypedArray): ReturnDistributions | null {
    const support = this.support;
    if (support === null) return null;
    this.setNoise(false);
    return readReturnDistributions(() => this.online.apply(this.toInput(obs, 1)) as tf.Tensor, support);
  }

  /** Q(obs_i, ·) for `n` observations, from one forward pass: row i is `[i * numActions, (i + 1) * numActions)`. */
  qBatch(obs: AnyTypedArray, n: number): Float32Array {
    this.setNoise(false);
    return this.forwardQ(obs, n);
  }

  /** Q-values of `n` observations from the policy network, as its noise is now. */
  private forwardQ(obs: AnyTypedArray, n: number): Float32Array {
    const host = this.fusedHost(n, false);
    if (this.mlpStep && host) {
      return this.mlpStep.forward(host, 'online', this.floatInput(obs, n, null), n).slice();
    }
    return tf.tidy(() => {
      const q = this.policy.apply(this.toInput(obs, n)) as tf.Tensor;
      return q.dataSync() as Float32Array;
    });
  }

  /**
   * Noisy nets: `on` switches the noise on in the online (and target) network and draws fresh
   * noise for them (the paper resamples for every acting step and every update); off, the
   * networks use their mean weights. Nothing happens without `noisy`.
   */
  private setNoise(on: boolean, resample = false): void {
    if (!this.noiseRng) return;
    setModelsNoise(this.target ? [this.online, this.target] : [this.online], on, resample ? this.noiseRng : undefined);
  }

  /**
   * `n` observations as float32 network input (divided by `obsDivisor` as {@link DqnAgent.toInput}
   * divides them), written into `scratch` (null: a new array) unless they are float32 already and
   * need no division, in which case they are returned as they are.
   */
  private floatInput(data: AnyTypedArray, n: number, scratch: Float32Array | null): Float32Array {
    const divisor = this.env.obsDivisor ?? inputDivisor({ dtype: this.env.obsDtype });
    const size = n * shapeSize(this.inputShape);
    if (divisor === 1 && data instanceof Float32Array) return data.length === size ? data : data.subarray(0, size);
    const d = Math.fround(divisor);
    const out = scratch ?? new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = Math.fround((data[i] as number) / d);
    return out;
  }

  /** A batch of observations as the network's input tensor (divided by `obsDivisor`); the caller disposes it. */
  private toInput(data: AnyTypedArray, n: number): tf.Tensor {
    const shape = [n, ...this.inputShape];
    const divisor = this.env.obsDivisor ?? inputDivisor({ dtype: this.env.obsDtype });
    if (divisor !== 1) return tf.tidy(() => tf.div(tf.tensor(data, shape, 'float32'), divisor));
    return tf.tensor(data, shape, 'float32');
  }

  // -------------------------------------------------------------------------------------------
  // 2. Action selection
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
   * (agents/exploration.ts), unless `options.extended` is false.
   */
  act(obs: AnyTypedArray, epsilon: number, options: ActOptions = {}): number {
    const rng = options.rng ?? this.rng;
    // Fresh noise for every acting step, drawn whether or not this step explores, so the noise
    // stream never depends on the exploration draws.
    this.setNoise(true, true);
    // The random stream never depends on Q (see epsilonGreedy / EzGreedy.select).
    const q = (): Float32Array => this.forwardQ(obs, 1);
    const ez = this.ez[0];
    if (ez && options.extended !== false) return ez.select(q, this.numActions, epsilon, rng);
    return epsilonGreedy(q, this.numActions, epsilon, rng);
  }

  /**
   * {@link DqnAgent.act} for `n` envs at once (env i with its own εz-greedy option): the draws
   * are made env by env, in order, and Q of all `n` observations comes from one forward pass,
   * run at most once, when the first env acts greedily.
   */
  actBatch(obs: AnyTypedArray, n: number, epsilon: number, out: Int32Array, options: ActOptions = {}): void {
    const rng = options.rng ?? this.rng;
    const A = this.numActions;
    this.setNoise(true, true);
    let q: Float32Array | null = null;
    for (let i = 0; i < n; i++) {
      const row = (): Float32Array => (q ??= this.forwardQ(obs, n)).subarray(i * A, (i + 1) * A);
      const ez = this.ez[i];
      out[i] = ez && options.extended !== false ? ez.select(row, A, epsilon, rng) : epsilonGreedy(row, A, epsilon, rng);
    }
  }

  /** Stores a transition of env `env` (rewards clipped first when `rewardClip`). */
  observe(
    obs: AnyTypedArray,
    action: number,
    reward: number,
    nextObs: AnyTypedArray,
    terminated: boolean,
    truncated: boolean,
    env = 0,
  ): void {
    const r = this.config.rewardClip ? Math.max(-1, Math.min(1, reward)) : reward;
    this.memory.add(env, obs, action, r, nextObs, terminated, truncated);
    if (terminated || truncated) this.ez[env]?.endEpisode();
  }

  /** Marks an episode boundary of env `env` that no terminal transition announced (e.g. an interrupted episode). */
  endEpisode(env = 0): void {
    this.memory.endEpisode(env);
    this.ez[env]?.endEpisode();
  }

  // -------------------------------------------------------------------------------------------
  // 3. TD targets
  // -------------------------------------------------------------------------------------------

  /** {@link tdTargets} of batch `b` from the next-state Q-values, into `this.targets`. */
  private targetsFrom(b: ReplayBatch, qTarget: ArrayLike<number>, qOnline: ArrayLike<number> | null): void {
    const c = this.config;
    tdTargets(b.rewards, b.discounts, b.terminated, qTarget, qOnline, this.numActions, this.targets, c.targetEpsilon);
  }

  /**
   * Fills `this.targets` for batch `b`: bootstrap values on the backend, the targets by
   * {@link tdTargets}; for C51 `this.targetDist` by {@link categoricalTargets} (the target
   * network's next-state distributions projected onto the atoms). Noisy nets draw fresh noise
   * for this update first (online and target independently, as in the paper).
   */
  private computeTargets(b: ReplayBatch): void {
    this.setNoise(true, true);
    const support = this.support;
    if (support) {
      tf.tidy(() => {
        const next = this.toInput(b.nextObs, b.size);
        this.nextProbs.set(categoricalProbs((this.target ?? this.online).apply(next) as tf.Tensor).dataSync());
        let qOnline: Float32Array | null = null;
        if (this.config.doubleDqn) {
          qOnline = this.nextQOnline;
          qOnline.set(categoricalQValues(this.online.apply(next) as tf.Tensor, support).dataSync());
        }
        categoricalTargets(
          b.rewards,
          b.discounts,
          b.terminated,
          this.nextProbs,
          qOnline,
          this.numActions,
          support,
          this.targetDist,
        );
      });
      return;
    }
    const host = this.fusedHost(b.size, true);
    if (this.mlpStep && host) {
      const next = this.floatInput(b.nextObs, b.size, this.fusedNextObs);
      const qTarget = this.mlpStep.forward(host, this.target ? 'target' : 'online', next, b.size);
      // Without a target network both are the online network's one forward pass.
      const qOnline = !this.config.doubleDqn
        ? null
        : this.target
          ? this.mlpStep.forward(host, 'online', next, b.size)
          : qTarget;
      this.targetsFrom(b, qTarget, qOnline);
      return;
    }
    tf.tidy(() => {
      const next = this.toInput(b.nextObs, b.size);
      const qTarget = ((this.target ?? this.online).apply(next) as tf.Tensor).dataSync();
      let qOnline: Float32Array | null = null;
      if (this.config.doubleDqn) {
        qOnline = this.nextQOnline;
        qOnline.set((this.online.apply(next) as tf.Tensor).dataSync());
      }
      this.targetsFrom(b, qTarget, qOnline);
    });
  }

  // -------------------------------------------------------------------------------------------
  // 4. The loss
  // -------------------------------------------------------------------------------------------

  /**
   * mean_i w_i L(Q(s_i, a_i) - y_i), with L the square or {@link huber} and w the importance
   * weights (all 1 without prioritized replay). Runs inside `tf.variableGrads`; the TD errors and
   * mean Q(s, a) are kept past its tidy scopes in `kept`, for the caller to dispose.
   */
  private tdLoss(
    obs: tf.Tensor,
    actions: tf.Tensor,
    targets: tf.Tensor,
    weights: tf.Tensor,
    kept: KeptTensors,
  ): tf.Scalar {
    if (this.support) {
      // C51: the importance-weighted cross-entropy to the projected target; the KL divergence
      // (the same gradient, 0 at a perfect fit) is the new priority, as in Rainbow.
      const logits = this.online.apply(obs) as tf.Tensor;
      const r = categoricalLoss(logits, actions, targets, weights);
      kept.td = tf.keep(r.kl);
      const qa = tf.sum(tf.mul(categoricalQValues(logits, this.support), tf.oneHot(actions, this.numActions)), 1);
      kept.q = tf.keep(tf.mean(qa));
      return r.loss;
    }
    const qAll = this.online.apply(obs) as tf.Tensor;
    const qa = tf.sum(tf.mul(qAll, tf.oneHot(actions, this.numActions)), 1);
    const td = tf.sub(qa, targets);
    kept.td = tf.keep(td);
    kept.q = tf.keep(tf.mean(qa));
    const elem = this.config.loss === 'huber' ? huber(td) : tf.square(td);
    return tf.mean(tf.mul(elem, weights)) as tf.Scalar;
  }

  // -------------------------------------------------------------------------------------------
  // 5. The update
  // -------------------------------------------------------------------------------------------

  /**
   * Called after every env step, or every vector step of `n` env steps: once warm-up is over,
   * one training round of `gradientSteps` gradient steps for every multiple of `trainFrequency`
   * env steps passed since the last call, and with `targetUpdateUnit: 'step'` one target sync
   * for every multiple of `targetUpdateInterval` passed (after the round, as CleanRL's `dqn.py`
   * does). With one env that is "every `trainFrequency`-th step".
   *
   * Everything counts env steps, summed over the envs, so a config keeps its gradient steps per
   * transition, and its target period, whatever the number of envs (CleanRL's `global_step`).
   * Stable-Baselines3 counts `learning_starts` and `target_update_interval` the same way but
   * `train_freq` in vector steps (`collect_rollouts` counts one step per call of `env.step` on
   * all `n_envs`), so SB3 with N envs trains N times less often per transition: its setting
   * `train_freq = F` with N envs is `trainFrequency = N * F` here.
   * Returns null when it did not train.
   * @param step env steps taken so far (including these), over all envs
   * @param episodes episodes finished so far
   * @param n env steps since the last call (the number of envs; default 1)
   */
  train(step: number, episodes: number, n = 1): UpdateInfo | null {
    const c = this.config;
    if (this.warmingUp(step, episodes) || this.memory.size < 1) return null;
    const rounds = multiplesPassed(step, n, c.trainFrequency);
    let loss = 0;
    let q = 0;
    const steps = rounds * c.gradientSteps;
    for (let g = 0; g < steps; g++) {
      const r = this.gradientStep(step, episodes);
      loss += r.loss;
      q += r.q;
      this.updates++;
      if (this.target && c.targetUpdateUnit === 'update' && this.updates % c.targetUpdateInterval === 0) {
        this.syncTarget(c.tau);
      }
    }
    if (this.target && c.targetUpdateUnit === 'step') {
      for (let s = multiplesPassed(step, n, c.targetUpdateInterval); s > 0; s--) this.syncTarget(c.tau);
    }
    return steps === 0 ? null : { loss: loss / steps, q: q / steps, updates: this.updates };
  }

  /**
   * Prioritized replay's importance exponent: `perBeta0` annealed linearly to 1 over the whole
   * budget (Schaul et al. 2016, section 3.4), counted in the budget's unit: steps, or episodes
   * for a budget in episodes; with both, by whichever is further along, so beta reaches 1 exactly
   * when training ends.
   */
  perBeta(step: number, episodes: number): number {
    const { t, duration } = budgetProgress(this.budget, step, episodes);
    return annealedBeta(this.config.perBeta0, duration, t);
  }

  /**
   * The learning rate of an update at `step` / `episodes`: `learningRate`, or with `learningRateDecay`
   * linear, `learningRate` moved linearly to `learningRateEnd` over the budget (SB3's linear
   * schedule), counted as {@link DqnAgent.perBeta} counts it. A function of the counters only, so a
   * resumed run continues the schedule exactly.
   */
  learningRateAt(step: number, episodes: number): number {
    const c = this.config;
    if (c.learningRateDecay === 'constant') return c.learningRate;
    const { t, duration } = budgetProgress(this.budget, step, episodes);
    const f = duration > 0 ? Math.min(1, t / duration) : 0;
    return c.learningRate + (c.learningRateEnd - c.learningRate) * f;
  }

  /** One gradient step on a sampled batch. */
  private gradientStep(step: number, episodes: number): { loss: number; q: number } {
    const c = this.config;
    const b = this.memory.isPrioritized
      ? this.memory.samplePrioritized(this.batch, this.rng, this.perBeta(step, episodes))
      : this.memory.sample(this.batch, this.rng);
    if (this.mirror) mirrorBatch(b, this.env.obsShape, this.mirror, this.rng, this.config.mirrorProbability);
    this.computeTargets(b);
    const lr = this.learningRateAt(step, episodes);
    // A schedule that has reached a learning rate of 0 (its end, SB3's default) leaves the weights as they are.
    if (c.learningRateDecay === 'linear' && lr > 0) setLearningRate(this.optimizer, lr);
    const host = this.fusedHost(b.size, true);
    if (this.mlpStep && host) {
      const obs = this.floatInput(b.obs, b.size, this.fusedObs);
      const r = this.mlpStep.gradients(host, obs, b.actions, this.targets, b.weights, c.loss, c.maxGradNorm);
      if (lr > 0) {
        const grads = this.mlpStep.gradientTensors();
        try {
          this.optimizer.applyGradients(grads);
        } finally {
          for (const g of Object.values(grads)) g.dispose();
        }
      }
      if (this.memory.isPrioritized) this.memory.updatePriorities(b.slots, this.mlpStep.td);
      return r;
    }
    const kept: KeptTensors = { td: null, q: null };
    try {
      const loss = tf.tidy(() => {
        const obs = this.toInput(b.obs, b.size);
        const actions = tf.tensor1d(b.actions, 'int32');
        const targets = this.support
          ? tf.tensor2d(this.targetDist, [b.size, this.support.numAtoms], 'float32')
          : tf.tensor1d(this.targets, 'float32');
        const weights = tf.tensor1d(b.weights, 'float32');
        const vars = this.online.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => this.tdLoss(obs, actions, targets, weights, kept), vars);
        if (lr > 0) this.optimizer.applyGradients(c.maxGradNorm > 0 ? clipByGlobalNorm(grads, c.maxGradNorm) : grads);
        return at(value.dataSync(), 0);
      });
      const q = kept.q ? at(kept.q.dataSync(), 0) : NaN;
      if (this.memory.isPrioritized && kept.td) this.memory.updatePriorities(b.slots, kept.td.dataSync());
      return { loss, q };
    } finally {
      // The kept tensors outlive the tidy scope, so they are freed here, also when the step throws.
      kept.td?.dispose();
      kept.q?.dispose();
    }
  }

  /** target <- tau * online + (1 - tau) * target (tau = 1: hard copy). */
  syncTarget(tau: number): void {
    const target = this.target;
    if (!target) return;
    syncTargetWeights(this.online, target, tau);
  }

  // -------------------------------------------------------------------------------------------
  // 6. Checkpoint state
  // -------------------------------------------------------------------------------------------

  /** Everything needed to continue bit-exactly; the replay only when `withReplay`. */
  async getState(withReplay: boolean): Promise<DqnState> {
    const optimizer = await saveOptimizerState(this.optimizer);
    return {
      updates: this.updates,
      rng: this.rng.getState(),
      online: await modelArtifacts(this.online),
      target: this.target ? await modelArtifacts(this.target) : null,
      optimizer,
      replay: withReplay ? this.memory.getState() : null,
      ez: this.ez.length > 0 ? this.ez.map((e) => e.getState()) : null,
      noiseRng: this.noiseRng ? this.noiseRng.getState() : null,
    };
  }

  /** Restores {@link DqnAgent.getState}; throws a clear Error when it does not fit this agent. */
  async setState(s: DqnState): Promise<void> {
    loadWeightsInto(this.online, s.online, 'online network');
    if (this.target) {
      if (!s.target) throw new CheckpointError('the checkpoint has no target network but this config uses one');
      loadWeightsInto(this.target, s.target, 'target network');
    }
    await loadOptimizerState(this.optimizer, s.optimizer, this.config.optimizer);
    this.updates = s.updates;
    this.rng.setState(s.rng);
    if (s.replay) this.memory.setState(s.replay);
    this.ez.forEach((e, i) => e.setState(s.ez?.[i] ?? { action: 0, left: 0 }));
    if (this.noiseRng) {
      if (!s.noiseRng) throw new CheckpointError('the checkpoint has no noise state but this config uses noisy nets');
      this.noiseRng.setState(s.noiseRng);
    }
  }

  /** {@link DqnAgent.getState} as a generic snapshot (JSON + models + typed arrays). */
  async snapshot(withReplay: boolean): Promise<AgentSnapshot> {
    const st = await this.getState(withReplay);
    const blobs: Record<string, SnapshotArray> = { optimizer: new Uint8Array(st.optimizer.data) };
    const single = this.numEnvs === 1;
    st.replay?.forEach((col, e) => {
      for (const [k, v] of Object.entries(col.arrays)) blobs[single ? `replay.${k}` : `replay.${e}.${k}`] = v;
    });
    const models: Record<string, tf.io.ModelArtifacts> = { online: st.online };
    if (st.target) models['target'] = st.target;
    const optimizer = { name: this.config.optimizer, specs: st.optimizer.specs, accBeta: st.optimizer.accBeta };
    const metas = st.replay?.map((col) => col.meta) ?? null;
    const json: DqnSnapshotJson = single
      ? { updates: st.updates, rng: st.rng, optimizer, replay: metas?.[0] ?? null, ez: st.ez?.[0] ?? null }
      : { updates: st.updates, rng: st.rng, optimizer, replays: metas, ez: st.ez ?? null };
    if (st.noiseRng) json.noiseRng = st.noiseRng;
    return { kind: this.name, json: { ...json }, models, blobs };
  }

  /** Restores {@link DqnAgent.snapshot}. */
  async restore(s: AgentSnapshot): Promise<void> {
    if (s.kind !== this.name) throw new CheckpointError(`the checkpoint is for agent '${s.kind}', not '${this.name}'`);
    const j = s.json as DqnSnapshotJson;
    const opt = s.blobs['optimizer'];
    const online = s.models['online'];
    if (typeof j.updates !== 'number' || !j.rng || !j.optimizer?.specs || !(opt instanceof Uint8Array) || !online) {
      throw new CheckpointError('the checkpoint is missing DQN state (updates, rng, optimizer or online network)');
    }
    if (j.optimizer.name !== this.config.optimizer) {
      const saved = String(j.optimizer.name);
      throw new CheckpointError(`the checkpoint used optimizer '${saved}', the config says '${this.config.optimizer}'`);
    }
    const metas = j.replays ?? (j.replay ? [j.replay] : null);
    const saved = metas?.length ?? (Array.isArray(j.ez) ? j.ez.length : 1);
    if (saved !== this.numEnvs) {
      throw new CheckpointError(`the checkpoint's agent was trained on ${saved} env(s), this one on ${this.numEnvs}`);
    }
    let replay: ReplayState[] | null = null;
    if (metas) {
      replay = metas.map((meta, e) => {
        const prefix = j.replays ? `replay.${e}.` : 'replay.';
        const arrays: ReplayState['arrays'] = {};
        for (const [k, v] of Object.entries(s.blobs)) {
          const rest = k.startsWith(prefix) ? k.slice(prefix.length) : null;
          if (rest !== null && !rest.includes('.')) arrays[rest] = v;
        }
        return { meta, arrays };
      });
    }
    for (const col of replay ?? []) {
      const actions = col.arrays['actions'];
      if (!actions) continue;
      // A CRC proves the bytes are those written, not that they make sense for this env.
      for (let i = 0; i < actions.length; i++) {
        const a = actions[i] ?? 0;
        if (!(Number.isInteger(a) && a >= 0 && a < this.numActions)) {
          throw new CheckpointError(
            `the checkpoint's replay memory holds action ${a}, outside this env's actions 0..${this.numActions - 1}`,
          );
        }
      }
    }
    const ez = j.ez === undefined || j.ez === null ? null : Array.isArray(j.ez) ? j.ez : [j.ez];
    const data = opt.buffer.slice(opt.byteOffset, opt.byteOffset + opt.byteLength) as ArrayBuffer;
    const acc = j.optimizer.accBeta;
    const accBeta = Array.isArray(acc) && acc.length === 2 ? ([at(acc, 0), at(acc, 1)] as const) : null;
    try {
      await this.setState({
        updates: j.updates,
        rng: j.rng,
        online,
        target: s.models['target'] ?? null,
        optimizer: { specs: j.optimizer.specs, data, accBeta },
        replay,
        ez,
        noiseRng: j.noiseRng ?? null,
      });
    } catch (e) {
      // Everything setState refuses comes from the checkpoint's data: say so, in one line.
      if (e instanceof CheckpointError || e instanceof ModelFileError) throw e;
      throw new CheckpointError(`the checkpoint's DQN state is invalid: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Frees the networks and optimizer. */
  dispose(): void {
    this.online.dispose();
    this.target?.dispose();
    this.optimizer.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// The pure pieces: TD targets, loss helpers, the optimizer
// ---------------------------------------------------------------------------------------------

/**
 * One-step (or n-step) TD targets `y = r + (1 - terminated) * discount * Q_target(s', a*)`, with
 * `a* = argmax_a Q_target(s', a)` (DQN) or `a* = argmax_a Q_online(s', a)` when `nextQOnline` is
 * given (double DQN: the online net selects, the target net evaluates). `discount` is
 * `gamma^m` for an m-step return. Truncated transitions have `terminated = 0`: they bootstrap.
 *
 * With `targetEpsilon` e > 0 the bootstrap is Expected SARSA's under an e-greedy target policy,
 * `(1 - e) Q_target(s', a*) + e mean_a Q_target(s', a)` (van Seijen et al. 2009).
 *
 * @param nextQTarget `batch x numActions` row-major
 * @param nextQOnline `batch x numActions`, or null for plain DQN
 * @param out receives the `batch` targets (reused between calls)
 * @param targetEpsilon epsilon of the target policy (default 0: the greedy one, Q-learning)
 */
export function tdTargets(
  rewards: ArrayLike<number>,
  discounts: ArrayLike<number>,
  terminated: ArrayLike<number>,
  nextQTarget: ArrayLike<number>,
  nextQOnline: ArrayLike<number> | null,
  numActions: number,
  out: Float32Array,
  targetEpsilon = 0,
): Float32Array {
  for (let b = 0; b < out.length; b++) {
    const row = b * numActions;
    const best = argmax(nextQOnline ?? nextQTarget, numActions, row);
    let bootstrap = at(nextQTarget, row + best);
    if (targetEpsilon > 0) {
      // Expected SARSA under the epsilon-greedy policy: the greedy action's value with weight
      // 1 - epsilon, the uniform average over all actions with weight epsilon.
      let sum = 0;
      for (let a = 0; a < numActions; a++) sum += at(nextQTarget, row + a);
      bootstrap = (1 - targetEpsilon) * bootstrap + (targetEpsilon * sum) / numActions;
    }
    out[b] = at(rewards, b) + (1 - at(terminated, b)) * at(discounts, b) * bootstrap;
  }
  return out;
}

/** Huber (smooth L1, delta 1): 0.5 x^2 for |x| <= 1, |x| - 0.5 beyond. Call inside tidy. */
export function huber(x: tf.Tensor): tf.Tensor {
  const a = tf.abs(x);
  const quad = tf.minimum(a, 1);
  return tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(a, quad));
}

/** target <- tau * online + (1 - tau) * target, in place of the target's weights (tau >= 1: a copy). */
export function syncTargetWeights(online: tf.LayersModel, target: tf.LayersModel, tau: number): void {
  tf.tidy(() => {
    const on = online.getWeights();
    if (tau >= 1) {
      // Copies, so later in-place updates of either side can never alias the other.
      target.setWeights(on.map((w) => w.clone()));
    } else {
      const tw = target.getWeights();
      target.setWeights(on.map((w, i) => tf.add(tf.mul(w, tau), tf.mul(at(tw, i), 1 - tau))));
    }
  });
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

/** What {@link makeOptimizer} reads of a config (DQN's and DRQN's share these fields). */
export type OptimizerConfig = Pick<
  DqnConfig,
  'optimizer' | 'learningRate' | 'optimizerEpsilon' | 'rmspropDecay' | 'rmspropMomentum' | 'rmspropCentered'
>;

/** The configured optimizer. The caller (the agent) disposes it. */
export function makeOptimizer(c: OptimizerConfig): tf.Optimizer {
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
