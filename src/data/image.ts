/**
 * Image files of either format the examples read (PNG, baseline JPEG), picked by their
 * signature, as the one {@link RgbImage} type.
 */
import { readBytes } from '../io/files.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import { decodePng, ImageFormatError, type RgbImage } from './png.js';

const PNG_SIGNATURE = [137, 80, 78, 71];

/** Decodes PNG or JPEG bytes to RGB; anything else is an {@link ImageFormatError} naming `name`. */
export function decodeImage(bytes: Uint8Array, name = 'image file'): RgbImage {
  if (isJpeg(bytes)) return decodeJpeg(bytes, name);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name);
  throw new ImageFormatError(`${name}: not a PNG or JPEG file`);
}

/** Reads and decodes a PNG or JPEG file. */
export function readImage(path: string): RgbImage {
  return decodeImage(readBytes(path), path);
}
