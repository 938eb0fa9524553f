/**
 * The CIFAR-10 binary format (`cifar-10-batches-bin/*.bin`): records of 3073 bytes, one label
 * byte then the red, green and blue 32x32 planes. No header: the count is size / 3073.
 */

/** Bytes per CIFAR-10 record. */
export const CIFAR10_RECORD_BYTES = 3073;
/** Side of a CIFAR image. */
export const CIFAR10_SIDE = 32;
/** The class names in index order (the content of `batches.meta.txt`). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** A parsed batch: images as HWC (channels last, RGB) bytes, like Keras' `cifar10.load_data()`. */
export interface CifarBatch {
  readonly count: number;
  /** `count * 32 * 32 * 3` bytes, image-major, then row, column, channel. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** Thrown for a malformed CIFAR batch. */
export class CifarFormatError extends Error {
  override readonly name = 'CifarFormatError';
}

/** Parses one binary batch, converting planar CHW to HWC. */
export function parseCifarBatch(bytes: Uint8Array, name = 'CIFAR-10 batch'): CifarBatch {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new CifarFormatError(
      `${name}: ${bytes.length} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record size`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const images = new Uint8Array(count * plane * 3);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base] ?? 0;
    if (label > 9) throw new CifarFormatError(`${name}: record ${r} has label ${label} (expected 0..9)`);
    labels[r] = label;
    const out = r * plane * 3;
    for (let p = 0; p < plane; p++) {
      images[out + 3 * p] = bytes[base + 1 + p] ?? 0;
      images[out + 3 * p + 1] = bytes[base + 1 + plane + p] ?? 0;
      images[out + 3 * p + 2] = bytes[base + 1 + 2 * plane + p] ?? 0;
    }
  }
  return { count, images, labels };
}

/** Encodes HWC images + labels back to the binary format (for fixtures). */
export function encodeCifarBatch(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  for (let r = 0; r < labels.length; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    out[base] = labels[r] ?? 0;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[base + 1 + c * plane + p] = images[r * plane * 3 + 3 * p + c] ?? 0;
    }
  }
  return out;
}
