/**
 * English word and sentence tokenisation close to NLTK's `word_tokenize` and `sent_tokenize`
 * (Penn Treebank conventions), without NLTK's trained Punkt model: enough for the book's
 * Alice, Reuters and UMich sentences. Differences from NLTK are listed on each function.
 */

/** Closing punctuation that may follow a sentence-final period and stays with the sentence. */
const CLOSERS = `\\])}>"'\u201d\u2019\u00bb`;

/** Rule: a pattern and its replacement, applied in order to a padded sentence. */
type Rule = readonly [RegExp, string];

/** Quotes, brackets and punctuation marks that always stand alone. */
const PUNCT_RULES: readonly Rule[] = [
  // Opening double quote (start, or after space or an opening bracket) -> ``, like PTB.
  [/(^|[\s([{<])"/g, '$1 `` '],
  // Backtick runs and curly/guillemet opening quotes are tokens of their own.
  [/(`+|[\u201c\u2018\u201e\u00ab])/g, ' $1 '],
  // Every remaining double quote closes -> ''.
  [/"/g, " '' "],
  [/([\u201d\u00bb])/g, ' $1 '],
  // Ellipses (two or more dots) stay one token.
  [/\.{2,}/g, ' $& '],
  // Comma and colon split unless a digit follows (3,000 and 10:30 stay whole).
  [/[,:](?!\d)/g, ' $& '],
  [/[;@#$%&*?!]/g, ' $& '],
  [/[\][(){}<>]/g, ' $& '],
  [/--/g, ' -- '],
];

/** Contractions split inside the word (MacIntyre's list, as in NLTK); `'` may also be `’`. */
const SPLIT_WORDS: readonly Rule[] = [
  [/(^|\s)(can)(not)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(d)(['\u2019\ue000]ye)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(gim)(me)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(gon)(na)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(got)(ta)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(lem)(me)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(more)(['\u2019\ue000]n)(?=\s)/gi, '$1$2 $3'],
  [/(^|\s)(wan)(na)(?=\s)/gi, '$1$2 $3'],
];

/** Abbreviations that never end a sentence (lower case, without the final period). */
export const DEFAULT_ABBREVIATIONS: readonly string[] = [
  'mr',
  'mrs',
  'ms',
  'messrs',
  'dr',
  'st',
  'jr',
  'sr',
  'prof',
  'rev',
  'hon',
  'gen',
  'col',
  'maj',
  'capt',
  'lt',
  'sgt',
  'gov',
  'sen',
  'rep',
  'pres',
  'mt',
  'ft',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'cf',
  'al',
  'inc',
  'co',
  'corp',
  'ltd',
  'bros',
  'vol',
  'fig',
  'pp',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'approx',
  'dept',
  'est',
  'u.s',
];

/**
 * Splits one sentence into Penn Treebank tokens, like NLTK's `NLTKWordTokenizer.tokenize`
 * (what `word_tokenize` runs on each sentence):
 * - `"` opening -> `` `` ``, closing -> `''`; curly quotes and guillemets become separate tokens;
 * - punctuation `, : ; ? ! @ # $ % & *`, brackets and `--` are split off; a comma or colon
 *   followed by a digit is not (`3,000`, `10:30`); `3.14` and `U.S.` inside a sentence stay whole;
 * - two or more dots stay one token (`...`); only the sentence-final period is split off;
 * - contractions split Treebank-style: `don't` -> `do n't`, `I'm` -> `I 'm`, `they'll` ->
 *   `they 'll`, `John's` -> `John 's`, `cannot` -> `can not`, `gonna` -> `gon na`, ...
 *
 * Differences from NLTK (deliberate): a sentence-final letter-dot abbreviation keeps its
 * period and gets another token (`the U.S.` -> `the U.S. .`, as the Penn Treebank itself
 * writes it; NLTK gives `U.S .`); a `’` between letters is an apostrophe (`don’t` -> `do n’t`;
 * NLTK splits every `’` off as a quote); a byte-order mark is whitespace (NLTK keeps it glued to
 * the first word). Checked against NLTK 3.10's `NLTKWordTokenizer` on every UMich SI650 sentence
 * and 400 Alice paragraphs (test/fixtures/nltk-word-tokenize.json, from
 * scripts/fixtures/nltk-word-tokenize.py): identical apart from these.
 */
export function treebankWordTokenize(sentence: string): string[] {
  // Mark apostrophes between word characters so the quote rules below leave them alone.
  const APOS = '\ue000';
  let t = sentence.replace(/(?<=[\p{L}\p{N}])\u2019(?=\p{L})/gu, APOS);
  for (const [re, rep] of PUNCT_RULES) t = t.replace(re, rep);
  t = t.replace(/\u2019/g, ' \u2019 ');
  t = finalPeriod(t);
  t = ` ${t.replace(/\s+/g, ' ')} `;
  // An opening single quote before a word is a token of its own, elisions too ('Tis -> ' Tis,
  // 'em -> ' em), as NLTK 3.10 splits them.
  t = t.replace(/ '(?=\p{L})/gu, " ' ");
  // A closing single quote first, so that a clitic before it splits too (won't' -> wo n't ');
  // then the clitics; the lookahead is the padding space after each token.
  t = t.replace(/([^'\s])' /g, "$1 ' ");
  t = t.replace(/([^'\s])('|\ue000)(s|m|d|ll|re|ve)(?= )/gi, '$1 $2$3');
  t = t.replace(/([^'\s])(n)('|\ue000)(t)(?= )/gi, '$1 $2$3$4');
  for (const [re, rep] of SPLIT_WORDS) t = t.replace(re, rep);
  return t
    .replace(/\ue000/g, '\u2019')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Splits off the sentence-final period (one not preceded by another period). */
function finalPeriod(t: string): string {
  const m = new RegExp(`(\\S*?)([^.\\s])\\.([${CLOSERS}\\s]*)$`, 'u').exec(t);
  if (m === null) return t;
  const [whole, head = '', last = '', tail = ''] = m;
  const before = t.slice(0, t.length - whole.length);
  const word = head + last;
  // PTB keeps the period of an abbreviation like U.S. and adds the sentence's own.
  const keep = /^(?:\p{L}\.)+\p{L}$/u.test(word) ? '.' : '';
  return `${before}${word}${keep} . ${tail}`;
}

/** Options of {@link sentTokenize}. */
export interface SentenceOptions {
  /** Words (lower case, no final period) after which a period never ends a sentence. */
  readonly abbreviations?: Iterable<string>;
  /** Also split at blank lines (paragraph breaks), e.g. for Gutenberg text. Default false. */
  readonly paragraphs?: boolean;
}

/**
 * A rule-based stand-in for NLTK's `sent_tokenize` (Punkt): a sentence ends at `.`, `!`, `?`
 * or `...` (plus any closing quotes or brackets) followed by whitespace and then an upper-case
 * letter, an opening quote or bracket. A single `.` does not end a sentence after an
 * abbreviation ({@link DEFAULT_ABBREVIATIONS}, e.g. `Mr.`, `Dr.`, `St.`, `Nov.`), a single
 * letter (initials, `J. Smith`) or a letter-dot abbreviation (`U.S.`, `N.V.`).
 *
 * Differences from NLTK: Punkt learns abbreviations and collocations from a corpus and uses
 * orthographic statistics; here the list is fixed, so `in the U.S. The ...` stays one
 * sentence, and a sentence starting with a digit or a lower-case word is not split off (Punkt
 * breaks after any non-abbreviation period, so it splits lower-cased text like UMich's
 * `awesome. i loved it` where this keeps `awesome.` as one word inside the sentence).
 * Returns trimmed sentences; whitespace inside a sentence is kept.
 */
export function sentTokenize(text: string, options: SentenceOptions = {}): string[] {
  const abbrev = new Set([...(options.abbreviations ?? DEFAULT_ABBREVIATIONS)].map((a) => a.toLowerCase()));
  const blocks = options.paragraphs ? text.split(/\n[ \t\r]*\n/) : [text];
  const out: string[] = [];
  for (const block of blocks) {
    let start = 0;
    const re = new RegExp(`([.!?]+)[${CLOSERS}]*(?=\\s+([\\p{Lu}"'\`(\\[\u201c\u2018]))`, 'gu');
    for (let m = re.exec(block); m !== null; m = re.exec(block)) {
      const end = m.index + m[0].length;
      if (m[1] === '.' && isAbbreviation(block.slice(start, m.index), abbrev)) continue;
      pushTrimmed(out, block.slice(start, end));
      start = end;
    }
    pushTrimmed(out, block.slice(start));
  }
  return out;
}

/** Whether the word ending `before` (the text just before a single `.`) is an abbreviation. */
function isAbbreviation(before: string, abbrev: ReadonlySet<string>): boolean {
  const word = (/(\S+)$/.exec(before)?.[1] ?? '').replace(/^["'`([\u201c\u2018]+/u, '');
  if (word.length === 0) return false;
  const lw = word.toLowerCase();
  return abbrev.has(lw) || /^\p{L}$/u.test(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word);
}

function pushTrimmed(out: string[], s: string): void {
  const t = s.trim();
  if (t.length > 0) out.push(t);
}

/** Options of {@link wordTokenize}. */
export interface WordTokenizeOptions extends SentenceOptions {
  /** Treat the text as one sentence (NLTK's `preserve_line=True`). Default false. */
  readonly preserveLine?: boolean;
}

/**
 * NLTK's `word_tokenize` for English: {@link sentTokenize} then {@link treebankWordTokenize}
 * on each sentence, so the final period of every sentence is split off, not only the text's.
 */
export function wordTokenize(text: string, options: WordTokenizeOptions = {}): string[] {
  const sentences = options.preserveLine ? [text] : sentTokenize(text, options);
  return sentences.flatMap((s) => treebankWordTokenize(s));
}
