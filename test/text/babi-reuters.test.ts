/**
 * The Chapter 7 text formats: bAbI task files (stories, questions, supporting facts, the book's
 * and Keras' story windows) and Reuters-21578 SGML (entities, multi-line elements, missing
 * bodies, the category lists), on hand-made text and on the shared files.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { babiSamples, parseBabi, readBabiFile } from '../../src/text/babi.js';
import { TextFormatError } from '../../src/text/errors.js';
import { decodeSgmlEntities, parseReutersSgml, readReutersDir } from '../../src/text/reuters.js';
import { sharedDataset } from './shared-data.js';

const SHARED = '../shared/datasets';
const BABI = join(SHARED, 'babi-tasks/tasks_1-20_v1-2');
const REUTERS = join(SHARED, 'reuters-21578');

// Two stories of task 1 as the original files have them: a space before each question's TAB,
// IDs restarting at 1, and (second story) a fact that lies before the previous question.
const TWO_STORIES = [
  '1 Mary moved to the bathroom.',
  '2 John went to the hallway.',
  '3 Where is Mary? \tbathroom\t1',
  '4 Daniel went back to the hallway.',
  '5 Sandra moved to the garden.',
  '6 Where is Daniel? \thallway\t4',
  '7 John moved to the office.',
  '8 Sandra journeyed to the bathroom.',
  '9 Where is Daniel? \thallway\t4',
  '1 Sandra travelled to the office.',
  '2 Where is Sandra? \toffice\t1',
  '',
].join('\r\n');

describe('bAbI task files', () => {
  it('parses stories (IDs restart at 1), statements, questions, answers and supporting facts', () => {
    const stories = parseBabi(TWO_STORIES);
    expect(stories).toHaveLength(2);
    expect(stories[0]?.lines).toHaveLength(9);
    expect(stories[0]?.lines[0]).toEqual({ kind: 'statement', id: 1, text: 'Mary moved to the bathroom.' });
    expect(stories[0]?.lines[2]).toEqual({
      kind: 'question',
      id: 3,
      text: 'Where is Mary?',
      answer: 'bathroom',
      supportingFacts: [1],
    });
    expect(stories[1]?.lines.map((l) => l.kind)).toEqual(['statement', 'question']);
  });

  it("cuts stories as the book does (since the last question) or as Keras' babi_memnn (whole story)", () => {
    const stories = parseBabi(TWO_STORIES);
    const book = babiSamples(stories, 'since-last-question');
    const whole = babiSamples(stories, 'whole-story');
    expect(book.map((s) => s.storyIds)).toEqual([[1, 2], [4, 5], [7, 8], [1]]);
    expect(whole.map((s) => s.storyIds)).toEqual([[1, 2], [1, 2, 4, 5], [1, 2, 4, 5, 7, 8], [1]]);
    // the third question's answer (statement 4) is outside the book's window
    expect(book.map((s) => s.supported)).toEqual([true, true, false, true]);
    expect(whole.every((s) => s.supported)).toBe(true);
    expect(book[2]).toMatchObject({
      story: ['John moved to the office.', 'Sandra journeyed to the bathroom.'],
      question: 'Where is Daniel?',
      answer: 'hallway',
    });
  });

  it('keeps several supporting facts and comma-separated answers (tasks 2, 8)', () => {
    const [story] = parseBabi('1 A went to the park.\n2 A got the ball.\n3 What is A carrying?\tball,apple\t1 2\n');
    expect(story?.lines[2]).toMatchObject({ answer: 'ball,apple', supportingFacts: [1, 2] });
  });

  it('refuses malformed lines, naming the file and line', () => {
    expect(() => parseBabi('1 A.\nB went home.\n', 'qa.txt')).toThrow(/^qa\.txt: line 2: expected "ID text"/);
    expect(() => parseBabi('1 A.\n3 B.\n', 'qa.txt')).toThrow('qa.txt: line 2: ID 3 follows ID 1');
    expect(() => parseBabi('2 A.\n', 'qa.txt')).toThrow('qa.txt: line 1: ID 2 follows no line');
    expect(() => parseBabi('1 A.\n2 Where?\tx\n')).toThrow(/line 2: a question needs .* found 2 fields/);
    expect(() => parseBabi('1 A.\n2 Where?\tx\t3\n')).toThrow(/line 2: supporting fact 3 is not a statement above/);
    expect(() => parseBabi('1 A.\n2 Where?\t\t1\n')).toThrow(TextFormatError);
  });

  it.skipIf(!sharedDataset(BABI))(
    'reads the shared task 1 files: 1,000 / 10,000 questions in stories of 15 lines',
    () => {
      const file = (set: string, split: string): string => join(BABI, set, `qa1_single-supporting-fact_${split}.txt`);
      for (const [set, split, n] of [
        ['en', 'train', 1000],
        ['en', 'test', 1000],
        ['en-10k', 'train', 10000],
      ] as const) {
        const stories = readBabiFile(file(set, split));
        expect(stories).toHaveLength(n / 5);
        expect(stories.every((s) => s.lines.length === 15)).toBe(true);
        const book = babiSamples(stories, 'since-last-question');
        expect(book).toHaveLength(n);
        // task 1: every whole story holds its answer; the book's two-statement window often does not
        expect(babiSamples(stories, 'whole-story').every((s) => s.supported)).toBe(true);
        expect(book.every((s) => s.story.length === 2)).toBe(true);
        if (set === 'en' && split === 'test') expect(book.filter((s) => s.supported)).toHaveLength(708);
      }
    },
  );
});

const SGML = `<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5552" NEWID="2">
<DATE>26-FEB-1987 15:02:20.00</DATE>
<TOPICS></TOPICS>
<PLACES><D>usa</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>&#5;&#5;&#5;F Y
f0762 BC-STANDARD-OIL-&lt;SRD>-TO   02-26 0082</UNKNOWN>
<TEXT>&#2;
<TITLE>STANDARD OIL &lt;SRD> TO FORM FINANCIAL UNIT</TITLE>
<DATELINE>    CLEVELAND, Feb 26 - </DATELINE><BODY>Standard Oil Co and BP North America
Inc said they plan to form a venture, S&amp;L style.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5574" NEWID="31">
<DATE>26-FEB-1987 15:51:17.84</DATE>
<TOPICS><D>money-fx</D><D>interest</D></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>f f BC-ASSETS</UNKNOWN>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE
720.4 MLN DLRS</TITLE>Blah blah blah.
&#3;

</TEXT>
</REUTERS>
`;

describe('Reuters-21578 SGML', () => {
  it('decodes &lt; &gt; &amp; and numeric references (control characters too); leaves unknown ones', () => {
    expect(decodeSgmlEntities('&lt;SRD&gt; S&amp;L &#3;&#x41;&#127; &nbsp; &#99999999;')).toBe(
      '<SRD> S&L \u0003A\u007f &nbsp; &#99999999;',
    );
  });

  it('reads attributes, categories, multi-line title and body, a brief text without body', () => {
    const [a, b] = parseReutersSgml(SGML);
    expect(a).toMatchObject({
      newId: 2,
      attributes: { TOPICS: 'YES', OLDID: '5552', NEWID: '2' },
      date: '26-FEB-1987 15:02:20.00',
      categories: { topics: [], places: ['usa'], people: [] },
      textType: 'NORM',
      title: 'STANDARD OIL <SRD> TO FORM FINANCIAL UNIT',
      dateline: '    CLEVELAND, Feb 26 - ',
      hasBody: true,
      unmarkedText: '\u0002',
    });
    expect(a?.body).toBe(
      'Standard Oil Co and BP North America\nInc said they plan to form a venture, S&L style.\n Reuter\n\u0003',
    );
    expect(b).toMatchObject({
      newId: 31,
      categories: { topics: ['money-fx', 'interest'], places: [] },
      textType: 'BRIEF',
      title: 'ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE\n720.4 MLN DLRS',
      body: '',
      hasBody: false,
    });
    expect(b?.unmarkedText).toBe('\u0002\n******Blah blah blah.\n\u0003');
  });

  it('refuses tags that do not nest, nested documents, stray text and an unfinished file', () => {
    expect(() => parseReutersSgml('<REUTERS><TITLE>x</BODY></REUTERS>', 'r.sgm')).toThrow(
      'r.sgm: line 1: </BODY> closes <TITLE>',
    );
    expect(() => parseReutersSgml('<REUTERS>\n<REUTERS>', 'r.sgm')).toThrow(
      'r.sgm: line 2: <REUTERS> inside another <REUTERS> document',
    );
    expect(() => parseReutersSgml('hello <REUTERS></REUTERS>')).toThrow(/text outside a <REUTERS> document/);
    expect(() => parseReutersSgml('<REUTERS><TEXT><D>x</D></TEXT></REUTERS>')).toThrow(/<D> inside <TEXT>/);
    expect(() => parseReutersSgml('<REUTERS><BODY>text', 'r.sgm')).toThrow('r.sgm: line 1: end of file inside <BODY>');
  });

  it.skipIf(!sharedDataset(REUTERS))('reads the shared reut2-000.sgm as its SOURCE.md describes it', () => {
    const { files, documents } = readReutersDir(REUTERS);
    expect(files).toEqual([join(REUTERS, 'reut2-000.sgm')]);
    expect(documents).toHaveLength(1000);
    expect(documents.map((d) => d.newId)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(documents.filter((d) => d.hasBody)).toHaveLength(925);
    expect(documents.filter((d) => d.attributes['TOPICS'] === 'YES')).toHaveLength(621);
    expect(documents.filter((d) => d.textType === 'BRIEF')).toHaveLength(60);
    expect(documents.filter((d) => d.textType === 'UNPROC')).toHaveLength(15);
    expect(documents[0]?.title).toBe('BAHIA COCOA REVIEW');
    expect(documents[0]?.categories).toMatchObject({ topics: ['cocoa'], places: ['el-salvador', 'usa', 'uruguay'] });
    expect(documents[0]?.body.startsWith('Showers continued throughout the week in\nthe Bahia cocoa zone')).toBe(true);
    // every body ends with the wire's end-of-text character, decoded
    expect(documents.filter((d) => d.hasBody).every((d) => d.body.trimEnd().endsWith('\u0003'))).toBe(true);
    expect(documents[1]?.title).toBe('STANDARD OIL <SRD> TO FORM FINANCIAL UNIT');
    expect(documents.some((d) => /&(lt|amp|#\d+);/.test(d.body + d.title))).toBe(false);
    // the unprocessed texts' tables are outside any TITLE or BODY
    const unproc = documents.find((d) => d.textType === 'UNPROC');
    expect(unproc?.title).toBe('');
    expect(unproc?.unmarkedText.startsWith('\u0002\nFEDERAL RESERVE WEEKLY REPORT 1 - FEB 26')).toBe(true);
  });
});
