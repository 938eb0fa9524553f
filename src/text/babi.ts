/**
 * The bAbI question-answering tasks (Weston et al., 2015; `tasks_1-20_v1-2`), whose
 * `qa1_single-supporting-fact_{train,test}.txt` the book's Chapter 7 memory network reads.
 *
 * The format: one numbered line per sentence, `ID text`; a question line is
 * `ID question<TAB>answer<TAB>supporting fact IDs`. IDs count from 1 within a story and start
 * again at 1 for the next story, which is the only story separator. Questions are interleaved
 * with the statements: a story of task 1 holds five questions, each after two more statements.
 */
import { readText } from '../io/files.js';
import { TextFormatError } from './errors.js';

/** One statement of a story. */
export interface BabiStatement {
  readonly kind: 'statement';
  /** The line's ID within its story (from 1). */
  readonly id: number;
  readonly text: string;
}

/** One question of a story, with its answer and the IDs of the statements that support it. */
export interface BabiQuestion {
  readonly kind: 'question';
  readonly id: number;
  /** The question without the trailing space of the original files (`Where is Mary?`). */
  readonly text: string;
  /** As written (`bathroom`; tasks with several answers separate them with commas). */
  readonly answer: string;
  /** IDs of earlier statements of the same story. */
  readonly supportingFacts: readonly number[];
}

/** A story: its lines in file order, statements and questions interleaved. */
export interface BabiStory {
  readonly lines: readonly (BabiStatement | BabiQuestion)[];
}

const LINE = /^(\d+) (.*)$/;

/**
 * Parses a bAbI task file into stories. Checked as it goes: every line starts with its ID, IDs
 * go up by one within a story (a 1 starts the next), a question line has exactly three
 * TAB-separated fields, and its supporting facts are IDs of statements above it in its story.
 * Blank lines and CRLF line ends are accepted.
 * @param name the file name used in error messages
 */
export function parseBabi(text: string, name = 'bAbI text'): BabiStory[] {
  const stories: BabiStory[] = [];
  let lines: (BabiStatement | BabiQuestion)[] = [];
  const statements = new Set<number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const at = `${name}: line ${i + 1}`;
    const m = LINE.exec(line);
    if (!m) throw new TextFormatError(`${at}: expected "ID text", found ${JSON.stringify(line.slice(0, 40))}`);
    const id = Number(m[1]);
    const rest = m[2] ?? '';
    if (id === 1) {
      if (lines.length > 0) stories.push({ lines });
      lines = [];
      statements.clear();
    } else if (id !== lines.length + 1) {
      throw new TextFormatError(`${at}: ID ${id} follows ${lines.length === 0 ? 'no line' : `ID ${lines.length}`}`);
    }
    if (!rest.includes('\t')) {
      lines.push({ kind: 'statement', id, text: rest.trim() });
      statements.add(id);
      return;
    }
    const fields = rest.split('\t');
    if (fields.length !== 3)
      throw new TextFormatError(
        `${at}: a question needs "question<TAB>answer<TAB>facts", found ${fields.length} fields`,
      );
    const [question = '', answer = '', facts = ''] = fields;
    const supportingFacts = facts
      .trim()
      .split(/\s+/)
      .filter((f) => f !== '')
      .map(Number);
    for (const f of supportingFacts)
      if (!Number.isInteger(f) || !statements.has(f))
        throw new TextFormatError(`${at}: supporting fact ${f} is not a statement above the question in its story`);
    if (answer.trim() === '') throw new TextFormatError(`${at}: the question has no answer`);
    lines.push({ kind: 'question', id, text: question.trim(), answer: answer.trim(), supportingFacts });
  });
  if (lines.length > 0) stories.push({ lines });
  return stories;
}

/** Reads and parses a bAbI task file. */
export function readBabiFile(path: string): BabiStory[] {
  return parseBabi(readText(path), path);
}

/**
 * Which statements make a question's story:
 * - `since-last-question`: the statements after the previous question only (the book's
 *   `get_data`, which empties its story after every question: in task 1, two statements);
 * - `whole-story`: every statement of the story before the question (Keras' `babi_memnn.py`).
 */
export type BabiStoryScope = 'since-last-question' | 'whole-story';

/** One question with the statements it is asked about. */
export interface BabiSample {
  /** Statement texts, in order. */
  readonly story: readonly string[];
  /** Their IDs. */
  readonly storyIds: readonly number[];
  readonly question: string;
  readonly answer: string;
  readonly supportingFacts: readonly number[];
  /** Whether every supporting fact is among the story's statements (else the answer is not in it). */
  readonly supported: boolean;
}

/** Every question of `stories` as a sample, its story cut as `scope` says. */
export function babiSamples(stories: readonly BabiStory[], scope: BabiStoryScope): BabiSample[] {
  const out: BabiSample[] = [];
  for (const s of stories) {
    let story: BabiStatement[] = [];
    for (const line of s.lines) {
      if (line.kind === 'statement') {
        story.push(line);
        continue;
      }
      const ids = story.map((st) => st.id);
      out.push({
        story: story.map((st) => st.text),
        storyIds: ids,
        question: line.text,
        answer: line.answer,
        supportingFacts: line.supportingFacts,
        supported: line.supportingFacts.every((f) => ids.includes(f)),
      });
      if (scope === 'since-last-question') story = [];
    }
  }
  return out;
}
