/**
 * TensorBoard event files without TensorFlow: TFRecord framing and the two protobuf messages
 * a scalar needs, hand-encoded.
 *
 * TFRecord (tensorflow/core/lib/io/record_writer.cc): `uint64 length (LE) | uint32 masked_crc(length)
 * | data | uint32 masked_crc(data)`. Event (tensorflow/core/util/event.proto): `double wall_time = 1;
 * int64 step = 2; string file_version = 3; Summary summary = 5`. Summary: `repeated Value value = 1`,
 * Value: `string tag = 1; float simple_value = 2`. A file starts with an event carrying
 * `file_version = "brain.Event:2"`. Pure functions: writing the bytes to disk is `src/io`'s job.
 */
import { crc32c, maskCrc } from './crc32c.js';

const utf8 = new TextEncoder();

/** Growable byte buffer for protobuf encoding. */
class Bytes {
  private buf = new Uint8Array(64);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Unsigned varint of a non-negative safe integer. */
  varint(v: number): void {
    let x = v;
    while (x >= 0x80) {
      this.byte((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.byte(x);
  }
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.bytes(b);
  }
  f32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }
  lenDelimited(field: number, payload: Uint8Array): void {
    this.tag(field, 2);
    this.varint(payload.length);
    this.bytes(payload);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** One scalar of an event. */
export interface ScalarValue {
  readonly tag: string;
  readonly value: number;
}

/** Serialised `Event` proto with a scalar `Summary`. */
export function encodeScalarEvent(wallTimeSec: number, step: number, values: readonly ScalarValue[]): Uint8Array {
  const summary = new Bytes();
  for (const v of values) {
    const val = new Bytes();
    val.lenDelimited(1, utf8.encode(v.tag));
    val.tag(2, 5);
    val.f32(v.value);
    summary.lenDelimited(1, val.done());
  }
  const ev = new Bytes();
  ev.tag(1, 1);
  ev.f64(wallTimeSec);
  ev.tag(2, 0);
  ev.varint(Math.max(0, Math.floor(step)));
  ev.lenDelimited(5, summary.done());
  return ev.done();
}

/** Serialised `Event` proto carrying `file_version` (the first record of every events file). */
export function encodeFileVersionEvent(wallTimeSec: number): Uint8Array {
  const ev = new Bytes();
  ev.tag(1, 1);
  ev.f64(wallTimeSec);
  ev.lenDelimited(3, utf8.encode('brain.Event:2'));
  return ev.done();
}

/** Wraps one record in TFRecord framing. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length >>> 0, true);
  dv.setUint32(4, Math.floor(data.length / 4294967296), true);
  dv.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/** Splits a TFRecord stream into records, verifying both CRCs; throws on corruption. */
export function readRecords(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`TFRecord: truncated header at byte ${off}`);
    const len = dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 4294967296;
    if (dv.getUint32(off + 8, true) !== maskCrc(crc32c(buf.subarray(off, off + 8))))
      throw new Error(`TFRecord: bad length CRC at byte ${off}`);
    const start = off + 12;
    if (start + len + 4 > buf.length) throw new Error(`TFRecord: truncated record at byte ${off}`);
    const data = buf.subarray(start, start + len);
    if (dv.getUint32(start + len, true) !== maskCrc(crc32c(data)))
      throw new Error(`TFRecord: bad data CRC at byte ${off}`);
    out.push(data);
    off = start + len + 4;
  }
  return out;
}

/** A decoded event (only the fields tfgym writes). */
export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: ScalarValue[];
}

/** Minimal protobuf reader for the fields above (for tests and `tfgym` tools that read runs back). */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dec = new TextDecoder();
  const ev: DecodedEvent = { wallTime: 0, step: 0, values: [] };
  const readVarint = (p: { o: number }): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = data[p.o++];
      if (b === undefined) throw new Error('protobuf: truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  const parse = (
    start: number,
    end: number,
    onField: (field: number, wire: number, p: { o: number }) => void,
  ): void => {
    const p = { o: start };
    while (p.o < end) {
      const key = readVarint(p);
      onField(Math.floor(key / 8), key % 8, p);
    }
  };
  const skip = (wire: number, p: { o: number }): void => {
    if (wire === 0) readVarint(p);
    else if (wire === 1) p.o += 8;
    else if (wire === 5) p.o += 4;
    else if (wire === 2) p.o += readVarint(p);
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  };
  parse(0, data.length, (f, w, p) => {
    if (f === 1 && w === 1) {
      ev.wallTime = dv.getFloat64(p.o, true);
      p.o += 8;
    } else if (f === 2 && w === 0) {
      ev.step = readVarint(p);
    } else if (f === 3 && w === 2) {
      const n = readVarint(p);
      ev.fileVersion = dec.decode(data.subarray(p.o, p.o + n));
      p.o += n;
    } else if (f === 5 && w === 2) {
      const n = readVarint(p);
      const end = p.o + n;
      parse(p.o, end, (f2, w2, p2) => {
        if (f2 !== 1 || w2 !== 2) return skip(w2, p2);
        const m = readVarint(p2);
        const vEnd = p2.o + m;
        let tag = '';
        let value = NaN;
        parse(p2.o, vEnd, (f3, w3, p3) => {
          if (f3 === 1 && w3 === 2) {
            const k = readVarint(p3);
            tag = dec.decode(data.subarray(p3.o, p3.o + k));
            p3.o += k;
          } else if (f3 === 2 && w3 === 5) {
            value = dv.getFloat32(p3.o, true);
            p3.o += 4;
          } else skip(w3, p3);
        });
        p2.o = vEnd;
        ev.values.push({ tag, value });
      });
      p.o = end;
    } else skip(w, p);
  });
  return ev;
}
