/**
 * A small PNG decoder (non-interlaced, 8 or 16 bits per channel, grey / RGB / palette / alpha)
 * producing RGB bytes, and an encoder of 8-bit grey and RGB images (the GAN examples' sample
 * grids): enough for the examples without an image library dependency. Bytes in, bytes out;
 * files are read and written by the callers through `src/io`.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { crc32 } from '../metrics/crc32c.js';

/** An RGB image: `height * width * 3` bytes, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Thrown for files this decoder cannot read; the message says why. */
export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** An 8-bit image to encode: `height * width * channels` bytes, row-major, channels interleaved. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** 1: grey, 3: RGB. */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** The value a PNG filter predicts from the left (a), upper (b) and upper-left (c) bytes. */
function predictor(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4:
      return paeth(a, b, c);
    default:
      return 0;
  }
}

/** One PNG chunk: length, type, body, CRC-32 of type and body. */
function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * Encodes an 8-bit grey or RGB image as a PNG file (non-interlaced). Each row gets the filter
 * (None, Sub, Up, Average or Paeth) whose output has the smallest sum of absolute values, the
 * PNG specification's suggested heuristic, then the rows are deflated with zlib.
 */
export function encodePng(img: RawImage): Uint8Array {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width} x ${height}`);
  if (channels !== 1 && channels !== 3)
    throw new RangeError(`encodePng: channels must be 1 or 3, got ${String(channels)}`);
  const stride = width * channels;
  if (data.length !== height * stride)
    throw new RangeError(
      `encodePng: ${width} x ${height} x ${channels} needs ${height * stride} bytes, got ${data.length}`,
    );
  const raw = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let best = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      let cost = 0;
      for (let x = 0; x < stride; x++) {
        const r = data[row + x] ?? 0;
        const a = x >= channels ? (data[row + x - channels] ?? 0) : 0;
        const b = y > 0 ? (data[row - stride + x] ?? 0) : 0;
        const c = x >= channels && y > 0 ? (data[row - stride + x - channels] ?? 0) : 0;
        const v = (r - predictor(filter, a, b, c)) & 0xff;
        candidate[x] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        raw[y * (stride + 1)] = filter;
        raw.set(candidate, y * (stride + 1) + 1);
      }
    }
  }
  const header = new Uint8Array(13);
  const h = new DataView(header.buffer);
  h.setUint32(0, width);
  h.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // colour type: grey or RGB
  // compression 0 (deflate), filter method 0 (adaptive), interlace 0 (none)
  const parts = [
    new Uint8Array(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Decodes a PNG file to RGB (alpha is dropped, palette expanded, grey replicated). */
export function decodePng(bytes: Uint8Array, name = 'PNG file'): RgbImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
    throw new ImageFormatError(`${name}: not a PNG file${jpeg ? ' (it is a JPEG: convert it to PNG first)' : ''}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (off + 8 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const body = bytes.subarray(off + 8, off + 8 + len);
    off += 12 + len;
    if (type === 'IHDR') {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      depth = body[8] ?? 0;
      colorType = body[9] ?? 0;
      if ((body[12] ?? 0) !== 0) throw new ImageFormatError(`${name}: interlaced PNGs are not supported`);
      if (depth !== 8 && depth !== 16)
        throw new ImageFormatError(`${name}: bit depth ${depth} is not supported (8 or 16 only)`);
    } else if (type === 'PLTE') {
      palette = body;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
  }
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || width === 0 || height === 0)
    throw new ImageFormatError(`${name}: bad or unsupported header (color type ${colorType})`);
  const bpp = channels * (depth / 8);
  const stride = width * bpp;
  const total = idat.reduce((a, c) => a + c.length, 0);
  const joined = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    joined.set(c, o);
    o += c.length;
  }
  const raw = new Uint8Array(inflateSync(joined));
  if (raw.length < height * (stride + 1)) throw new ImageFormatError(`${name}: truncated image data`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    if (filter > 4) throw new ImageFormatError(`${name}: bad filter type ${filter} on row ${y}`);
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const r = raw[src + x] ?? 0;
      const a = x >= bpp ? (px[dst + x - bpp] ?? 0) : 0;
      const b = y > 0 ? (px[dst - stride + x] ?? 0) : 0;
      const c = x >= bpp && y > 0 ? (px[dst - stride + x - bpp] ?? 0) : 0;
      const v = r + predictor(filter, a, b, c);
      px[dst + x] = v & 0xff;
    }
  }
  const out = new Uint8Array(width * height * 3);
  const step = depth / 8; // 16-bit samples: keep the high byte
  for (let i = 0; i < width * height; i++) {
    const s = (k: number): number => px[i * bpp + k * step] ?? 0;
    if (colorType === 3) {
      const idx = s(0);
      out[3 * i] = palette?.[3 * idx] ?? 0;
      out[3 * i + 1] = palette?.[3 * idx + 1] ?? 0;
      out[3 * i + 2] = palette?.[3 * idx + 2] ?? 0;
    } else if (channels <= 2) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = s(0);
    } else {
      out[3 * i] = s(0);
      out[3 * i + 1] = s(1);
      out[3 * i + 2] = s(2);
    }
  }
  return { width, height, data: out };
}

/** Bilinear resize of an RGB image (pixel centres aligned, like `tf.image.resizeBilinear` with halfPixelCenters). */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => img.data[(yy * img.width + xx) * 3 + c] ?? 0;
        const v = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
        out[(y * width + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return { width, height, data: out };
}
