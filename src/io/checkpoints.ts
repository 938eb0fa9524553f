/**
 * Checkpoints and the best model on disk.
 *
 * Networks use the tfjs layers format, `model.json` + `weights.bin`, written and read by
 * `model-io.ts` (the one model file handler), so any tfjs program can load them
 * (`tf.loadLayersModel(fileSystemHandler(dir))` here, or `file://` in tfjs-node).
 *
 * Layout of `<runDir>/checkpoints/`:
 * ```
 * latest.json                 {"dir": "step-000001200", "step": 1200}
 * step-000001200/
 *   checkpoint.json           format, version, agent, trainer state, agent JSON state,
 *                             blob index and a CRC-32C of every binary file
 *   online/model.json, online/weights.bin      (and target/, ...: one folder per network)
 *   blobs.bin                 optimizer slots, replay memory (optional), Q-tables
 * ```
 * and `<runDir>/best/`: `model.json`, `weights.bin`, `eval.json` (the best evaluation so far).
 *
 * Every write is atomic: files go to a temporary folder that is renamed into place, and
 * `latest.json` is replaced by rename, so a crash leaves the previous checkpoint intact.
 * Reading checks versions, sizes and CRCs and throws {@link CheckpointError} with a clear message.
 * The data written is described in `snapshot.ts`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { crc32c } from '../metrics/crc32c.js';
import { fsyncDirectory, writeFileAtomic } from './files.js';
import { readModelFiles, writeModelFiles } from './model-io.js';
import type { DType } from '../core/env.js';
import { dtypeOf } from '../core/spaces.js';
import { CheckpointError } from './errors.js';
import type { AgentSnapshot, Checkpoint, CheckpointStore, SnapshotArray } from './snapshot.js';

export { CheckpointError };

const FORMAT = 'tfgym-checkpoint';
const VERSION = 1;

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CheckpointError(`${what} not found: ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CheckpointError(`${what} is corrupt (not valid JSON): ${path}`);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Reads one network of a checkpoint, checking its weights against the recorded CRC-32C. */
function readCheckpointModel(dir: string, crc: number | undefined): tf.io.ModelArtifacts {
  let a: tf.io.ModelArtifacts;
  try {
    a = readModelFiles(dir);
  } catch (e) {
    throw new CheckpointError(e instanceof Error ? e.message : String(e));
  }
  const wd = a.weightData;
  const buffers = wd === undefined ? [] : Array.isArray(wd) ? wd : [wd];
  const data = concat(buffers.map((b) => new Uint8Array(b)));
  if (crc !== undefined && crc32c(data) !== crc) {
    throw new CheckpointError(`weights of ${dir} are corrupt (CRC-32C mismatch)`);
  }
  return a;
}

/** Where one typed array lies in `blobs.bin`. */
interface BlobEntry {
  name: string;
  dtype: DType;
  offset: number;
  /** Elements, not bytes. */
  length: number;
}

const BYTES: Record<DType, number> = { uint8: 1, int32: 4, float32: 4, float64: 8 };

/** Swaps folder `tmp` into `dst` (removing an existing `dst`), then flushes the parent's entries. */
function replaceDir(tmp: string, dst: string): void {
  if (existsSync(dst)) {
    const trash = `${dst}.old-${process.pid}`;
    rmSync(trash, { recursive: true, force: true });
    renameSync(dst, trash);
    renameSync(tmp, dst);
    rmSync(trash, { recursive: true, force: true });
  } else {
    renameSync(tmp, dst);
  }
  fsyncDirectory(dirname(dst));
}

/** File-system {@link CheckpointStore} for a run directory; keeps the newest `keep` checkpoints. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(
    readonly runDir: string,
    readonly keep = 2,
  ) {}

  get checkpointsDir(): string {
    return join(this.runDir, 'checkpoints');
  }

  async save(cp: Checkpoint): Promise<string> {
    const root = this.checkpointsDir;
    mkdirSync(root, { recursive: true });
    const name = `step-${String(cp.trainer.step).padStart(9, '0')}`;
    const tmp = join(root, `${name}.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const snap = cp.agentState;
    const crcs: Record<string, number> = {};
    for (const [m, a] of Object.entries(snap.models)) {
      crcs[`${m}/weights.bin`] = crc32c(writeModelFiles(join(tmp, m), a));
    }
    const index: BlobEntry[] = [];
    let off = 0;
    const parts: Uint8Array[] = [];
    for (const [bname, blob] of Object.entries(snap.blobs)) {
      // Align every blob to 8 bytes so typed-array views of any dtype are valid on read.
      const pad = (8 - (off % 8)) % 8;
      if (pad) parts.push(new Uint8Array(pad));
      off += pad;
      const bytes = bytesOf(blob);
      const dtype = dtypeOf(blob);
      if (dtype === null) throw new TypeError(`blob ${bname} is not a Uint8, Int32, Float32 or Float64 array`);
      index.push({ name: bname, dtype, offset: off, length: blob.length });
      parts.push(bytes);
      off += bytes.length;
    }
    const blobs = concat(parts);
    writeFileAtomic(join(tmp, 'blobs.bin'), blobs);
    crcs['blobs.bin'] = crc32c(blobs);
    const meta = {
      format: FORMAT,
      version: VERSION,
      agent: cp.agent,
      trainer: cp.trainer,
      agentState: { kind: snap.kind, json: snap.json, models: Object.keys(snap.models), blobs: index },
      crc32c: crcs,
    };
    writeFileAtomic(join(tmp, 'checkpoint.json'), JSON.stringify(meta));
    const dst = join(root, name);
    replaceDir(tmp, dst);
    writeFileAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step: cp.trainer.step }));
    // Drop older checkpoints beyond `keep`.
    const all = readdirSync(root)
      .filter((f) => /^step-\d+$/.test(f))
      .sort();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) {
      rmSync(join(root, old), { recursive: true, force: true });
    }
    return dst;
  }

  async saveBest(model: tf.io.ModelArtifacts, info: Record<string, unknown>): Promise<void> {
    const tmp = join(this.runDir, `best.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    writeModelFiles(tmp, model);
    writeFileAtomic(join(tmp, 'eval.json'), JSON.stringify(info, null, 2));
    replaceDir(tmp, join(this.runDir, 'best'));
  }
}

/** Temporary names of atomic writes: `<name>.tmp-<pid>`, `<file>.tmp-<pid>-<n>`, `<dir>.old-<pid>`. */
const TEMP_NAME = /\.(tmp|old)-(\d+)(?:-\d+)?$/;

/** Whether a process with this pid is running (EPERM: running, as another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What {@link cleanStaleTemps} did, as paths. */
export interface TempCleanup {
  /** Temporary files and folders of dead writers, deleted. */
  readonly removed: readonly string[];
  /** Folders put back from `<dir>.old-<pid>`, where a writer died between its two renames. */
  readonly restored: readonly string[];
}

/**
 * Removes the temporary files and folders that writers killed mid-write left in a run directory
 * and its `checkpoints/` (only those of processes no longer running: a live writer's are its
 * own). Where a writer died after moving a folder aside and before moving the new one in (the
 * two renames of a replace), the old folder is put back instead: it is complete.
 */
export function cleanStaleTemps(runDir: string): TempCleanup {
  const removed: string[] = [];
  const restored: string[] = [];
  for (const dir of [runDir, join(runDir, 'checkpoints')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_NAME.exec(name);
      if (!m || processAlive(Number(m[2]))) continue;
      const path = join(dir, name);
      const target = join(dir, name.slice(0, m.index));
      if (m[1] === 'old' && !existsSync(target)) {
        renameSync(path, target);
        restored.push(target);
      } else {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
  }
  return { removed, restored };
}

/** Where a run's newest checkpoint is, and why it is not the one `latest.json` names (null when it is). */
export interface LatestCheckpoint {
  readonly dir: string;
  /** Set when `latest.json` was missing, corrupt or named a missing folder and a fallback was taken. */
  readonly fallback: string | null;
}

/**
 * The newest checkpoint of a run, or null when there is none. `latest.json` names it; when that
 * file is missing, corrupt or names a folder that is not there, the newest `step-*` folder that
 * reads intact (versions, sizes and CRCs) is taken instead and `fallback` says why.
 */
export function findLatestCheckpoint(runDir: string): LatestCheckpoint | null {
  const root = join(runDir, 'checkpoints');
  const p = join(root, 'latest.json');
  let why: string;
  if (existsSync(p)) {
    let named: unknown;
    try {
      named = (JSON.parse(readFileSync(p, 'utf8')) as { dir?: unknown } | null)?.dir;
    } catch {
      named = undefined;
    }
    if (typeof named === 'string' && /^step-\d+$/.test(named) && existsSync(join(root, named))) {
      return { dir: join(root, named), fallback: null };
    }
    why =
      typeof named === 'string' && /^step-\d+$/.test(named)
        ? `checkpoints/latest.json names ${named}, which is missing`
        : 'checkpoints/latest.json is corrupt';
  } else {
    why = 'checkpoints/latest.json is missing';
  }
  let names: string[];
  try {
    names = readdirSync(root).filter((f) => /^step-\d+$/.test(f));
  } catch {
    return null;
  }
  for (const name of names.sort().reverse()) {
    try {
      readCheckpoint(join(root, name));
    } catch {
      continue;
    }
    return { dir: join(root, name), fallback: `${why}; using the newest intact checkpoint, ${name}` };
  }
  if (names.length > 0) throw new CheckpointError(`${why}, and no checkpoint in ${root} reads intact`);
  return null;
}

/** Path of the newest checkpoint of a run (see {@link findLatestCheckpoint}), or null when there is none. */
export function latestCheckpointDir(runDir: string): string | null {
  return findLatestCheckpoint(runDir)?.dir ?? null;
}

/** Reads a checkpoint folder written by {@link FileCheckpointStore}; throws {@link CheckpointError} on any problem. */
export function readCheckpoint(dir: string): Checkpoint {
  const m = readJson(join(dir, 'checkpoint.json'), 'checkpoint.json') as {
    format?: unknown;
    version?: unknown;
    agent?: unknown;
    trainer?: Checkpoint['trainer'];
    agentState?: { kind?: unknown; json?: Record<string, unknown>; models?: unknown; blobs?: unknown };
    crc32c?: Record<string, number>;
  };
  if (!m || m.format !== FORMAT) {
    throw new CheckpointError(`${dir} is not a tfgym checkpoint (format ${JSON.stringify(m?.format)})`);
  }
  if (m.version !== VERSION) {
    const v = String(m.version);
    throw new CheckpointError(`checkpoint ${dir} has version ${v}; this tfgym reads version ${VERSION}`);
  }
  const as = m.agentState;
  if (
    typeof m.agent !== 'string' ||
    !m.trainer ||
    !as ||
    typeof as.kind !== 'string' ||
    !Array.isArray(as.models) ||
    !Array.isArray(as.blobs) ||
    !m.crc32c
  ) {
    throw new CheckpointError(`checkpoint ${dir} is incomplete (missing agent, trainer or state fields)`);
  }
  const models: Record<string, tf.io.ModelArtifacts> = {};
  for (const name of as.models as string[]) {
    models[name] = readCheckpointModel(join(dir, name), m.crc32c[`${name}/weights.bin`]);
  }
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(readFileSync(join(dir, 'blobs.bin')));
  } catch {
    throw new CheckpointError(`checkpoint ${dir} has no blobs.bin`);
  }
  if (crc32c(raw) !== m.crc32c['blobs.bin']) {
    throw new CheckpointError(`checkpoint ${dir}: blobs.bin is corrupt (CRC-32C mismatch)`);
  }
  // Own, 8-byte aligned copy so every view below is valid.
  const buf = new ArrayBuffer(raw.length);
  new Uint8Array(buf).set(raw);
  const blobs: Record<string, SnapshotArray> = {};
  for (const e of as.blobs as BlobEntry[]) {
    const n = e.length * (BYTES[e.dtype] ?? NaN);
    if (!(e.offset >= 0 && e.offset + n <= buf.byteLength && e.offset % (BYTES[e.dtype] ?? 1) === 0)) {
      throw new CheckpointError(`checkpoint ${dir}: blob ${e.name} lies outside blobs.bin`);
    }
    blobs[e.name] =
      e.dtype === 'uint8'
        ? new Uint8Array(buf, e.offset, e.length)
        : e.dtype === 'int32'
          ? new Int32Array(buf, e.offset, e.length)
          : e.dtype === 'float32'
            ? new Float32Array(buf, e.offset, e.length)
            : new Float64Array(buf, e.offset, e.length);
  }
  for (const [name, b] of Object.entries(blobs)) {
    if (b instanceof Float32Array || b instanceof Float64Array) {
      let bad = 0;
      for (let i = 0; i < b.length; i++) if (!Number.isFinite(b[i])) bad++;
      if (bad > 0) throw new CheckpointError(`checkpoint ${dir}: ${name} holds ${bad} NaN or infinite value(s)`);
    }
  }
  const agentState: AgentSnapshot = { kind: as.kind, json: as.json ?? {}, models, blobs };
  return { format: 'tfgym-checkpoint', version: 1, agent: m.agent, trainer: m.trainer, agentState };
}
