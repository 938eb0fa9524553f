/**
 * Deep Recurrent Q-Networks (Hausknecht & Stone 2015) with R2D2's replay of sequences from stored
 * recurrent state (Kapturowski et al. 2019). The config and its presets are `drqn-config.ts`;
 * {@link DrqnAgent} reads top to bottom:
 *
 * 1. the network: a recurrent Q-network (`models/recurrent-q.ts`: torso -> LSTM or GRU -> linear or
 *    dueling head, optionally C51's logits and noisy layers) and its target twin, and the optimizer;
 * 2. acting: one step at a time, each env's recurrent state carried from step to step and reset
 *    to zeros when its episode ends; epsilon-greedy on the step's Q-values (C51: the distribution
 *    means; noisy nets: fresh noise for every acting step). Every step runs the
 *    network (also when the action is random), so the state always follows the observations, and
 *    the state *before* the step is stored with the transition;
 * 3. replay: {@link SequenceReplay} (or R2D2's prioritized variant) cuts each episode into windows
 *    of `burnIn + seqLength` steps, overlapping by `overlap`, each with the state stored at its
 *    first step;
 * 4. burn-in: both networks start from the stored state (zeros without `storedState`) and unroll
 *    the window's burn-in steps without gradient, which gives each the state at the training
 *    part's first step (R2D2's "stored state + burn-in");
 * 5. targets: both networks unroll the training part and the observation after it from there;
 *    {@link sequenceTargets} turns their Q-values into n-step double-Q targets (optionally value
 *    rescaled), a pure function of plain arrays; for C51, {@link sequenceCategoricalTargets}
 *    projects the n-step distributional targets onto the atoms (double DQN: the online network's
 *    means choose the action);
 * 6. the loss and the update: the online network unrolls the training part again, with gradient,
 *    and the squared or Huber TD error (C51: the cross-entropy to the projected target) is
 *    averaged over the real training steps (the loss mask), importance-weighted for prioritized
 *    replay, whose sequence priorities mix the largest and the mean TD error (C51: the KL
 *    divergence, Rainbow's priority); optional gradient clipping, the optimizer step, target
 *    syncing. Noisy nets draw fresh noise for both networks once per update;
 * 7. checkpoint state: weights, optimizer slots, counters, the RNG (and the noise stream), every
 *    env's current recurrent state and (optionally) the replay, so a resumed run continues bit for bit.
 *
 * Evaluation plays with a state of its own ({@link RecurrentQPolicy}, zeroed by `reset()` at every
 * episode start), so evaluating during training never disturbs the actors' states.
 *
 * With N envs in lockstep each env has its own state and replay column, and sequences are drawn
 * uniformly from all columns (prioritized replay takes one env).
 */
import * as tf from '@tensorflow/tfjs';
import type { DType } from '../src/core/env.js';
import { allocTyped, at, inputDivisor, shapeSize, type AnyTypedArray } from '../src/core/spaces.js';
import { Rng, type RngState } from '../src/rng/rng.js';
import {
  annealedBeta,
  PrioritizedSequenceReplay,
  SequenceReplay,
  sequencePriorities,
  type SequenceBatch,
  type SequenceReplayState,
} from '../src/replay/index.js';
import { loadWeightsInto, modelArtifacts } from '../src/io/model-io.js';
import type { AgentSnapshot, SnapshotArray } from '../src/io/snapshot.js';
import { CheckpointError, ModelFileError } from '../src/io/errors.js';
import { categoricalPolicyModel } from '../models/categorical-q.js';
import { setModelsNoise } from '../models/noisy-dense.js';
import type { ConvSpec } from '../models/q-networks.js';
import {
  buildRecurrentQNetwork,
  recurrentQForward,
  recurrentStateSpec,
  type RecurrentStateSpec,
} from '../models/recurrent-q.js';
import type { ActOptions, Agent, UpdateInfo } from './agent.js';
import type { DrqnConfig } from './drqn-config.js';
import { categoricalSupport, type CategoricalSupport } from './distributional.js';
import { categoricalLoss, categoricalProbs, categoricalQValues } from './distributional-loss.js';
import { clipByGlobalNorm, huber, makeOptimizer, syncTargetWeights, type DqnEnvInfo, type MemoryNeed } from './dqn.js';
import { loadOptimizerState, saveOptimizerState } from '../src/io/optimizer-state.js';
import type { QPolicy } from './evaluate.js';
import { epsilonGreedy } from './exploration.js';
import {
  budgetProgress,
  epsilonAt,
  epsilonScheduleOf,
  multiplesPassed,
  type Budget,
  type EpsilonSchedule,
} from './schedules.js';
import { sequenceCategoricalTargets, sequenceTargets } from './sequence-targets.js';

/** What the agent needs to know about the env (DQN's; frame stacks are stored whole). */
export type DrqnEnvInfo = Omit<DqnEnvInfo, 'frameStack'>;

/** The JSON part of a DRQN snapshot, as read back (every field checked before use). */
interface DrqnSnapshotJson {
  updates?: number;
  rng?: RngState;
  optimizer?: { name?: string; specs?: tf.io.WeightsManifestEntry[]; accBeta?: readonly number[] | null };
  /** One replay column's metadata per env (null: the replay was not saved). */
  replays?: Array<SequenceReplayState['meta']> | null;
  /** Envs the agent acts for (the `actState` blob holds their states). */
  numEnvs?: number;
  /** The noise stream of noisy nets (absent when `noisy` is off). */
  noiseRng?: RngState;
}

/** Tensors that leave the loss's tidy scope; whoever made them disposes them. */
interface KeptTensors {
  /** Q(s, a) - y per training step (C51: the KL divergence to the target), `[batch, seqLength]`: the new priorities. */
  td: tf.Tensor | null;
  /** Mean Q(s, a) over the real training steps (a scalar), for the logs. */
  q: tf.Tensor | null;
}

const DTYPE_BYTES: Record<DType, number> = { uint8: 1, int32: 4, float32: 4, float64: 8 };

/**
 * What the size settings of a DRQN config will allocate, estimated from below (the replay rows
 * with their stored states, a batch of windows), so that absurd sizes are refused up front.
 */
export function drqnMemoryNeeds(config: DrqnConfig, env: DrqnEnvInfo): MemoryNeed[] {
  const obsSize = shapeSize(env.obsShape);
  const stateSize = config.recurrentUnits * (config.cell === 'lstm' ? 2 : 1);
  const rowBytes = obsSize * (DTYPE_BYTES[env.obsDtype] ?? 4) + stateSize * 4 + 10;
  const windowSteps = config.burnIn + config.seqLength + 1;
  return [
    {
      key: 'bufferSize',
      value: config.bufferSize,
      bytes: config.bufferSize * rowBytes,
      elements: config.bufferSize * Math.max(obsSize, stateSize),
      what: 'the sequence replay (observations and recurrent states)',
    },
    {
      key: 'batchSize',
      value: config.batchSize,
      bytes: config.batchSize * windowSteps * obsSize * 4 * 2,
      elements: config.batchSize * windowSteps * obsSize,
      what: 'a batch of windows of observations',
    },
  ];
}

/** A DRQN agent: recurrent Q-network(s), optimizer, sequence replay, per-env recurrent state. */
export class DrqnAgent implements Agent {
  readonly name = 'drqn';
  readonly numActions: number;
  readonly config: DrqnConfig;
  readonly env: DrqnEnvInfo;
  readonly online: tf.LayersModel;
  /** Null when `targetUpdateInterval` is 0 (the online network bootstraps itself). */
  readonly target: tf.LayersModel | null;
  readonly optimizer: tf.Optimizer;
  /** One replay column per env. */
  readonly columns: SequenceReplay[];
  /** Envs stepped in lockstep that feed this agent. */
  readonly numEnvs: number;
  /** The recurrent state's layout: units per state tensor, and how many (LSTM: h and c). */
  readonly stateSpec: RecurrentStateSpec;
  /** Floats of recurrent state per env (`units x count`, h then c). */
  readonly stateSize: number;
  /** Gradient steps taken. */
  updates = 0;
  private readonly rng: Rng;
  private readonly budget: Budget;
  private readonly schedule: EpsilonSchedule;
  /** Network input shape of one step (a channel added to 2-D frames for conv torsos). */
  private readonly inputShape: number[];
  private readonly divisor: number;
  /** Each env's recurrent state now, and before its last step (stored with that step's transition). */
  private readonly actState: Float32Array;
  private readonly prevState: Float32Array;
  /** Q-values of the last acting step, `numEnvs x numActions`. */
  private readonly actQ: Float32Array;
  /** Evaluation's policy: the online network (C51: its means) with a state of its own. */
  private readonly evalPolicy: RecurrentQPolicy;
  /** C51's atoms, when `numAtoms` > 1 (else null: the network outputs Q-values). */
  private readonly support: CategoricalSupport | null;
  /**
   * The network that outputs Q-values: the online network itself, or for C51 a view of it whose
   * first output is the distribution means (shares its layers; never disposed on its own).
   */
  private readonly policy: tf.LayersModel;
  /** Noisy nets' own stream (a fork made only when `noisy`, so other configs keep their draws). */
  private readonly noiseRng: Rng | null;
  // The learner's reused arrays (see learn): a sampled batch and its training parts.
  private readonly batch: SequenceBatch;
  private readonly trainObs: AnyTypedArray;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly terminated: Float32Array;
  private readonly valid: Float32Array;
  private readonly mask: Float32Array;
  private readonly burnObs: AnyTypedArray;
  private readonly burnState: Float32Array;
  private readonly startOnline: Float32Array;
  private readonly startTarget: Float32Array;
  private readonly targets: Float32Array;
  /** C51's projected target distributions, `[batch, seqLength, numAtoms]`. */
  private readonly targetDist: Float32Array;
  private readonly priorities: Float32Array;

  // -------------------------------------------------------------------------------------------
  // 1. The network
  // -------------------------------------------------------------------------------------------

  /**
   * @param rng the agent's own stream (weight init, exploration, replay sampling)
   * @param budget total steps and/or episodes (epsilon decays over a fraction of it, prioritized
   *   replay's beta anneals over all of it)
   * @param numEnvs envs stepped in lockstep; each gets a replay column of `floor(bufferSize / numEnvs)` rows
   */
  constructor(config: DrqnConfig, env: DrqnEnvInfo, rng: Rng, budget: Budget, numEnvs = 1) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(`numEnvs must be a positive integer. Received: ${String(numEnvs)}`);
    }
    if (config.prioritized && numEnvs > 1) {
      throw new RangeError('prioritized sequence replay takes one env; train with numEnvs 1 or without prioritized');
    }
    this.config = config;
    this.env = env;
    this.numActions = env.numActions;
    this.numEnvs = numEnvs;
    this.rng = rng;
    this.budget = { ...budget };
    this.schedule = epsilonScheduleOf(config, budget);
    this.inputShape = config.network !== 'mlp' && env.obsShape.length === 2 ? [...env.obsShape, 1] : [...env.obsShape];
    this.divisor = env.obsDivisor ?? inputDivisor({ dtype: env.obsDtype });

    const conv: ConvSpec[] = config.convFilters.map((filters, i) => ({
      filters,
      kernel: config.convKernels[i] ?? 3,
      kernelHeight: config.convKernelHeights[i],
      stride: config.convStrides[i] ?? 1,
      padding: 'valid',
    }));
    const build = (name: string, seedRng: Rng): tf.LayersModel =>
      buildRecurrentQNetwork({
        inputShape: this.inputShape,
        numActions: env.numActions,
        torso: config.network,
        hiddenSizes: config.hiddenSizes,
        conv,
        cell: config.cell,
        units: config.recurrentUnits,
        dueling: config.dueling,
        numAtoms: config.numAtoms,
        noisy: config.noisy,
        noisySigma0: config.noisySigma0,
        init: config.init,
        rng: seedRng,
        name,
      });
    this.online = build('drqn_online', rng);
    this.support = config.numAtoms > 1 ? categoricalSupport(config.numAtoms, config.vMin, config.vMax) : null;
    this.policy = this.support ? categoricalPolicyModel(this.online, this.support) : this.online;
    this.noiseRng = config.noisy ? rng.fork() : null;
    // Its own initial weights are overwritten at once: a fixed seed keeps `rng` untouched.
    this.target = config.targetUpdateInterval > 0 ? build('drqn_target', new Rng(0)) : null;
    this.syncTarget(1);
    this.optimizer = makeOptimizer(config);
    this.stateSpec = recurrentStateSpec(this.online) as RecurrentStateSpec;
    this.stateSize = this.stateSpec.units * this.stateSpec.count;
    this.actState = new Float32Array(numEnvs * this.stateSize);
    this.prevState = new Float32Array(numEnvs * this.stateSize);
    this.actQ = new Float32Array(numEnvs * env.numActions);
    this.evalPolicy = new RecurrentQPolicy(this.policy, env.numActions, this.divisor);

    const column = Math.floor(config.bufferSize / numEnvs);
    const replayOpts = {
      capacity: column,
      obsShape: env.obsShape,
      obsDtype: env.obsDtype,
      seqLength: config.seqLength,
      burnIn: config.burnIn,
      overlap: config.overlap,
      stateSize: this.stateSize,
    };
    this.columns = Array.from({ length: numEnvs }, () =>
      config.prioritized
        ? new PrioritizedSequenceReplay({ ...replayOpts, alpha: config.perAlpha, priorityEpsilon: config.perEpsilon })
        : new SequenceReplay(replayOpts),
    );
    const B = config.batchSize;
    const L = config.seqLength;
    const obsSize = shapeSize(env.obsShape);
    this.batch = (this.columns[0] as SequenceReplay).createBatch(B);
    this.trainObs = allocTyped(env.obsDtype, B * (L + 1) * obsSize);
    this.actions = new Int32Array(B * L);
    this.rewards = new Float32Array(B * L);
    this.terminated = new Float32Array(B * L);
    this.valid = new Float32Array(B * L);
    this.mask = new Float32Array(B * L);
    this.burnObs = allocTyped(env.obsDtype, B * config.burnIn * obsSize);
    this.burnState = new Float32Array(B * this.stateSize);
    this.startOnline = new Float32Array(B * this.stateSize);
    this.startTarget = new Float32Array(B * this.stateSize);
    this.targets = new Float32Array(B * L);
    this.targetDist = new Float32Array(this.support ? B * L * this.support.numAtoms : 0);
    this.priorities = new Float32Array(B);
  }

  /**
   * The greedy policy's network (inputs `[obs, h0(, c0)]`, outputs `[q, h(, c)]`; see
   * `models/recurrent-q.ts`; C51: the distribution means; noisy nets: the mean weights, noise
   * off), for evaluation and saving.
   */
  policyModel(): tf.LayersModel {
    this.setNoise(false);
    return this.policy;
  }

  /**
   * Noisy nets: `on` switches the noise on in the online (and target) network, and with
   * `resample` draws fresh noise for them (online first, then target: every acting step and every
   * update, as in DQN); off, the networks use their mean weights. Nothing happens without `noisy`.
   */
  private setNoise(on: boolean, resample = false): void {
    if (!this.noiseRng) return;
    setModelsNoise(this.target ? [this.online, this.target] : [this.online], on, resample ? this.noiseRng : undefined);
  }

  /** `n` observations as a `[n, steps, ...inputShape]` input (divided by `obsDivisor`). Call inside tidy. */
  private toInput(data: AnyTypedArray, n: number, steps: number): tf.Tensor {
    const x = tf.tensor(data, [n, steps, ...this.inputShape], 'float32');
    return this.divisor === 1 ? x : tf.div(x, this.divisor);
  }

  /** `n` rows of flat states (h then c per row) as the network's state tensors. Call inside tidy. */
  private stateTensors(flat: Float32Array, n: number): tf.Tensor[] {
    const all = tf.tensor2d(flat.subarray(0, n * this.stateSize), [n, this.stateSize]);
    return this.stateSpec.count === 1 ? [all] : tf.split(all, this.stateSpec.count, 1);
  }

  // -------------------------------------------------------------------------------------------
  // 2. Acting
  // -------------------------------------------------------------------------------------------

  /** Whether training has not started yet (actions are uniformly random until then). */
  warmingUp(step: number, episodes: number): boolean {
    return step < this.config.learningStarts || episodes < this.config.learningStartsEpisodes;
  }

  /** Exploration epsilon after `step` env steps and `episodes` finished episodes (1 while warming up). */
  epsilon(step: number, episodes: number): number {
    return this.warmingUp(step, episodes) ? 1 : epsilonAt(this.schedule, step, episodes);
  }

  /** Env 0's next action (see {@link DrqnAgent.actBatch}); with one env, the trainer's call. */
  act(obs: AnyTypedArray, epsilon: number, options: ActOptions = {}): number {
    if (this.numEnvs !== 1)
      throw new RangeError(`act is for one env; this agent acts for ${this.numEnvs}: use actBatch`);
    const out = new Int32Array(1);
    this.actBatch(obs, 1, epsilon, out, options);
    return out[0] as number;
  }

  /**
   * The next actions of the `n` envs: one network step for all of them from their states (always,
   * so the states follow the observations even while exploring), then env by env an
   * epsilon-greedy draw on its Q-values. The states before the step are kept for
   * {@link DrqnAgent.observe} to store.
   */
  actBatch(obs: AnyTypedArray, n: number, epsilon: number, out: Int32Array, options: ActOptions = {}): void {
    if (n !== this.numEnvs) throw new RangeError(`actBatch: this agent acts for ${this.numEnvs} env(s), not ${n}`);
    const rng = options.rng ?? this.rng;
    const A = this.numActions;
    this.prevState.set(this.actState);
    // Fresh noise for every acting step, drawn whether or not a step explores (as DQN does).
    this.setNoise(true, true);
    tf.tidy(() => {
      const r = recurrentQForward(this.policy, this.toInput(obs, n, 1), this.stateTensors(this.actState, n));
      this.actQ.set(r.q.dataSync());
      this.actState.set(tf.concat(r.state, 1).dataSync());
    });
    for (let i = 0; i < n; i++) out[i] = epsilonGreedy(() => this.actQ.subarray(i * A, (i + 1) * A), A, epsilon, rng);
  }

  /**
   * Q-values for one observation from evaluation's own recurrent state, which this call advances
   * (greedy play, evaluations, the viewer's bars); {@link DrqnAgent.reset} zeroes it.
   */
  qValues(obs: AnyTypedArray): Float32Array {
    this.setNoise(false);
    return this.evalPolicy.qValues(obs);
  }

  /**
   * Q-values of one step from env 0's acting state, which stays as it is (the training viewer's
   * bars; noisy nets: from the mean weights, since the next acting step draws its own noise).
   */
  peekQValues(obs: AnyTypedArray): Float32Array {
    this.setNoise(false);
    return tf.tidy(() => {
      const r = recurrentQForward(this.policy, this.toInput(obs, 1, 1), this.stateTensors(this.actState, 1));
      return Float32Array.from(r.q.dataSync());
    });
  }

  /** Starts a new evaluation episode: evaluation's recurrent state back to zeros. */
  reset(): void {
    this.evalPolicy.reset();
  }

  /** The recurrent state env `env` acts from now (a copy: `units x count` floats, h then c). */
  actingState(env = 0): Float32Array {
    return this.actState.slice(env * this.stateSize, (env + 1) * this.stateSize);
  }

  /** Stores a step of env `env` with the state it was taken from; an episode's end zeroes the env's state. */
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
    const s = this.stateSize;
    const column = this.columns[env];
    if (!column) throw new RangeError(`observe: env ${env} is not one of this agent's ${this.numEnvs}`);
    column.add(obs, action, r, nextObs, terminated, truncated, this.prevState.subarray(env * s, (env + 1) * s));
    if (terminated || truncated) this.resetState(env);
  }

  /** Ends env `env`'s episode without a terminal step (an interrupted one): replay episode closed, state zeroed. */
  endEpisode(env = 0): void {
    this.columns[env]?.endEpisode();
    this.resetState(env);
  }

  /** Env `env`'s recurrent state back to zeros (a new episode starts from it). */
  private resetState(env: number): void {
    this.actState.fill(0, env * this.stateSize, (env + 1) * this.stateSize);
  }

  // -------------------------------------------------------------------------------------------
  // 3. Replay: uniform over all columns, or R2D2's priorities
  // -------------------------------------------------------------------------------------------

  /** Sequences held, over all columns. */
  get sequences(): number {
    return this.columns.reduce((n, c) => n + c.size, 0);
  }

  /** Prioritized replay's importance exponent: `perBeta0` annealed to 1 over the budget (as DQN's). */
  perBeta(step: number, episodes: number): number {
    const { t, duration } = budgetProgress(this.budget, step, episodes);
    return annealedBeta(this.config.perBeta0, duration, t);
  }

  /** Fills `this.batch`: proportional to priority, or uniformly over every column's sequences. */
  private sample(step: number, episodes: number): SequenceBatch {
    const b = this.batch;
    const first = this.columns[0] as SequenceReplay;
    if (first instanceof PrioritizedSequenceReplay)
      return first.samplePrioritized(b, this.rng, this.perBeta(step, episodes));
    if (this.columns.length === 1) return first.sample(b, this.rng);
    const total = this.sequences;
    for (let i = 0; i < b.size; i++) {
      let k = this.rng.nextInt(total);
      let c = 0;
      while (k >= (this.columns[c] as SequenceReplay).size) k -= (this.columns[c++] as SequenceReplay).size;
      (this.columns[c] as SequenceReplay).fillSequence(b, i, k);
    }
    b.weights.fill(1);
    return b;
  }

  /**
   * Copies each sampled window's training part (`seqLength` steps from its burn-in's end, and
   * the observation after them) to the front of the learner's arrays, so that every row's
   * training part starts at step 0 however long its burn-in was.
   */
  private trainingParts(b: SequenceBatch): void {
    const T = b.steps;
    const L = this.config.seqLength;
    const os = shapeSize(this.env.obsShape);
    for (let i = 0; i < b.size; i++) {
      const s = b.burnInSteps[i] as number;
      const from = (i * (T + 1) + s) * os;
      copyInto(this.trainObs, b.obs.subarray(from, from + (L + 1) * os), i * (L + 1) * os);
      for (let t = 0; t < L; t++) {
        const k = i * T + s + t;
        const j = i * L + t;
        this.actions[j] = b.actions[k] as number;
        this.rewards[j] = b.rewards[k] as number;
        this.terminated[j] = b.terminated[k] as number;
        this.valid[j] = b.valid[k] as number;
        this.mask[j] = b.mask[k] as number;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // 4. Burn-in
  // -------------------------------------------------------------------------------------------

  /**
   * `model`'s state at each window's training start into `out`: the stored state (zeros without
   * `storedState`) carried through the window's burn-in steps, without gradient. Windows with the
   * same number of burn-in steps (fewer at an episode's start) unroll together.
   */
  private burnIn(model: tf.LayersModel, b: SequenceBatch, out: Float32Array): void {
    const ss = this.stateSize;
    if (this.config.storedState) out.set(b.states.subarray(0, b.size * ss));
    else out.fill(0);
    const groups = new Map<number, number[]>();
    for (let i = 0; i < b.size; i++) {
      const k = b.burnInSteps[i] as number;
      if (k > 0) groups.set(k, [...(groups.get(k) ?? []), i]);
    }
    const os = shapeSize(this.env.obsShape);
    const T = b.steps;
    for (const [k, rows] of groups) {
      rows.forEach((i, r) => {
        copyInto(this.burnObs, b.obs.subarray(i * (T + 1) * os, (i * (T + 1) + k) * os), r * k * os);
        this.burnState.set(out.subarray(i * ss, (i + 1) * ss), r * ss);
      });
      const n = rows.length;
      const after = tf.tidy(() => {
        const r = recurrentQForward(
          model,
          this.toInput(this.burnObs.subarray(0, n * k * os), n, k),
          this.stateTensors(this.burnState, n),
        );
        return Float32Array.from(tf.concat(r.state, 1).dataSync());
      });
      rows.forEach((i, r) => out.set(after.subarray(r * ss, (r + 1) * ss), i * ss));
    }
  }

  // -------------------------------------------------------------------------------------------
  // 5. Targets
  // -------------------------------------------------------------------------------------------

  /**
   * `this.targets` for the training parts (`x`: their observations, `[batch, seqLength + 1, ...]`):
   * the target network's Q-values at every step from its burnt-in state, the online network's for
   * double DQN's action choice, then {@link sequenceTargets}; for C51 `this.targetDist` from the
   * target network's distributions and the online network's means by
   * {@link sequenceCategoricalTargets}. Call inside tidy.
   */
  private computeTargets(x: tf.Tensor, n: number): void {
    const c = this.config;
    const targetNet = this.target ?? this.online;
    const outTarget = recurrentQForward(targetNet, x, this.stateTensors(this.startTarget, n)).q;
    const outOnline = c.doubleDqn ? recurrentQForward(this.online, x, this.stateTensors(this.startOnline, n)).q : null;
    const common = {
      steps: c.seqLength,
      numActions: this.numActions,
      rewards: this.rewards,
      terminated: this.terminated,
      valid: this.valid,
      gamma: c.gamma,
      nStep: c.nStep,
    };
    const support = this.support;
    if (support) {
      const probsTarget = categoricalProbs(outTarget).dataSync();
      const qOnline = outOnline ? categoricalQValues(outOnline, support).dataSync() : null;
      sequenceCategoricalTargets({ ...common, probsTarget, qOnline, support }, this.targetDist);
      return;
    }
    const qTarget = outTarget.dataSync();
    const qOnline = outOnline ? outOnline.dataSync() : null;
    sequenceTargets({ ...common, qTarget, qOnline, rescale: c.valueRescale }, this.targets);
  }

  // -------------------------------------------------------------------------------------------
  // 6. The loss and the update
  // -------------------------------------------------------------------------------------------

  /**
   * `sum_{b,t} w_b m_bt L_bt / sum m`: the online network unrolled over the training parts `xs`
   * from its burnt-in state `s0` (a constant: no gradient into the burn-in), L the square or
   * {@link huber} of the TD error `Q(s_bt, a_bt) - y_bt` (C51: the cross-entropy between the
   * projected target and the predicted distribution of `a_bt`), m the loss mask (real training
   * steps), w the importance weights. Runs inside `tf.variableGrads`; the TD errors (C51: the KL
   * divergences) and the mean Q(s, a) are kept in `kept`.
   */
  private sequenceLoss(
    xs: tf.Tensor,
    s0: tf.Tensor[],
    actions: tf.Tensor,
    targets: tf.Tensor,
    mask: tf.Tensor,
    weights: tf.Tensor,
    kept: KeptTensors,
  ): tf.Scalar {
    const out = recurrentQForward(this.online, xs, s0).q;
    const support = this.support;
    let qa: tf.Tensor;
    let elem: tf.Tensor;
    if (support) {
      // The steps as one batch of [actions, atoms] logits for distributional-loss.ts.
      const [B, L, A, N] = out.shape as [number, number, number, number];
      const r = categoricalLoss(
        tf.reshape(out, [B * L, A, N]),
        tf.reshape(actions, [B * L]),
        tf.reshape(targets, [B * L, N]),
        null,
      );
      qa = tf.sum(tf.mul(categoricalQValues(out, support), tf.oneHot(actions, this.numActions)), -1);
      kept.td = tf.keep(tf.reshape(r.kl, [B, L]));
      elem = tf.reshape(r.crossEntropy, [B, L]);
    } else {
      qa = tf.sum(tf.mul(out, tf.oneHot(actions, this.numActions)), -1);
      const td = tf.sub(qa, targets);
      kept.td = tf.keep(td);
      elem = this.config.loss === 'huber' ? huber(td) : tf.square(td);
    }
    const steps = tf.maximum(tf.sum(mask), 1);
    kept.q = tf.keep(tf.div(tf.sum(tf.mul(qa, mask)), steps));
    return tf.div(tf.sum(tf.mul(tf.mul(elem, mask), weights)), steps) as tf.Scalar;
  }

  /**
   * Called after every env step, or every vector step of `n` env steps: once warm-up is over, one
   * round of `gradientSteps` gradient steps for every multiple of `trainFrequency` env steps passed
   * (DQN's schedule), the target synced every `targetUpdateInterval` gradient steps.
   */
  train(step: number, episodes: number, n = 1): UpdateInfo | null {
    const c = this.config;
    if (this.warmingUp(step, episodes) || this.sequences < 1) return null;
    const steps = multiplesPassed(step, n, c.trainFrequency) * c.gradientSteps;
    let loss = 0;
    let q = 0;
    for (let g = 0; g < steps; g++) {
      const r = this.learn(this.sample(step, episodes));
      loss += r.loss;
      q += r.q;
      this.updates++;
      if (this.target && this.updates % c.targetUpdateInterval === 0) this.syncTarget(c.tau);
    }
    return steps === 0 ? null : { loss: loss / steps, q: q / steps, updates: this.updates };
  }

  /**
   * One gradient step on a batch of `batchSize` sequences: the sampler's in {@link DrqnAgent.train},
   * or any batch filled by the replay (`createBatch`, `fillSequence`). Updates the priorities
   * under prioritized replay; counts no update and syncs no target (`train` does). Returns the
   * loss and the mean Q(s, a) over the real training steps, both before the step.
   */
  learn(b: SequenceBatch): { loss: number; q: number } {
    const c = this.config;
    const B = b.size;
    const L = c.seqLength;
    if (B !== c.batchSize) throw new RangeError(`learn: expected a batch of ${c.batchSize} sequences, got ${B}`);
    // Noisy nets: fresh noise for this update, online then target (the burn-in never sees it: the
    // noisy layers come after the recurrent layer).
    this.setNoise(true, true);
    this.trainingParts(b);
    this.burnIn(this.online, b, this.startOnline);
    this.burnIn(this.target ?? this.online, b, this.startTarget);
    const kept: KeptTensors = { td: null, q: null };
    try {
      const loss = tf.tidy(() => {
        const x = this.toInput(this.trainObs, B, L + 1);
        this.computeTargets(x, B);
        const xs = tf.slice(x, 0, [B, L]);
        const s0 = this.stateTensors(this.startOnline, B);
        const actions = tf.tensor2d(this.actions, [B, L], 'int32');
        const targets = this.support
          ? tf.tensor3d(this.targetDist, [B, L, this.support.numAtoms])
          : tf.tensor2d(this.targets, [B, L]);
        const mask = tf.tensor2d(this.mask, [B, L]);
        const weights = tf.tensor2d(b.weights, [B, 1]);
        const vars = this.online.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => this.sequenceLoss(xs, s0, actions, targets, mask, weights, kept),
          vars,
        );
        this.optimizer.applyGradients(c.maxGradNorm > 0 ? clipByGlobalNorm(grads, c.maxGradNorm) : grads);
        return at(value.dataSync(), 0);
      });
      const q = kept.q ? at(kept.q.dataSync(), 0) : NaN;
      const column = this.columns[0];
      if (column instanceof PrioritizedSequenceReplay && kept.td) {
        sequencePriorities(kept.td.dataSync(), this.mask, L, c.perEta, this.priorities);
        column.updatePriorities(b.slots, this.priorities);
      }
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
  // 7. Checkpoint state
  // -------------------------------------------------------------------------------------------

  /**
   * Everything needed to continue bit-exactly (the replay only when `withReplay`), as a generic
   * snapshot. Noisy nets' current noise is not saved, only its stream: every noisy forward pass
   * (an acting step, an update) draws fresh noise first.
   */
  async snapshot(withReplay: boolean): Promise<AgentSnapshot> {
    const opt = await saveOptimizerState(this.optimizer);
    const blobs: Record<string, SnapshotArray> = {
      optimizer: new Uint8Array(opt.data),
      actState: Float32Array.from(this.actState),
    };
    let replays: Array<SequenceReplayState['meta']> | null = null;
    if (withReplay) {
      replays = this.columns.map((col, e) => {
        const st = col.getState();
        for (const [k, v] of Object.entries(st.arrays)) blobs[`replay.${e}.${k}`] = v;
        return st.meta;
      });
    }
    const models: Record<string, tf.io.ModelArtifacts> = { online: await modelArtifacts(this.online) };
    if (this.target) models['target'] = await modelArtifacts(this.target);
    const json: DrqnSnapshotJson = {
      updates: this.updates,
      rng: this.rng.getState(),
      optimizer: { name: this.config.optimizer, specs: opt.specs, accBeta: opt.accBeta },
      replays,
      numEnvs: this.numEnvs,
    };
    if (this.noiseRng) json.noiseRng = this.noiseRng.getState();
    return { kind: this.name, json: { ...json }, models, blobs };
  }

  /** Restores {@link DrqnAgent.snapshot}; throws a one-line {@link CheckpointError} when it does not fit. */
  async restore(s: AgentSnapshot): Promise<void> {
    if (s.kind !== this.name) throw new CheckpointError(`the checkpoint is for agent '${s.kind}', not '${this.name}'`);
    const j = s.json as DrqnSnapshotJson;
    const opt = s.blobs['optimizer'];
    const actState = s.blobs['actState'];
    const online = s.models['online'];
    if (typeof j.updates !== 'number' || !j.rng || !j.optimizer?.specs || !(opt instanceof Uint8Array) || !online) {
      throw new CheckpointError('the checkpoint is missing DRQN state (updates, rng, optimizer or online network)');
    }
    if (j.optimizer.name !== this.config.optimizer) {
      const saved = String(j.optimizer.name);
      throw new CheckpointError(`the checkpoint used optimizer '${saved}', the config says '${this.config.optimizer}'`);
    }
    if (j.numEnvs !== this.numEnvs) {
      throw new CheckpointError(
        `the checkpoint's agent was trained on ${String(j.numEnvs)} env(s), this one on ${this.numEnvs}`,
      );
    }
    if (!(actState instanceof Float32Array) || actState.length !== this.actState.length) {
      throw new CheckpointError(
        `the checkpoint's recurrent states do not fit: expected ${this.actState.length} floats (${this.numEnvs} env(s) x ${this.stateSize})`,
      );
    }
    if (j.replays && j.replays.length !== this.numEnvs) {
      throw new CheckpointError(
        `the checkpoint holds ${j.replays.length} replay column(s), this agent ${this.numEnvs}`,
      );
    }
    try {
      loadWeightsInto(this.online, online, 'online network');
      if (this.target) {
        const target = s.models['target'];
        if (!target) throw new CheckpointError('the checkpoint has no target network but this config uses one');
        loadWeightsInto(this.target, target, 'target network');
      }
      const data = opt.buffer.slice(opt.byteOffset, opt.byteOffset + opt.byteLength) as ArrayBuffer;
      const acc = j.optimizer.accBeta;
      const accBeta: [number, number] | null = Array.isArray(acc) && acc.length === 2 ? [at(acc, 0), at(acc, 1)] : null;
      await loadOptimizerState(this.optimizer, { specs: j.optimizer.specs, data, accBeta }, this.config.optimizer);
      j.replays?.forEach((meta, e) => {
        const prefix = `replay.${e}.`;
        const arrays: SequenceReplayState['arrays'] = {};
        for (const [k, v] of Object.entries(s.blobs)) if (k.startsWith(prefix)) arrays[k.slice(prefix.length)] = v;
        const actions = arrays['actions'];
        // A CRC proves the bytes are those written, not that they make sense for this env.
        for (let i = 0; i < (actions?.length ?? 0); i++) {
          const a = actions?.[i] ?? 0;
          if (!(Number.isInteger(a) && a >= 0 && a < this.numActions)) {
            throw new CheckpointError(
              `the checkpoint's replay memory holds action ${a}, outside this env's actions 0..${this.numActions - 1}`,
            );
          }
        }
        (this.columns[e] as SequenceReplay).setState({ meta, arrays });
      });
      if (this.noiseRng) {
        if (!j.noiseRng) throw new CheckpointError('the checkpoint has no noise state but this config uses noisy nets');
        this.noiseRng.setState(j.noiseRng);
      }
      this.updates = j.updates;
      this.rng.setState(j.rng);
      this.actState.set(actState);
    } catch (e) {
      // Everything refused here comes from the checkpoint's data: say so, in one line.
      if (e instanceof CheckpointError || e instanceof ModelFileError) throw e;
      throw new CheckpointError(
        `the checkpoint's DRQN state is invalid: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** Frees the networks and the optimizer. */
  dispose(): void {
    this.online.dispose();
    this.target?.dispose();
    this.optimizer.dispose();
  }
}

/** `dst.set(src, offset)` for two typed arrays of the same dtype (the replay's observation dtype). */
function copyInto(dst: AnyTypedArray, src: AnyTypedArray, offset: number): void {
  (dst as Float32Array).set(src as Float32Array, offset);
}

/**
 * A recurrent Q-network (`models/recurrent-q.ts`) as a policy: each {@link RecurrentQPolicy.qValues}
 * call is one network step from the policy's own state, which it then carries to the next call;
 * {@link RecurrentQPolicy.reset} zeroes it, and `evaluate` calls it before every episode. For
 * evaluations during training (over the agent's online network) and for a saved run's model
 * (`tfgym eval`, `watch`).
 */
export class RecurrentQPolicy implements QPolicy {
  private readonly spec: RecurrentStateSpec;
  private readonly inputShape: number[];
  private state: Float32Array;

  /**
   * @param obsDivisor what observations are divided by at the network input (as in training)
   */
  constructor(
    readonly model: tf.LayersModel,
    readonly numActions: number,
    private readonly obsDivisor: number,
  ) {
    const spec = recurrentStateSpec(model);
    if (spec === null) throw new RangeError(`${model.name} is not a recurrent Q-network`);
    this.spec = spec;
    this.inputShape = (model.inputs[0]?.shape ?? []).slice(2).map((d) => d ?? 1);
    this.state = new Float32Array(spec.units * spec.count);
  }

  /** A new episode: the state back to zeros. */
  reset(): void {
    this.state.fill(0);
  }

  /** Q(obs, ·) after this step, from the carried state (which moves on). */
  qValues(obs: AnyTypedArray): Float32Array {
    const { units, count } = this.spec;
    return tf.tidy(() => {
      let x = tf.tensor(obs, [1, 1, ...this.inputShape], 'float32');
      if (this.obsDivisor !== 1) x = tf.div(x, this.obsDivisor);
      const flat = tf.tensor2d(this.state, [1, units * count]);
      const r = recurrentQForward(this.model, x, count === 1 ? [flat] : tf.split(flat, count, 1));
      this.state = Float32Array.from(tf.concat(r.state, 1).dataSync());
      return Float32Array.from(r.q.dataSync());
    });
  }
}
