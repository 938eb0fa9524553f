/**
 * Reuters-21578's SGML files (`reut2-000.sgm` ... `reut2-021.sgm`), which the book's Chapter 6
 * and 7 scripts read through the scikit-learn `ReutersParser`.
 *
 * A file is a `<!DOCTYPE lewis ...>` line and `<REUTERS ...>` elements, each with `DATE`, the
 * category lists `TOPICS`, `PLACES`, `PEOPLE`, `ORGS`, `EXCHANGES`, `COMPANIES` (each `<D>`
 * values), `UNKNOWN`, and `TEXT`, which holds `TITLE`, `DATELINE`, `AUTHOR` and `BODY` (a
 * `TYPE="BRIEF"` text has a title only; a `TYPE="UNPROC"` one only unmarked text). What a
 * plain-text reader would get wrong:
 * - text is escaped: `&lt;` for `<` (`&lt;AMERICAN EXPRESS>`), `&amp;`, and the wire's control
 *   characters as numeric references (`&#2;` opens every TEXT, `&#3;` ends every BODY);
 * - elements span lines, and several may share a line (`</DATELINE><BODY>...`);
 * - bodies (and titles) can be missing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBytes } from '../io/files.js';
import { TextFormatError } from './errors.js';

/** The `<D>` lists of a document, by element name (lower case). */
export interface ReutersCategories {
  readonly topics: readonly string[];
  readonly places: readonly string[];
  readonly people: readonly string[];
  readonly orgs: readonly string[];
  readonly exchanges: readonly string[];
  readonly companies: readonly string[];
}

/** One `<REUTERS>` element. Text fields hold the decoded character data ('' when absent). */
export interface ReutersDocument {
  /** The `<REUTERS>` attributes (`TOPICS`, `LEWISSPLIT`, `CGISPLIT`, `OLDID`, `NEWID`). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly newId: number;
  readonly date: string;
  readonly categories: ReutersCategories;
  /** `TEXT`'s `TYPE`: `NORM` when it has none, else `BRIEF` or `UNPROC`. */
  readonly textType: string;
  readonly title: string;
  readonly dateline: string;
  readonly author: string;
  readonly body: string;
  /** False when the document has no `<BODY>` (brief and unprocessed texts). */
  readonly hasBody: boolean;
  /** Character data of `TEXT` outside its child elements: the whole text of an `UNPROC` one. */
  readonly unmarkedText: string;
}

const CATEGORY_LISTS = ['topics', 'places', 'people', 'orgs', 'exchanges', 'companies'] as const;
type CategoryList = (typeof CATEGORY_LISTS)[number];
const TEXT_FIELDS = ['title', 'dateline', 'author', 'body'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Replaces SGML character references: `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&#N;` and
 * `&#xN;` (control characters included: `&#3;` is U+0003). Other references stay as written.
 */
export function decodeSgmlEntities(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

/** Tags, the doctype, and the text between them (a fresh RegExp per parse: `g` keeps state). */
const TOKEN_SOURCE = /<!([^>]*)>|<(\/?)([A-Za-z]+)((?:\s+[A-Za-z-]+="[^"]*")*)\s*>|[^<]+|</.source;
const ATTRIBUTE = /([A-Za-z-]+)="([^"]*)"/g;

interface Draft {
  attributes: Record<string, string>;
  date: string;
  lists: Record<CategoryList, string[]>;
  textType: string;
  fields: Record<TextField, string>;
  hasBody: boolean;
  unmarkedText: string;
}

function draft(attributes: Record<string, string>): Draft {
  return {
    attributes,
    date: '',
    lists: { topics: [], places: [], people: [], orgs: [], exchanges: [], companies: [] },
    textType: 'NORM',
    fields: { title: '', dateline: '', author: '', body: '' },
    hasBody: false,
    unmarkedText: '',
  };
}

/**
 * Parses the `<REUTERS>` documents of one SGML file. Tags must nest (an end tag closes the
 * innermost open element) and documents must not nest; errors name the line.
 * @param name the file name used in error messages
 */
export function parseReutersSgml(text: string, name = 'Reuters SGML'): ReutersDocument[] {
  const docs: ReutersDocument[] = [];
  const open: string[] = [];
  let doc: Draft | undefined;
  let d = '';
  const lineAt = (index: number): number => {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
    return n;
  };
  const fail = (index: number, what: string): never => {
    throw new TextFormatError(`${name}: line ${lineAt(index)}: ${what}`);
  };
  const token = new RegExp(TOKEN_SOURCE, 'g');
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const [tok, decl, slash, rawTag, rawAttrs] = m;
    if (decl !== undefined) continue; // <!DOCTYPE ...>
    if (rawTag === undefined) {
      // character data (a '<' that starts no tag is text too)
      if (doc === undefined) {
        if (tok.trim() !== '') fail(m.index, `text outside a <REUTERS> document: ${JSON.stringify(tok.slice(0, 30))}`);
        continue;
      }
      const value = decodeSgmlEntities(tok);
      const inner = open[open.length - 1];
      if (inner === 'd') d += value;
      else if (inner === 'date') doc.date += value;
      else if (inner === 'text') doc.unmarkedText += value;
      else if ((TEXT_FIELDS as readonly string[]).includes(inner ?? '')) doc.fields[inner as TextField] += value;
      continue;
    }
    const tag = rawTag.toLowerCase();
    if (slash === '') {
      const attributes: Record<string, string> = {};
      for (const a of (rawAttrs ?? '').matchAll(ATTRIBUTE)) attributes[a[1] ?? ''] = decodeSgmlEntities(a[2] ?? '');
      if (tag === 'reuters') {
        if (doc !== undefined) fail(m.index, '<REUTERS> inside another <REUTERS> document');
        doc = draft(attributes);
      } else if (doc === undefined) {
        fail(m.index, `<${rawTag}> outside a <REUTERS> document`);
      } else if (tag === 'text') {
        doc.textType = attributes['TYPE'] ?? 'NORM';
      } else if (tag === 'body') {
        doc.hasBody = true;
      } else if (tag === 'd') {
        d = '';
      }
      open.push(tag);
      continue;
    }
    const top = open.pop();
    if (top !== tag) fail(m.index, `</${rawTag}> closes ${top === undefined ? 'nothing' : `<${top.toUpperCase()}>`}`);
    if (tag === 'd' && doc !== undefined) {
      const list = open[open.length - 1];
      if (!(CATEGORY_LISTS as readonly string[]).includes(list ?? ''))
        fail(m.index, `<D> inside <${(list ?? 'nothing').toUpperCase()}>, not a category list`);
      doc.lists[list as CategoryList].push(d);
    } else if (tag === 'reuters' && doc !== undefined) {
      const newId = Number(doc.attributes['NEWID']);
      docs.push({
        attributes: doc.attributes,
        newId: Number.isInteger(newId) ? newId : NaN,
        date: doc.date.trim(),
        categories: doc.lists,
        textType: doc.textType,
        ...doc.fields,
        hasBody: doc.hasBody,
        unmarkedText: doc.unmarkedText.trim(),
      });
      doc = undefined;
    }
  }
  if (open.length > 0) fail(text.length, `end of file inside <${(open[open.length - 1] ?? '').toUpperCase()}>`);
  return docs;
}

/** Reads one SGML file (Latin-1, as the collection's README says; the files are ASCII). */
export function readReutersSgml(path: string): ReutersDocument[] {
  return parseReutersSgml(Buffer.from(readBytes(path)).toString('latin1'), path);
}

/** Every `*.sgm` file of a folder, in name order (`reut2-000.sgm` first), parsed and concatenated. */
export function readReutersDir(dir: string): { files: string[]; documents: ReutersDocument[] } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sgm'))
    .sort()
    .map((f) => join(dir, f));
  return { files, documents: files.flatMap(readReutersSgml) };
}
