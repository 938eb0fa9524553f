/** Shared by the VGG16 examples (Chapters 2 and 3): converted weights and photos as VGG16 inputs. */
import * as tf from '@tensorflow/tfjs';
import { copyWeightsByName } from '../models/vgg16.js';
import { decodeImage } from '../src/data/image.js';
import { resizeRgb } from '../src/data/png.js';
import { pathExists, readBytes } from '../src/io/files.js';
import { loadModel } from '../src/io/model-io.js';
import { ExampleArgumentError } from './example.js';

/**
 * Checks that the files a VGG16 example was given exist, before it builds the 138M-parameter
 * network (seconds and hundreds of MB) only to fail on a typo.
 */
export function checkInputFiles(files: { weights?: string; labels?: string; images?: readonly string[] }): void {
  const named: Array<[string, string | undefined]> = [
    ['--weights', files.weights],
    ['--labels', files.labels],
    ...(files.images ?? []).map((f): [string, string] => ['--image', f]),
  ];
  for (const [flag, path] of named) {
    if (path !== undefined && !pathExists(path)) throw new ExampleArgumentError(`${flag} ${path}: no such file.`);
  }
}

/**
 * Loads `--weights` (a Keras VGG16 converted to tfjs) into `model` by layer name; returns how many layers got weights.
 */
export async function loadVgg16Weights(model: tf.LayersModel, path: string): Promise<number> {
  if (!pathExists(path)) throw new ExampleArgumentError(`--weights ${path}: no such file.`);
  const src = await loadModel(path);
  try {
    return copyWeightsByName(src, model);
  } finally {
    src.dispose();
  }
}

/**
 * A PNG or JPEG resized to `side`x`side` (224 for VGG16, as `load_img(target_size=(224, 224))`), as a
 * `[1, side, side, 3]` float RGB tensor in [0, 255]; the caller disposes it.
 */
export function loadPngTensor(file: string, side = 224): tf.Tensor4D {
  const img = resizeRgb(decodeImage(readBytes(file), file), side, side);
  return tf.tensor4d(Float32Array.from(img.data), [1, side, side, 3]);
}
