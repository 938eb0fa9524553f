/**
 * Audio for the WaveNet-style examples: 16-bit PCM WAV files read and written without an audio
 * library, resampling, and the 8-bit mu-law companding WaveNet predicts over.
 *
 * - {@link decodeWav} walks the RIFF chunks (skipping any it does not need: `LIST`, `fact`,
 *   `cue `, ...), takes the `fmt ` and `data` chunks, and mixes every channel down to mono by
 *   averaging. Only integer PCM at 16 bits is accepted; anything else is refused naming what
 *   the file holds (format code, bits, channels).
 * - {@link resample} is band-limited (windowed-sinc) interpolation: when downsampling, the sinc's
 *   cutoff moves down to the new Nyquist frequency, so it is also the anti-aliasing low-pass.
 * - {@link muLawEncode} / {@link muLawDecode}: mu = 255, 256 levels, the WaveNet paper's
 *   companding and the quantisation of basveeling/wavenet (the Keras WaveNet the book uses).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBytes, writeFileAtomic } from '../io/files.js';

/** Thrown for files this reader cannot read; the message says what was found. */
export class AudioFormatError extends Error {
  override readonly name = 'AudioFormatError';
}

/** A decoded clip: mono samples in [-1, 1). */
export interface WavAudio {
  readonly sampleRate: number;
  /** Channels in the file (the samples are their average). */
  readonly channels: number;
  /** Bits per sample in the file (always 16 here). */
  readonly bitsPerSample: number;
  /** Mono samples, `int16 / 32768`. */
  readonly samples: Float32Array;
}

const FORMAT_NAMES: Readonly<Record<number, string>> = {
  1: 'PCM',
  2: 'Microsoft ADPCM',
  3: 'IEEE float',
  6: 'A-law',
  7: 'mu-law',
  0x11: 'IMA ADPCM',
  0x55: 'MP3',
  0xfffe: 'extensible',
};

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

interface Fmt {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function readFmt(view: DataView, at: number, size: number, name: string): Fmt {
  if (size < 16) throw new AudioFormatError(`${name}: "fmt " chunk of ${size} bytes (needs at least 16)`);
  let format = view.getUint16(at, true);
  const bits = view.getUint16(at + 14, true);
  // WAVE_FORMAT_EXTENSIBLE carries the real format in the first two bytes of its sub-format GUID.
  if (format === 0xfffe && size >= 26) format = view.getUint16(at + 24, true);
  return {
    format,
    channels: view.getUint16(at + 2, true),
    sampleRate: view.getUint32(at + 4, true),
    blockAlign: view.getUint16(at + 12, true),
    bits,
  };
}

/**
 * Decodes a RIFF/WAVE file of 16-bit integer PCM (any number of channels, averaged to mono).
 * `name` goes into error messages.
 */
export function decodeWav(bytes: Uint8Array, name = 'WAV file'): WavAudio {
  if (bytes.length < 12 || fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    const head = bytes.length >= 12 ? `"${fourcc(bytes, 0)}"/"${fourcc(bytes, 8)}"` : `${bytes.length} bytes`;
    throw new AudioFormatError(`${name}: not a RIFF/WAVE file (found ${head})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Fmt | undefined;
  let data: { at: number; size: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') fmt = readFmt(view, body, Math.min(size, bytes.length - body), name);
    else if (id === 'data') {
      // Streamed files may leave the size at 0xFFFFFFFF or overstate it: keep what is there.
      data = { at: body, size: Math.min(size, bytes.length - body) };
      if (fmt) break;
    }
    // Chunks are padded to an even length.
    at = body + size + (size & 1);
  }
  if (!fmt) throw new AudioFormatError(`${name}: no "fmt " chunk`);
  if (!data) throw new AudioFormatError(`${name}: no "data" chunk`);
  const what = `${FORMAT_NAMES[fmt.format] ?? 'unknown'} (format ${fmt.format}), ${fmt.bits} bits, ${fmt.channels} channel(s)`;
  if (fmt.format !== 1 || fmt.bits !== 16)
    throw new AudioFormatError(`${name}: only 16-bit integer PCM is supported, found ${what}`);
  if (fmt.channels < 1 || fmt.blockAlign !== fmt.channels * 2)
    throw new AudioFormatError(`${name}: inconsistent "fmt " chunk: ${what}, block align ${fmt.blockAlign}`);
  if (fmt.sampleRate <= 0) throw new AudioFormatError(`${name}: sample rate ${fmt.sampleRate}`);

  const frames = Math.floor(data.size / fmt.blockAlign);
  const out = new Float32Array(frames);
  const ch = fmt.channels;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const base = data.at + f * fmt.blockAlign;
    for (let c = 0; c < ch; c++) sum += view.getInt16(base + 2 * c, true);
    out[f] = sum / ch / 32768;
  }
  return { sampleRate: fmt.sampleRate, channels: ch, bitsPerSample: 16, samples: out };
}

/**
 * Encodes mono samples in [-1, 1] as a 44-byte-header 16-bit PCM WAV file. Samples are scaled
 * by 32768 and rounded, clipped to the int16 range, so decoding a decoded file's samples gives
 * back the same bytes.
 */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    throw new RangeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  const n = samples.length;
  const bytes = new Uint8Array(44 + 2 * n);
  const view = new DataView(bytes.buffer);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) bytes[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + 2 * n, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) {
    const v = Math.round((samples[i] ?? 0) * 32768);
    view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Number.isFinite(v) ? v : 0)), true);
  }
  return bytes;
}

/** Reads and decodes a WAV file (see {@link decodeWav}). */
export function readWav(path: string): WavAudio {
  return decodeWav(readBytes(path), path);
}

/** The `.wav` files of a folder (any case of the extension), by name: a flat folder of clips. */
export function listWavFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.wav$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Writes mono samples as a 16-bit PCM WAV file, atomically. */
export function writeWav(path: string, samples: ArrayLike<number>, sampleRate: number): void {
  writeFileAtomic(path, encodeWav(samples, sampleRate));
}

/** Zero crossings of the interpolating sinc on each side, at the (lower) cutoff frequency. */
const SINC_ZEROS = 16;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Blackman window on [-1, 1] (0 outside): side lobes near -58 dB, so little leaks through. */
function blackman(u: number): number {
  if (u <= -1 || u >= 1) return 0;
  const t = Math.PI * (u + 1); // 0 .. 2*pi across the window
  return 0.42 - 0.5 * Math.cos(t) + 0.08 * Math.cos(2 * t);
}

/** Most distinct phases for which {@link resample} tabulates its kernel. */
const MAX_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Resamples `samples` from `fromRate` to `toRate` by windowed-sinc interpolation (Blackman
 * window, 16 zero crossings a side). Output sample `i` is the band-limited signal at input time
 * `i * fromRate / toRate`; when `toRate < fromRate` the sinc is widened so its cutoff is the new
 * Nyquist frequency, which low-passes the signal and keeps higher frequencies from aliasing.
 * The signal is taken as zero outside the clip. Output length: `round(length * toRate / fromRate)`.
 *
 * With integer rates the fractional input time repeats every `toRate / gcd(fromRate, toRate)`
 * outputs (80 for 22,050 -> 4,000 Hz, 1 for 22,050 -> 4,410 Hz): the kernel's weights are then
 * computed once per phase instead of once per tap (the same sums, a sine and two cosines fewer
 * per multiply-add).
 */
export function resample(samples: ArrayLike<number>, fromRate: number, toRate: number): Float32Array {
  if (!(fromRate > 0) || !(toRate > 0) || !Number.isFinite(fromRate) || !Number.isFinite(toRate))
    throw new RangeError(`sample rates must be positive, got ${fromRate} -> ${toRate}`);
  const n = samples.length;
  if (fromRate === toRate) return Float32Array.from(samples);
  const outLen = Math.round((n * toRate) / fromRate);
  const out = new Float32Array(outLen);
  const step = fromRate / toRate; // input samples per output sample
  const scale = Math.min(1, toRate / fromRate); // cutoff as a fraction of the input Nyquist
  const half = SINC_ZEROS / scale; // window half-width in input samples
  const weight = (d: number): number => scale * sinc(scale * d) * blackman(d / half);
  const phases = Number.isInteger(fromRate) && Number.isInteger(toRate) ? toRate / gcd(fromRate, toRate) : Infinity;
  if (phases <= MAX_PHASES) {
    // Output i sits at input time m + r / toRate (i * fromRate = m * toRate + r); r is a multiple
    // of g = toRate / phases, so phase r / g holds the weights of offsets j = first .. from m.
    const g = toRate / phases;
    const tables = Array.from({ length: phases }, (_, p) => {
      const f = (p * g) / toRate;
      const first = Math.ceil(f - half);
      const last = Math.floor(f + half);
      return { first, w: Float64Array.from({ length: last - first + 1 }, (_, j) => weight(f - (first + j))) };
    });
    for (let i = 0; i < outLen; i++) {
      const num = i * fromRate;
      const m = Math.floor(num / toRate);
      const table = tables[(num - m * toRate) / g];
      if (!table) throw new Error('unreachable: phase out of range');
      const k0 = m + table.first;
      const lo = Math.max(0, -k0);
      const hi = Math.min(table.w.length - 1, n - 1 - k0);
      let acc = 0;
      for (let j = lo; j <= hi; j++) acc += (samples[k0 + j] ?? 0) * (table.w[j] ?? 0);
      out[i] = acc;
    }
    return out;
  }
  for (let i = 0; i < outLen; i++) {
    const t = i * step;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(n - 1, Math.floor(t + half));
    let acc = 0;
    for (let k = lo; k <= hi; k++) acc += (samples[k] ?? 0) * weight(t - k);
    out[i] = acc;
  }
  return out;
}

/** WaveNet's 256 quantisation levels. */
export const MU_LAW_LEVELS = 256;
/** mu = levels - 1 = 255. */
export const MU = MU_LAW_LEVELS - 1;

/** How {@link muLawEncode} maps the companded value to a level. */
export type MuLawRounding = 'round' | 'floor';

/**
 * mu-law encodes `x` in [-1, 1] (clipped) to a level 0..255:
 * `y = sign(x) ln(1 + mu |x|) / ln(1 + mu)`, then `(y + 1) / 2 * 255` to the nearest integer
 * (`round`, the default: 0 -> 128, -1 -> 0, 1 -> 255, as ibab/tensorflow-wavenet's `+ 0.5`).
 * basveeling/wavenet's `float_to_uint8` truncates instead (`astype('uint8')`): pass `floor` for
 * its levels (0 -> 127).
 */
export function muLawEncode(x: number, rounding: MuLawRounding = 'round'): number {
  const c = Math.max(-1, Math.min(1, Number.isNaN(x) ? 0 : x));
  const y = (Math.sign(c) * Math.log1p(MU * Math.abs(c))) / Math.log1p(MU);
  const level = ((y + 1) / 2) * MU;
  return Math.max(0, Math.min(MU, rounding === 'round' ? Math.round(level) : Math.floor(level)));
}

/**
 * Decodes a level 0..255 back to [-1, 1]: `y = 2 q / 255 - 1`, `x = sign(y) ((1 + mu)^|y| - 1) / mu`
 * (basveeling's `ulaw2lin` before its re-quantisation). The round trip error is at most half a
 * level's width at that amplitude: about 8.6e-5 near 0, 0.022 at full scale.
 */
export function muLawDecode(q: number): number {
  const y = (2 * q) / MU - 1;
  return (Math.sign(y) * (Math.pow(1 + MU, Math.abs(y)) - 1)) / MU;
}

/** {@link muLawEncode} over an array. */
export function muLawEncodeAll(samples: ArrayLike<number>, rounding: MuLawRounding = 'round'): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = muLawEncode(samples[i] ?? 0, rounding);
  return out;
}

/** {@link muLawDecode} over an array. */
export function muLawDecodeAll(levels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = muLawDecode(levels[i] ?? 0);
  return out;
}
