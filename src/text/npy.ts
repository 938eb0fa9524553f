/**
 * numpy's `.npy` format (NEP 1, format versions 1.0, 2.0 and 3.0) for the arrays the book
 * saves with `np.save` (e.g. Chapter 6's `LD_250.npy`). Magic `\x93NUMPY`, a version, a header
 * length (uint16 in 1.0, uint32 in 2.0/3.0), a Python dict literal header
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }`, then the raw data.
 */
import { readBytes, writeFileAtomic } from '../io/files.js';
import { TextFormatError } from './errors.js';

/** The dtypes read (numpy `descr` strings), all little-endian or single-byte. */
export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '|b1';

/** Typed array of each dtype: `|b1` (bool) is 0/1 bytes, `<i8` is exact as BigInt64Array. */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A parsed `.npy` array, C (row-major) order. */
export interface NpyArray {
  readonly data: NpyData;
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };

/** A value of the header's Python literal. */
type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/**
 * A small parser for the Python literals numpy writes in headers: dicts, tuples, lists, quoted
 * strings, integers (with Python 2's `L` suffix), True, False and None.
 */
function parsePyLiteral(src: string, where: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new TextFormatError(
      `${where}: header character ${i}: expected ${what}, found ${JSON.stringify(src.slice(i, i + 20))}`,
    );
  };
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i] as string)) i += 1;
  };
  const value = (): PyValue => {
    ws();
    const c = src[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i += 1;
      const items: PyValue[] = [];
      const dict: { [key: string]: PyValue } = {};
      for (;;) {
        ws();
        if (src[i] === close) {
          i += 1;
          break;
        }
        const v = value();
        if (c === '{') {
          if (typeof v !== 'string') fail('a string key');
          ws();
          if (src[i] !== ':') fail("':'");
          i += 1;
          dict[v as string] = value();
        } else {
          items.push(v);
        }
        ws();
        if (src[i] === ',') i += 1;
        else if (src[i] !== close) fail(`',' or '${close}'`);
      }
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('a closing quote');
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(src.slice(i));
    if (m === null) return fail('a value');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace(/L$/, ''));
  };
  const v = value();
  ws();
  if (i !== src.length) fail('the end of the header');
  return v;
}

/**
 * Parses a `.npy` file's bytes. Supported dtypes: `<f4 <f8 <i4 <i8 |u1 |b1` in C order; a
 * big-endian dtype, Fortran order or any other dtype throws a {@link TextFormatError} naming it.
 * The data size must match the shape exactly.
 * @param name the file name used in error messages
 */
export function parseNpy(bytes: Uint8Array, name = '.npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new TextFormatError(`${name}: offset 0: expected the magic string \\x93NUMPY; not a .npy file`);
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (major < 1 || major > 3)
    throw new TextFormatError(`${name}: offset 6: format version ${major}.${minor} is not supported (1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new TextFormatError(`${name}: offset 8: file ends inside the header length`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) {
    throw new TextFormatError(
      `${name}: offset ${start}: header of ${headerLen} bytes runs past the end of the file (${bytes.length} bytes)`,
    );
  }
  // Versions 1 and 2 store the header in latin1, version 3 in UTF-8.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const dict = parsePyLiteral(header.trim(), name);
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw new TextFormatError(`${name}: the header is not a dict: ${JSON.stringify(header.trim())}`);
  }
  const descr = dict['descr'];
  const fortran = dict['fortran_order'];
  const shapeV = dict['shape'];
  if (typeof descr !== 'string')
    throw new TextFormatError(`${name}: header: 'descr' must be a dtype string, found ${JSON.stringify(descr)}`);
  if (typeof fortran !== 'boolean') throw new TextFormatError(`${name}: header: 'fortran_order' must be True or False`);
  if (!Array.isArray(shapeV) || !shapeV.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new TextFormatError(
      `${name}: header: 'shape' must be a tuple of non-negative integers, found ${JSON.stringify(shapeV)}`,
    );
  }
  const shape = shapeV as number[];
  if (descr.startsWith('>'))
    throw new TextFormatError(`${name}: big-endian dtype '${descr}' is not supported (only little-endian '<')`);
  if (!(descr in ITEM)) {
    throw new TextFormatError(`${name}: dtype '${descr}' is not supported (supported: ${Object.keys(ITEM).join(' ')})`);
  }
  if (fortran)
    throw new TextFormatError(
      `${name}: fortran_order True (column-major, dtype '${descr}') is not supported; save with C order`,
    );
  const dtype = descr as NpyDtype;
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * ITEM[dtype];
  if (bytes.length - dataStart !== need) {
    throw new TextFormatError(
      `${name}: offset ${dataStart}: shape (${shape.join(', ')}) of '${dtype}' needs ${need} data bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer: the data offset need not be a multiple of the item size.
  const buf = bytes.slice(dataStart, dataStart + need).buffer;
  let data: NpyData;
  switch (dtype) {
    case '<f4':
      data = new Float32Array(buf);
      break;
    case '<f8':
      data = new Float64Array(buf);
      break;
    case '<i4':
      data = new Int32Array(buf);
      break;
    case '<i8':
      data = new BigInt64Array(buf);
      break;
    case '|u1':
      data = new Uint8Array(buf);
      break;
    case '|b1': {
      data = new Uint8Array(buf);
      const bad = data.findIndex((b) => b > 1);
      if (bad >= 0)
        throw new TextFormatError(`${name}: offset ${dataStart + bad}: bool value ${data[bad]} is neither 0 nor 1`);
      break;
    }
  }
  // The typed arrays above are little-endian views only on little-endian hosts (all tfgym targets).
  return { data, shape, dtype };
}

/** Reads a `.npy` file (numpy's `np.load` for the dtypes of {@link parseNpy}). */
export function readNpy(path: string): NpyArray {
  return parseNpy(readBytes(path), path);
}

/**
 * Encodes an array as `.npy` version 1.0 (numpy's `np.save`): header padded with spaces to a
 * multiple of 64 bytes and ended by a newline. `|b1` data must hold only 0 and 1.
 */
export function encodeNpy(data: NpyData, shape: readonly number[], dtype?: NpyDtype): Uint8Array {
  const dt: NpyDtype =
    dtype ??
    (data instanceof Float32Array
      ? '<f4'
      : data instanceof Float64Array
        ? '<f8'
        : data instanceof Int32Array
          ? '<i4'
          : data instanceof BigInt64Array
            ? '<i8'
            : '|u1');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`encodeNpy: shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  if (data.BYTES_PER_ELEMENT !== ITEM[dt])
    throw new RangeError(`encodeNpy: dtype '${dt}' does not match a ${data.constructor.name}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dt}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += `${' '.repeat(pad % 64)}\n`;
  if (header.length > 0xffff) throw new RangeError('encodeNpy: header too long for format 1.0');
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes a `.npy` file atomically. */
export function writeNpy(path: string, data: NpyData, shape: readonly number[], dtype?: NpyDtype): void {
  writeFileAtomic(path, encodeNpy(data, shape, dtype));
}
