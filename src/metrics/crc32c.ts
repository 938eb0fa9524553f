/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord uses, and
 * TFRecord's "masked" form. Check value: crc32c("123456789") = 0xE3069283. Also plain CRC-32
 * (ISO-HDLC, reflected polynomial 0xEDB88320), the checksum of PNG chunks and gzip; check value
 * crc32("123456789") = 0xCBF43926. (`zlib.crc32` only exists from Node 20.15.)
 */

/** The byte-at-a-time table of a reflected CRC-32 polynomial. */
function table(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

const TABLE_C = table(0x82f63b78);
const TABLE_ISO = table(0xedb88320);

function reflectedCrc(t: Uint32Array, data: Uint8Array, init: number): number {
  let c = (init ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32C of `data` (unsigned 32-bit). */
export function crc32c(data: Uint8Array): number {
  return reflectedCrc(TABLE_C, data, 0);
}

/**
 * CRC-32 (PNG, gzip, zlib.crc32) of `data`, unsigned; `previous` continues a CRC over several
 * pieces (`crc32(b, crc32(a))` = `crc32(a ++ b)`).
 */
export function crc32(data: Uint8Array, previous = 0): number {
  return reflectedCrc(TABLE_ISO, data, previous);
}

/** TFRecord's masked CRC: rotate right by 15 and add 0xa282ead8 (mod 2^32). */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
