import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { WordVectors } from '../../src/text/embeddings.js';
import { TextFormatError } from '../../src/text/errors.js';
import { parseGlove, readGloveFile } from '../../src/text/glove.js';
import { encodeNpy, parseNpy, readNpy, type NpyArray } from '../../src/text/npy.js';
import { parseMrg, parseMrgTrees, readMrgDir, readMrgFile } from '../../src/text/treebank.js';
import {
  encodeWord2VecBinary,
  formatWord2VecText,
  parseWord2VecBinary,
  parseWord2VecText,
  readWord2VecFile,
  writeWord2VecFile,
} from '../../src/text/word2vec.js';
import { sharedDataset } from './shared-data.js';

// Relative to the repo: CI clones the repo with shared/ beside it.
const SHARED = '../shared/datasets';
const TREEBANK = join(SHARED, 'penn-treebank-sample/treebank/combined');
const GLOVE = join(SHARED, 'glove-6b-sample');
const LD250 = join(SHARED, 'electricity-ld2011-2014/LD_250.npy');
const tmp = mkdtempSync(join(tmpdir(), 'tfgym-text-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const have = sharedDataset;

/** The values of a non-int64 array as numbers. */
function nums(a: NpyArray): number[] {
  return Array.from(a.data as Exclude<NpyArray['data'], BigInt64Array>);
}

/** A .npy file built byte by byte: magic, version, little-endian header length, header, payload. */
function npyBytes(major: number, header: string, payload: ArrayBufferView): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const text = `${header}\n`;
  const h = major === 3 ? new TextEncoder().encode(text) : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const out = new Uint8Array(8 + lenBytes + h.length + payload.byteLength);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  out.set(h, 8 + lenBytes);
  out.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), 8 + lenBytes + h.length);
  return out;
}

describe('.npy reader', () => {
  it('reads <f4, <f8, <i4, <i8, |u1 and |b1 in format versions 1.0, 2.0 and 3.0', () => {
    const f4 = parseNpy(
      npyBytes(
        1,
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        new Float32Array([1, 2, 3, 4, 5, 6.5]),
      ),
    );
    expect(f4.data).toBeInstanceOf(Float32Array);
    expect(f4.shape).toEqual([2, 3]);
    expect(nums(f4)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f8 = parseNpy(
      npyBytes(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new Float64Array([0.1, -2])),
    );
    expect(f8.data).toBeInstanceOf(Float64Array);
    expect(nums(f8)).toEqual([0.1, -2]);
    const i4 = parseNpy(
      npyBytes(
        3,
        '{"descr": "<i4", "fortran_order": False, "shape": (3,), "note\u00e9": None}',
        new Int32Array([-1, 0, 7]),
      ),
    );
    expect(nums(i4)).toEqual([-1, 0, 7]);
    const i8 = parseNpy(
      npyBytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2L,), }", new BigInt64Array([2n ** 60n, -3n])),
    );
    expect(Array.from(i8.data as BigInt64Array)).toEqual([2n ** 60n, -3n]);
    const u1 = parseNpy(
      npyBytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", new Uint8Array([0, 255, 3, 4])),
    );
    expect(u1.shape).toEqual([1, 2, 2]);
    expect(nums(u1)).toEqual([0, 255, 3, 4]);
    const b1 = parseNpy(
      npyBytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([1, 0, 1])),
    );
    expect(b1.dtype).toBe('|b1');
    expect(nums(b1)).toEqual([1, 0, 1]);
    const scalar = parseNpy(
      npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", new Float64Array([3])),
    );
    expect(scalar.shape).toEqual([]);
    expect(nums(scalar)).toEqual([3]);
  });

  it('round-trips what encodeNpy writes (64-byte aligned header, like np.save)', () => {
    const bytes = encodeNpy(new Float32Array([1.5, 2.5, 3.5, 4.5]), [2, 2]);
    expect((10 + (bytes[8] ?? 0) + 256 * (bytes[9] ?? 0)) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual([2, 2]);
    expect(back.dtype).toBe('<f4');
    expect(nums(back)).toEqual([1.5, 2.5, 3.5, 4.5]);
  });

  it('rejects Fortran order, big-endian and other dtypes, bad magic and short data by name', () => {
    const h = (descr: string, fortran = 'False'): string =>
      `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (2,), }`;
    expect(() => parseNpy(npyBytes(1, h('<f4', 'True'), new Float32Array(2)), 'a.npy')).toThrow(
      /a.npy: fortran_order True .*'<f4'/,
    );
    expect(() => parseNpy(npyBytes(1, h('>f8'), new Float64Array(2)), 'b.npy')).toThrow(
      /b.npy: big-endian dtype '>f8'/,
    );
    expect(() => parseNpy(npyBytes(1, h('<U3'), new Uint8Array(24)), 'c.npy')).toThrow(
      /c.npy: dtype '<U3' is not supported/,
    );
    expect(() => parseNpy(npyBytes(1, h('<f4'), new Float32Array(1)), 'd.npy')).toThrow(
      /d.npy: offset \d+: .* needs 8 data bytes, the file has 4/,
    );
    expect(() => parseNpy(new Uint8Array(20), 'e.npy')).toThrow(/e.npy: offset 0: expected the magic/);
    expect(() => parseNpy(npyBytes(1, "{'descr': '<f4', 'shape': (2,) 'x'}", new Float32Array(2)))).toThrow(
      TextFormatError,
    );
    expect(() => parseNpy(npyBytes(1, h('|b1'), new Uint8Array([1, 2])))).toThrow(/bool value 2/);
  });

  it.skipIf(!have(LD250))('reads the real LD_250.npy: 1000 float64 values of customer MT_251', () => {
    const a = readNpy(LD250);
    expect(a.dtype).toBe('<f8');
    expect(a.shape).toEqual([1000]);
    expect(nums(a)[0]).toBeCloseTo(56.2907536076964, 12);
    expect(nums(a)[999]).toBeCloseTo(78.7546766435061, 12);
  });
});

describe.skipIf(!have(TREEBANK))('Penn Treebank .mrg reader on the shared sample', () => {
  it('wsj_0001: two sentences, Treebank leaves without traces', () => {
    const sents = readMrgFile(join(TREEBANK, 'wsj_0001.mrg'));
    expect(sents.length).toBe(2);
    expect(sents[0]).toEqual([
      ['Pierre', 'NNP'],
      ['Vinken', 'NNP'],
      [',', ','],
      ['61', 'CD'],
      ['years', 'NNS'],
      ['old', 'JJ'],
      [',', ','],
      ['will', 'MD'],
      ['join', 'VB'],
      ['the', 'DT'],
      ['board', 'NN'],
      ['as', 'IN'],
      ['a', 'DT'],
      ['nonexecutive', 'JJ'],
      ['director', 'NN'],
      ['Nov.', 'NNP'],
      ['29', 'CD'],
      ['.', '.'],
    ]);
    expect(sents[1]?.slice(0, 3)).toEqual([
      ['Mr.', 'NNP'],
      ['Vinken', 'NNP'],
      ['is', 'VBZ'],
    ]);
  });

  it('all 199 files: 3,914 sentences, 100,676 leaves of which 6,592 -NONE- (SOURCE.md counts)', () => {
    const sents = readMrgDir(TREEBANK);
    expect(sents.length).toBe(3914);
    const leaves = sents.flat();
    expect(leaves.length).toBe(100676 - 6592);
    expect(leaves.some(([, tag]) => tag === '-NONE-')).toBe(false);
    const withTraces = readMrgDir(TREEBANK, { keepTraces: true }).flat();
    expect(withTraces.length).toBe(100676);
    expect(new Set(withTraces.map(([, t]) => t)).size).toBe(46);
    expect(new Set(leaves.map(([, t]) => t))).toEqual(expect.objectContaining({ size: 45 }));
  });
});

describe('.mrg parser on strings', () => {
  it('drops traces, keeps punctuation tags and reports unbalanced brackets with line and column', () => {
    const text = '( (S (NP-SBJ (-NONE- *-1)) (VP (VBZ is) (-LRB- -LCB-)) (. .)) )\n';
    expect(parseMrg(text)).toEqual([
      [
        ['is', 'VBZ'],
        ['-LCB-', '-LRB-'],
        ['.', '.'],
      ],
    ]);
    expect(parseMrgTrees(text)[0]?.label).toBe('');
    expect(() => parseMrg('( (S (NN a)\n', 'x.mrg')).toThrow(
      /x.mrg: line 1, column 1: bracket opened here is never closed/,
    );
    expect(() => parseMrg('(NN a))', 'y.mrg')).toThrow(/y.mrg: line 1, column 7: unexpected '\)'/);
    expect(() => parseMrg('word (NN a)', 'z.mrg')).toThrow(/z.mrg: line 1, column 1: expected '\('/);
  });
});

describe('word2vec formats', () => {
  const wv = new WordVectors(['the', 'caf\u00e9', 'x'], new Float32Array([0.1, -2.5, 1e-8, 3, 0, 123456.789]), 2);

  it('text: header, shortest float32 decimals, exact round trip', () => {
    const text = formatWord2VecText(wv);
    expect(text.split('\n')[0]).toBe('3 2');
    expect(text.split('\n')[1]).toBe('the 0.1 -2.5');
    const back = parseWord2VecText(text);
    expect(back.words).toEqual(wv.words);
    expect(Array.from(back.vectors)).toEqual(Array.from(wv.vectors));
    expect(parseWord2VecText(text, 'w', { limit: 1 }).words).toEqual(['the']);
  });

  it('binary: word, space, little-endian float32, optional newline; exact round trip', () => {
    for (const newline of [true, false]) {
      const bytes = encodeWord2VecBinary(wv, { newline });
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('3 2\n');
      // Header, 'the ' + 'café ' (é is two bytes) + 'x ', 2 float32 per word, a newline per word.
      expect(bytes.length).toBe(4 + (4 + 6 + 2) + 3 * 8 + (newline ? 3 : 0));
      const back = parseWord2VecBinary(bytes);
      expect(back.words).toEqual(wv.words);
      expect(Array.from(back.vectors)).toEqual(Array.from(wv.vectors));
    }
  });

  it('files both ways', () => {
    writeWord2VecFile(join(tmp, 'v.txt'), wv);
    writeWord2VecFile(join(tmp, 'v.bin'), wv, { binary: true });
    expect(readWord2VecFile(join(tmp, 'v.txt')).words).toEqual(wv.words);
    expect(Array.from(readWord2VecFile(join(tmp, 'v.bin'), { binary: true }).vectors)).toEqual(Array.from(wv.vectors));
  });

  it('malformed files name the line or offset', () => {
    expect(() => parseWord2VecText('3\nthe 1 2\n', 'a.txt')).toThrow(
      /a.txt: line 1: expected the header "vocabSize dim"/,
    );
    expect(() => parseWord2VecText('2 2\nthe 1 2\nof 1\n', 'b.txt')).toThrow(
      /b.txt: line 3: expected a word and 2 values, found 2 fields/,
    );
    expect(() => parseWord2VecText('2 2\nthe 1 2\n', 'c.txt')).toThrow(
      /c.txt: the header announces 2 words, the file holds 1/,
    );
    expect(() => parseWord2VecText('1 2\nthe 1 x\n', 'd.txt')).toThrow(
      /d.txt: line 2: value 2 "x" is not a finite number/,
    );
    const bin = encodeWord2VecBinary(wv);
    expect(() => parseWord2VecBinary(bin.subarray(0, bin.length - 5), 'e.bin')).toThrow(
      /e.bin: record 3 of 3 \("x"\) at offset \d+: expected 8 bytes/,
    );
    expect(() => parseWord2VecBinary(new TextEncoder().encode('1 2\nabc'), 'f.bin')).toThrow(
      /f.bin: record 1 of 1 at offset 4: expected a word followed by a space/,
    );
    expect(() => formatWord2VecText(new WordVectors(['a b'], new Float32Array(1), 1))).toThrow(/whitespace/);
  });
});

describe('GloVe reader', () => {
  it('parses text without a header, with a vocabulary subset and coverage', () => {
    const text = 'the 1 2\nof 3 4\nand 5 6\n';
    const all = parseGlove(text);
    expect(all.vectors.words).toEqual(['the', 'of', 'and']);
    expect(all.coverage).toBeUndefined();
    const sub = parseGlove(text, { vocabulary: ['and', 'zebra', 'the', 'and'] });
    expect(sub.vectors.words).toEqual(['the', 'and']);
    expect(Array.from(sub.vectors.vector('and'))).toEqual([5, 6]);
    expect(sub.coverage).toEqual({ wanted: 3, found: 2, missing: ['zebra'] });
    expect(parseGlove(text, { limit: 2 }).vectors.size).toBe(2);
    // A word with a space (as in glove.840B): the last D fields are the vector, the rest the word.
    const spaced = parseGlove('x 0 0\nnew york 1 2\n', { vocabulary: ['new york'] });
    expect(spaced.vectors.words).toEqual(['new york']);
    expect(spaced.coverage?.found).toBe(1);
    expect(() => parseGlove('the 1 2\nof 3\n', {}, 'g.txt')).toThrow(/g.txt: line 2: expected a word and 2 values/);
    expect(() => parseGlove('', {}, 'h.txt')).toThrow(/h.txt: no vectors found/);
    expect(() => parseGlove(new Uint8Array([0x1f, 0x8b, 1, 2]), {}, 'i.gz')).toThrow(/i.gz: corrupt gzip/);
  });

  it.skipIf(!have(GLOVE))('reads the shared 100d and 300d samples (gzip) and reports vocabulary coverage', () => {
    const g100 = readGloveFile(join(GLOVE, 'glove.6B.100d.sample.txt.gz'));
    expect(g100.vectors.size).toBe(100);
    expect(g100.vectors.dim).toBe(100);
    expect(g100.vectors.words.slice(0, 3)).toEqual(['the', ',', '.']);
    expect(g100.vectors.vector('the')[0]).toBeCloseTo(-0.038194, 6);
    expect(g100.vectors.vector('the')[99]).toBeCloseTo(0.27062, 6);
    expect(readGloveFile(join(GLOVE, 'glove.6B.300d.sample.txt.gz')).vectors.dim).toBe(300);
    const sub = readGloveFile(join(GLOVE, 'glove.6B.100d.sample.txt.gz'), {
      vocabulary: ['president', 'alice', 'u.s.', 'the'],
    });
    expect(sub.coverage).toEqual({ wanted: 4, found: 3, missing: ['alice'] });
    expect(sub.vectors.words).toEqual(['the', 'president', 'u.s.']);
    // Semantics of the real vectors: 'two' is nearer to 'three' than to ','.
    expect(g100.vectors.similarity('two', 'three')).toBeGreaterThan(g100.vectors.similarity('two', ','));
  });

  it('gz round trip written in a temp dir', () => {
    const text = 'alpha 0.5 -1\nbeta 2 0.25\n';
    writeFileSync(join(tmp, 'g.txt'), text);
    writeFileSync(join(tmp, 'g.txt.gz'), gzipSync(Buffer.from(text)));
    const a = readGloveFile(join(tmp, 'g.txt'));
    const b = readGloveFile(join(tmp, 'g.txt.gz'));
    expect(b.vectors.words).toEqual(a.vectors.words);
    expect(Array.from(b.vectors.vectors)).toEqual([0.5, -1, 2, 0.25]);
    expect(readFileSync(join(tmp, 'g.txt.gz'))[0]).toBe(0x1f);
  });
});
