/**
 * Checkpoints of a GAN example's run. The book's GANs take hours to days on a small machine (the
 * DCGAN: 32 epochs of 468 steps of about 0.9 s on 2 cores), so they save where they are after
 * every epoch and when interrupted (Ctrl-C, SIGTERM), and `--resume` continues from there exactly:
 * the same losses and pictures as a run that was never stopped (tested).
 *
 * One file, {@link GAN_CHECKPOINT_FILE} in the run's `--out` folder, written atomically (a crash
 * while saving leaves the previous checkpoint): a magic line, a JSON header (where the run is, its
 * random streams, what it has logged so far, the settings it must be resumed with, the time and
 * commit of each earlier part) and then, as tfjs-encoded weights, both players' weights (the
 * BatchNormalization moving statistics included) and both optimizers' state.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from '../../models/dropout.js';
import { CheckpointError } from '../../src/io/errors.js';
import { pathExists, readBytes, writeFileAtomic } from '../../src/io/files.js';
import { loadOptimizerState, saveOptimizerState } from '../../src/io/optimizer-state.js';
import { runSegment, type RunSegment } from '../../src/io/result-lines.js';
import type { Rng, RngState } from '../../src/rng/rng.js';
import { ExampleArgumentError, ExampleInterrupted, type ExampleOptions } from '../example.js';

/** The checkpoint's file name inside the run's `--out` folder. */
export const GAN_CHECKPOINT_FILE = 'checkpoint.bin';

const MAGIC = 'tfgym GAN checkpoint v1\n';

/** The settings a resumed run must share with the run it continues. */
export type RunIdentity = Readonly<Record<string, string | number | boolean>>;

/** Where a run is and everything besides weights that it needs to go on. */
export interface GanCheckpointHeader {
  /** What a resumed run must match (example, variant, seed, epochs, batch size, ...). */
  readonly identity: RunIdentity;
  /** The next batch to train: its epoch and index (0-based); `epoch` = the epochs when finished. */
  readonly epoch: number;
  readonly batch: number;
  /** The run's random streams, by name. */
  readonly rngs: Readonly<Record<string, RngState>>;
  /** The example's own bookkeeping (loss rows, running means, picture paths, history), as JSON. */
  readonly progress: unknown;
  /** Training seconds before this checkpoint, all parts together. */
  readonly trainSeconds: number;
  /** The parts of the run so far, the one that wrote this checkpoint last. */
  readonly segments: readonly RunSegment[];
}

interface Blob {
  readonly name: string;
  readonly kind: 'model' | 'optimizer';
  readonly specs: tf.io.WeightsManifestEntry[];
  readonly byteLength: number;
  readonly accBeta?: readonly [number, number] | null;
}

/** Encodes all of `model`'s weights (trainable and not), in `model.weights` order. */
async function modelBlob(model: tf.LayersModel): Promise<{ data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }> {
  const tensors = model.getWeights();
  return tf.io.encodeWeights(tensors.map((tensor, i) => ({ name: String(i), tensor })));
}

/**
 * Writes a checkpoint of `models` and `optimizers` with `header` to `path`, atomically. Leaves no
 * tensor behind.
 */
export async function writeGanCheckpoint(
  path: string,
  header: GanCheckpointHeader,
  models: Readonly<Record<string, tf.LayersModel>>,
  optimizers: Readonly<Record<string, tf.Optimizer>>,
): Promise<void> {
  const blobs: Blob[] = [];
  const data: ArrayBuffer[] = [];
  for (const [name, model] of Object.entries(models)) {
    const enc = await modelBlob(model);
    blobs.push({ name, kind: 'model', specs: enc.specs, byteLength: enc.data.byteLength });
    data.push(enc.data);
  }
  for (const [name, optimizer] of Object.entries(optimizers)) {
    const s = await saveOptimizerState(optimizer);
    blobs.push({ name, kind: 'optimizer', specs: s.specs, byteLength: s.data.byteLength, accBeta: s.accBeta });
    data.push(s.data);
  }
  const json = Buffer.from(JSON.stringify({ ...header, blobs }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.byteLength);
  writeFileAtomic(path, Buffer.concat([Buffer.from(MAGIC, 'utf8'), length, json, ...data.map((d) => Buffer.from(d))]));
}

/** A checkpoint file's header, its blob index and where the blobs start; a CheckpointError if it is none. */
function parseHeader(bytes: Buffer, path: string): { header: GanCheckpointHeader; blobs: Blob[]; dataStart: number } {
  const magic = Buffer.from(MAGIC, 'utf8');
  if (bytes.byteLength < magic.byteLength + 4 || !bytes.subarray(0, magic.byteLength).equals(magic))
    throw new CheckpointError(`${path} is not a tfgym GAN checkpoint`);
  const dataStart = magic.byteLength + 4 + bytes.readUInt32LE(magic.byteLength);
  if (dataStart > bytes.byteLength) throw new CheckpointError(`${path} is truncated`);
  let parsed: GanCheckpointHeader & { blobs: Blob[] };
  try {
    parsed = JSON.parse(bytes.subarray(magic.byteLength + 4, dataStart).toString('utf8')) as typeof parsed;
  } catch {
    throw new CheckpointError(`${path} is corrupt (its header is not valid JSON)`);
  }
  if (!Array.isArray(parsed.blobs) || typeof parsed.epoch !== 'number' || typeof parsed.identity !== 'object')
    throw new CheckpointError(`${path} is corrupt (its header lacks blobs, epoch or identity)`);
  const { blobs, ...header } = parsed;
  return { header, blobs, dataStart };
}

/** Whether the run a checkpoint header belongs to has trained all its epochs. */
function finished(h: GanCheckpointHeader): boolean {
  return h.epoch >= Number(h.identity['epochs']);
}

/**
 * Reads the checkpoint at `path` into `models` and `optimizers` (built as the run built them) and
 * returns its header. Throws a {@link CheckpointError} naming what does not fit.
 */
export async function readGanCheckpoint(
  path: string,
  models: Readonly<Record<string, tf.LayersModel>>,
  optimizers: Readonly<Record<string, tf.Optimizer>>,
): Promise<GanCheckpointHeader> {
  const bytes = Buffer.from(readBytes(path));
  const { header, blobs, dataStart } = parseHeader(bytes, path);
  let offset = dataStart;
  const want = [
    ...Object.keys(models).map((n) => `model ${n}`),
    ...Object.keys(optimizers).map((n) => `optimizer ${n}`),
  ];
  const have = blobs.map((b) => `${b.kind} ${b.name}`);
  if (want.join() !== have.join())
    throw new CheckpointError(`${path} holds ${have.join(', ')}; this run needs ${want.join(', ')}`);
  for (const b of blobs) {
    if (offset + b.byteLength > bytes.byteLength) throw new CheckpointError(`${path} is truncated`);
    // A copy: decodeWeights reads an ArrayBuffer from its start.
    const data = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + b.byteLength);
    offset += b.byteLength;
    if (b.kind === 'optimizer') {
      const state = { specs: b.specs, data, accBeta: b.accBeta ?? null };
      await loadOptimizerState(optimizers[b.name] as tf.Optimizer, state, b.name);
      continue;
    }
    const model = models[b.name] as tf.LayersModel;
    const map = tf.io.decodeWeights(data, b.specs);
    try {
      const tensors = b.specs.map((s) => map[s.name] as tf.Tensor);
      if (tensors.length !== model.weights.length)
        throw new CheckpointError(
          `${path}: the ${b.name} has ${model.weights.length} weights, the checkpoint ${tensors.length}`,
        );
      try {
        model.setWeights(tensors);
      } catch (e) {
        throw new CheckpointError(
          `${path}: the ${b.name}'s weights do not fit (${e instanceof Error ? e.message : String(e)})`,
        );
      }
    } finally {
      // The variables hold their own references to the new values.
      tf.dispose(Object.values(map));
    }
  }
  return header;
}

/**
 * Throws an {@link ExampleArgumentError} listing every setting in which `now` differs from the
 * checkpoint's `saved` one (a run resumes with the settings it began with).
 */
export function checkResumeIdentity(path: string, saved: RunIdentity, now: RunIdentity): void {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
  const diff = keys.filter((k) => saved[k] !== now[k]).map((k) => `${k} ${String(saved[k])} (now ${String(now[k])})`);
  if (diff.length > 0)
    throw new ExampleArgumentError(
      `--resume: the checkpoint ${path} is of a run with other settings: ${diff.join(', ')}; resume with the run's own settings`,
    );
}

/** Whether `path` holds a checkpoint of a run that has not finished (`epoch` below its epochs). */
export function unfinishedCheckpoint(path: string): boolean {
  if (!pathExists(path)) return false;
  try {
    return !finished(parseHeader(Buffer.from(readBytes(path)), path).header);
  } catch {
    // An unreadable file is no run to protect.
    return false;
  }
}

/**
 * The seeded dropout layers' mask streams of `models`, named `dropout-<model>-<k>` (k counts that
 * model's dropout layers in order): part of what a checkpoint must restore to continue exactly.
 */
export function dropoutStreams(models: Readonly<Record<string, tf.LayersModel>>): Record<string, Rng> {
  const out: Record<string, Rng> = {};
  for (const [name, model] of Object.entries(models)) {
    let k = 0;
    for (const layer of model.layers) {
      if (!(layer instanceof SeededDropout)) continue;
      const rng = layer.randomStream;
      if (rng) out[`dropout-${name}-${k}`] = rng;
      k++;
    }
  }
  return out;
}

/** What {@link GanRunCheckpoints} needs of a run. */
export interface GanRunSpec {
  /** The example's options: `resume`, `signal` and `provenance` are read. */
  readonly o: ExampleOptions;
  /** The run's folder (`--out`); the checkpoint is {@link GAN_CHECKPOINT_FILE} there. */
  readonly out: string;
  readonly identity: RunIdentity;
  readonly models: Readonly<Record<string, tf.LayersModel>>;
  readonly optimizers: Readonly<Record<string, tf.Optimizer>>;
  /** Every random stream the run draws from (the dropout masks' included, see {@link dropoutStreams}). */
  readonly rngs: Readonly<Record<string, Rng>>;
}

/** What an interrupted run saves (see {@link GanRunCheckpoints.save}). */
export interface GanSnapshot {
  readonly progress: unknown;
  /** Training seconds of this part. */
  readonly trainSeconds: number;
  readonly rngStates?: Readonly<Record<string, RngState>>;
}

/** Where a run continues and what it had logged. */
export interface GanResumePoint {
  readonly epoch: number;
  readonly batch: number;
  /** The example's bookkeeping as it saved it. */
  readonly progress: unknown;
  /** The streams' states as saved (already restored into the run's streams). */
  readonly rngs: Readonly<Record<string, RngState>>;
}

/**
 * One GAN run's checkpoints: refuses `--resume` without a checkpoint and a new run over an
 * unfinished one ({@link GanRunCheckpoints.preflight}, before the data is loaded), restores a
 * checkpoint, saves one, and stops the run between two batches when the example's signal fired.
 * It keeps the run's parts (their commits and wall times) and its training time across parts.
 */
export class GanRunCheckpoints {
  /** The checkpoint file. */
  readonly path: string;
  /** The parts of the run before this one (from the checkpoint resumed), oldest first. */
  earlier: readonly RunSegment[] = [];
  /** Training seconds of those parts. */
  trainBefore = 0;
  private readonly t0 = performance.now();

  constructor(private readonly spec: GanRunSpec) {
    this.path = join(spec.out, GAN_CHECKPOINT_FILE);
  }

  /** Refuses `--resume` without a checkpoint in `out`, and a new run into an `out` holding an unfinished one. */
  static preflight(o: ExampleOptions, out: string): void {
    const path = join(out, GAN_CHECKPOINT_FILE);
    if (o.resume === true && !pathExists(path))
      throw new ExampleArgumentError(
        `--resume: no checkpoint at ${path} (a run writes one after every epoch and when interrupted)`,
      );
    if (o.resume !== true && unfinishedCheckpoint(path))
      throw new ExampleArgumentError(
        `${out} holds the checkpoint of an unfinished run: continue it with --resume, or give another --out`,
      );
  }

  /**
   * With `--resume`: loads the checkpoint into the models, optimizers and random streams (after
   * checking it is this run's and unfinished) and returns where to continue; without, null.
   */
  async restore(): Promise<GanResumePoint | null> {
    const { o, identity, models, optimizers, rngs } = this.spec;
    if (o.resume !== true) return null;
    const h = await readGanCheckpoint(this.path, models, optimizers);
    checkResumeIdentity(this.path, h.identity, identity);
    if (finished(h))
      throw new ExampleArgumentError(
        `--resume: the run in ${this.spec.out} has finished (${identity['epochs']} epochs)`,
      );
    for (const [name, rng] of Object.entries(rngs)) {
      const state = h.rngs[name];
      if (state === undefined) throw new CheckpointError(`${this.path} holds no state of the random stream "${name}"`);
      rng.setState(state);
    }
    this.earlier = h.segments;
    this.trainBefore = h.trainSeconds;
    o.log.write(`resumed from ${this.path}: continuing at epoch ${h.epoch + 1}, batch ${h.batch + 1}\n`);
    return { epoch: h.epoch, batch: h.batch, progress: h.progress, rngs: h.rngs };
  }

  /**
   * Saves the run as it is before batch `batch` of epoch `epoch` (0-based; `epoch` = the epochs
   * once finished) with the example's `progress` and `trainSeconds` of this part. `rngStates`
   * replaces the current state of some streams (a stream that drew the epoch's shuffle is saved as
   * it was before, so that a resumed run draws the same order again).
   */
  async save(
    epoch: number,
    batch: number,
    progress: unknown,
    trainSeconds: number,
    rngStates: Readonly<Record<string, RngState>> = {},
  ): Promise<void> {
    const { o, identity, models, optimizers, rngs } = this.spec;
    const segment = runSegment(o.provenance, (performance.now() - this.t0) / 1000);
    const states: Record<string, RngState> = {};
    for (const [name, rng] of Object.entries(rngs)) states[name] = rngStates[name] ?? rng.getState();
    const header: GanCheckpointHeader = {
      identity,
      epoch,
      batch,
      rngs: states,
      progress,
      trainSeconds: this.trainBefore + trainSeconds,
      segments: [...this.earlier, segment],
    };
    await writeGanCheckpoint(this.path, header, models, optimizers);
  }

  /**
   * Between two batches: gives the event loop a turn (so that a Ctrl-C reaches the signal); if
   * the signal has fired, saves the run before batch `batch` of epoch `epoch` with what
   * `snapshot` returns (called only then: the example may write out its files there) and throws
   * {@link ExampleInterrupted}. Without a signal it returns at once.
   */
  async stopIfAsked(epoch: number, batch: number, snapshot: () => GanSnapshot): Promise<void> {
    const signal = this.spec.o.signal;
    if (!signal) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!signal.aborted) return;
    const s = snapshot();
    await this.save(epoch, batch, s.progress, s.trainSeconds, s.rngStates);
    throw new ExampleInterrupted(
      `interrupted before batch ${batch + 1} of epoch ${epoch + 1}: checkpoint in ${this.path}; ` +
        'run the same command with --resume to continue',
    );
  }
}
