/**
 * The GEMM micro-kernels against each other on one machine: the AVX-512 and AVX2 kernels share
 * every element's summation order, so they must agree bit for bit (and with themselves on 1 and 2
 * threads); the portable kernel rounds differently and must agree within float tolerance. Also the
 * direct loops of convolutions with one output channel, against the cpu backend.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../src/backends/native/backend.js';
import type { NativeAddon } from '../../src/backends/native/addon.js';
import { Rng } from '../../src/rng/rng.js';
import { nativeAvailable, randomData, relErr, runOn } from './helpers.js';

const have = await nativeAvailable();
const itNative = have ? it : it.skip;

function addon(): NativeAddon {
  const a = nativeAddon();
  if (!a) throw new Error('addon missing');
  return a;
}

/** fn's outputs on native with at most micro-kernel `kernel` ("" = the best) and `threads` threads. */
function runWith(kernel: string, threads: number, fn: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  const a = addon();
  a.forceKernel(kernel);
  a.setThreads(threads);
  return runOn('native', fn).map((o) => o.values);
}

/** Every kernel the CPU has, best first ("avx512", "avx2+fma", "portable"). */
function kernels(): string[] {
  const a = addon();
  const names = [a.forceKernel(''), a.forceKernel('avx2+fma'), a.forceKernel('portable')];
  a.forceKernel('');
  return [...new Set(names)];
}

/**
 * Checks fn on every kernel: the FMA kernels bitwise equal to each other on 1 and 2 threads, the
 * portable one within `tol` of them.
 */
function expectKernelsAgree(what: string, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-5): void {
  const ks = kernels();
  const ref = runWith(ks[0] as string, 1, fn);
  for (const k of ks) {
    for (const threads of [1, 2]) {
      const got = runWith(k, threads, fn);
      expect(got.length).toBe(ref.length);
      got.forEach((g, i) => {
        const r = ref[i] as Float32Array;
        if (k === 'portable' && ks[0] !== 'portable') {
          const e = relErr(g, r);
          if (!(e <= tol)) throw new Error(`${what}, ${k}, ${threads} threads, output ${i}: relative error ${e}`);
        } else {
          expect(g, `${what}, ${k}, ${threads} threads, output ${i}`).toEqual(r);
        }
      });
    }
  }
}

describe('GEMM micro-kernels agree', () => {
  let threads = 0;
  beforeAll(async () => {
    if (have) {
      const { useBackend } = await import('../../src/backends/index.js');
      await useBackend('native');
      threads = addon().threads();
    }
  });
  afterEach(() => {
    if (have) {
      addon().forceKernel('');
      addon().setThreads(threads);
    }
  });

  itNative('reports its kernel and can be capped to each lesser one', () => {
    const ks = kernels();
    expect(['avx512', 'avx2+fma', 'portable']).toContain(ks[0]);
    expect(ks[ks.length - 1]).toBe('portable');
    expect(addon().kernel()).toBe(ks[0]);
  });

  itNative('matMul: shapes off the tiles, depth past one and several blocks, every transpose', () => {
    const rng = new Rng(31);
    // [m, k, n]: odd edges of the 6 x 16 and 8 x 32 tiles, k over 256 (several depth blocks), a
    // product split by rows and one split by columns.
    const shapes: Array<[number, number, number]> = [
      [37, 300, 45],
      [13, 513, 70],
      [100, 257, 33],
      [9, 31, 129],
      [7, 600, 200],
      [131, 64, 17],
    ];
    shapes.forEach(([m, k, n], t) => {
      const ta = t % 2 === 1;
      const tb = t % 3 === 1;
      const a = randomData(m * k, rng);
      const b = randomData(k * n, rng);
      expectKernelsAgree(`${m}x${k}x${n} ta=${ta} tb=${tb}`, () =>
        tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb),
      );
    });
  });

  itNative('matMul deep enough to pack B in more than one stage', () => {
    // 70000 x 32 floats of packed B exceed the 2M-float budget of one stage.
    const rng = new Rng(32);
    const [m, k, n] = [40, 70000, 32];
    const a = randomData(m * k, rng);
    const b = randomData(k * n, rng);
    expectKernelsAgree('deep', () => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])), 1e-4);
  });

  itNative('conv2d and its gradients: im2col blocks accumulated (filter gradient), odd channels', () => {
    const rng = new Rng(33);
    // 40 x 40 x 24 images with 3 x 3 windows: ~2 MB of patches per image, so the filter gradient
    // adds up three blocks of images (accumulating into dw).
    const [batch, h, w, cin, cout, fh, fw] = [5, 40, 40, 24, 21, 3, 3];
    const x = randomData(batch * h * w * cin, rng);
    const f = randomData(fh * fw * cin * cout, rng);
    const r = randomData(batch * h * w * cout, rng);
    expectKernelsAgree(
      'conv',
      () => {
        const xt = tf.tensor4d(x, [batch, h, w, cin]);
        const ft = tf.tensor4d(f, [fh, fw, cin, cout]);
        const rt = tf.tensor4d(r, [batch, h, w, cout]);
        const y = tf.conv2d(xt, ft, 1, 'same');
        const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'), rt)),
        )([xt, ft]);
        return [y, dx as tf.Tensor, dw as tf.Tensor];
      },
      1e-4,
    );
  });

  itNative('one-output-channel convolutions (direct loops) match cpu, on every kernel and thread count', () => {
    const rng = new Rng(34);
    // [batch, h, w, cin, fh, fw, stride, pad]: channels a multiple of 8 (the vector paths) and not,
    // tiny outputs (<= 4 rows), strides 1-2, both paddings.
    const cases: Array<[number, number, number, number, number, number, number, 'same' | 'valid']> = [
      [3, 12, 12, 16, 5, 5, 1, 'same'],
      [2, 9, 11, 8, 3, 2, 2, 'valid'],
      [2, 10, 10, 5, 3, 3, 1, 'same'],
      [1, 3, 3, 8, 2, 2, 1, 'valid'],
      [4, 14, 14, 40, 5, 5, 2, 'same'],
    ];
    for (const [batch, h, w, cin, fh, fw, stride, pad] of cases) {
      const x = randomData(batch * h * w * cin, rng);
      const f = randomData(fh * fw * cin, rng);
      const probe = tf.conv2d(
        tf.zeros([batch, h, w, cin]) as tf.Tensor4D,
        tf.zeros([fh, fw, cin, 1]) as tf.Tensor4D,
        stride,
        pad,
      );
      const outShape = probe.shape;
      probe.dispose();
      const r = randomData(
        outShape.reduce((p, q) => p * q, 1),
        rng,
      );
      const fn = () => {
        const xt = tf.tensor4d(x, [batch, h, w, cin]);
        const ft = tf.tensor4d(f, [fh, fw, cin, 1]);
        const rt = tf.tensor(r, outShape);
        const y = tf.conv2d(xt, ft, stride, pad);
        const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, pad), rt)),
        )([xt, ft]);
        return [y, dx as tf.Tensor, dw as tf.Tensor];
      };
      const what = `${batch}x${h}x${w}x${cin} ${fh}x${fw} s${stride} ${pad}`;
      const cpu = runOn('cpu', fn);
      for (const k of kernels())
        for (const threads of [1, 2]) {
          const got = runWith(k, threads, fn);
          cpu.forEach((c, i) => {
            const e = relErr(got[i] ?? [], c.values);
            if (!(e <= 1e-5)) throw new Error(`${what}, ${k}, ${threads} threads, output ${i}: relative error ${e}`);
          });
        }
      expectKernelsAgree(what, fn);
    }
  });
});
