/**
 * Gradients of dilated (atrous) 2-D convolutions, on every backend.
 *
 * tfjs 4.22 refuses them: the registered `Conv2D` gradient and the closure gradient of
 * `tf.fused.conv2d` both assert that every dilation is 1, so a `tf.layers.conv1d({dilationRate})`
 * (a WaveNet stack) or a dilated `tf.layers.conv2d` cannot train. {@link installDilatedConvGrad}
 * replaces the `Conv2D` gradient with one that:
 *
 * - with all dilations 1, is tfjs' own gradient (the stock config is called, so results are
 *   bit-identical);
 * - on a backend whose `Conv2DBackpropInput` / `Conv2DBackpropFilter` kernels read a `dilations`
 *   attribute (registered with {@link markDilatedBackpropBackend}; `native` does), runs those
 *   kernels directly;
 * - elsewhere (cpu, wasm, tfjs-node), uses space-to-batch: with stride 1, a dilated convolution
 *   of the padded input is an undilated `valid` one of each of its dh x dw phase sub-images
 *   (`spaceToBatchND`), so both gradients are the stock undilated ones on those sub-images, mapped
 *   back with `batchToSpaceND` (the transpose of `spaceToBatchND`). Same FLOPs as the forward pass,
 *   unlike a zero-inserted filter, which costs dh x dw times more.
 *
 * The fused path is not a registered gradient, so the install also routes a dilated 2-D
 * `Conv` layer's `call` to the unfused `tf.conv2d` + bias + activation while gradients are being
 * recorded (inference keeps the fused kernel). A direct `tf.fused.conv2d` call with dilations
 * inside a gradient still hits tfjs' assertion. It also gives `Conv1D` Keras' `causal` padding
 * (channels-last), which tfjs-layers accepts but throws on: WaveNet needs it.
 */
import * as tf from '@tensorflow/tfjs';

/** Backends whose conv backprop kernels honour a `dilations` attribute. */
const dilatedBackpropBackends = new Set<string>();

/**
 * Declares that `backendName`'s `Conv2DBackpropInput` and `Conv2DBackpropFilter` kernels accept
 * an extra `dilations` attribute (NHWC) and compute the dilated gradients themselves.
 */
export function markDilatedBackpropBackend(backendName: string): void {
  dilatedBackpropBackends.add(backendName);
}

type Pair = [number, number];
type PadAttr = tf.Conv2DAttrs['pad'];

function pair(v: number | readonly number[] | undefined): Pair {
  if (v === undefined) return [1, 1];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? 1, v[1] ?? v[0] ?? 1];
}

/**
 * dx or dfilter of a stride-1 NHWC convolution with dilations `dil`, by space-to-batch (each
 * asks only for what it needs: dx never reads x's values). Runs inside tf.tidy: the caller owns
 * the result.
 */
export function dilatedConv2dGradNHWC(
  which: 'x' | 'filter',
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  dil: Pair,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filter.shape,
    1,
    dil,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [dh, dw] = dil;
  const { top, bottom, left, right } = info.padInfo;
  // spaceToBatchND needs the padded sizes to be multiples of the block; the extra rows and
  // columns only produce outputs past the real ones, whose dy is padded with zeros.
  const extraH = (dh - ((info.inHeight + top + bottom) % dh)) % dh;
  const extraW = (dw - ((info.inWidth + left + right) % dw)) % dw;
  const paddings = [
    [top, bottom + extraH],
    [left, right + extraW],
  ];
  return tf.tidy(() => {
    const dys = tf.spaceToBatchND(
      dy,
      [dh, dw],
      [
        [0, extraH],
        [0, extraW],
      ],
    );
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
    if (which === 'filter') {
      const xs = tf.spaceToBatchND(x, [dh, dw], paddings);
      return tf
        .engine()
        .runKernel<tf.Tensor4D>('Conv2DBackpropFilter', { x: xs, dy: dys }, { ...attrs, filterShape: filter.shape });
    }
    const [n = 0, h = 0, w = 0, c = 0] = x.shape;
    const xsShape = [n * dh * dw, (h + top + bottom + extraH) / dh, (w + left + right + extraW) / dw, c];
    const dxs = tf
      .engine()
      .runKernel<tf.Tensor4D>('Conv2DBackpropInput', { dy: dys, filter }, { ...attrs, inputShape: xsShape });
    return tf.batchToSpaceND(dxs, [dh, dw], paddings);
  });
}

/** dx or dfilter of a dilated NHWC convolution from the backend's own dilation-aware kernel. */
function nativeGrad(
  which: 'x' | 'filter',
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DAttrs,
): tf.Tensor4D {
  const common: tf.NamedAttrMap = {
    strides: attrs.strides,
    pad: attrs.pad,
    dataFormat: 'NHWC',
    dilations: attrs.dilations,
    ...(attrs.dimRoundingMode === undefined ? {} : { dimRoundingMode: attrs.dimRoundingMode }),
  };
  return which === 'x'
    ? tf.engine().runKernel<tf.Tensor4D>('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape })
    : tf.engine().runKernel<tf.Tensor4D>('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape });
}

/** One gradient of a dilated convolution (any backend, NHWC or NCHW); the caller owns it. */
function dilatedGrad(
  which: 'x' | 'filter',
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const nchw = attrs.dataFormat === 'NCHW';
    if (!nchw && dilatedBackpropBackends.has(tf.getBackend())) return nativeGrad(which, x, filter, dy, attrs);
    const xh = nchw ? tf.transpose(x, [0, 2, 3, 1]) : x;
    const dyh = nchw ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const g = dilatedConv2dGradNHWC(which, xh, filter, dyh, pair(attrs.dilations), attrs.pad, attrs.dimRoundingMode);
    return nchw && which === 'x' ? tf.transpose(g, [0, 3, 1, 2]) : g;
  });
}

/** Shape of the fields a tfjs-layers `Conv` reads in `call` (the class is not exported). */
interface ConvLayerLike {
  rank: number;
  kernelSize: number[];
  dilationRate: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}
type ConvCall = (this: ConvLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;
type ConvOutputShape = (this: ConvLayerLike, inputShape: tf.Shape | tf.Shape[]) => tf.Shape | tf.Shape[];

/**
 * Keras' causal Conv1D, which tfjs-layers declares but throws on: the input is left-padded with
 * (kernel - 1) * dilation zero steps and convolved `valid`, so output t sees inputs <= t only.
 * Runs in tf.tidy; the caller owns the result.
 */
function causalConv1d(layer: ConvLayerLike, x: tf.Tensor3D): tf.Tensor {
  return tf.tidy(() => {
    const k = layer.kernelSize[0] ?? 1;
    const d = layer.dilationRate[0] ?? 1;
    const xp = tf.pad(x, [
      [0, 0],
      [(k - 1) * d, 0],
      [0, 0],
    ]);
    let y: tf.Tensor = tf.conv1d(xp, layer.kernel.read() as tf.Tensor3D, layer.strides[0] ?? 1, 'valid', 'NWC', d);
    if (layer.bias) y = tf.add(y, layer.bias.read());
    return layer.activation ? layer.activation.apply(y) : y;
  });
}

/**
 * A dilated 2-D convolution layer as `tf.conv2d` (whose gradient is ours) + bias + activation,
 * instead of `tf.fused.conv2d` (whose closure gradient refuses dilation). Runs in tf.tidy; the
 * caller owns the result.
 */
function unfusedConv2d(layer: ConvLayerLike, x: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const channelsFirst = layer.dataFormat === 'channelsFirst';
    const xh = channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x;
    let y: tf.Tensor = tf.conv2d(
      xh,
      layer.kernel.read() as tf.Tensor4D,
      pair(layer.strides),
      layer.padding as 'same' | 'valid',
      'NHWC',
      pair(layer.dilationRate),
    );
    if (layer.bias) y = tf.add(y, layer.bias.read());
    if (channelsFirst) y = tf.transpose(y, [0, 3, 1, 2]);
    return layer.activation ? layer.activation.apply(y) : y;
  });
}

/**
 * Patches tfjs-layers' `Conv` (the base of Conv1D and Conv2D): causal Conv1D works, and a
 * dilated Conv2D under a gradient tape takes {@link unfusedConv2d} (inference keeps the fused
 * kernel). Everything else is the stock `call`.
 */
function patchConvLayer(): void {
  const probe = tf.layers.conv2d({ filters: 1, kernelSize: 1 });
  const proto: unknown = Object.getPrototypeOf(Object.getPrototypeOf(probe));
  const own = (k: string) =>
    typeof proto === 'object' && proto !== null && Object.prototype.hasOwnProperty.call(proto, k);
  if (!own('call') || !own('computeOutputShape')) {
    throw new Error('tfjs-layers Conv class not found (tfjs-layers version changed?)');
  }
  const convProto = proto as { call: ConvCall; computeOutputShape: ConvOutputShape };
  const stockCall = convProto.call;
  const stockShape = convProto.computeOutputShape;
  convProto.call = function (this: ConvLayerLike, inputs, kwargs) {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    if (x === undefined) return stockCall.call(this, inputs, kwargs);
    if (this.rank === 1 && this.padding === 'causal' && this.dataFormat === 'channelsLast' && x.rank === 3) {
      return causalConv1d(this, x as tf.Tensor3D);
    }
    const dilated2d =
      this.rank === 2 &&
      this.dilationRate.some((d) => d > 1) &&
      tf.engine().state.gradientDepth > 0 &&
      x.rank === 4 &&
      (this.padding === 'same' || this.padding === 'valid');
    return dilated2d ? unfusedConv2d(this, x as tf.Tensor4D) : stockCall.call(this, inputs, kwargs);
  };
  // tfjs-layers sizes 'causal' like 'valid'; Keras keeps the length, as 'same' does.
  convProto.computeOutputShape = function (this: ConvLayerLike, inputShape) {
    if (this.padding !== 'causal') return stockShape.call(this, inputShape);
    this.padding = 'same';
    try {
      return stockShape.call(this, inputShape);
    } finally {
      this.padding = 'causal';
    }
  };
}

let installed = false;

/**
 * Installs the dilation-aware `Conv2D` gradient and the `Conv` layer patches (dilated Conv2D
 * training, causal Conv1D), once per process, for every backend. Called wherever backends are
 * set up (`useBackend` in src/backends/index.ts, and the native backend's registration).
 */
export function installDilatedConvGrad(): void {
  if (installed) return;
  installed = true;
  const stock = tf.getGradient('Conv2D');
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const conv = attrs as unknown as tf.Conv2DAttrs;
      const [dh, dw] = pair(conv.dilations);
      if (dh === 1 && dw === 1) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      return {
        x: () => dilatedGrad('x', x, filter, g, conv),
        filter: () => dilatedGrad('filter', x, filter, g, conv),
      };
    },
  });
  patchConvLayer();
}
