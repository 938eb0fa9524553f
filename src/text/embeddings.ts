/**
 * Word-embedding matrices: a `[V, D]` Float32Array plus its word list, with gensim-style
 * queries (cosine nearest neighbours, analogies, similarity) as used in the book's Chapter 5
 * (`word2vec_gensim.py`: `most_similar`, `similarity`) and the embedding matrix that
 * `transfer_glove_embeddings.py` builds for a Keras `Embedding` layer.
 */

/** Word vectors: row `i` of `vectors` (length `dim`) belongs to `words[i]`. */
export class WordVectors {
  readonly words: readonly string[];
  readonly vectors: Float32Array;
  readonly dim: number;
  private readonly index = new Map<string, number>();
  private unit: Float32Array | undefined;

  /**
   * @param words one word per row; a repeated word keeps its first row for look-ups
   * @param vectors row-major `[words.length, dim]`
   */
  constructor(words: readonly string[], vectors: Float32Array, dim: number) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`WordVectors: dim must be a positive integer. Received: ${dim}`);
    if (vectors.length !== words.length * dim) {
      throw new RangeError(
        `WordVectors: ${words.length} words x ${dim} dims needs ${words.length * dim} values, got ${vectors.length}`,
      );
    }
    this.words = words;
    this.vectors = vectors;
    this.dim = dim;
    words.forEach((w, i) => {
      if (!this.index.has(w)) this.index.set(w, i);
    });
  }

  /** Number of words (rows). */
  get size(): number {
    return this.words.length;
  }

  /** Whether `word` has a vector. */
  has(word: string): boolean {
    return this.index.has(word);
  }

  /** Row index of `word`, or undefined. */
  indexOf(word: string): number | undefined {
    return this.index.get(word);
  }

  /** The vector of `word` (a view into `vectors`); throws naming the word when it is missing. */
  vector(word: string): Float32Array {
    const i = this.rowOf(word);
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  private rowOf(word: string): number {
    const i = this.index.get(word);
    if (i === undefined)
      throw new RangeError(`word ${JSON.stringify(word)} is not in the vocabulary (${this.size} words)`);
    return i;
  }

  /** Rows scaled to unit length (gensim's `vectors_norm`); all-zero rows stay zero. Cached. */
  unitVectors(): Float32Array {
    if (this.unit === undefined) {
      const u = new Float32Array(this.vectors.length);
      for (let r = 0; r < this.size; r++) {
        const o = r * this.dim;
        const n = norm(this.vectors, o, this.dim);
        if (n > 0) for (let k = 0; k < this.dim; k++) u[o + k] = (this.vectors[o + k] as number) / n;
      }
      this.unit = u;
    }
    return this.unit;
  }

  /** Cosine similarity of two words (gensim's `similarity`); 0 when either vector is zero. */
  similarity(a: string, b: string): number {
    const u = this.unitVectors();
    const ia = this.rowOf(a) * this.dim;
    const ib = this.rowOf(b) * this.dim;
    let s = 0;
    for (let k = 0; k < this.dim; k++) s += (u[ia + k] as number) * (u[ib + k] as number);
    return s;
  }

  /**
   * gensim's `most_similar(positive, negative, topn)`: the mean of the unit vectors of the
   * positive words and of the negated unit vectors of the negative words, normalised, then the
   * `topK` words of highest cosine with it, excluding the query words themselves.
   */
  mostSimilar(positive: readonly string[], negative: readonly string[] = [], topK = 10): [string, number][] {
    if (positive.length + negative.length === 0)
      throw new RangeError('mostSimilar: give at least one positive or negative word');
    const u = this.unitVectors();
    const mean = new Float64Array(this.dim);
    const add = (w: string, sign: number): void => {
      const o = this.rowOf(w) * this.dim;
      for (let k = 0; k < this.dim; k++) mean[k] = (mean[k] as number) + sign * (u[o + k] as number);
    };
    positive.forEach((w) => add(w, 1));
    negative.forEach((w) => add(w, -1));
    const exclude = new Set<number>([...positive, ...negative].map((w) => this.rowOf(w)));
    return this.nearestToVector(mean, topK, exclude);
  }

  /** The `topK` nearest words to `word` by cosine, excluding `word` (gensim's `most_similar(word)`). */
  nearest(word: string, topK = 10): [string, number][] {
    return this.mostSimilar([word], [], topK);
  }

  /**
   * Analogy `a - b + c` ("king" - "man" + "woman" ~ "queen"): gensim's
   * `most_similar(positive=[a, c], negative=[b])` on unit vectors, the three words excluded.
   */
  analogy(a: string, b: string, c: string, topK = 1): [string, number][] {
    return this.mostSimilar([a, c], [b], topK);
  }

  /**
   * The `topK` rows of highest cosine with `query` (any length-`dim` vector), best first, ties
   * by row order; rows in `excludeRows` are skipped.
   */
  nearestToVector(
    query: ArrayLike<number>,
    topK = 10,
    excludeRows: ReadonlySet<number> = new Set(),
  ): [string, number][] {
    if (query.length !== this.dim)
      throw new RangeError(`nearestToVector: query has ${query.length} values, expected ${this.dim}`);
    const qn = norm(query, 0, this.dim);
    const u = this.unitVectors();
    const scored: [number, number][] = [];
    for (let r = 0; r < this.size; r++) {
      if (excludeRows.has(r)) continue;
      const o = r * this.dim;
      let s = 0;
      for (let k = 0; k < this.dim; k++) s += (u[o + k] as number) * (query[k] as number);
      scored.push([r, qn > 0 ? s / qn : 0]);
    }
    scored.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    return scored.slice(0, Math.max(0, topK)).map(([r, s]) => [this.words[r] as string, s]);
  }
}

function norm(v: ArrayLike<number>, offset: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) {
    const x = v[offset + k] as number;
    s += x * x;
  }
  return Math.sqrt(s);
}

/**
 * The book's `transfer_glove_embeddings.py` matrix: row `i` holds the vector of the word with
 * index `i` in `wordIndex` (a Keras `Tokenizer.wordIndex`), zeros for words without a vector
 * and for index 0 (padding). Indices at or beyond `size` are left out, as with `numWords`.
 * @param size rows of the matrix (default: max index + 1)
 */
export function buildEmbeddingMatrix(
  vectors: WordVectors,
  wordIndex: ReadonlyMap<string, number>,
  size?: number,
): { matrix: Float32Array; shape: readonly [number, number]; found: number } {
  let rows = size ?? 1;
  // A loop, not Math.max(...values): spreading a large vocabulary overflows the call stack.
  if (size === undefined) for (const i of wordIndex.values()) rows = Math.max(rows, i + 1);
  const d = vectors.dim;
  const matrix = new Float32Array(rows * d);
  let found = 0;
  for (const [w, i] of wordIndex) {
    if (i <= 0 || i >= rows) continue;
    const r = vectors.indexOf(w);
    if (r === undefined) continue;
    matrix.set(vectors.vectors.subarray(r * d, (r + 1) * d), i * d);
    found += 1;
  }
  return { matrix, shape: [rows, d], found };
}
