/**
 * Chapter 7, "Keras functional API" (`func-api-seq.py`, `func-api-func.py`, `func-api-multi.py`
 * and the text): builds the models of `models/functional-api.ts`, prints their summaries and
 * checks what the book says of them:
 * - the Sequential MLP and the functional one have the same parameters and, given the same
 *   weights, the same predictions;
 * - a model can take two inputs and give two outputs (each branch its own weights);
 * - a layer applied twice is one set of weights, and gives equal outputs for equal inputs;
 * - a model is a layer: `TimeDistributed(model)` gives, at every step, the model's prediction.
 * Nothing is trained (the scripts only compile); `--quick` runs the same checks.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FUNCTIONAL_MLP,
  functionalMlp,
  sequentialMlp,
  sharedLayerMlp,
  timeDistributedModel,
  twoInTwoOutMlp,
} from '../../models/functional-api.js';
import { countParams, modelSummary } from '../../models/summary.js';
import { Rng } from '../../src/rng/rng.js';
import { checkVariant, type ExampleDef } from '../example.js';

/** Inputs compared, and sequence length of the TimeDistributed check. */
const BATCH = 4;
const STEPS = 3;
/** float32 predictions of the same weights through two graphs agree to rounding. */
const TOLERANCE = 1e-6;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN);
}

function uniform(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.uniform(0, 1)),
    shape,
  );
}

/** `tfgym example functional-api`. */
export const functionalApiExample: ExampleDef = {
  name: 'functional-api',
  chapter: 7,
  script: 'func-api-seq.py, func-api-func.py, func-api-multi.py',
  description: 'Sequential vs functional MLP, two inputs/outputs, a shared layer, a model inside TimeDistributed',
  variants: ['default'],
  defaultVariant: 'default',
  defaults() {
    return {};
  },
  async run(o) {
    const variant = checkVariant('functional-api', o.variant, ['default']);
    const rng = new Rng(o.seed);
    const log = o.log;
    const seq = sequentialMlp(rng.fork());
    const fun = functionalMlp(rng.fork());
    const multi = twoInTwoOutMlp(rng.fork());
    const { model: shared, shared: sharedDense } = sharedLayerMlp(rng.fork());
    const td = timeDistributedModel(fun, STEPS);
    const owned: tf.Tensor[] = [];
    try {
      for (const m of [seq, fun, multi, shared, td]) log.write(`${modelSummary(m)}\n`);

      // 1. Sequential and functional: same parameter count; same predictions with the same weights
      const seqParams = countParams(seq).total;
      const funParams = countParams(fun).total;
      // getWeights returns fresh tensors (variable reads): tidy frees them once assigned
      tf.tidy(() => fun.setWeights(seq.getWeights()));
      const x = uniform(rng, [BATCH, FUNCTIONAL_MLP.inputs]);
      owned.push(x);
      const diff = tf.tidy(() => maxAbsDiff(seq.predict(x) as tf.Tensor, fun.predict(x) as tf.Tensor));
      log.write(
        `Sequential vs functional MLP: ${seqParams} vs ${funParams} parameters; same weights -> max prediction difference ${diff.toExponential(2)}\n`,
      );

      // 2. two inputs, two outputs: two independent MLPs in one model
      const x2 = uniform(rng, [BATCH, FUNCTIONAL_MLP.inputs]);
      owned.push(x2);
      const multiParams = countParams(multi).total;
      const multiOut = tf.tidy(() => {
        const ys = multi.predict([x, x2]) as tf.Tensor[];
        return ys.map((y) => y.shape.join('x'));
      });
      log.write(
        `Two inputs, two outputs: ${multi.inputs.length} inputs, ${multi.outputs.length} outputs (${multiOut.join(', ')}), ${multiParams} parameters (= 2 x ${seqParams})\n`,
      );

      // 3. a shared layer: its kernel counted once; equal inputs -> equal hidden activations
      const sharedParams = countParams(shared).total;
      const dense1Params = FUNCTIONAL_MLP.inputs * FUNCTIONAL_MLP.hidden + FUNCTIONAL_MLP.hidden;
      const sharedInbound = sharedDense.inboundNodes.length;
      // the same input on both sides: the shared Dense gives the same activations to both branches
      const probe = tf.model({
        inputs: shared.inputs,
        outputs: [sharedDense.getOutputAt(0), sharedDense.getOutputAt(1)] as tf.SymbolicTensor[],
      });
      const sharedSame = tf.tidy(() => {
        const [a, b] = probe.predict([x, x]) as tf.Tensor[];
        return a && b ? maxAbsDiff(a, b) : NaN;
      });
      // the probe holds a reference to the shared layers: release it, the weights stay with `shared`
      probe.dispose();
      log.write(
        `Shared layer: applied ${sharedInbound} times, ${sharedParams} parameters (= 2 x ${seqParams} - ${dense1Params}); same input -> activations differ by ${sharedSame}\n`,
      );

      // 4. a model as a layer: TimeDistributed(model) over a sequence of STEPS vectors
      const seqX = uniform(rng, [BATCH, STEPS, FUNCTIONAL_MLP.inputs]);
      owned.push(seqX);
      const tdDiff = tf.tidy(() => {
        const all = td.predict(seqX) as tf.Tensor;
        let worst = 0;
        for (let t = 0; t < STEPS; t++) {
          const step = tf.squeeze(tf.slice(seqX, [0, t, 0], [BATCH, 1, FUNCTIONAL_MLP.inputs]), [1]);
          const want = fun.predict(step) as tf.Tensor;
          const got = tf.squeeze(tf.slice(all, [0, t, 0], [BATCH, 1, FUNCTIONAL_MLP.outputs]), [1]);
          worst = Math.max(worst, maxAbsDiff(got, want));
        }
        return worst;
      });
      const tdParams = countParams(td).total;
      log.write(
        `TimeDistributed(model): output (${td.outputs[0]?.shape.map((d) => d ?? 'None').join(', ') ?? '?'}), ${tdParams} parameters (the model's ${funParams}); per-step difference from the model ${tdDiff.toExponential(2)}\n`,
      );

      const metrics = {
        sequentialParams: seqParams,
        functionalParams: funParams,
        sameParamCount: seqParams === funParams,
        samePredictions: diff <= TOLERANCE,
        maxPredictionDiff: diff,
        multiInputs: multi.inputs.length,
        multiOutputs: multi.outputs.length,
        multiParams,
        sharedLayerUses: sharedInbound,
        sharedParams,
        sharedWeightsCountedOnce: sharedParams === 2 * seqParams - dense1Params,
        sharedSameOutputs: sharedSame <= TOLERANCE,
        timeDistributedParams: tdParams,
        timeDistributedMatches: tdDiff <= TOLERANCE && tdParams === funParams,
      };
      const checks = [
        metrics.sameParamCount,
        metrics.samePredictions,
        metrics.multiOutputs === 2 && metrics.multiParams === 2 * seqParams,
        metrics.sharedWeightsCountedOnce,
        metrics.sharedSameOutputs,
        metrics.timeDistributedMatches,
      ];
      log.write(`\n${checks.filter(Boolean).length}/${checks.length} checks hold\n`);
      return {
        example: 'functional-api',
        variant,
        metrics: { ...metrics, checksPassed: checks.filter(Boolean).length, checks: checks.length },
        settings: {},
      };
    } finally {
      for (const t of owned) t.dispose();
      // td holds fun as one of its layers: disposing td disposes fun's weights with it
      for (const m of [td, seq, multi, shared]) m.dispose();
    }
  },
};
