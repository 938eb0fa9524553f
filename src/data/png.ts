/**
 * A small PNG decoder (non-interlaced, 8 or 16 bits per channel, grey / RGB / palette / alpha)
 * producing RGB bytes: enough for the example images without an image library dependency.
 */
import { inflateSync } from 'node:zlib';

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
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const r = raw[src + x] ?? 0;
      const a = x >= bpp ? (px[dst + x - bpp] ?? 0) : 0;
      const b = y > 0 ? (px[dst - stride + x] ?? 0) : 0;
      const c = x >= bpp && y > 0 ? (px[dst - stride + x - bpp] ?? 0) : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = r;
          break;
        case 1:
          v = r + a;
          break;
        case 2:
          v = r + b;
          break;
        case 3:
          v = r + ((a + b) >> 1);
          break;
        case 4:
          v = r + paeth(a, b, c);
          break;
        default:
          throw new ImageFormatError(`${name}: bad filter type ${filter} on row ${y}`);
      }
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
