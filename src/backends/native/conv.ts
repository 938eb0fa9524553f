/**
 * Conv2D layers with no activation as one taped kernel while gradients are recorded, on the
 * `native` backend.
 *
 * A `Conv2D` layer whose activation tfjs cannot fuse (tanh, LeakyReLU after it, or none) calls
 * `fused.conv2d` with a linear activation, and tfjs records that under a gradient tape as a custom
 * gradient, which computes the input, filter and bias gradients all at once, needed or not. A GAN
 * pays for it twice: training the generator through the frozen discriminator computes every
 * discriminator filter gradient and throws it away (in keras-dcgan's step, about 5 of its 107
 * GFLOPs), and a first layer's input gradient is computed too. On `native` such a call
 * (4-D NHWC input, dilation 1, bias or none) is instead one taped op, the same `FusedConv2D`
 * kernel forward, with one gradient thunk per input (the same `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter` and bias sum tfjs's custom gradient runs), so the tape computes only
 * what it needs and the values are the same. Every other call, and every other backend, runs
 * tfjs's code.
 */
import * as tf from '@tensorflow/tfjs';
import { gradientDepth } from './dense.js';

/** The taped op: `conv2d(x, filter) + bias` (bias optional), one `FusedConv2D` kernel forward. */
export const CONV2D_LINEAR_KERNEL = 'TfgymConv2DLinear';

/** How many `fused.conv2d` calls took the taped path (tests check that it ran). */
export const tapedConvCalls = { linear: 0 };

type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];

/** Attributes of {@link CONV2D_LINEAR_KERNEL}: strides and padding (NHWC, dilation 1, no rounding mode). */
interface ConvLinearAttrs {
  strides: [number, number] | number;
  pad: FusedConv2DArgs['pad'];
}

/**
 * Registers {@link CONV2D_LINEAR_KERNEL} for `backendName` (the native backend: its `FusedConv2D`
 * kernel, so the same arithmetic) and its gradient, one thunk per input.
 */
export function registerConvKernels(backendName: string): void {
  const fusedConv = tf.getKernel('FusedConv2D', backendName);
  if (!fusedConv) throw new Error(`${CONV2D_LINEAR_KERNEL}: no FusedConv2D kernel on ${backendName}`);
  tf.registerKernel({
    kernelName: CONV2D_LINEAR_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter, bias } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
      const a = attrs as unknown as ConvLinearAttrs;
      return fusedConv.kernelFunc({
        inputs: bias ? { x, filter, bias } : { x, filter },
        backend,
        attrs: {
          strides: a.strides,
          pad: a.pad,
          dataFormat: 'NHWC',
          dilations: 1,
          activation: 'linear',
        } as unknown as tf.NamedAttrMap,
      });
    },
  });
  if (tf.getGradient(CONV2D_LINEAR_KERNEL)) return;
  tf.registerGradient({
    kernelName: CONV2D_LINEAR_KERNEL,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvLinearAttrs;
      const common = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC' };
      const g = dy as tf.Tensor4D;
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        // tfjs's fused gradient: dy summed over every axis but the channels.
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

/** Whether `d` (a conv's dilations argument) is 1 along both axes. */
function undilated(d: FusedConv2DArgs['dilations']): boolean {
  return d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);
}

let installed = false;

/**
 * Routes taped linear 4-D NHWC undilated `fused.conv2d` calls (no rounding mode, float32, bias 1-D
 * or none: what tfjs-layers' Conv2D passes) through the kernel above while `active()`.
 */
export function installTapedConv(active: () => boolean): void {
  if (installed) return;
  installed = true;
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d };
  const stock = fused.conv2d;
  fused.conv2d = function <T extends tf.Tensor3D | tf.Tensor4D>(args: FusedConv2DArgs): T {
    const { x, filter } = args;
    // tfjs-layers passes a null bias and activation for a layer without them.
    const bias = args.bias ?? undefined;
    const activation = args.activation ?? 'linear';
    if (
      activation !== 'linear' ||
      args.preluActivationWeights != null ||
      args.dimRoundingMode !== undefined ||
      (args.dataFormat ?? 'NHWC') !== 'NHWC' ||
      !undilated(args.dilations) ||
      !(x instanceof tf.Tensor) ||
      !(filter instanceof tf.Tensor) ||
      (bias !== undefined && !(bias instanceof tf.Tensor)) ||
      x.rank !== 4 ||
      filter.rank !== 4 ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      x.shape[3] !== filter.shape[2] ||
      (bias !== undefined && (bias.rank !== 1 || bias.dtype !== 'float32' || bias.shape[0] !== filter.shape[3])) ||
      gradientDepth() === 0 ||
      !active()
    ) {
      return stock(args) as T;
    }
    tapedConvCalls.linear++;
    const attrs: ConvLinearAttrs = { strides: args.strides, pad: args.pad };
    return tf
      .engine()
      .runKernel(
        CONV2D_LINEAR_KERNEL,
        bias ? { x, filter, bias } : { x, filter },
        attrs as unknown as tf.NamedAttrMap,
      ) as T;
  };
}
