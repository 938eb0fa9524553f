/**
 * Checkpoints of a GAN example's run. The book's DCGAN takes hours on a small machine (32 epochs
 * of 469 steps of about 0.9 s on 2 cores), so `mnist-dcgan` saves where it is after every epoch
 * and when interrupted (Ctrl-C, SIGTERM), and `--resume` continues from there exactly: the same
 * losses and pictures as a run that was never stopped (tested).
 *
 * One file, {@link GAN_CHECKPOINT_FILE} in the run's `--out` folder, written atomically (a crash
 * while saving leaves the previous checkpoint): a magic line, a JSON header (where the run is, its
 * random streams, what it has logged so far, the settings it must be resumed with, the time and
 * commit of each earlier part) and then, as tfjs-encoded weights, both players' weights (the
 * BatchNormalization moving statistics included) and both optimizers' state.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../src/io/errors.js';
import { pathExists, readBytes, writeFileAtomic } from '../../src/io/files.js';
import { loadOptimizerState, saveOptimizerState } from '../../src/io/optimizer-state.js';
import type { RngState } from '../../src/rng/rng.js';
import { ExampleArgumentError, type RunSegment } from '../example.js';

/** The checkpoint's file name inside the run's `--out` folder. */
export const GAN_CHECKPOINT_FILE = 'checkpoint.bin';

const MAGIC = 'tfgym GAN checkpoint v1\n';

/** Where a run is and everything besides weights that it needs to go on. */
export interface GanCheckpointHeader {
  /** What a resumed run must match (example, variant, seed, epochs, batch size, ...). */
  readonly identity: Readonly<Record<string, string | number | boolean>>;
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
  const magic = Buffer.from(MAGIC, 'utf8');
  if (bytes.byteLength < magic.byteLength + 4 || !bytes.subarray(0, magic.byteLength).equals(magic))
    throw new CheckpointError(`${path} is not a tfgym GAN checkpoint`);
  const jsonLength = bytes.readUInt32LE(magic.byteLength);
  let offset = magic.byteLength + 4 + jsonLength;
  if (offset > bytes.byteLength) throw new CheckpointError(`${path} is truncated`);
  const parsed = JSON.parse(bytes.subarray(magic.byteLength + 4, offset).toString('utf8')) as GanCheckpointHeader & {
    blobs: Blob[];
  };
  const { blobs, ...header } = parsed;
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
export function checkResumeIdentity(
  path: string,
  saved: Readonly<Record<string, string | number | boolean>>,
  now: Readonly<Record<string, string | number | boolean>>,
): void {
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
    const bytes = Buffer.from(readBytes(path));
    const m = Buffer.byteLength(MAGIC);
    const h = JSON.parse(bytes.subarray(m + 4, m + 4 + bytes.readUInt32LE(m)).toString('utf8')) as GanCheckpointHeader;
    return h.epoch < Number(h.identity['epochs']);
  } catch {
    // An unreadable file is no run to protect.
    return false;
  }
}
