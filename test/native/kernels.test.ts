import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, NATIVE_KERNELS, type NativeBackend } from '../../src/backends/native/backend.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const TOL = 1e-5;
const have = await nativeAvailable();
const itNative = have ? it : it.skip;

/** Compares fn on native against cpu, output by output. */
function expectSame(fn: () => tf.Tensor | tf.Tensor[], tol = TOL): void {
  const ref = runOn('cpu', fn);
  const got = runOn('native', fn);
  expect(got.length).toBe(ref.length);
  ref.forEach((r, i) => {
    const g = got[i];
    expect(g?.shape).toEqual(r.shape);
    const e = relErr(g?.values ?? [], r.values);
    if (!(e <= tol)) throw new Error(`output ${i}: relative error ${e} > ${tol}`);
  });
}

describe('native kernels match cpu', () => {
  beforeAll(async () => {
    if (have) {
      const { useBackend } = await import('../../src/backends/index.js');
      await useBackend('native');
    }
  });

  itNative('registers every cpu kernel and reports its micro-kernel', () => {
    const cpu = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .sort();
    // Plus tfgym's own fused kernels (the LSTM), which no cpu kernel stands for.
    const nat = tf
      .getKernelsForBackend('native')
      .map((k) => k.kernelName)
      .filter((k) => !k.startsWith('Tfgym'))
      .sort();
    expect(nat).toEqual(cpu);
    expect(['avx512', 'avx2+fma', 'portable']).toContain(nativeAddon()?.kernel());
  });

  itNative('matMul: odd sizes, every transpose combination, batched and broadcast', () => {
    const rng = new Rng(11);
    const dims = [1, 2, 7, 17, 33, 70];
    for (let t = 0; t < 24; t++) {
      const m = dims[rng.nextInt(dims.length)] as number;
      const n = dims[rng.nextInt(dims.length)] as number;
      const k = t === 0 ? 300 : (dims[rng.nextInt(dims.length)] as number);
      const ta = rng.bernoulli(0.5);
      const tb = rng.bernoulli(0.5);
      const batch = t % 3 === 0 ? 3 : 1;
      const bcast = t % 6 === 0;
      const aShape = ta ? [k, m] : [m, k];
      const bShape = tb ? [n, k] : [k, n];
      const a = randomData(batch * m * k, rng);
      const b = randomData((bcast ? 1 : batch) * k * n, rng);
      expectSame(() => {
        const at = batch > 1 ? tf.tensor(a, [batch, ...aShape]) : tf.tensor(a, aShape);
        const bt = batch > 1 && !bcast ? tf.tensor(b, [batch, ...bShape]) : tf.tensor(b, bShape);
        return tf.matMul(at, bt, ta, tb);
      });
    }
  });

  itNative('fused matMul: bias and every activation, both transposes', () => {
    const rng = new Rng(12);
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const) {
      for (const [ta, tb] of [
        [false, false],
        [true, true],
        [false, true],
      ] as const) {
        const m = 1 + rng.nextInt(40);
        const n = 1 + rng.nextInt(40);
        const k = 1 + rng.nextInt(90);
        const a = randomData(m * k, rng);
        const b = randomData(k * n, rng);
        const bias = randomData(n, rng);
        const alpha = randomData(n, rng);
        expectSame(() =>
          tf.fused.matMul({
            a: tf.tensor2d(a, ta ? [k, m] : [m, k]),
            b: tf.tensor2d(b, tb ? [n, k] : [k, n]),
            transposeA: ta,
            transposeB: tb,
            bias: tf.tensor1d(bias),
            activation,
            preluActivationWeights: activation === 'prelu' ? tf.tensor1d(alpha) : undefined,
            leakyreluAlpha: 0.3,
          }),
        );
      }
    }
  });

  itNative(
    'skinny matMul (1-4 rows, streamed B): equal to cpu, and to itself on 1 and 2 threads and the portable path',
    () => {
      const addon = nativeAddon();
      if (!addon) throw new Error('addon missing');
      const rng = new Rng(14);
      const threads = addon.threads();
      try {
        for (const [m, k, n, ta] of [
          [1, 300, 517, false],
          [3, 129, 1030, true],
          [4, 2304, 96, false],
          [2, 5, 7, false],
        ] as const) {
          const a = randomData(m * k, rng);
          const b = randomData(k * n, rng);
          const f = () => tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, [k, n]), ta, false);
          addon.setThreads(1);
          const one = runOn('native', f)[0]?.values;
          addon.setThreads(2);
          expect(runOn('native', f)[0]?.values, `${m}x${k}x${n}: 2 threads`).toEqual(one);
          expectSame(f);
          addon.forcePortable(true);
          expectSame(f);
          addon.forcePortable(false);
        }
      } finally {
        addon.forcePortable(false);
        addon.setThreads(threads);
      }
    },
  );

  itNative('matMul with the portable micro-kernel and with 1 vs 2 threads is deterministic', () => {
    const addon = nativeAddon();
    if (!addon) throw new Error('addon missing');
    const rng = new Rng(13);
    const a = randomData(131 * 257, rng);
    const b = randomData(257 * 67, rng);
    const f = () => tf.matMul(tf.tensor2d(a, [131, 257]), tf.tensor2d(b, [257, 67]));
    const threads = addon.threads();
    try {
      addon.setThreads(1);
      const one = runOn('native', f)[0]?.values;
      addon.setThreads(2);
      const two = runOn('native', f)[0]?.values;
      const again = runOn('native', f)[0]?.values;
      expect(two).toEqual(one);
      expect(again).toEqual(two);
      addon.forcePortable(true);
      expectSame(f);
    } finally {
      addon.forcePortable(false);
      addon.setThreads(threads);
    }
  });

  itNative('conv2d and fused conv2d: strides 1-4, same/valid/explicit, dilations, batch 1 and 33', () => {
    const rng = new Rng(21);
    for (let t = 0; t < 28; t++) {
      const batch = t % 4 === 0 ? 33 : 1;
      const h = 3 + rng.nextInt(12);
      const w = 3 + rng.nextInt(12);
      const cin = 1 + rng.nextInt(5);
      const cout = 1 + rng.nextInt(9);
      const fh = 1 + rng.nextInt(Math.min(5, h));
      const fw = 1 + rng.nextInt(Math.min(5, w));
      const stride = 1 + (t % 4);
      const pads = ['same', 'valid', 1] as const;
      const pad = pads[t % 3] as 'same' | 'valid' | number;
      const dil = t % 7 === 3 && stride === 1 ? 2 : 1;
      if (pad === 'valid' && (h < (fh - 1) * dil + 1 || w < (fw - 1) * dil + 1)) continue;
      const x = randomData(batch * h * w * cin, rng);
      const f = randomData(fh * fw * cin * cout, rng);
      const bias = randomData(cout, rng);
      expectSame(() => {
        const xt = tf.tensor4d(x, [batch, h, w, cin]);
        const ft = tf.tensor4d(f, [fh, fw, cin, cout]);
        return [
          tf.conv2d(xt, ft, stride, pad, 'NHWC', dil),
          tf.fused.conv2d({
            x: xt,
            filter: ft,
            strides: stride,
            pad,
            dilations: dil,
            bias: tf.tensor1d(bias),
            activation: t % 2 ? 'relu' : 'elu',
          }),
        ];
      });
    }
  });

  itNative('conv2d gradients (Conv2DBackpropInput/Filter): strides 1-4, both paddings, batch 1 and 33', () => {
    const rng = new Rng(22);
    for (let t = 0; t < 24; t++) {
      const batch = t % 4 === 1 ? 33 : 1;
      const h = 4 + rng.nextInt(11);
      const w = 4 + rng.nextInt(11);
      const cin = 1 + rng.nextInt(4);
      const cout = 1 + rng.nextInt(7);
      const fh = 1 + rng.nextInt(4);
      const fw = 1 + rng.nextInt(4);
      const stride = 1 + (t % 4);
      const pad = t % 2 ? 'same' : 'valid';
      const x = randomData(batch * h * w * cin, rng);
      const f = randomData(fh * fw * cin * cout, rng);
      const outH = pad === 'same' ? Math.ceil(h / stride) : Math.ceil((h - fh + 1) / stride);
      const outW = pad === 'same' ? Math.ceil(w / stride) : Math.ceil((w - fw + 1) / stride);
      const r = randomData(batch * outH * outW * cout, rng);
      expectSame(() => {
        const xt = tf.tensor4d(x, [batch, h, w, cin]);
        const ft = tf.tensor4d(f, [fh, fw, cin, cout]);
        const rt = tf.tensor4d(r, [batch, outH, outW, cout]);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), rt)),
        )([xt, ft]);
      });
    }
  });

  for (const [name, pool, seed] of [
    ['maxPool', tf.maxPool, 23],
    ['avgPool', tf.avgPool, 24],
  ] as const) {
    itNative(`${name} and its gradient: windows 1-4 (rectangular), strides 1-4, both paddings, batch 1 and 33`, () => {
      const rng = new Rng(seed);
      for (let t = 0; t < 24; t++) {
        const batch = t % 4 === 2 ? 33 : 1;
        const h = 3 + rng.nextInt(12);
        const w = 3 + rng.nextInt(12);
        const c = 1 + rng.nextInt(6);
        const size: [number, number] = [1 + rng.nextInt(Math.min(4, h)), 1 + rng.nextInt(Math.min(4, w))];
        const stride = 1 + (t % 4);
        const pad = t % 2 ? 'same' : 'valid';
        const x = randomData(batch * h * w * c, rng);
        const xt0 = tf.tensor4d(x, [batch, h, w, c]);
        const shape = pool(xt0, size, stride, pad).shape;
        xt0.dispose();
        const r = randomData(
          shape.reduce((a, b) => a * b, 1),
          rng,
        );
        expectSame(() => {
          const xt = tf.tensor4d(x, [batch, h, w, c]);
          const y = pool(xt, size, stride, pad);
          const g = tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(pool(a as tf.Tensor4D, size, stride, pad), tf.tensor(r, shape))),
          )(xt);
          return [y, g];
        });
      }
    });
  }

  itNative('maxPool gradient with ties, -Infinity and NaN: the first maximum of each window gets dy', () => {
    const rng = new Rng(25);
    for (const [c, size, stride, pad] of [
      [64, 2, 2, 'valid'],
      [67, 2, 2, 'same'],
      [5, 3, 2, 'same'],
      [19, 3, 1, 'valid'],
    ] as const) {
      const [batch, h, w] = [3, 7, 9];
      // Three levels, so most windows hold ties; some -Infinity and NaN pixels, and one image
      // whose windows hold nothing greater than -Infinity (no pixel gets their dy).
      const x = new Float32Array(batch * h * w * c).map((_, i) => {
        if (i < h * w * c) return i % 2 ? -Infinity : NaN;
        const u = rng.nextFloat();
        return u < 0.05 ? -Infinity : u < 0.07 ? NaN : rng.nextInt(3) - 1;
      });
      const xt0 = tf.tensor4d(x, [batch, h, w, c]);
      const shape = tf.maxPool(xt0, size, stride, pad).shape;
      xt0.dispose();
      const r = randomData(
        shape.reduce((a, b) => a * b, 1),
        rng,
      );
      // Windows that do not overlap add one dy per pixel: exact. Overlapping ones sum in float32 here
      // and in double on cpu.
      expectSame(
        () =>
          tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), tf.tensor(r, shape))),
          )(tf.tensor4d(x, [batch, h, w, c])),
        size === stride ? 0 : TOL,
      );
    }
  });

  itNative('element-wise ops (same shape, scalar, bias broadcast) and leading-axis sums', () => {
    const rng = new Rng(24);
    const shapes: Array<[number[], number[]]> = [
      [
        [33, 7, 5],
        [33, 7, 5],
      ],
      [[300, 257], []],
      [[], [41, 3]],
      [[2, 9, 9, 5], [5]],
      [
        [1, 5],
        [2, 9, 9, 5],
      ],
      [[70000], [70000]],
      [
        [4, 3],
        [4, 1],
      ],
    ];
    for (const [sa, sb] of shapes) {
      const a = randomData(
        sa.reduce((x, y) => x * y, 1),
        rng,
      );
      const b = randomData(
        sb.reduce((x, y) => x * y, 1),
        rng,
      ).map((v) => (v === 0 ? 0.5 : v));
      expectSame(() => {
        const at = tf.tensor(a, sa);
        const bt = tf.tensor(b, sb);
        return [
          tf.add(at, bt),
          tf.sub(at, bt),
          tf.mul(at, bt),
          tf.div(at, bt),
          tf.maximum(at, bt),
          tf.minimum(at, bt),
          tf.squaredDifference(at, bt),
        ];
      }, 0);
    }
    const x = randomData(33 * 7 * 300, rng);
    expectSame(() => {
      const xt = tf.tensor(x, [33, 7, 300]);
      const pos = tf.abs(xt);
      return [
        tf.sqrt(pos),
        tf.square(xt),
        tf.relu(xt),
        tf.step(xt, 0.25),
        tf.neg(xt),
        tf.exp(xt),
        tf.log(pos),
        pos,
        tf.rsqrt(pos),
        tf.sigmoid(xt),
        tf.tanh(xt),
        tf.sum(xt, [0, 1]),
        tf.sum(xt, 0, true),
        tf.sum(xt),
        tf.sum(xt, [1, 2]),
        tf.mean(xt),
      ];
    });
  });

  itNative(
    'step (the vectorized ReLU-gradient mask): bit for bit tfjs, with alpha, NaN, +-0, +-Inf and an odd tail',
    () => {
      const rng = new Rng(78);
      const x = Float32Array.from([
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        1e-45,
        -1e-45,
        ...Array.from({ length: 1_003 }, () => rng.uniform(-1, 1)),
      ]);
      for (const alpha of [0, 0.25, -2]) {
        const [ref] = runOn('cpu', () => tf.step(tf.tensor1d(x), alpha));
        const [got] = runOn('native', () => tf.step(tf.tensor1d(x), alpha));
        expect(Array.from(got?.values ?? [])).toEqual(Array.from(ref?.values ?? []));
      }
    },
  );

  itNative(
    'tanh and sigmoid (vectorized float forms): every element within 5e-7 (about 4 float ulps) of tfjs, NaN, +-0, +-Inf',
    () => {
      // Lengths off a multiple of 8 exercise the scalar tail; the values cross the tanh series
      // threshold (0.25), the clamp of exp (|x| > 87) and the saturation of both.
      const special = [
        0, -0, 1e-30, -1e-8, 1e-4, 0.2499999, 0.25, 0.2500001, -0.7, 1, 4.5, 9, 20, -20, 87, 88, 100, -100,
      ];
      const rng = new Rng(77);
      const x = Float32Array.from([
        ...special,
        NaN,
        Infinity,
        -Infinity,
        ...Array.from({ length: 70_003 }, () => rng.uniform(-12, 12) * rng.uniform(0, 1) ** 3),
      ]);
      for (const op of [tf.tanh, tf.sigmoid]) {
        const [ref] = runOn('cpu', () => op(tf.tensor1d(x)));
        const [got] = runOn('native', () => op(tf.tensor1d(x)));
        const r = ref?.values ?? [];
        const g = got?.values ?? [];
        expect(g.length).toBe(x.length);
        let worst = 0;
        for (let i = 0; i < x.length; i++) {
          const a = r[i] ?? NaN;
          const b = g[i] ?? NaN;
          if (Number.isNaN(a)) {
            expect(b, `${op.name}(${x[i]})`).toBeNaN();
            continue;
          }
          // Relative, with an absolute floor where the value underflows (sigmoid below -87).
          const err = Math.abs(a - b) / Math.max(Math.abs(a), 1e-30);
          if (Math.abs(a) > 1e-30) worst = Math.max(worst, err);
          else expect(Math.abs(b)).toBeLessThan(1e-37);
          if (x[i] === 0 && op === tf.tanh)
            expect(Object.is(b, a), `tanh(${Object.is(x[i], -0) ? '-0' : '0'})`).toBe(true);
        }
        expect(worst, op.name).toBeLessThan(5e-7);
      }
    },
  );

  itNative('gather: every axis, index shapes of rank 0-2, repeats, float32/int32/bool, and its gradient', () => {
    const rng = new Rng(21);
    for (const shape of [[7], [5, 3], [4, 6, 5], [3, 1, 4, 2]]) {
      const data = randomData(
        shape.reduce((a, b) => a * b, 1),
        rng,
      );
      for (let axis = -shape.length; axis < shape.length; axis++) {
        const dim = shape[axis < 0 ? axis + shape.length : axis] as number;
        const idx = Array.from({ length: 2 + rng.nextInt(6) }, () => rng.nextInt(dim));
        const idxShape = idx.length % 2 === 0 ? [2, idx.length / 2] : [idx.length];
        expectSame(() => tf.gather(tf.tensor(data, shape), tf.tensor(idx, idxShape, 'int32'), axis));
        expectSame(() => tf.gather(tf.tensor(data, shape), tf.scalar(idx[0] ?? 0, 'int32'), axis));
        expectSame(() => tf.gather(tf.tensor(data, shape).mul(10).floor().toInt(), tf.tensor1d(idx, 'int32'), axis));
        expectSame(() => tf.gather(tf.tensor(data, shape).greater(0), tf.tensor1d(idx, 'int32'), axis).toFloat());
        // The gradient is an UnsortedSegmentSum over the (repeated) indices.
        expectSame(() =>
          tf.grad((x: tf.Tensor) =>
            tf
              .gather(x, tf.tensor(idx, idxShape, 'int32'), axis)
              .square()
              .sum(),
          )(tf.tensor(data, shape)),
        );
      }
    }
  });

  itNative('transpose: every permutation of ranks 1-4, identity included, float32/int32/bool', () => {
    const rng = new Rng(23);
    const perms = (n: number): number[][] =>
      n === 1
        ? [[0]]
        : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
    for (const shape of [[5], [3, 4], [2, 3, 5], [2, 3, 1, 4]]) {
      const data = randomData(
        shape.reduce((a, b) => a * b, 1),
        rng,
      );
      for (const perm of perms(shape.length)) {
        expectSame(() => tf.transpose(tf.tensor(data, shape), perm));
        expectSame(() => tf.transpose(tf.tensor(data, shape).mul(10).round().toInt(), perm));
        expectSame(() => tf.transpose(tf.tensor(data, shape).greater(0), perm).toFloat());
      }
    }
  });

  itNative("gather: an out-of-range index gets tfjs' error, as on cpu", () => {
    for (const backend of ['cpu', 'native']) {
      tf.setBackend(backend);
      expect(() => tf.gather(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([0, 2], 'int32')), backend).toThrow(
        /GatherV2: the index value 2 is not in \[0, 1\]/,
      );
    }
  });

  itNative('unsortedSegmentSum: float32 and int32, rows of rank 1-3, dropped out-of-range ids, empty segments', () => {
    const rng = new Rng(22);
    const shapes: number[][] = [[9], [9, 4], [3, 4, 5]];
    for (const shape of shapes) {
      const data = randomData(
        shape.reduce((a, b) => a * b, 1),
        rng,
      );
      // Ids in [-1, 6) over 6 segments: some dropped (-1), some segments empty.
      const ids = Array.from({ length: shape[0] ?? 0 }, () => rng.nextInt(7) - 1);
      const segIds = (): tf.Tensor1D => tf.tensor1d(ids, 'int32');
      expectSame(() => tf.unsortedSegmentSum(tf.tensor(data, shape), segIds(), 6));
      expectSame(() => tf.unsortedSegmentSum(tf.tensor(data, shape).mul(10).round().toInt(), segIds(), 6));
    }
  });

  itNative('broadcasts with trailing 1s ([B, T, 1] against [B, T, C]) and sums over a middle block of axes', () => {
    const rng = new Rng(31);
    const a = randomData(3 * 5 * 7, rng);
    const b = randomData(3 * 5, rng);
    const c = randomData(5 * 7, rng);
    expectSame(() => [
      tf.div(tf.tensor(a, [3, 5, 7]), tf.tensor(b, [3, 5, 1])),
      tf.mul(tf.tensor(b, [3, 5, 1]), tf.tensor(a, [3, 5, 7])),
      tf.sub(tf.tensor(a, [3, 5, 7]), tf.tensor(b.slice(0, 5), [5, 1])),
      tf.add(tf.tensor(a, [3, 5, 7]), tf.tensor(c, [1, 5, 7])),
      // A middle broadcast ([B, 1, C], a global max-pool gradient's).
      tf.add(tf.tensor(a, [3, 5, 7]), tf.tensor(a.slice(0, 21), [3, 1, 7])),
    ]);
    // Large enough to split over threads, so chunks start inside a run of a repeated value and
    // inside a broadcast block; the repeating operand wraps (period shorter than its rows).
    const big = randomData(33 * 3 * 1003, rng);
    const rows = randomData(99, rng);
    expectSame(() => {
      const x = tf.tensor(big, [33, 3, 1003]);
      return [
        tf.div(x, tf.tensor(rows, [33, 3, 1])),
        tf.sub(tf.tensor(rows, [33, 3, 1]), x),
        tf.mul(x, tf.tensor(rows.slice(0, 3), [3, 1])),
        tf.add(x, tf.tensor(big.slice(0, 33 * 1003), [33, 1, 1003])),
        tf.cast(tf.greater(x, tf.tensor(rows, [33, 3, 1])), 'float32'),
        tf.cast(tf.lessEqual(tf.tensor(big.slice(0, 33 * 1003), [33, 1, 1003]), x), 'float32'),
      ];
    });
    const xData = randomData(4 * 3 * 5 * 6, rng);
    expectSame(() => {
      const x = tf.tensor(xData, [4, 3, 5, 1, 6]);
      return [
        tf.sum(x, 1),
        tf.sum(x, [1, 2]),
        tf.sum(x, [2, 3], true),
        tf.sum(x, [4]),
        tf.sum(x, [0, 1, 2, 3, 4]),
        // Not one block: the cpu kernel.
        tf.sum(x, [0, 2]),
      ];
    });
  });

  itNative('softmax over the last axis (rows of 1, 46 and 1000, -Inf and large logits) and its gradient', () => {
    const rng = new Rng(32);
    for (const shape of [[1], [7, 46], [3, 4, 1000], [5, 1]]) {
      const data = randomData(
        shape.reduce((p, q) => p * q, 1),
        rng,
      ).map((v) => v * 30);
      // One -Inf logit in a row with finite ones (alone in its row it would give NaN on both backends).
      if ((shape[shape.length - 1] ?? 1) > 3) data[2] = -Infinity;
      expectSame(() => [
        tf.softmax(tf.tensor(data, shape)),
        tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.softmax(x))))(tf.tensor(data, shape)),
      ]);
    }
  });

  itNative('tile (RepeatVector) of ranks 1-4 and its gradient', () => {
    const rng = new Rng(33);
    const cases: Array<[number[], number[]]> = [
      [[5], [3]],
      [
        [2, 3],
        [2, 1],
      ],
      [
        [4, 1, 6],
        [1, 250, 1],
      ],
      [
        [2, 3, 1, 2],
        [2, 1, 3, 2],
      ],
    ];
    for (const [shape, reps] of cases) {
      const data = randomData(
        shape.reduce((p, q) => p * q, 1),
        rng,
      );
      expectSame(() => {
        const x = tf.tensor(data, shape);
        const w = tf.tensor(
          randomData(x.size * reps.reduce((p, q) => p * q, 1), new Rng(34)),
          shape.map((d, i) => d * (reps[i] ?? 1)),
        );
        return [tf.tile(x, reps), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.tile(xi, reps), w)))(x)];
      });
    }
  });

  itNative('slice, split, reverse and pad: ranks 0-4, every axis, float32/int32/bool', () => {
    const rng = new Rng(35);
    const shape = [3, 4, 5, 2];
    const data = randomData(3 * 4 * 5 * 2, rng);
    const dtypes = ['float32', 'int32', 'bool'] as const;
    for (const dtype of dtypes) {
      const x = (): tf.Tensor => {
        const t = tf.tensor(data, shape);
        return dtype === 'float32' ? t : dtype === 'int32' ? tf.cast(tf.mul(t, 10), 'int32') : tf.greater(t, 0);
      };
      expectSame(() => [
        tf.slice(x(), [1, 0, 2, 0], [2, 4, 3, 2]),
        tf.slice(x(), [0, 1, 0, 1], [-1, 2, -1, 1]),
        tf.slice(x(), [2, 3, 4, 1], [1, 1, 1, 1]),
        tf.slice(x(), [0, 0, 0, 0], [0, 4, 5, 2]),
        tf.slice(tf.reshape(x(), [120]), 7, 50),
        ...tf.split(x(), 2, 3),
        ...tf.split(x(), [1, 3, 1], 2),
        ...tf.split(x(), [2, 1], 0),
        tf.reverse(x(), 1),
        tf.reverse(x(), [0, 3]),
        tf.reverse(x(), [3]),
        tf.reverse(x()),
        tf.reverse(x(), []),
        tf.pad(x(), [
          [0, 0],
          [2, 1],
          [0, 0],
          [1, 0],
        ]),
        tf.pad(
          x(),
          [
            [1, 1],
            [0, 0],
            [3, 0],
            [0, 0],
          ],
          dtype === 'bool' ? 1 : 2.5,
        ),
        tf.pad(tf.reshape(x(), [120]), [[4, 0]]),
      ]);
    }
    expectSame(() => [tf.reverse(tf.scalar(3)), tf.slice(tf.tensor1d([1, 2, 3]), 1, 0)]);
  });

  itNative('leaky relu, elu, softplus, comparisons and select, with the gradients that use them', () => {
    const rng = new Rng(36);
    const data = randomData(6 * 7 * 5, rng).map((v) => v * 20);
    // Exact zeros and ties, where the comparisons and kinks decide.
    data[0] = 0;
    data[1] = -0;
    data[3] = data[4] ?? 0;
    const other = randomData(6 * 7 * 5, rng).map((v) => v * 20);
    other[3] = data[3] ?? 0;
    const col = randomData(6 * 7, rng);
    expectSame(() => {
      const x = tf.tensor(data, [6, 7, 5]);
      const y = tf.tensor(other, [6, 7, 5]);
      const c = tf.tensor(col, [6, 7, 1]);
      return [
        tf.leakyRelu(x, 0.2),
        tf.elu(x),
        tf.softplus(x),
        tf.softplus(tf.mul(x, 5)),
        ...[tf.greater, tf.greaterEqual, tf.less, tf.lessEqual, tf.equal, tf.notEqual].flatMap((f) => [
          f(x, y),
          f(x, 0),
          f(x, c),
        ]),
        tf.where(tf.greater(x, y), x, y),
        tf.cast(tf.greater(x, y), 'float32'),
        tf.cast(tf.cast(x, 'int32'), 'float32'),
        tf.mul(tf.cast(tf.equal(x, tf.max(x, 1, true)), 'float32'), tf.max(x, 1, true)),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(a, 0.3), y)))(x),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.elu(a), y)))(x),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(a, -3, 4), y)))(x),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu6(a), y)))(x),
      ];
    });
  });

  itNative('max and mean over blocks of axes (global pooling), NaN and int32, and middle-broadcast comparisons', () => {
    const rng = new Rng(37);
    const data = randomData(4 * 6 * 5, rng);
    data[7] = NaN;
    const ints = Array.from(data, (v) => Math.round(v * 50) || 0);
    expectSame(() => {
      const clean = tf.tensor(
        data.map((v) => (Number.isNaN(v) ? 0.5 : v)),
        [4, 6, 5],
      );
      const xi = tf.tensor(ints, [4, 6, 5], 'int32');
      const m = tf.max(clean, 1, true);
      return [
        tf.max(xi, 1),
        tf.max(clean, [0, 2]),
        tf.mean(clean, 1),
        tf.mean(clean, [1, 2], true),
        tf.mean(clean),
        tf.equal(clean, m),
        tf.mul(clean, m),
        tf.grad((a: tf.Tensor) => tf.sum(tf.max(a, 1)))(clean),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mean(a, 1)))(clean),
      ];
    });
    // NaN wins, as on cpu (relErr counts any NaN as a mismatch: compare them directly).
    const withNaN = (): tf.Tensor[] => {
      const x = tf.tensor(data, [4, 6, 5]);
      return [tf.max(x, 1), tf.max(x, [0, 1], true), tf.max(x, 2)];
    };
    const ref = runOn('cpu', withNaN);
    const got = runOn('native', withNaN);
    ref.forEach((r, i) => {
      expect(got[i]?.shape).toEqual(r.shape);
      expect(Array.from(got[i]?.values ?? [])).toEqual(Array.from(r.values));
    });
  });

  itNative('slice and pad: non-contiguous boxes of ranks 1-4, float32/int32/bool, constant values', () => {
    const rng = new Rng(31);
    for (const shape of [[9], [4, 7], [3, 5, 6], [2, 3, 4, 5], [2, 1087, 64]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randomData(n, rng);
      for (let t = 0; t < 6; t++) {
        const begin = shape.map((d) => rng.nextInt(d));
        const size = shape.map((d, i) => (t === 0 && i === 0 ? -1 : 1 + rng.nextInt(d - (begin[i] ?? 0))));
        const pads = shape.map(() => [rng.nextInt(3), rng.nextInt(3)] as [number, number]);
        const c = t % 2 === 0 ? 0 : -1.5;
        expectSame(() => tf.slice(tf.tensor(data, shape), begin, size));
        expectSame(() => tf.slice(tf.tensor(data, shape).mul(10).round().toInt(), begin, size));
        expectSame(() => tf.slice(tf.tensor(data, shape).greater(0), begin, size).toFloat());
        expectSame(() => tf.pad(tf.tensor(data, shape), pads, c));
        expectSame(() => tf.pad(tf.tensor(data, shape).mul(10).round().toInt(), pads, 3));
      }
    }
    // The causal Conv1D pattern: pad the time axis on the left, and the pad's gradient slices it back.
    const x = randomData(2 * 1024 * 8, rng);
    expectSame(() =>
      tf.grad((v: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.pad(v, [
              [0, 0],
              [63, 0],
              [0, 0],
            ]),
            2,
          ),
        ),
      )(tf.tensor(x, [2, 1024, 8])),
    );
  });

  itNative('resizeNearestNeighbor: odd sizes up and down, alignCorners / halfPixelCenters, batch 1 and 3', () => {
    const rng = new Rng(32);
    const flags: Array<[boolean, boolean]> = [
      [false, false],
      [true, false],
      [false, true],
    ];
    for (const [h, w, oh, ow] of [
      [7, 7, 14, 14],
      [5, 3, 11, 4],
      [9, 13, 4, 6],
      [1, 6, 3, 1],
      [6, 5, 6, 5],
    ] as const) {
      for (const [align, half] of flags) {
        for (const batch of [1, 3]) {
          const data = randomData(batch * h * w * 3, rng);
          expectSame(
            () => tf.image.resizeNearestNeighbor(tf.tensor4d(data, [batch, h, w, 3]), [oh, ow], align, half),
            0,
          );
        }
      }
    }
  });

  itNative('resizeNearestNeighbor gradient: the exact adjoint of the forward (cpu where cpu is right)', () => {
    const rng = new Rng(33);
    for (const [h, w, oh, ow] of [
      [7, 7, 14, 14],
      [5, 3, 11, 4],
      [9, 13, 4, 6],
      [1, 6, 3, 1],
    ] as const) {
      for (const [align, half] of [
        [false, false],
        [true, false],
        [false, true],
      ] as Array<[boolean, boolean]>) {
        for (const batch of [1, 3]) {
          const c = 2;
          const dy = randomData(batch * oh * ow * c, rng);
          const grad = () =>
            tf.grad((v: tf.Tensor) =>
              tf.sum(
                tf.mul(
                  tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [oh, ow], align, half),
                  tf.tensor4d(dy, [batch, oh, ow, c]),
                ),
              ),
            )(tf.zeros([batch, h, w, c]));
          const got = runOn('native', grad)[0]?.values ?? new Float32Array();
          // Reference: resize an image of pixel indices on cpu to learn which pixel each output
          // copies, then add dy there.
          const ids = Float32Array.from({ length: batch * h * w * c }, (_, i) => i);
          const map = runOn('cpu', () =>
            tf.image.resizeNearestNeighbor(tf.tensor4d(ids, [batch, h, w, c]), [oh, ow], align, half),
          )[0]?.values;
          const ref = new Float32Array(batch * h * w * c);
          map?.forEach((src, i) => (ref[src] = (ref[src] ?? 0) + (dy[i] ?? 0)));
          expect(relErr(got, ref)).toBeLessThanOrEqual(1e-6);
          // tfjs's cpu gradient is right for one image without half-pixel centres (and never
          // returns for an input side of 1 with alignCorners: its search window is infinite).
          if (batch === 1 && !half && h > 1) expectSame(grad, 1e-6);
        }
      }
    }
  });

  itNative('mean over leading axes (batch-norm moments), tile, greater', () => {
    const rng = new Rng(34);
    const data = randomData(4 * 5 * 6 * 7, rng);
    const shape = [4, 5, 6, 7];
    for (const axis of [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [1], [2, 3], -1]) {
      for (const keepDims of [false, true]) expectSame(() => tf.mean(tf.tensor(data, shape), axis, keepDims));
    }
    expectSame(() => tf.moments(tf.tensor(data, shape), [0, 1, 2], true).variance);
    for (const reps of [
      [1, 1, 1, 1],
      [2, 1, 3, 1],
      [1, 1, 1, 4],
      [3, 2, 1, 2],
      [1, 0, 1, 1],
    ]) {
      expectSame(() => tf.tile(tf.tensor(data, shape), reps));
      expectSame(() => tf.tile(tf.tensor(data, shape).mul(10).round().toInt(), reps));
    }
    expectSame(() => tf.tile(tf.tensor([1, 2, 3], [1, 1, 1, 3]), [4, 5, 6, 1]));
    const b = randomData(7, rng);
    expectSame(() => tf.greater(tf.tensor(data, shape), 0).toFloat());
    expectSame(() => tf.greater(tf.scalar(0.1), tf.tensor(data, shape)).toFloat());
    expectSame(() => tf.greater(tf.tensor(data, shape), tf.tensor(b, [7])).toFloat());
    expectSame(() => tf.greater(tf.tensor(data, shape), tf.tensor(data, shape).reverse()).toFloat());
    expectSame(() => tf.greater(tf.tensor(data, shape).mul(5).round().toInt(), tf.scalar(1, 'int32')).toFloat());
    // Shapes the native paths leave to cpu (a middle-axis broadcast) still agree.
    expectSame(() => tf.greater(tf.tensor(data, shape), tf.tensor(data.slice(0, 4 * 7), [4, 1, 1, 7])).toFloat());
    // LeakyReLU's gradient runs through greater.
    expectSame(() => tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.2)))(tf.tensor(data, shape)));
  });

  itNative('the cases above ran in the addon, not in the cpu fallback', () => {
    const calls = (tf.findBackend('native') as NativeBackend).nativeCalls;
    for (const k of NATIVE_KERNELS) expect(calls.get(k) ?? 0, k).toBeGreaterThan(0);
  });

  itNative('rejects wrongly sized buffers instead of corrupting memory', () => {
    const addon = nativeAddon();
    expect(() =>
      addon?.matmul(
        new Float32Array(3),
        new Float32Array(4),
        new Float32Array(4),
        1,
        2,
        2,
        2,
        false,
        false,
        0,
        0,
        null,
        0,
        0,
      ),
    ).toThrow(/too short/);
    expect(() =>
      addon?.conv2d(new Float32Array(1), new Float32Array(1), new Float32Array(1), new Int32Array(3), null, 0, 0),
    ).toThrow(/Int32Array of 15/);
    const f = (n: number): Float32Array => new Float32Array(n);
    // LSTM (cell 0), B=2, T=3, H=4: xw needs 2*3*16 floats, the cache 2*3*24.
    const fwd = (xw: number, rec: number, cell = 0, rmask: Float32Array | null = null): void =>
      addon?.rnnForward(
        f(xw),
        f(64),
        null,
        f(8),
        f(8),
        null,
        rmask,
        f(24),
        f(144),
        f(24),
        cell,
        2,
        3,
        4,
        false,
        1,
        rec,
      );
    expect(() => fwd(95, 3)).toThrow(/rnnForward: xw is too short/);
    expect(() => fwd(96, 9)).toThrow(/unknown activation/);
    expect(() => fwd(96, 3, 7)).toThrow(/unknown cell/);
    expect(() => fwd(96, 3, 0, f(7))).toThrow(/rmask is too short/);
    // The reset-after GRU (cell 2) needs its recurrent bias and takes no recurrent dropout mask.
    expect(() =>
      addon?.rnnForward(f(72), f(48), null, f(8), null, null, null, f(24), f(96), f(24), 2, 2, 3, 4, false, 1, 2),
    ).toThrow(/rbias is too short/);
    expect(() =>
      addon?.rnnForward(f(72), f(48), f(12), f(8), null, null, f(8), f(24), f(96), f(24), 2, 2, 3, 4, false, 1, 2),
    ).toThrow(/rmask is not supported/);
    expect(() =>
      addon?.rnnBackward(
        f(64),
        f(143),
        f(24),
        f(8),
        null,
        null,
        f(24),
        f(8),
        f(8),
        f(96),
        f(64),
        null,
        0,
        2,
        3,
        4,
        false,
        1,
        3,
      ),
    ).toThrow(/rnnBackward: cache is too short/);
  });
});
