/**
 * Penn Treebank `.mrg` files (bracketed parse trees, as in NLTK's `treebank` sample that the
 * book's Chapter 6 POS taggers read through `nltk.corpus.treebank.tagged_sents()`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from '../io/files.js';
import { TextFormatError } from './errors.js';

/** A parse-tree node: a label and children; a leaf is a node whose one child is its word. */
export interface TreeNode {
  readonly label: string;
  readonly children: (TreeNode | string)[];
}

/** One tagged token: `[word, tag]`, e.g. `['Vinken', 'NNP']`. */
export type TaggedWord = [word: string, tag: string];

/** Options of {@link parseMrg}. */
export interface MrgOptions {
  /**
   * Keep `-NONE-` leaves (traces and empty elements such as `*-1`, `*T*-2`, `0`). Default false:
   * they are not words of the sentence. NLTK's `tagged_sents()` keeps them.
   */
  readonly keepTraces?: boolean;
}

/**
 * Parses the trees of an `.mrg` file. Each top-level bracket is one tree; the usual outer
 * bracket without a label (`( (S ...) )`) gives a node with an empty label. Errors name the
 * line and column of unbalanced brackets.
 * @param name the file name used in error messages
 */
export function parseMrgTrees(text: string, name = '.mrg text'): TreeNode[] {
  const trees: TreeNode[] = [];
  const stack: { label: string | undefined; children: (TreeNode | string)[]; offset: number }[] = [];
  const re = /\(|\)|[^\s()]+/g;
  // Line/column of a match, for error messages (computed only when needed).
  const at = (index: number): string => {
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    return `line ${line}, column ${index - before.lastIndexOf('\n')}`;
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tok = m[0];
    if (tok === '(') {
      stack.push({ label: undefined, children: [], offset: m.index });
    } else if (tok === ')') {
      const top = stack.pop();
      if (top === undefined) throw new TextFormatError(`${name}: ${at(m.index)}: unexpected ')' with no open bracket`);
      const node: TreeNode = { label: top.label ?? '', children: top.children };
      const parent = stack[stack.length - 1];
      if (parent === undefined) trees.push(node);
      else parent.children.push(node);
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined)
        throw new TextFormatError(`${name}: ${at(m.index)}: expected '(' to open a tree, found ${JSON.stringify(tok)}`);
      // The first atom after '(' is the label, later atoms are words.
      if (top.label === undefined && top.children.length === 0) top.label = tok;
      else top.children.push(tok);
    }
  }
  const open = stack[0];
  if (open !== undefined)
    throw new TextFormatError(
      `${name}: ${at(open.offset)}: bracket opened here is never closed (${stack.length} open at the end of the file)`,
    );
  return trees;
}

/** The `[word, tag]` leaves of a tree, left to right. */
export function treeLeaves(tree: TreeNode, options: MrgOptions = {}): TaggedWord[] {
  const out: TaggedWord[] = [];
  const walk = (n: TreeNode): void => {
    for (const c of n.children) {
      if (typeof c === 'string') {
        if (options.keepTraces || n.label !== '-NONE-') out.push([c, n.label]);
      } else {
        walk(c);
      }
    }
  };
  walk(tree);
  return out;
}

/**
 * Sentences of an `.mrg` file as `[word, tag]` lists (NLTK's `tagged_sents()`), with `-NONE-`
 * leaves dropped unless `keepTraces`; punctuation tags (`,` `.` `` `` `` `''` `-LRB-` ...) are
 * kept. A tree left empty by dropping traces is left out.
 */
export function parseMrg(text: string, name = '.mrg text', options: MrgOptions = {}): TaggedWord[][] {
  return parseMrgTrees(text, name)
    .map((t) => treeLeaves(t, options))
    .filter((s) => s.length > 0);
}

/** Reads one `.mrg` file. */
export function readMrgFile(path: string, options: MrgOptions = {}): TaggedWord[][] {
  return parseMrg(readText(path), path, options);
}

/** Reads every `.mrg` file of a folder (e.g. `treebank/combined`), in file-name order. */
export function readMrgDir(dir: string, options: MrgOptions = {}): TaggedWord[][] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.mrg'))
    .sort();
  return files.flatMap((f) => readMrgFile(join(dir, f), options));
}
