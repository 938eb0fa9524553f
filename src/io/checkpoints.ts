/**
 * Checkpoints and models on disk.
 *
 * Models use the tfjs layers format, `model.json` + `weights.bin`, through our own file-system
 * IOHandler ({@link fileModelHandler}), so any tfjs program can load them
 * (`tf.loadLayersModel(fileModelHandler(dir))` here, or `file://` in tfjs-node).
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
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { AgentSnapshot, Blob } from '../../agents/agent.js';
import type { Checkpoint, CheckpointStore } from '../../agents/trainer.js';
import { crc32c } from '../metrics/crc32c.js';

/** A checkpoint or model that cannot be read: corrupt, truncated, or from an incompatible version. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

const FORMAT = 'tfgym-checkpoint';
const VERSION = 1;

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes `data` to `path` atomically (temp file in the same folder, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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

/** Writes model artifacts as `model.json` + `weights.bin` into `dir` (created); returns the CRC of weights.bin. */
export function writeModelFiles(dir: string, a: tf.io.ModelArtifacts): number {
  mkdirSync(dir, { recursive: true });
  const wd = a.weightData;
  const weights = wd === undefined ? new Uint8Array(0) : Array.isArray(wd) ? concat(wd.map((b) => new Uint8Array(b))) : new Uint8Array(wd);
  const modelJson = {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  writeFileSync(join(dir, 'weights.bin'), weights);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  return crc32c(weights);
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

/** Reads `model.json` + its weight files from `dir`; `crc`, when given, must match weights.bin. */
export function readModelFiles(dir: string, crc?: number): tf.io.ModelArtifacts {
  const j = readJson(join(dir, 'model.json'), 'model.json') as {
    modelTopology?: object;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  if (!j || typeof j !== 'object' || !j.modelTopology || !Array.isArray(j.weightsManifest)) {
    throw new CheckpointError(`model.json in ${dir} is not a tfjs layers model`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of j.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      try {
        parts.push(new Uint8Array(readFileSync(join(dir, p))));
      } catch {
        throw new CheckpointError(`weight file ${p} of ${dir} is missing`);
      }
    }
  }
  const data = concat(parts);
  if (crc !== undefined && crc32c(data) !== crc) throw new CheckpointError(`weights of ${dir} are corrupt (CRC-32C mismatch)`);
  let expected = 0;
  const sizes: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, string: 0, complex64: 8 };
  for (const s of specs) expected += s.shape.reduce((a, b) => a * b, 1) * (s.quantization ? (s.quantization.dtype === 'uint8' ? 1 : 2) : sizes[s.dtype] ?? 4);
  if (expected !== data.length) throw new CheckpointError(`weights of ${dir} are truncated or corrupt: ${data.length} bytes, the manifest needs ${expected}`);
  return {
    modelTopology: j.modelTopology,
    format: j.format,
    generatedBy: j.generatedBy,
    convertedBy: j.convertedBy ?? undefined,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  };
}

/** A tfjs IOHandler on a folder: `model.save(fileModelHandler(dir))`, `tf.loadLayersModel(fileModelHandler(dir))`. */
export function fileModelHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (a: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      writeModelFiles(dir, a);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    load: async (): Promise<tf.io.ModelArtifacts> => readModelFiles(dir),
  };
}

type BlobDType = 'uint8' | 'int32' | 'float32' | 'float64';
interface BlobEntry {
  name: string;
  dtype: BlobDType;
  offset: number;
  length: number;
}

function dtypeOfBlob(b: Blob): BlobDType {
  if (b instanceof Uint8Array) return 'uint8';
  if (b instanceof Int32Array) return 'int32';
  if (b instanceof Float32Array) return 'float32';
  return 'float64';
}

const BYTES: Record<BlobDType, number> = { uint8: 1, int32: 4, float32: 4, float64: 8 };

/** Swaps folder `tmp` into `dst` (removing an existing `dst`). */
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
    for (const [m, a] of Object.entries(snap.models)) crcs[`${m}/weights.bin`] = writeModelFiles(join(tmp, m), a);
    const index: BlobEntry[] = [];
    let off = 0;
    const parts: Uint8Array[] = [];
    for (const [bname, blob] of Object.entries(snap.blobs)) {
      // Align every blob to 8 bytes so typed-array views of any dtype are valid on read.
      const pad = (8 - (off % 8)) % 8;
      if (pad) parts.push(new Uint8Array(pad));
      off += pad;
      const bytes = bytesOf(blob);
      index.push({ name: bname, dtype: dtypeOfBlob(blob), offset: off, length: blob.length });
      parts.push(bytes);
      off += bytes.length;
    }
    const blobs = concat(parts);
    writeFileSync(join(tmp, 'blobs.bin'), blobs);
    crcs['blobs.bin'] = crc32c(blobs);
    const meta = {
      format: FORMAT,
      version: VERSION,
      agent: cp.agent,
      trainer: cp.trainer,
      agentState: { kind: snap.kind, json: snap.json, models: Object.keys(snap.models), blobs: index },
      crc32c: crcs,
    };
    writeFileSync(join(tmp, 'checkpoint.json'), JSON.stringify(meta));
    const dst = join(root, name);
    replaceDir(tmp, dst);
    writeFileAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step: cp.trainer.step }));
    // Drop older checkpoints beyond `keep`.
    const all = readdirSync(root).filter((f) => /^step-\d+$/.test(f)).sort();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) rmSync(join(root, old), { recursive: true, force: true });
    return dst;
  }

  async saveBest(model: tf.io.ModelArtifacts, info: Record<string, unknown>): Promise<void> {
    const tmp = join(this.runDir, `best.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    writeModelFiles(tmp, model);
    writeFileSync(join(tmp, 'eval.json'), JSON.stringify(info, null, 2));
    replaceDir(tmp, join(this.runDir, 'best'));
  }
}

/** Path of the newest checkpoint of a run, or null when there is none. */
export function latestCheckpointDir(runDir: string): string | null {
  const p = join(runDir, 'checkpoints', 'latest.json');
  if (!existsSync(p)) return null;
  const j = readJson(p, 'checkpoints/latest.json') as { dir?: unknown };
  if (typeof j?.dir !== 'string' || !/^step-\d+$/.test(j.dir)) throw new CheckpointError(`checkpoints/latest.json in ${runDir} is corrupt`);
  return join(runDir, 'checkpoints', j.dir);
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
  if (!m || m.format !== FORMAT) throw new CheckpointError(`${dir} is not a tfgym checkpoint (format ${JSON.stringify(m?.format)})`);
  if (m.version !== VERSION) throw new CheckpointError(`checkpoint ${dir} has version ${String(m.version)}; this tfgym reads version ${VERSION}`);
  const as = m.agentState;
  if (typeof m.agent !== 'string' || !m.trainer || !as || typeof as.kind !== 'string' || !Array.isArray(as.models) || !Array.isArray(as.blobs) || !m.crc32c) {
    throw new CheckpointError(`checkpoint ${dir} is incomplete (missing agent, trainer or state fields)`);
  }
  const models: Record<string, tf.io.ModelArtifacts> = {};
  for (const name of as.models as string[]) models[name] = readModelFiles(join(dir, name), m.crc32c[`${name}/weights.bin`]);
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(readFileSync(join(dir, 'blobs.bin')));
  } catch {
    throw new CheckpointError(`checkpoint ${dir} has no blobs.bin`);
  }
  if (crc32c(raw) !== m.crc32c['blobs.bin']) throw new CheckpointError(`checkpoint ${dir}: blobs.bin is corrupt (CRC-32C mismatch)`);
  // Own, 8-byte aligned copy so every view below is valid.
  const buf = new ArrayBuffer(raw.length);
  new Uint8Array(buf).set(raw);
  const blobs: Record<string, Blob> = {};
  for (const e of as.blobs as BlobEntry[]) {
    const n = e.length * (BYTES[e.dtype] ?? NaN);
    if (!(e.offset >= 0 && e.offset + n <= buf.byteLength && e.offset % (BYTES[e.dtype] ?? 1) === 0)) throw new CheckpointError(`checkpoint ${dir}: blob ${e.name} lies outside blobs.bin`);
    blobs[e.name] =
      e.dtype === 'uint8'
        ? new Uint8Array(buf, e.offset, e.length)
        : e.dtype === 'int32'
          ? new Int32Array(buf, e.offset, e.length)
          : e.dtype === 'float32'
            ? new Float32Array(buf, e.offset, e.length)
            : new Float64Array(buf, e.offset, e.length);
  }
  const agentState: AgentSnapshot = { kind: as.kind, json: as.json ?? {}, models, blobs };
  return { format: 'tfgym-checkpoint', version: 1, agent: m.agent, trainer: m.trainer, agentState };
}
