/**
 * Chapter 7, `air-quality-regression.py`: predicting the benzene concentration `C6H6(GT)` from the
 * 12 other readings of the UCI Air Quality data with a small functional-API network.
 *
 * What the book's script does, step by step (and this example with it):
 * 1. `pd.read_csv(sep=";", decimal=",")`: 9,471 rows, the 9,357 records and the file's 114
 *    trailing rows of bare semicolons, which pandas reads as all-NaN rows.
 * 2. Drops `Date`, `Time` and the two unnamed empty columns: 13 numeric columns remain.
 * 3. `aqdf.fillna(aqdf.mean())`: NaNs become their column's mean. The only NaNs are those 114
 *    blank rows, so they become 114 rows of column means. The `-200` codes for missing readings
 *    are numbers to pandas, not NaN: the book keeps them as values, and they count in the means.
 *    `--missing mean` instead treats `-200` as missing and fills it (and the blank rows) with the
 *    mean of the column's real readings.
 * 4. `StandardScaler` on all 13 columns (population std); `C6H6(GT)` (column 4) is the target,
 *    the 12 others the inputs.
 * 5. The first 70% of rows train, the last 30% test (in time order, no shuffling).
 * 6. `Input(12) -> Dense(8, relu) -> Dense(1)`, glorot uniform, MSE, Adam; 20 epochs, batch 10,
 *    `validation_split=0.2` (the last 20% of the training rows).
 * 7. Prints expected vs predicted benzene (de-scaled) for the first 10 test rows and plots all
 *    test predictions (here an SVG; the book's plot divides by the mean where it should add it,
 *    `(y * std) / mean`; tfgym plots the de-scaled concentrations `y * std + mean`).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ProgressLogger } from '../../models/callbacks.js';
import { evaluate, fit } from '../../models/fit.js';
import { disposeModelAndOptimizer } from '../../models/optimizers.js';
import { airQualityRegressor, fitStandardizer, standardize } from '../../models/regression.js';
import { modelSummary } from '../../models/summary.js';
import { AIR_QUALITY_MISSING, loadAirQuality, missingCounts } from '../../src/data/air-quality.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { linePlotSvg } from '../../src/plot/svg.js';
import { Rng } from '../../src/rng/rng.js';
import { ExampleArgumentError, QUICK, type ExampleDef, type ExampleOptions } from '../example.js';

const NUM_EPOCHS = 20;
const BATCH_SIZE = 10;
const VALIDATION_SPLIT = 0.2;
const TRAIN_FRACTION = 0.7;
/** `C6H6(GT)`: the fourth of the 13 numeric columns. */
const TARGET_COLUMN = 3;
/** The shared data folder, relative to the repo (as the other examples' tests use it). */
const DEFAULT_DATA_DIR = '../shared/datasets';
/** Where the predictions and their plot go without `--out`. */
export const AIR_QUALITY_DEFAULT_OUT = join('runs', 'air-quality-regression', 'predictions.csv');

/** How `-200` readings are handled: as values (`book`) or as missing, filled with the mean (`mean`). */
export const MISSING_MODES = ['book', 'mean'] as const;
/** One of {@link MISSING_MODES}. */
export type MissingMode = (typeof MISSING_MODES)[number];

/** The data as the book's script has it before scaling: rows x 13 columns. */
export interface RegressionData {
  readonly rows: number;
  readonly cols: number;
  readonly columns: readonly string[];
  readonly values: Float64Array;
}

/**
 * The book's frame after `fillna(aqdf.mean())`: the records, then the blank rows as rows of
 * column means. With `mean`, `-200` readings are missing too (filled with the mean of the
 * column's real readings).
 */
export function bookFrame(
  dataDir: string,
  missing: MissingMode,
): RegressionData & { blankRows: number; missingCounts: Record<string, number> } {
  const t = loadAirQuality(dataDir);
  const cols = t.columns.length;
  const isMissing = (v: number): boolean => missing === 'mean' && v === AIR_QUALITY_MISSING;
  const sums = new Float64Array(cols);
  const counts = new Float64Array(cols);
  for (let r = 0; r < t.rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = t.values[r * cols + c] ?? NaN;
      if (!isMissing(v)) {
        sums[c] = (sums[c] ?? 0) + v;
        counts[c] = (counts[c] ?? 0) + 1;
      }
    }
  const means = Float64Array.from(sums, (s, c) => s / (counts[c] || 1));
  const rows = t.rows + t.blankRows;
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = r < t.rows ? (t.values[r * cols + c] ?? NaN) : NaN;
      values[r * cols + c] = Number.isNaN(v) || isMissing(v) ? (means[c] ?? 0) : v;
    }
  return { rows, cols, columns: t.columns, values, blankRows: t.blankRows, missingCounts: missingCounts(t) };
}

function missingMode(o: ExampleOptions): MissingMode {
  const m = o.missing ?? 'book';
  if (!(MISSING_MODES as readonly string[]).includes(m))
    throw new ExampleArgumentError(
      `Unknown --missing "${m}" for air-quality-regression. Choose one of: ${MISSING_MODES.join(', ')}.`,
    );
  return m as MissingMode;
}

/** `tfgym example air-quality-regression`. */
export const airQualityRegressionExample: ExampleDef = {
  name: 'air-quality-regression',
  chapter: 7,
  script: 'air-quality-regression.py',
  description: 'UCI Air Quality: regress benzene from 12 sensor readings (Dense 8 -> 1, MSE, Adam)',
  variants: ['default'],
  defaultVariant: 'default',
  defaults() {
    return { epochs: NUM_EPOCHS, batchSize: BATCH_SIZE, optimizer: 'adam', validationSplit: VALIDATION_SPLIT };
  },
  async run(o) {
    if (o.variant !== 'default')
      throw new ExampleArgumentError(
        `Unknown variant "${o.variant}" for air-quality-regression (--variant). Choose one of: default.`,
      );
    const missing = missingMode(o);
    const epochs = o.epochs ?? (o.quick ? QUICK.epochs : NUM_EPOCHS);
    const batchSize = o.batchSize ?? BATCH_SIZE;
    const rng = new Rng(o.seed);
    const log = o.log;

    // read, drop Date/Time and the empty columns, fill NaN with the column means
    const frame = bookFrame(o.dataDir ?? DEFAULT_DATA_DIR, missing);
    const miss = frame.missingCounts;
    log.write(
      `${frame.rows} rows (${frame.rows - frame.blankRows} records + ${frame.blankRows} blank rows filled with column means), ${frame.cols} columns\n` +
        `-200 readings per column: ${frame.columns.map((c) => `${c} ${miss[c] ?? 0}`).join(', ')}\n` +
        `-200 treated as: ${missing === 'book' ? "values (the book's script)" : 'missing, filled with the column mean'}\n`,
    );
    // --quick: the first rows only (the split and scaling as in a full run)
    const rows = o.quick ? QUICK.train + QUICK.test : frame.rows;
    const cols = frame.cols;
    const raw = frame.values.subarray(0, rows * cols);

    // standardise every column; column 4 is the target, the rest the inputs
    const scaler = fitStandardizer(raw, rows, cols);
    const scaled = standardize(raw, rows, cols, scaler);
    const nIn = cols - 1;
    const X = new Float32Array(rows * nIn);
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let k = 0;
      for (let c = 0; c < cols; c++) {
        const v = scaled[r * cols + c] ?? 0;
        if (c === TARGET_COLUMN) y[r] = v;
        else X[r * nIn + k++] = v;
      }
    }
    const trainSize = Math.floor(TRAIN_FRACTION * rows);
    const testSize = rows - trainSize;
    log.write(`X ${rows}x${nIn}, y ${rows}; train ${trainSize}, test ${testSize}\n`);
    const yMean = scaler.mean[TARGET_COLUMN] ?? 0;
    const yStd = scaler.scale[TARGET_COLUMN] ?? 1;

    const model = airQualityRegressor(rng.fork(), nIn);
    const xTrain = tf.tensor2d(X.subarray(0, trainSize * nIn), [trainSize, nIn]);
    const yTrain = tf.tensor2d(y.subarray(0, trainSize), [trainSize, 1]);
    const xTest = tf.tensor2d(X.subarray(trainSize * nIn), [testSize, nIn]);
    const yTest = tf.tensor2d(y.subarray(trainSize), [testSize, 1]);
    try {
      log.write(`${modelSummary(model)}\n`);
      const t0 = performance.now();
      const history = await fit(model, xTrain, yTrain, {
        epochs,
        batchSize,
        validationSplit: VALIDATION_SPLIT,
        rng,
        callbacks: [new ProgressLogger(log), ...(o.callbacks ?? [])],
      });
      const trainSeconds = (performance.now() - t0) / 1000;
      const testMse = evaluate(model, xTest, yTest, batchSize)['loss'] ?? NaN;
      const pred = tf.tidy(() => (model.predict(xTest, { batchSize: 256 }) as tf.Tensor).dataSync());
      const expected = Float64Array.from(y.subarray(trainSize), (v) => v * yStd + yMean);
      const predicted = Float64Array.from(pred, (v) => v * yStd + yMean);
      log.write(`\nTest MSE (scaled): ${testMse.toFixed(4)}, RMSE ${Math.sqrt(testMse).toFixed(4)}\n`);
      for (let i = 0; i < Math.min(10, testSize); i++)
        log.write(
          `Benzene Conc. expected: ${(expected[i] ?? NaN).toFixed(3)}, predicted: ${(predicted[i] ?? NaN).toFixed(3)}\n`,
        );

      // the test predictions as CSV at --out, their plot beside it
      const out = o.out ?? AIR_QUALITY_DEFAULT_OUT;
      const svgPath = out.replace(/\.csv$/i, '') + '.svg';
      const csv = ['index,expected,predicted', ...Array.from(expected, (e, i) => `${i},${e},${predicted[i] ?? NaN}`)];
      writeFileAtomic(out, `${csv.join('\n')}\n`);
      writeFileAtomic(
        svgPath,
        linePlotSvg({
          title: 'Air quality regression: benzene on the test rows',
          xLabel: 'time (test row, hours)',
          yLabel: 'C6H6 concentration (ug/m3)',
          series: [
            { name: 'actual', values: expected, color: '#1f77b4' },
            { name: 'predicted', values: predicted, color: '#d62728', opacity: 0.5 },
          ],
        }),
      );
      log.write(`predictions written to ${out}, plot to ${svgPath}\n`);

      const lastOf = (k: string): number => history.history[k]?.at(-1) ?? NaN;
      return {
        example: 'air-quality-regression',
        variant: 'default',
        metrics: {
          trainMse: lastOf('loss'),
          valMse: lastOf('val_loss'),
          testMse,
          testRmse: Math.sqrt(testMse),
          trainSeconds: Math.round(trainSeconds * 10) / 10,
        },
        settings: {
          epochs,
          batchSize,
          optimizer: 'adam',
          validationSplit: VALIDATION_SPLIT,
          trainSamples: trainSize,
          testSamples: testSize,
          missing,
          out,
          plot: svgPath,
        },
        history: history.history,
      };
    } finally {
      for (const t of [xTrain, yTrain, xTest, yTest]) t.dispose();
      disposeModelAndOptimizer(model);
    }
  },
};
