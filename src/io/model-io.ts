/**
 * Saving and loading tfjs layers models on disk, in the standard tfjs "layers-model" format
 * (`model.json` + binary weight shards), which `@tensorflow/tfjs` alone cannot do in Node:
 * its `file://` handler lives in tfjs-node, which tfgym does not depend on.
 *
 * Files converted from Keras with `tensorflowjs_converter --input_format keras` (several
 * `groupN-shardMofK.bin` shards) load the same way.
 */
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ensureDir, isDirectory, pathExists, readBytes, readText, writeFileAtomic } from './files.js';

/** The name tfgym gives the topology file inside a model directory. */
export const MODEL_JSON = 'model.json';
/** The name tfgym gives its single weights file. */
export const WEIGHTS_BIN = 'weights.bin';

/** Resolves a model path: a directory means `<dir>/model.json`; a file path is used as is. */
export function modelJsonPath(path: string): string {
  return isDirectory(path) || !path.endsWith('.json') ? join(path, MODEL_JSON) : path;
}

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * A tfjs IOHandler reading and writing a model directory (or a `.json` path). Saving writes the
 * weights first and `model.json` last, each atomically, so a `model.json` on disk always
 * points at complete weights.
 */
export function fileSystemHandler(path: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
      const dir = dirname(jsonPath);
      ensureDir(dir);
      const weightsName = path.endsWith('.json') ? `${basename(path, '.json')}.weights.bin` : WEIGHTS_BIN;
      const weightData = toBytes(artifacts.weightData);
      writeFileAtomic(join(dir, weightsName), weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileAtomic(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = modelJsonPath(path);
      if (!pathExists(jsonPath)) throw new Error(`No model at ${path}: ${jsonPath} does not exist.`);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(readText(jsonPath)) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`${jsonPath} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (modelJson.modelTopology === undefined || !Array.isArray(modelJson.weightsManifest)) {
        throw new Error(`${jsonPath} is not a tfjs layers model (no modelTopology / weightsManifest).`);
      }
      const dir = dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = readBytes(join(dir, p));
            buffers.push(bytes.slice().buffer);
          }
        }
        return Promise.resolve([specs, buffers] as [tf.io.WeightsManifestEntry[], tf.io.WeightData]);
      });
    },
  };
}

/**
 * Saves a model (topology and weights) to a directory; with `includeOptimizer`, also its
 * training config and optimizer state, so a loaded model is compiled and resumes training.
 */
export async function saveModel(model: tf.LayersModel, dir: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
  await model.save(fileSystemHandler(dir), { includeOptimizer: options.includeOptimizer === true });
}

/** Loads a model saved by {@link saveModel} or converted from Keras (directory or model.json path). */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(path));
}
