/**
 * Dense layers with a ReLU or no activation as one taped kernel while gradients are recorded, on
 * the `native` backend.
 *
 * tfjs's `fused.matMul` (what a `Dense` layer calls) runs unfused under a gradient tape whenever
 * its activation is not linear, because tfjs's fused gradient covers the linear case only. A
 * `Dense(relu)` layer in a train step then runs BatchMatMul, Add and Relu with five clones for
 * the tape, and its gradient Step, Cast, Multiply, a reshaped Sum and two BatchMatMuls: 16 kernels
 * for 2 GEMMs. On `native` such a call (2-D, no transposes, ReLU, bias or none) is instead one
 * taped op: the `_FusedMatMul` kernel (bias and ReLU in the GEMM's epilogue, the same arithmetic
 * as tfjs's separate ops, so the same values) and a gradient of four kernels (the ReLU mask, two
 * GEMMs, the bias sum). Every other call, and every other backend, runs tfjs's code.
 */
import * as tf from '@tensorflow/tfjs';
import { f32, type NativeHost } from './host.js';

/** The custom kernel of the ReLU gradient: dy where y > 0, else 0. */
export const RELU_GRAD_KERNEL = 'TfgymReluGrad';

/** How many `fused.matMul` calls took the fused taped path (tests check that it ran). */
export const fusedDenseCalls = { relu: 0, linear: 0 };

type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];

/** Registers {@link RELU_GRAD_KERNEL} for `backendName` (the native backend) and its gradient. */
function registerReluGradKernel(backendName: string): void {
  tf.registerKernel({
    kernelName: RELU_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
      const host = backend as unknown as NativeHost & {
        makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
      };
      const dv = f32(host, dy);
      const yv = f32(host, y);
      if (!dv || !yv || dv.length !== yv.length)
        throw new Error(`${RELU_GRAD_KERNEL}: expected float32 dy and y of one size`);
      const out = dv.slice();
      host.addon.reluMask(out, yv);
      return host.makeTensorInfo(dy.shape, 'float32', out);
    },
  });
  // Its own gradient, for a gradient taken through a gradient: linear in dy with the same mask.
  if (!tf.getGradient(RELU_GRAD_KERNEL)) {
    tf.registerGradient({
      kernelName: RELU_GRAD_KERNEL,
      inputsToSave: ['y'],
      gradFunc: (ddx, saved) => {
        const [y] = saved as [tf.Tensor];
        return {
          dy: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: ddx as tf.Tensor, y }) as tf.Tensor,
          y: () => tf.zerosLike(y),
        };
      },
    });
  }
}

/** How many gradient tapes are recording now (0 outside any `tf.grad`/`variableGrads`). */
export function gradientDepth(): number {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
}

/** The taped ops: `relu(x w + bias)` and `x w + bias` (bias optional) on native, one kernel forward each. */
export const DENSE_RELU_KERNEL = 'TfgymDenseRelu';
export const DENSE_LINEAR_KERNEL = 'TfgymDenseLinear';

/**
 * Registers, for `backendName` (the native backend), {@link DENSE_RELU_KERNEL} and
 * {@link DENSE_LINEAR_KERNEL} (its `_FusedMatMul`, so the same arithmetic) with their gradients, and
 * {@link RELU_GRAD_KERNEL} they use. The dense gradients are registered per input, so the tape
 * computes only what it needs (a first layer's input gradient is skipped: tfjs's own fused op, a
 * custom gradient, computes it anyway).
 */
export function registerDenseKernels(backendName: string): void {
  registerReluGradKernel(backendName);
  const fusedMatMul = tf.getKernel('_FusedMatMul', backendName);
  if (!fusedMatMul) throw new Error(`${DENSE_RELU_KERNEL}: no _FusedMatMul kernel on ${backendName}`);
  for (const [kernelName, activation] of [
    [DENSE_RELU_KERNEL, 'relu'],
    [DENSE_LINEAR_KERNEL, 'linear'],
  ] as const) {
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
        return fusedMatMul.kernelFunc({
          inputs: bias ? { a: x, b: w, bias } : { a: x, b: w },
          backend,
          attrs: { transposeA: false, transposeB: false, activation } as unknown as tf.NamedAttrMap,
        });
      },
    });
  }
  if (!tf.getGradient(DENSE_RELU_KERNEL)) {
    tf.registerGradient({
      kernelName: DENSE_RELU_KERNEL,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        // Made here rather than in a thunk: each thunk runs in its own tidy scope, this one lives
        // until the backward pass ends, so the three gradients share it.
        const dz = tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: dy as tf.Tensor, y }) as tf.Tensor;
        return denseGrads(dz, x, w);
      },
    });
  }
  if (!tf.getGradient(DENSE_LINEAR_KERNEL)) {
    tf.registerGradient({
      kernelName: DENSE_LINEAR_KERNEL,
      inputsToSave: ['x', 'w'],
      gradFunc: (dy, saved) => {
        const [x, w] = saved as [tf.Tensor, tf.Tensor];
        return denseGrads(dy as tf.Tensor, x, w);
      },
    });
  }
}

/** The gradients of `z = x w + bias` given dL/dz, one thunk per input. */
function denseGrads(dz: tf.Tensor, x: tf.Tensor, w: tf.Tensor): Record<string, () => tf.Tensor> {
  return {
    x: () => tf.matMul(dz, w, false, true),
    w: () => tf.matMul(x, dz, true, false),
    bias: () => tf.sum(dz, 0),
  };
}

let installed = false;

/** Routes taped 2-D ReLU and linear `fused.matMul` calls through the kernels above while `active()`. */
export function installFusedDense(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const fused = tf.fused as { matMul: typeof tf.fused.matMul };
  const stock = fused.matMul;
  fused.matMul = function (args: FusedMatMulArgs): tf.Tensor {
    const { a, b } = args;
    // tfjs-layers passes a null bias for a layer without one.
    const bias = args.bias ?? undefined;
    const activation = args.activation ?? 'linear';
    if (
      (activation !== 'relu' && activation !== 'linear') ||
      args.transposeA === true ||
      args.transposeB === true ||
      args.preluActivationWeights !== undefined ||
      !(a instanceof tf.Tensor) ||
      !(b instanceof tf.Tensor) ||
      (bias !== undefined && !(bias instanceof tf.Tensor)) ||
      a.rank !== 2 ||
      b.rank !== 2 ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      a.shape[1] !== b.shape[0] ||
      (bias !== undefined && (bias.rank !== 1 || bias.dtype !== 'float32' || bias.shape[0] !== b.shape[1])) ||
      gradientDepth() === 0 ||
      !active()
    ) {
      return stock(args);
    }
    fusedDenseCalls[activation]++;
    const kernel = activation === 'relu' ? DENSE_RELU_KERNEL : DENSE_LINEAR_KERNEL;
    return tf.engine().runKernel(kernel, bias ? { x: a, w: b, bias } : { x: a, w: b }) as tf.Tensor;
  };
}
