/**
 * Saving and loading tfjs layers models on disk, in the standard tfjs "layers-model" format
 * (`model.json` + binary weight shards), which `@tensorflow/tfjs` alone cannot do in Node:
 * its `file://` handler lives in tfjs-node, which tfgym does not depend on. One handler,
 * {@link fileSystemHandler}, serves every model tfgym writes or reads: the book's examples,
 * the best model of a run and the networks inside checkpoints.
 *
 * Files converted from Keras with `tensorflowjs_converter --input_format keras` (several
 * `groupN-shardMofK.bin` shards) load the same way.
 *
 * Also here: a model's artifacts captured in memory ({@link modelArtifacts}) and weights
 * loaded back by name with shape checks ({@link loadWeightsInto}), for checkpoints.
 */
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { shapeSize } from '../core/spaces.js';
import { crc32c } from '../metrics/crc32c.js';
import { ensureDir, isDirectory, pathExists, readBytes, readText, writeFileAtomic } from './files.js';
import { ModelFileError } from './errors.js';

/** The name tfgym gives the topology file inside a model directory. */
export const MODEL_JSON = 'model.json';
/** The name tfgym gives its single weights file. */
export const WEIGHTS_BIN = 'weights.bin';

/** Resolves a model path: a directory means `<dir>/model.json`; a file path is used as is. */
export function modelJsonPath(path: string): string {
  return isDirectory(path) || !path.endsWith('.json') ? join(path, MODEL_JSON) : path;
}

/**
 * What tfgym adds to the `model.json` files it writes, beside tfjs' own fields (tfjs' loaders
 * ignore it): the CRC-32C of the weight bytes, so every loader finds a garbled `weights.bin` even
 * when its size is intact.
 */
interface TfgymModelJson extends tf.io.ModelJSON {
  tfgym?: { weightsCrc32c?: unknown };
}

/**
 * Number of non-finite (NaN or infinite) float32 weights in artifacts, and the first weight
 * holding one: a model that diverged, or a damaged file, is useless for every purpose.
 */
export function nonFiniteWeights(a: tf.io.ModelArtifacts): { count: number; first: string | null } {
  const data = toBytes(a.weightData);
  let offset = 0;
  let count = 0;
  let first: string | null = null;
  for (const spec of a.weightSpecs ?? []) {
    const bytes = bytesPerElement(spec);
    if (bytes === null) break; // variable-size weights: offsets unknown past here
    const n = shapeSize(spec.shape);
    if (spec.dtype === 'float32' && !spec.quantization && offset + n * 4 <= data.byteLength) {
      // A view where the weight is 4-byte aligned (the usual case), a copy only where it is not.
      const at = data.byteOffset + offset;
      const v =
        at % 4 === 0 ? new Float32Array(data.buffer, at, n) : new Float32Array(data.buffer.slice(at, at + n * 4));
      let bad = 0;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) bad++;
      if (bad > 0 && first === null) first = spec.name;
      count += bad;
    }
    offset += n * bytes;
  }
  return { count, first };
}

/** Joins weight data (one buffer or several shards) into one byte array. */
function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

const BYTES_PER_ELEMENT: Partial<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
};

/** Bytes per element of a weight as stored (quantized weights take 1 or 2). */
function bytesPerElement(spec: tf.io.WeightsManifestEntry): number | null {
  if (spec.quantization) return spec.quantization.dtype === 'uint8' ? 1 : 2;
  // Strings have no fixed size: such a manifest cannot be checked by length.
  return BYTES_PER_ELEMENT[spec.dtype] ?? null;
}

/**
 * Writes model artifacts as `model.json` + one weights file: a directory `path` gets
 * `model.json` and `weights.bin`, a `.json` path gets `<name>.weights.bin` beside it. The weights
 * are written first and `model.json` last, each atomically, so a `model.json` on disk always
 * points at complete weights. Returns the bytes of the weights file (e.g. for a checksum).
 */
export function writeModelFiles(path: string, artifacts: tf.io.ModelArtifacts): Uint8Array {
  const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
  const dir = dirname(jsonPath);
  ensureDir(dir);
  const weightsName = path.endsWith('.json') ? `${basename(path, '.json')}.weights.bin` : WEIGHTS_BIN;
  const weightData = toBytes(artifacts.weightData);
  writeFileAtomic(join(dir, weightsName), weightData);
  const modelJson: TfgymModelJson = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  modelJson.tfgym = { weightsCrc32c: crc32c(weightData) };
  writeFileAtomic(jsonPath, JSON.stringify(modelJson));
  return weightData;
}

/**
 * Reads a model directory (or `.json` path) into artifacts whose weights are one buffer. Throws
 * a {@link ModelFileError} naming the file when it is missing, not JSON, not a layers model, when
 * the weight files do not hold exactly the bytes the manifest describes (truncated or foreign
 * shards), do not match the CRC-32C tfgym recorded in `model.json` (garbled in place), or hold
 * NaN or infinite weights.
 */
export function readModelFiles(path: string): tf.io.ModelArtifacts {
  const jsonPath = modelJsonPath(path);
  if (!pathExists(jsonPath)) throw new ModelFileError(`No model at ${path}: ${jsonPath} does not exist.`);
  let modelJson: TfgymModelJson;
  try {
    modelJson = JSON.parse(readText(jsonPath)) as TfgymModelJson;
  } catch (e) {
    throw new ModelFileError(`${jsonPath} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!modelJson || modelJson.modelTopology === undefined || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelFileError(`${jsonPath} is not a tfjs layers model (no modelTopology / weightsManifest).`);
  }
  const dir = dirname(jsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = join(dir, p);
      if (!pathExists(file)) throw new ModelFileError(`weight file ${p} of ${jsonPath} is missing`);
      shards.push(readBytes(file));
    }
  }
  const data = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    data.set(s, offset);
    offset += s.byteLength;
  }
  let expected: number | null = 0;
  for (const s of specs) {
    const bytes = bytesPerElement(s);
    expected = bytes === null || expected === null ? null : expected + shapeSize(s.shape) * bytes;
  }
  if (expected !== null && expected !== data.byteLength) {
    throw new ModelFileError(
      `weights of ${jsonPath} are truncated or corrupt: ${data.byteLength} bytes, the manifest needs ${expected}`,
    );
  }
  const crc = modelJson.tfgym?.weightsCrc32c;
  if (typeof crc === 'number' && crc32c(data) !== crc) {
    throw new ModelFileError(`weights of ${jsonPath} are corrupt (CRC-32C mismatch with model.json)`);
  }
  const artifacts = tf.io.getModelArtifactsForJSONSync(modelJson, specs, data.buffer);
  const bad = nonFiniteWeights(artifacts);
  if (bad.count > 0) {
    throw new ModelFileError(
      `weights of ${jsonPath} hold ${bad.count} NaN or infinite value(s), first in ${bad.first ?? '?'}: the model diverged or the file is damaged`,
    );
  }
  return artifacts;
}

/**
 * A tfjs IOHandler on a model directory (or a `.json` path):
 * `model.save(fileSystemHandler(dir))`, `tf.loadLayersModel(fileSystemHandler(dir))`.
 * See {@link writeModelFiles} and {@link readModelFiles}.
 */
export function fileSystemHandler(path: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      writeModelFiles(path, artifacts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    load: async (): Promise<tf.io.ModelArtifacts> => readModelFiles(path),
  };
}

/**
 * Saves a model (topology and weights) to a directory; with `includeOptimizer`, also its
 * training config and optimizer state, so a loaded model is compiled and resumes training.
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: { includeOptimizer?: boolean } = {},
): Promise<void> {
  await model.save(fileSystemHandler(dir), { includeOptimizer: options.includeOptimizer === true });
}

/** Loads a model saved by {@link saveModel} or converted from Keras (directory or model.json path). */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(path));
}

/** Captures `model.save()` output in memory (for checkpoints and the best model of a run). */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      // A fixed date: the artifacts are data, and identical runs give identical bytes.
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/**
 * Loads saved weights into `model` by weight name, checking every name and shape, so an
 * incompatible checkpoint fails with a clear message instead of garbage or a crash.
 * @param what names the network in error messages ("online network")
 */
export function loadWeightsInto(model: tf.LayersModel, a: tf.io.ModelArtifacts, what: string): void {
  if (!a.weightSpecs || !a.weightData) throw new ModelFileError(`${what}: no weights in the checkpoint`);
  const data = tf.io.CompositeArrayBuffer.join(a.weightData);
  let map: tf.NamedTensorMap;
  try {
    map = tf.io.decodeWeights(data, a.weightSpecs);
  } catch (e) {
    throw new ModelFileError(`${what}: weights do not decode (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const vals = model.weights.map((w) => {
      const t = map[w.originalName];
      if (!t) {
        throw new ModelFileError(
          `${what}: weight ${w.originalName} is missing (the checkpoint was made for another network)`,
        );
      }
      if (t.shape.join(',') !== w.shape.join(',')) {
        const [has, needs] = [t.shape.join(', '), w.shape.join(', ')];
        throw new ModelFileError(`${what}: weight ${w.originalName} has shape [${has}], this network needs [${needs}]`);
      }
      return t;
    });
    model.setWeights(vals);
  } finally {
    // setWeights copied the values into the model's variables.
    tf.dispose(Object.values(map));
  }
}

export { ModelFileError };
