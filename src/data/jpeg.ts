/**
 * A baseline JPEG decoder written from ITU-T T.81 (ISO/IEC 10918-1): sequential DCT with Huffman
 * coding, 8-bit samples (SOF0 and SOF1), grayscale or three-component YCbCr (JFIF) / RGB (Adobe
 * transform 0), any sampling factors whose ratios are integers (4:4:4, 4:2:2, 4:2:0, 4:4:0,
 * 4:1:1, ...), interleaved and non-interleaved scans, restart intervals. It returns the same
 * {@link RgbImage} as `decodePng`, enough for the example photos without an image library.
 *
 * Output matches libjpeg's default decode (`djpeg`: "fancy" triangular upsampling of 2x
 * subsampled chroma, JFIF colour conversion) within the rounding of the inverse DCT, about one
 * level per sample: tested against `djpeg` fixtures in `test/fixtures/jpeg/`.
 *
 * Not supported, each refused with an {@link ImageFormatError} that says so: progressive (SOF2),
 * lossless (SOF3), hierarchical (SOF5-7) and arithmetic-coded (SOF9-15) files, 12-bit samples,
 * CMYK/YCCK (four components), a height given by a DNL marker. EXIF orientation and ICC profiles
 * are ignored, as `djpeg` ignores them.
 */
import { ImageFormatError, type RgbImage } from './png.js';

/** `ZIGZAG[k]` is the natural (row-major) index of the k-th coefficient in zig-zag order (T.81 Figure A.6). */
const ZIGZAG = (() => {
  const order = new Uint8Array(64);
  let r = 0;
  let c = 0;
  for (let k = 0; k < 64; k++) {
    order[k] = r * 8 + c;
    // Odd diagonals (r + c odd) run down-left, even ones up-right.
    if ((r + c) % 2 === 0) {
      if (c === 7) r++;
      else if (r === 0) c++;
      else {
        r--;
        c++;
      }
    } else if (r === 7) c++;
    else if (c === 0) r++;
    else {
      r++;
      c--;
    }
  }
  return order;
})();

/**
 * `IDCT_BASIS[x * 8 + u] = C(u) / 2 * cos((2x + 1) u pi / 16)`, C(0) = 1/sqrt(2), else 1: one
 * dimension of the inverse DCT of T.81 A.3.3, applied to rows then columns.
 */
const IDCT_BASIS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++)
      t[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return t;
})();

/** A Huffman table in the form of T.81 F.2.2.3's DECODE procedure (MAXCODE, MINCODE/VALPTR, HUFFVAL). */
interface HuffmanTable {
  /** Largest code of each length 1..16, -1 when there is none (index = length). */
  readonly maxCode: Int32Array;
  /** `valOffset[l] = VALPTR[l] - MINCODE[l]`: value index of a code of length l is code + valOffset[l]. */
  readonly valOffset: Int32Array;
  readonly values: Uint8Array;
}

/** Builds the decoder tables from BITS (codes per length) and HUFFVAL (T.81 Annex C, F.2.2.3). */
function buildHuffman(bits: Uint8Array, values: Uint8Array, name: string): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = bits[l - 1] ?? 0;
    valOffset[l] = k - code;
    if (n > 0) {
      code += n;
      k += n;
      maxCode[l] = code - 1;
      // A code of length l cannot reach 2^l: the table over-fills its code space.
      if (code > 1 << l) throw new ImageFormatError(`${name}: bad Huffman table (too many codes of length ${l})`);
    }
    code <<= 1;
  }
  if (k > values.length) throw new ImageFormatError(`${name}: truncated Huffman table`);
  maxCode[17] = 0x7fffffff; // sentinel: decoding stops at length 16 with an error
  return { maxCode, valOffset, values };
}

/** One frame component (T.81 B.2.2) and its decoded samples. */
interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly tq: number;
  /** Samples per line and lines of this component: ceil(X * h / hMax), ceil(Y * v / vMax) (A.1.1). */
  width: number;
  height: number;
  /** Blocks per line and block rows covering the padded MCU grid. */
  blocksPerLine: number;
  blockRows: number;
  /** Decoded samples, `blocksPerLine * 8` wide. */
  samples: Uint8Array;
  /** DC predictor of the current scan. */
  pred: number;
  td: number;
  ta: number;
  decoded: boolean;
}

/** Reads the entropy-coded bits of a scan, undoing 0xFF00 byte stuffing (T.81 F.1.2.3). */
class BitReader {
  private buf = 0;
  private count = 0;
  /** Set once a marker or the end of the file was reached where data was expected. */
  overrun = false;

  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  bit(): number {
    if (this.count === 0) {
      const b = this.data[this.pos];
      if (b === undefined) {
        this.overrun = true;
        return 0;
      }
      if (b === 0xff) {
        const next = this.data[this.pos + 1];
        if (next !== 0x00) {
          // A marker inside the data a scan still needs: the file is corrupt or truncated.
          this.overrun = true;
          return 0;
        }
        this.pos += 2;
      } else {
        this.pos++;
      }
      this.buf = b;
      this.count = 8;
    }
    this.count--;
    return (this.buf >> this.count) & 1;
  }

  /** RECEIVE(s): the next s bits as an unsigned integer. */
  bits(s: number): number {
    let v = 0;
    for (let i = 0; i < s; i++) v = (v << 1) | this.bit();
    return v;
  }

  /** Drops the bits left of the current byte (before a restart marker or the end of a scan). */
  align(): void {
    this.count = 0;
  }
}

/** DECODE (T.81 F.2.2.3): one Huffman-coded value. */
function decodeHuffman(r: BitReader, t: HuffmanTable, name: string): number {
  let code = r.bit();
  let l = 1;
  while (code > (t.maxCode[l] as number)) {
    code = (code << 1) | r.bit();
    l++;
    if (l > 16) throw new ImageFormatError(`${name}: corrupt scan data (no Huffman code matches)`);
  }
  return t.values[code + (t.valOffset[l] as number)] ?? 0;
}

/** RECEIVE(s) then EXTEND (T.81 F.2.2.1): a signed coefficient of magnitude category s. */
function receiveExtend(r: BitReader, s: number): number {
  if (s === 0) return 0;
  const v = r.bits(s);
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

/** Inverse DCT of one block of dequantized coefficients (natural order) into 8-bit samples, level shifted by 128. */
function idctBlock(coef: Float64Array, tmp: Float64Array, out: Uint8Array, offset: number, stride: number): void {
  // A block with only a DC term is flat: skip the transform (most blocks of smooth areas).
  let acZero = true;
  for (let i = 1; i < 64; i++) {
    if (coef[i] !== 0) {
      acZero = false;
      break;
    }
  }
  if (acZero) {
    const v = clamp((coef[0] as number) / 8 + 128);
    for (let y = 0; y < 8; y++) out.fill(v, offset + y * stride, offset + y * stride + 8);
    return;
  }
  // Rows: tmp[v * 8 + x] = sum_u basis(x, u) F(v, u).
  for (let v = 0; v < 8; v++) {
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let u = 0; u < 8; u++) s += (IDCT_BASIS[x * 8 + u] as number) * (coef[v * 8 + u] as number);
      tmp[v * 8 + x] = s;
    }
  }
  // Columns: f(y, x) = sum_v basis(y, v) tmp[v, x].
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let v = 0; v < 8; v++) s += (IDCT_BASIS[y * 8 + v] as number) * (tmp[v * 8 + x] as number);
      out[offset + y * stride + x] = clamp(s + 128);
    }
  }
}

function clamp(v: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** A component's samples at full resolution: 2x factors by libjpeg's triangular ("fancy") filter, others replicated. */
function upsample(c: Component, width: number, height: number, hMax: number, vMax: number): Uint8Array {
  const fx = hMax / c.h;
  const fy = vMax / c.v;
  const stride = c.blocksPerLine * 8;
  const at = (x: number, y: number): number =>
    c.samples[Math.min(Math.max(y, 0), c.height - 1) * stride + Math.min(Math.max(x, 0), c.width - 1)] as number;
  // One axis at a time, in float; each output sample is 3/4 of its nearer source sample and 1/4 of
  // the next one over (the sample centres of a 2x subsampled component sit between two pixels).
  const rowW = width;
  const horiz = new Float64Array(c.height * rowW);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < width; x++) {
      let v: number;
      if (fx === 2) {
        const i = x >> 1;
        v = 0.75 * at(i, y) + 0.25 * at(x & 1 ? i + 1 : i - 1, y);
      } else v = at(Math.floor(x / fx), y);
      horiz[y * rowW + x] = v;
    }
  }
  const out = new Uint8Array(width * height);
  const hat = (x: number, y: number): number => horiz[Math.min(Math.max(y, 0), c.height - 1) * rowW + x] as number;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v: number;
      if (fy === 2) {
        const j = y >> 1;
        v = 0.75 * hat(x, j) + 0.25 * hat(x, y & 1 ? j + 1 : j - 1);
      } else v = hat(x, Math.floor(y / fy));
      out[y * width + x] = clamp(v);
    }
  }
  return out;
}

/** True if `bytes` start with the JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8;
}

const UNSUPPORTED_SOF: Record<number, string> = {
  0xc2: 'progressive JPEG (SOF2)',
  0xc3: 'lossless JPEG (SOF3)',
  0xc5: 'hierarchical JPEG (SOF5)',
  0xc6: 'hierarchical progressive JPEG (SOF6)',
  0xc7: 'hierarchical lossless JPEG (SOF7)',
  0xc9: 'arithmetic-coded JPEG (SOF9)',
  0xca: 'arithmetic-coded progressive JPEG (SOF10)',
  0xcb: 'arithmetic-coded lossless JPEG (SOF11)',
  0xcd: 'arithmetic-coded hierarchical JPEG (SOF13)',
  0xce: 'arithmetic-coded hierarchical JPEG (SOF14)',
  0xcf: 'arithmetic-coded hierarchical JPEG (SOF15)',
};

/** Decodes a baseline JPEG to RGB (grey replicated to three channels). */
export function decodeJpeg(bytes: Uint8Array, name = 'JPEG file'): RgbImage {
  if (!isJpeg(bytes)) throw new ImageFormatError(`${name}: not a JPEG file (no SOI marker)`);
  const qt: Array<Float64Array | undefined> = [];
  const dcTables: Array<HuffmanTable | undefined> = [];
  const acTables: Array<HuffmanTable | undefined> = [];
  let restartInterval = 0;
  let frame: { width: number; height: number; comps: Component[]; hMax: number; vMax: number } | undefined;
  let adobeTransform: number | undefined;
  let pos = 2;
  const u16 = (at: number): number => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);

  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes (T.81 B.1.1.2).
    if (pos >= bytes.length) throw new ImageFormatError(`${name}: truncated file (no EOI marker)`);
    if (bytes[pos] !== 0xff) throw new ImageFormatError(`${name}: corrupt file (expected a marker at byte ${pos})`);
    while (bytes[pos] === 0xff) pos++;
    const marker = bytes[pos++] ?? 0;
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (pos + 2 > bytes.length) throw new ImageFormatError(`${name}: truncated file`);
    const len = u16(pos);
    const end = pos + len;
    if (len < 2 || end > bytes.length)
      throw new ImageFormatError(`${name}: truncated segment (marker 0xFF${marker.toString(16).toUpperCase()})`);
    const seg = bytes.subarray(pos + 2, end);
    pos = end;
    if (marker === 0xdb) {
      // DQT (B.2.4.1): Pq (0: 8-bit, 1: 16-bit), Tq, 64 values in zig-zag order.
      let o = 0;
      while (o < seg.length) {
        const pq = (seg[o] ?? 0) >> 4;
        const tq = (seg[o] ?? 0) & 15;
        o++;
        if (tq > 3) throw new ImageFormatError(`${name}: bad quantization table id ${tq}`);
        const t = new Float64Array(64);
        for (let k = 0; k < 64; k++) {
          t[k] = pq ? ((seg[o] ?? 0) << 8) | (seg[o + 1] ?? 0) : (seg[o] ?? 0);
          o += pq ? 2 : 1;
        }
        if (o > seg.length) throw new ImageFormatError(`${name}: truncated quantization table`);
        qt[tq] = t;
      }
    } else if (marker === 0xc4) {
      // DHT (B.2.4.2): Tc (0: DC, 1: AC), Th, 16 counts, the values.
      let o = 0;
      while (o < seg.length) {
        const tc = (seg[o] ?? 0) >> 4;
        const th = (seg[o] ?? 0) & 15;
        if (tc > 1 || th > 3) throw new ImageFormatError(`${name}: bad Huffman table id ${tc}/${th}`);
        const counts = seg.subarray(o + 1, o + 17);
        const n = counts.reduce((a, b) => a + b, 0);
        const values = seg.subarray(o + 17, o + 17 + n);
        if (counts.length < 16 || values.length < n) throw new ImageFormatError(`${name}: truncated Huffman table`);
        (tc === 0 ? dcTables : acTables)[th] = buildHuffman(counts, values, name);
        o += 17 + n;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(end - len + 2);
    } else if (marker === 0xee) {
      // Adobe APP14: "Adobe", version, flags0, flags1, transform (0: RGB/CMYK, 1: YCbCr, 2: YCCK).
      if (seg.length >= 12 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') adobeTransform = seg[11];
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (frame) throw new ImageFormatError(`${name}: more than one frame`);
      const precision = seg[0] ?? 0;
      if (precision !== 8)
        throw new ImageFormatError(`${name}: ${precision}-bit samples are not supported (8-bit only)`);
      const height = ((seg[1] ?? 0) << 8) | (seg[2] ?? 0);
      const width = ((seg[3] ?? 0) << 8) | (seg[4] ?? 0);
      const nc = seg[5] ?? 0;
      if (height === 0) throw new ImageFormatError(`${name}: height set by a DNL marker is not supported`);
      if (width === 0) throw new ImageFormatError(`${name}: zero width`);
      if (nc !== 1 && nc !== 3)
        throw new ImageFormatError(
          `${name}: ${nc} components are not supported (grayscale or YCbCr/RGB only; CMYK is not)`,
        );
      if (seg.length < 6 + 3 * nc) throw new ImageFormatError(`${name}: truncated frame header`);
      const comps: Component[] = [];
      for (let i = 0; i < nc; i++) {
        const b = 6 + 3 * i;
        const h = (seg[b + 1] ?? 0) >> 4;
        const v = (seg[b + 1] ?? 0) & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new ImageFormatError(`${name}: bad sampling factors ${h}x${v}`);
        comps.push({
          id: seg[b] ?? 0,
          h,
          v,
          tq: seg[b + 2] ?? 0,
          width: 0,
          height: 0,
          blocksPerLine: 0,
          blockRows: 0,
          samples: new Uint8Array(0),
          pred: 0,
          td: 0,
          ta: 0,
          decoded: false,
        });
      }
      const hMax = Math.max(...comps.map((c) => c.h));
      const vMax = Math.max(...comps.map((c) => c.v));
      const mcusX = Math.ceil(width / (8 * hMax));
      const mcusY = Math.ceil(height / (8 * vMax));
      for (const c of comps) {
        if (hMax % c.h !== 0 || vMax % c.v !== 0)
          throw new ImageFormatError(
            `${name}: sampling factors ${c.h}x${c.v} of ${hMax}x${vMax} are not supported (non-integer ratio)`,
          );
        c.width = Math.ceil((width * c.h) / hMax);
        c.height = Math.ceil((height * c.v) / vMax);
        c.blocksPerLine = mcusX * c.h;
        c.blockRows = mcusY * c.v;
        c.samples = new Uint8Array(c.blocksPerLine * 8 * c.blockRows * 8);
      }
      frame = { width, height, comps, hMax, vMax };
    } else if (marker in UNSUPPORTED_SOF) {
      throw new ImageFormatError(`${name}: ${UNSUPPORTED_SOF[marker]} is not supported (baseline JPEG only)`);
    } else if (marker === 0xcc) {
      throw new ImageFormatError(`${name}: arithmetic coding is not supported`);
    } else if (marker === 0xdc) {
      throw new ImageFormatError(`${name}: DNL marker is not supported`);
    } else if (marker === 0xda) {
      if (!frame) throw new ImageFormatError(`${name}: scan before the frame header`);
      pos = decodeScan(bytes, seg, pos, frame, qt, dcTables, acTables, restartInterval, name);
    }
    // APPn, COM and anything else with a length: skipped.
  }
  if (!frame) throw new ImageFormatError(`${name}: no frame header`);
  const missing = frame.comps.find((c) => !c.decoded);
  if (missing) throw new ImageFormatError(`${name}: component ${missing.id} has no scan`);
  return toRgb(frame, adobeTransform);
}

/** Decodes one scan (header `sos`, data from `pos`); returns the position of the marker that ends it. */
function decodeScan(
  bytes: Uint8Array,
  sos: Uint8Array,
  pos: number,
  frame: { width: number; height: number; comps: Component[]; hMax: number; vMax: number },
  qt: Array<Float64Array | undefined>,
  dcTables: Array<HuffmanTable | undefined>,
  acTables: Array<HuffmanTable | undefined>,
  restartInterval: number,
  name: string,
): number {
  const ns = sos[0] ?? 0;
  if (ns < 1 || ns > 4 || sos.length < 1 + 2 * ns + 3) throw new ImageFormatError(`${name}: bad scan header`);
  const comps: Component[] = [];
  for (let i = 0; i < ns; i++) {
    const id = sos[1 + 2 * i] ?? 0;
    const c = frame.comps.find((fc) => fc.id === id);
    if (!c) throw new ImageFormatError(`${name}: scan names unknown component ${id}`);
    c.td = (sos[2 + 2 * i] ?? 0) >> 4;
    c.ta = (sos[2 + 2 * i] ?? 0) & 15;
    if (!dcTables[c.td] || !acTables[c.ta]) throw new ImageFormatError(`${name}: scan uses an undefined Huffman table`);
    if (!qt[c.tq]) throw new ImageFormatError(`${name}: component ${id} uses an undefined quantization table`);
    c.pred = 0;
    comps.push(c);
  }
  const ss = sos[1 + 2 * ns] ?? 0;
  const se = sos[2 + 2 * ns] ?? 0;
  const ahal = sos[3 + 2 * ns] ?? 0;
  if (ss !== 0 || se !== 63 || ahal !== 0)
    throw new ImageFormatError(
      `${name}: spectral selection / successive approximation (progressive scan) is not supported`,
    );

  const r = new BitReader(bytes, pos);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const decodeBlock = (c: Component, row: number, col: number): void => {
    const q = qt[c.tq] as Float64Array;
    const dc = dcTables[c.td] as HuffmanTable;
    const ac = acTables[c.ta] as HuffmanTable;
    coef.fill(0);
    const t = decodeHuffman(r, dc, name);
    c.pred += receiveExtend(r, t);
    coef[0] = c.pred * (q[0] as number);
    for (let k = 1; k < 64;) {
      const rs = decodeHuffman(r, ac, name);
      const run = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        if (run !== 15) break; // EOB
        k += 16; // ZRL: sixteen zeros
        continue;
      }
      k += run;
      if (k > 63) throw new ImageFormatError(`${name}: corrupt scan data (coefficient index past 63)`);
      coef[ZIGZAG[k] as number] = receiveExtend(r, s) * (q[k] as number);
      k++;
    }
    const stride = c.blocksPerLine * 8;
    idctBlock(coef, tmp, c.samples, row * 8 * stride + col * 8, stride);
  };

  // A single-component scan is non-interleaved: its MCU is one block and it covers only the
  // component's own blocks (A.2.2); several components interleave h x v blocks each per MCU (A.2.3).
  let mcuCount: number;
  let decodeMcu: (m: number) => void;
  if (ns === 1) {
    const c = comps[0] as Component;
    const perLine = Math.ceil(c.width / 8);
    mcuCount = perLine * Math.ceil(c.height / 8);
    decodeMcu = (m) => decodeBlock(c, Math.floor(m / perLine), m % perLine);
  } else {
    const mcusX = Math.ceil(frame.width / (8 * frame.hMax));
    mcuCount = mcusX * Math.ceil(frame.height / (8 * frame.vMax));
    decodeMcu = (m) => {
      const my = Math.floor(m / mcusX);
      const mx = m % mcusX;
      for (const c of comps)
        for (let by = 0; by < c.v; by++) for (let bx = 0; bx < c.h; bx++) decodeBlock(c, my * c.v + by, mx * c.h + bx);
    };
  }
  for (let m = 0; m < mcuCount; m++) {
    if (restartInterval > 0 && m > 0 && m % restartInterval === 0) {
      // RSTn (T.81 E.2.4): byte-aligned marker, then the DC predictions start again from 0.
      r.align();
      let p = r.pos;
      while (bytes[p] === 0xff && bytes[p + 1] === 0xff) p++;
      const mk = bytes[p + 1] ?? 0;
      if (bytes[p] !== 0xff || mk < 0xd0 || mk > 0xd7)
        throw new ImageFormatError(`${name}: corrupt scan data (missing restart marker after MCU ${m})`);
      r.pos = p + 2;
      for (const c of comps) c.pred = 0;
    }
    decodeMcu(m);
    if (r.overrun) throw new ImageFormatError(`${name}: truncated or corrupt scan data (at MCU ${m} of ${mcuCount})`);
  }
  for (const c of comps) c.decoded = true;
  // The scan ends at the next marker that is neither stuffing nor a restart.
  let p = r.pos;
  while (p < bytes.length) {
    if (bytes[p] === 0xff) {
      const mk = bytes[p + 1] ?? 0;
      if (mk !== 0 && mk !== 0xff && !(mk >= 0xd0 && mk <= 0xd7)) return p;
    }
    p++;
  }
  throw new ImageFormatError(`${name}: truncated file (no marker after the scan data)`);
}

/** Upsamples and colour-converts the decoded components. */
function toRgb(
  frame: { width: number; height: number; comps: Component[]; hMax: number; vMax: number },
  adobeTransform: number | undefined,
): RgbImage {
  const { width, height, comps, hMax, vMax } = frame;
  const planes = comps.map((c) => upsample(c, width, height, hMax, vMax));
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (planes.length === 1) {
    const y = planes[0] as Uint8Array;
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = y[i] as number;
    return { width, height, data: out };
  }
  const [p0, p1, p2] = planes as [Uint8Array, Uint8Array, Uint8Array];
  // JFIF files are YCbCr; Adobe's transform flag 0, or components named 'R', 'G', 'B', mean RGB.
  const ids = comps.map((c) => c.id);
  const rgb = adobeTransform === 0 || (ids[0] === 82 && ids[1] === 71 && ids[2] === 66);
  for (let i = 0; i < n; i++) {
    if (rgb) {
      out[3 * i] = p0[i] as number;
      out[3 * i + 1] = p1[i] as number;
      out[3 * i + 2] = p2[i] as number;
      continue;
    }
    // JFIF (ITU-T T.871) YCbCr -> RGB, full range.
    const y = p0[i] as number;
    const cb = (p1[i] as number) - 128;
    const cr = (p2[i] as number) - 128;
    out[3 * i] = clamp(y + 1.402 * cr);
    out[3 * i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[3 * i + 2] = clamp(y + 1.772 * cb);
  }
  return { width, height, data: out };
}
