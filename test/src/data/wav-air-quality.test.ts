import { describe, expect, it } from 'vitest';
import { column, loadAirQuality, missingCounts, parseAirQualityCsv } from '../../../src/data/air-quality.js';
import {
  AudioFormatError,
  decodeWav,
  encodeWav,
  muLawDecode,
  muLawEncode,
  muLawEncodeAll,
  readWav,
  resample,
} from '../../../src/data/wav.js';

const DATA = '../shared/datasets';

/** A WAV file built byte by byte: RIFF header, an unknown chunk, fmt, data. */
function wavBytes(o: {
  format?: number;
  bits?: number;
  channels?: number;
  rate?: number;
  frames: number[][];
}): Uint8Array {
  const ch = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const data = o.frames.flat();
  const dataSize = data.length * 2;
  const junk = [0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]; // "LIST", 3 bytes + pad byte
  const size = 4 + junk.length + 24 + 8 + dataSize;
  const b = new Uint8Array(8 + size);
  const v = new DataView(b.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (b[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, size, true);
  put(8, 'WAVE');
  b.set(junk, 12);
  let at = 12 + junk.length;
  put(at, 'fmt ');
  v.setUint32(at + 4, 16, true);
  v.setUint16(at + 8, o.format ?? 1, true);
  v.setUint16(at + 10, ch, true);
  v.setUint32(at + 12, o.rate ?? 8000, true);
  v.setUint32(at + 16, (o.rate ?? 8000) * ch * (bits / 8), true);
  v.setUint16(at + 20, ch * (bits / 8), true);
  v.setUint16(at + 22, bits, true);
  at += 24;
  put(at, 'data');
  v.setUint32(at + 4, dataSize, true);
  data.forEach((s, i) => v.setInt16(at + 8 + 2 * i, s, true));
  return b;
}

describe('WAV', () => {
  it('reads constructed mono and stereo files (skipping unknown chunks; stereo averaged)', () => {
    const mono = decodeWav(wavBytes({ frames: [[0], [16384], [-32768], [32767]] }));
    expect(mono.sampleRate).toBe(8000);
    expect(Array.from(mono.samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
    const st = decodeWav(
      wavBytes({
        channels: 2,
        rate: 22050,
        frames: [
          [1000, 3000],
          [-200, 200],
        ],
      }),
    );
    expect(st.channels).toBe(2);
    expect(st.sampleRate).toBe(22050);
    expect(Array.from(st.samples)).toEqual([2000 / 32768, 0]);
  });

  it('round-trips samples through encodeWav exactly', () => {
    const ints = [0, 1, -1, 12345, -32768, 32767, 7];
    const a = decodeWav(wavBytes({ rate: 16000, frames: ints.map((s) => [s]) }));
    const bytes = encodeWav(a.samples, a.sampleRate);
    expect(bytes.length).toBe(44 + 2 * ints.length);
    const b = decodeWav(bytes);
    expect(b.sampleRate).toBe(16000);
    expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
    expect(Array.from(encodeWav(b.samples, 16000))).toEqual(Array.from(bytes));
  });

  it('refuses other formats naming what it found', () => {
    expect(() => decodeWav(wavBytes({ format: 3, bits: 32, frames: [] }))).toThrow(
      /only 16-bit integer PCM is supported, found IEEE float \(format 3\), 32 bits, 1 channel/,
    );
    expect(() => decodeWav(wavBytes({ bits: 8, frames: [] }))).toThrow(/found PCM \(format 1\), 8 bits/);
    expect(() => decodeWav(new TextEncoder().encode('OggS....vorbis'))).toThrow(AudioFormatError);
    expect(() => decodeWav(new TextEncoder().encode('OggS....vorbis'))).toThrow(/not a RIFF\/WAVE file/);
  });

  it('reads a real LJ Speech clip: 22,050 Hz mono, its length from the header', () => {
    const a = readWav(`${DATA}/ljspeech-sample/wavs/LJ001-0001.wav`);
    expect(a.sampleRate).toBe(22050);
    expect(a.channels).toBe(1);
    // data chunk: 0x067f3a bytes = 212,893 frames of 2 bytes; 9.655 s
    expect(a.samples.length).toBe(Math.floor(0x067f3a / 2));
    expect(a.samples.length / a.sampleRate).toBeCloseTo(9.655, 3);
    expect(a.samples[0]).toBe(-24 / 32768);
  });
});

describe('resample', () => {
  /** Frequency of a sine from its zero crossings. */
  function freq(x: Float32Array, rate: number): number {
    let crossings = 0;
    for (let i = 1; i < x.length; i++) if ((x[i - 1] ?? 0) < 0 !== (x[i] ?? 0) < 0) crossings++;
    return (crossings / 2 / x.length) * rate;
  }
  const sine = (f: number, rate: number, seconds: number) =>
    Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate + 0.1));

  it('keeps a sine at its frequency, down and up', () => {
    const x = sine(440, 22050, 1);
    const down = resample(x, 22050, 4000);
    expect(down.length).toBe(4000);
    expect(freq(down, 4000)).toBeCloseTo(440, -1);
    const up = resample(x, 22050, 44100);
    expect(up.length).toBe(44100);
    expect(freq(up, 44100)).toBeCloseTo(440, -1);
    // amplitude kept away from the edges
    expect(Math.max(...down.slice(200, 3800))).toBeGreaterThan(0.97);
    expect(Math.max(...down.slice(200, 3800))).toBeLessThan(1.03);
  });

  it('the per-phase kernel tables (integer rates) give the direct windowed-sinc sums', () => {
    // The definition, tap by tap: Blackman-windowed sinc, 16 zero crossings at the lower cutoff.
    function direct(x: Float32Array, from: number, to: number): Float64Array {
      const scale = Math.min(1, to / from);
      const half = 16 / scale;
      const sinc = (v: number) => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
      const win = (u: number) =>
        Math.abs(u) >= 1 ? 0 : 0.42 - 0.5 * Math.cos(Math.PI * (u + 1)) + 0.08 * Math.cos(2 * Math.PI * (u + 1));
      return Float64Array.from({ length: Math.round((x.length * to) / from) }, (_, i) => {
        const t = (i * from) / to;
        let acc = 0;
        for (let k = Math.max(0, Math.ceil(t - half)); k <= Math.min(x.length - 1, Math.floor(t + half)); k++)
          acc += (x[k] ?? 0) * scale * sinc(scale * (t - k)) * win((t - k) / half);
        return acc;
      });
    }
    let seed = 7;
    const noise = Float32Array.from({ length: 3000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 1073741824 - 1;
    });
    for (const [from, to] of [
      [22050, 4000],
      [22050, 4410],
      [8000, 11025],
      [22050, 44100],
    ] as const) {
      const a = resample(noise, from, to);
      const b = direct(noise, from, to);
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
      expect(worst, `${from} -> ${to}`).toBeLessThan(1e-5);
    }
  });

  it('filters what would alias: a 3 kHz tone is (nearly) gone at 4 kHz', () => {
    const down = resample(sine(3000, 22050, 1), 22050, 4000);
    const rms = Math.sqrt(down.slice(200, 3800).reduce((s, v) => s + v * v, 0) / 3600);
    expect(rms).toBeLessThan(0.01);
  });
});

describe('mu-law', () => {
  it('known values', () => {
    expect(muLawEncode(0)).toBe(128);
    expect(muLawEncode(-1)).toBe(0);
    expect(muLawEncode(1)).toBe(255);
    expect(muLawEncode(2)).toBe(255);
    expect(muLawEncode(0, 'floor')).toBe(127); // basveeling's astype('uint8')
    expect(muLawEncode(0.5)).toBe(Math.round(((Math.log1p(127.5) / Math.log(256) + 1) / 2) * 255));
    expect(muLawDecode(0)).toBe(-1);
    expect(muLawDecode(255)).toBeCloseTo(1, 12);
    expect(muLawEncode(-0.5)).toBe(255 - muLawEncode(0.5));
  });

  it('round trip error within half a level at that amplitude', () => {
    let worst = 0;
    for (let i = 0; i <= 2000; i++) {
      const x = -1 + i / 1000;
      const err = Math.abs(muLawDecode(muLawEncode(x)) - x);
      // half a level in the companded domain times the slope of the expansion there
      expect(err).toBeLessThanOrEqual(9e-5 + 0.0225 * Math.abs(x));
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThan(0.023);
    // levels are monotone; every level decodes to a value that encodes back to it
    const q = muLawEncodeAll(Float32Array.from({ length: 4001 }, (_, i) => -1 + i / 2000));
    for (let i = 1; i < q.length; i++) expect(q[i]).toBeGreaterThanOrEqual(q[i - 1] ?? 0);
    for (let level = 0; level < 256; level++) expect(muLawEncode(muLawDecode(level))).toBe(level);
  });
});

describe('UCI Air Quality CSV', () => {
  it('parses the real file: 9,357 records, 13 numeric columns, 114 blank rows', () => {
    const t = loadAirQuality(DATA);
    expect(t.rows).toBe(9357);
    expect(t.blankRows).toBe(114);
    expect(t.columns).toEqual([
      'CO(GT)',
      'PT08.S1(CO)',
      'NMHC(GT)',
      'C6H6(GT)',
      'PT08.S2(NMHC)',
      'NOx(GT)',
      'PT08.S3(NOx)',
      'NO2(GT)',
      'PT08.S4(NO2)',
      'PT08.S5(O3)',
      'T',
      'RH',
      'AH',
    ]);
    expect(t.dates[0]).toBe('10/03/2004');
    expect(t.times[0]).toBe('18.00.00');
    expect(t.dates.at(-1)).toBe('04/04/2005');
    // first record: 2,6;1360;150;11,9;...;0,7578
    expect(Array.from(t.values.subarray(0, 13))).toEqual([
      2.6, 1360, 150, 11.9, 1046, 166, 1056, 113, 1692, 1268, 13.6, 48.9, 0.7578,
    ]);
    expect(column(t, 'C6H6(GT)')[1]).toBe(9.4);
  });

  it('counts the -200 missing codes per column', () => {
    const m = missingCounts(loadAirQuality(DATA));
    expect(m).toMatchObject({
      'NMHC(GT)': 8443,
      'CO(GT)': 1683,
      'NOx(GT)': 1639,
      'NO2(GT)': 1642,
      'C6H6(GT)': 366,
      T: 366,
    });
  });

  it('refuses a foreign header and a bad field, naming the line', () => {
    expect(() => parseAirQualityCsv('a,b,c\n1,2,3\n')).toThrow(/expected a header starting "Date;Time;"/);
    expect(() => parseAirQualityCsv('Date;Time;A;;\r\n1/1/2004;00.00.00;x;;\r\n')).toThrow(
      /line 2, column A: not a number: "x"/,
    );
    const t = parseAirQualityCsv('Date;Time;A;B;;\r\n1/1/2004;00.00.00;1,5;-200;;\r\n;;;;;\r\n');
    expect(t).toMatchObject({ rows: 1, blankRows: 1, columns: ['A', 'B'] });
    expect(Array.from(t.values)).toEqual([1.5, -200]);
  });
});
