/** Classification metrics on plain arrays (no tensors): confusion matrix and accuracy. */
import { checkPositiveInt, ModelArgumentError, invalidValueMessage } from './validate.js';

/** Row = true class, column = predicted class, as scikit-learn's `confusion_matrix`. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  checkPositiveInt('numClasses', numClasses);
  if (yTrue.length !== yPred.length) {
    throw new ModelArgumentError(
      invalidValueMessage('yPred', `${yTrue.length} predictions`, `${yPred.length} predictions`),
    );
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] ?? -1;
    const p = yPred[i] ?? -1;
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
      throw new ModelArgumentError(invalidValueMessage('labels', `classes in [0, ${numClasses})`, `${t}/${p} at ${i}`));
    }
    const row = m[t];
    if (row) row[p] = (row[p] ?? 0) + 1;
  }
  return m;
}

/** Fraction of equal entries. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return yTrue.length ? ok / yTrue.length : 0;
}

/** The matrix as aligned text with optional class names (rows: true, columns: predicted). */
export function formatConfusionMatrix(m: readonly (readonly number[])[], labels?: readonly string[]): string {
  const names = m.map((_, i) => labels?.[i] ?? String(i));
  const w = Math.max(...m.flat().map((v) => String(v).length), ...names.map((n) => Math.min(n.length, 6)), 3);
  const nameW = Math.max(...names.map((n) => n.length), 4);
  const header = `${'true\\pred'.padEnd(nameW)} ${names.map((n) => n.slice(0, w).padStart(w)).join(' ')}`;
  const rows = m.map(
    (row, i) => `${(names[i] ?? '').padEnd(nameW)} ${row.map((v) => String(v).padStart(w)).join(' ')}`,
  );
  return [header, ...rows].join('\n');
}
