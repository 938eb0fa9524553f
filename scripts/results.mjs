#!/usr/bin/env node
// `npm run results [-- --check] [-- --root DIR]`: writes the generated tables of RESULTS.md from
// the result lines in results/*.jsonl (one per `tfgym example ... --results FILE` run) and the
// book's figures in results/book.json, and the reinforcement-learning tables from
// results/train/*.jsonl (`tfgym train ... --results FILE`) with their rows and references in
// results/rl.json. Every number in a table comes from a result line; a row with no line says
// "not yet run". Only the regions between `<!-- BEGIN results NAME -->` and
// `<!-- END results NAME -->` (NAME: an example of book.json), and `<!-- BEGIN train-results
// NAME -->` ... (NAME: a table of rl.json) are rewritten, so the prose around them stays as
// written. With --check nothing is written: the exit code is 1 when RESULTS.md differs from
// what would be written (or a region is missing), 0 otherwise.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Thrown for bad input files: printed as one line, exit code 1. */
export class ResultsError extends Error {}

/** Mean and sample standard deviation (n - 1); std is NaN below two values. */
export function meanStd(values) {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: NaN, n };
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

const pct = (x) => `${(x * 100).toFixed(2)}%`;
const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `7.2s`, `19m01s`, `2h22m`. */
export function duration(seconds) {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

const REQUIRED = [
  'example',
  'variant',
  'metrics',
  'epochs',
  'batchSize',
  'seed',
  'quick',
  'settings',
  'backend',
  'commit',
  'wallSeconds',
  'command',
  'date',
];

/**
 * Every result line of the .jsonl files in `dir` (sorted by file name), each with its origin
 * (`prefix` + file:line), checked to hold the `required` keys.
 */
export function readLines(dir, required = REQUIRED, prefix = '') {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      const at = `${prefix}${file}:${i + 1}`;
      let line;
      try {
        line = JSON.parse(raw);
      } catch (e) {
        throw new ResultsError(`${at}: not a JSON object (${e.message})`);
      }
      const missing = required.filter((k) => !(k in line));
      if (missing.length > 0) throw new ResultsError(`${at}: missing ${missing.join(', ')}`);
      out.push({ ...line, at });
    });
  }
  return out;
}

/** How a line's settings differ from the book's (empty: the book's settings), for a figure-less epochs check too. */
function differences(line, variant) {
  const s = variant.settings;
  const d = [];
  const st = line.settings ?? {};
  if (variant.figures.length > 0) {
    if (!variant.figures.some((f) => f.epochs === line.epochs))
      d.push(`${line.epochs} epochs (book: ${variant.figures.map((f) => f.epochs).join(' or ')})`);
  } else if (s.epochs !== undefined && line.epochs !== s.epochs) {
    d.push(`${line.epochs} epochs (book: ${s.epochs})`);
  }
  if (s.batchSize !== undefined && line.batchSize !== s.batchSize)
    d.push(`batch ${line.batchSize} (book: ${s.batchSize})`);
  if (s.trainSamples !== undefined && st.trainSamples !== s.trainSamples)
    d.push(`${thousands(st.trainSamples)} training images (book: ${thousands(s.trainSamples)})`);
  if (s.testSamples !== undefined && st.testSamples !== s.testSamples)
    d.push(`${thousands(st.testSamples)} test images (book: ${thousands(s.testSamples)})`);
  if (s.validationSplit !== undefined && st.validationSplit !== s.validationSplit)
    d.push(`validation split ${st.validationSplit} (book: ${s.validationSplit})`);
  if (s.optimizer !== undefined && st.optimizer !== s.optimizer)
    d.push(`optimizer ${st.optimizer} (book: ${s.optimizer})`);
  // Pretrained word vectors: the book's files are not here, so runs read others; say which, and
  // how much of the vocabulary they cover (the number that decides how much they can help).
  if (s.vectors !== undefined && basename(String(st.vectors ?? '')) !== s.vectors) {
    const cov = line.metrics?.vectorCoverage;
    const covText = typeof cov === 'number' ? `, covering ${(cov * 100).toFixed(1)}% of the vocabulary` : '';
    d.push(
      `vectors ${st.vectors === undefined ? 'none' : basename(String(st.vectors))}${covText} (book: ${s.vectors})`,
    );
  }
  return d;
}

/** One value per seed: the latest line of each seed (by date) wins; returns the lines kept and the count dropped. */
function perSeed(lines) {
  const bySeed = new Map();
  let dropped = 0;
  for (const l of [...lines].sort((a, b) => a.date.localeCompare(b.date))) {
    if (bySeed.has(l.seed)) dropped++;
    bySeed.set(l.seed, l);
  }
  return { kept: [...bySeed.values()].sort((a, b) => a.seed - b.seed), dropped };
}

function groupBy(items, key) {
  const m = new Map();
  for (const it of items) {
    const k = key(it);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(it);
  }
  return m;
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => `\`${cell(s)}\``;

/** `97.74% ± 0.08 (5 seeds)`, saying so below 3 seeds. */
export function meanCell(values) {
  return metricMeanCell('pct', values);
}

function commitsCell(lines) {
  return [...new Set(lines.map((l) => `${l.commit}${l.dirty ? ' (modified)' : ''}`))].join(', ');
}

/** Commands with the seed replaced by S, deduplicated. */
function commandsCell(lines) {
  const cmds = [...new Set(lines.map((l) => l.command.replace(/--seed(=|\s+)\d+/, '--seed$1S')))];
  return cmds.map(code).join('<br>');
}

function wallCell(lines) {
  // Runs at different commits can differ a lot in speed (a faster kernel landed between them):
  // then the range says more than a mean.
  const secs = lines.map((l) => l.wallSeconds);
  const lo = Math.min(...secs);
  const hi = Math.max(...secs);
  if (secs.length > 1 && hi > 1.25 * lo) return `${duration(lo)} - ${duration(hi)}`;
  return duration(meanStd(secs).mean);
}

/** ` (W of N won)` for an evaluation of an env that counts wins (Catch), else nothing. */
function wonOf(e) {
  return typeof e.wins === 'number' ? ` (${e.wins} of ${e.episodes} won)` : '';
}

/** For evaluations that count wins (Catch): the mean and the fewest games won over the seeds. */
function winsNote(evals) {
  const wins = evals.map((e) => e.wins);
  if (wins.length === 0 || !wins.every((w) => typeof w === 'number')) return '';
  const { mean } = meanStd(wins);
  return `; games won: mean ${mean.toFixed(1)}, fewest ${Math.min(...wins)}`;
}

function seedsCell(lines, value) {
  return lines.map((l) => `${l.seed}: ${value(l)}`).join('; ');
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

/** The suggested command for a row nobody has run yet. */
function toRun(example, variant, epochs, chapter, defaultEpochs) {
  const v = variant === 'default' ? '' : ` --variant ${variant}`;
  const e = epochs !== undefined && epochs !== defaultEpochs ? ` --epochs ${epochs}` : '';
  return `to run: ${code(`tfgym example ${example}${v}${e} --seed S --results results/ch${chapter}.jsonl`)}`;
}

/** The book's figure, or `-` for a variant the book gives none for. */
function bookCell(fig) {
  return fig.testAccuracy === undefined ? '-' : pct(fig.testAccuracy);
}

/** The accuracy table: every variant at each book figure's epochs (a figure-less one at its settings' epochs). */
function accuracyTable(name, ex, lines, notes) {
  const out = [
    row([
      'variant (book script)',
      'epochs',
      'book test acc.',
      'tfgym test acc., mean ± std',
      'test acc. per seed',
      'backend',
      'wall time per run',
      'commit',
      'command',
    ]),
    row(['---', '---:', '---:', '---:', '---', '---', '---:', '---', '---']),
  ];
  for (const [vname, variant] of Object.entries(ex.variants)) {
    if (variant.table) continue;
    // A variant without a book figure (another data set, say) is listed at its settings' epochs.
    const figures = variant.figures.length > 0 ? variant.figures : [{ epochs: variant.settings.epochs }];
    for (const fig of figures) {
      const matching = lines.filter((l) => l.variant === vname && l.epochs === fig.epochs);
      const label = `\`${vname}\` (${cell(variant.script.replace(/^Chapter\d+\//, ''))})`;
      if (matching.length === 0) {
        // `dataHere` (book.json) says why the book's setting cannot run on this machine's data.
        const run = toRun(name, vname, fig.epochs, ex.chapter, variant.settings.epochs);
        out.push(
          row([
            label,
            String(fig.epochs),
            bookCell(fig),
            ex.dataHere ? 'not run: needs the full data set' : 'not yet run',
            '-',
            '-',
            '-',
            '-',
            ex.dataHere ? `${cell(ex.dataHere)}; ${run}` : run,
          ]),
        );
        continue;
      }
      for (const [backend, group] of groupBy(matching, (l) => l.backend)) {
        const { kept, dropped } = perSeed(group);
        notes.dropped += dropped;
        const accs = kept.map((l) => l.metrics.testAccuracy);
        out.push(
          row([
            label,
            String(fig.epochs),
            bookCell(fig),
            meanCell(accs),
            seedsCell(kept, (l) => pct(l.metrics.testAccuracy)),
            backend,
            wallCell(kept),
            commitsCell(kept),
            commandsCell(kept),
          ]),
        );
      }
    }
  }
  return out;
}

/** A metric's value as its `format` (book.json `metrics`) says: a percentage or 4 significant digits. */
function metricText(format, x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  return format === 'pct' ? pct(x) : Number(x).toPrecision(4);
}

/** A result line's metric by key; a dotted key reaches into an object (`similarities.girl-woman`). */
function metricValue(line, key) {
  return key.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), line.metrics);
}

/** Mean ± std over seeds of one metric, in its format (`n/a` when runs exist but none has it). */
function metricMeanCell(format, values, ran = false) {
  const { mean, std, n } = meanStd(values);
  if (n === 0) return ran ? 'n/a' : 'not yet run';
  const spread = n >= 2 ? ` ± ${format === 'pct' ? (std * 100).toFixed(2) : std.toPrecision(2)}` : '';
  return `${metricText(format, mean)}${spread} (${n} seed${n === 1 ? '' : 's'}${n < 3 ? ', fewer than 3' : ''})`;
}

/**
 * The table of an example whose results are other metrics than a test accuracy with a book figure
 * (book.json `metrics`: key, label, format): every variant at the book's settings, each metric's
 * mean over seeds, the first metric per seed.
 */
function metricsTable(name, ex, lines, notes) {
  const metrics = ex.metrics;
  const first = metrics[0];
  const out = [
    row([
      'variant (book script)',
      'epochs',
      ...metrics.map((m) => `${cell(m.label)}, mean ± std`),
      `${cell(first.label)} per seed`,
      'backend',
      'wall time per run',
      'commit',
      'command',
    ]),
    row(['---', '---:', ...metrics.map(() => '---:'), '---', '---', '---:', '---', '---']),
  ];
  for (const [vname, variant] of Object.entries(ex.variants)) {
    const label = `\`${vname}\` (${cell(variant.script.replace(/^Chapter\d+\//, ''))})`;
    const epochs = variant.settings.epochs;
    const matching = lines.filter((l) => l.variant === vname);
    if (matching.length === 0) {
      const run = toRun(name, vname, epochs, ex.chapter, epochs);
      const why = ex.dataHere ? 'not run: needs the full data set' : 'not yet run';
      out.push(
        row([
          label,
          String(epochs ?? '-'),
          ...metrics.map(() => why),
          '-',
          '-',
          '-',
          '-',
          ex.dataHere ? `${cell(ex.dataHere)}; ${run}` : run,
        ]),
      );
      continue;
    }
    for (const [backend, group] of groupBy(matching, (l) => l.backend)) {
      const { kept, dropped } = perSeed(group);
      notes.dropped += dropped;
      out.push(
        row([
          label,
          String(kept[0].epochs ?? '-'),
          ...metrics.map((m) =>
            metricMeanCell(
              m.format,
              kept.map((l) => metricValue(l, m.key)).filter((x) => typeof x === 'number'),
              kept.length > 0,
            ),
          ),
          seedsCell(kept, (l) => metricText(first.format, metricValue(l, first.key))),
          backend,
          wallCell(kept),
          commitsCell(kept),
          commandsCell(kept),
        ]),
      );
    }
  }
  return out;
}

/** The per-fraction table of a `table: shrinking` variant. */
function shrinkingTable(name, vname, lines, notes, chapter) {
  const out = [
    row([
      'training images (fraction)',
      'LeNet test acc., mean ± std',
      'dense net test acc., mean ± std',
      'gap (points)',
      'backend',
      'wall time per run',
      'commit',
      'command',
    ]),
    row(['---:', '---:', '---:', '---:', '---', '---:', '---', '---']),
  ];
  const mine = lines.filter((l) => l.variant === vname);
  if (mine.length === 0) {
    out.push(row(['not yet run', '-', '-', '-', '-', '-', '-', toRun(name, vname, undefined, chapter, undefined)]));
    return out;
  }
  for (const [backend, group] of groupBy(mine, (l) => l.backend)) {
    const { kept, dropped } = perSeed(group);
    notes.dropped += dropped;
    const rows = kept.flatMap((l) => (Array.isArray(l.metrics.rows) ? l.metrics.rows : []));
    const fractions = [...new Set(rows.map((r) => r.fraction))].sort((a, b) => b - a);
    for (const f of fractions) {
      const at = rows.filter((r) => r.fraction === f);
      const lenet = meanStd(at.map((r) => r.lenet));
      const mlp = meanStd(at.map((r) => r.mlp));
      out.push(
        row([
          `${thousands(at[0].trainSamples)} (${+(f * 100).toFixed(2)}%)`,
          meanCell(at.map((r) => r.lenet)),
          meanCell(at.map((r) => r.mlp)),
          ((lenet.mean - mlp.mean) * 100).toFixed(2),
          backend,
          wallCell(kept),
          commitsCell(kept),
          commandsCell(kept),
        ]),
      );
    }
  }
  return out;
}

/** `10%: LeNet 97.10%, dense 91.84%; ... (2 seeds, fewer than 3)`: means per fraction. */
function shrinkingMeans(lines) {
  const rows = lines.flatMap((l) => l.metrics.rows);
  const fractions = [...new Set(rows.map((r) => r.fraction))].sort((a, b) => b - a);
  const n = lines.length;
  const parts = fractions.map((f) => {
    const at = rows.filter((r) => r.fraction === f);
    return `${+(f * 100).toFixed(2)}%: LeNet ${pct(meanStd(at.map((r) => r.lenet)).mean)}, dense ${pct(meanStd(at.map((r) => r.mlp)).mean)}`;
  });
  return `${parts.join('; ')} (${n} seed${n === 1 ? '' : 's'}${n < 3 ? ', fewer than 3' : ''})`;
}

/** Lines at other settings than the book's: never in the main tables. */
function otherTable(others, metric) {
  const key = metric?.key ?? 'testAccuracy';
  const format = metric?.format ?? 'pct';
  const out = [
    row([
      'variant',
      'differs from the book',
      metric ? `${cell(metric.label)}, mean ± std` : 'tfgym test acc., mean ± std',
      'per seed',
      'backend',
      'wall time per run',
      'commit',
      'command',
    ]),
    row(['---', '---', '---:', '---', '---', '---:', '---', '---']),
  ];
  for (const group of groupBy(
    others,
    (o) => `${o.line.variant}\u0000${o.diff.join('; ')}\u0000${o.line.backend}`,
  ).values()) {
    const { kept } = perSeed(group.map((o) => o.line));
    const first = group[0];
    const shrinking = kept.every((l) => Array.isArray(l.metrics.rows));
    const value = shrinking
      ? shrinkingMeans(kept)
      : metricMeanCell(
          format,
          kept.map((l) => metricValue(l, key)).filter((x) => typeof x === 'number'),
        );
    const perSeedText = shrinking
      ? seedsCell(kept, (l) =>
          l.metrics.rows
            .map((r) => `${+(r.fraction * 100).toFixed(2)}%: LeNet ${pct(r.lenet)} / dense ${pct(r.mlp)}`)
            .join(', '),
        )
      : seedsCell(kept, (l) => metricText(format, metricValue(l, key)));
    out.push(
      row([
        `\`${first.line.variant}\``,
        cell(first.diff.join('; ')),
        value,
        perSeedText,
        first.line.backend,
        wallCell(kept),
        commitsCell(kept),
        commandsCell(kept),
      ]),
    );
  }
  return out;
}

/** `Wall times measured on: ...` for the machines of `lines` (none when no line names one). */
function machinesNote(lines) {
  const machines = [
    ...new Set(
      lines
        .filter((l) => l.machine)
        .map((l) => `${l.machine.cpus} x ${l.machine.cpuModel} (${l.machine.platform}, node ${l.machine.node})`),
    ),
  ];
  return machines.length > 0 ? [`Wall times measured on: ${machines.map(cell).join('; ')}.`] : [];
}

/** The generated text of one example's region. */
export function renderRegion(name, book, allLines) {
  const ex = book.examples[name];
  if (!ex) throw new ResultsError(`RESULTS.md has a region for "${name}", which results/book.json does not list`);
  const notes = { dropped: 0 };
  const lines = allLines.filter((l) => l.example === name && !l.quick);
  const quick = allLines.filter((l) => l.example === name && l.quick).length;
  const main = [];
  const others = [];
  for (const l of lines) {
    const variant = ex.variants[l.variant];
    if (!variant) throw new ResultsError(`${l.at}: variant "${l.variant}" of ${name} is not in results/book.json`);
    const diff = differences(l, variant);
    if (diff.length === 0) main.push(l);
    else others.push({ line: l, diff });
  }
  const parts = [];
  if (Object.values(ex.variants).some((v) => v.figures.length > 0))
    parts.push(accuracyTable(name, ex, main, notes).join('\n'));
  else if (Array.isArray(ex.metrics) && ex.metrics.length > 0)
    parts.push(metricsTable(name, ex, main, notes).join('\n'));
  for (const [vname, variant] of Object.entries(ex.variants)) {
    if (variant.table !== 'shrinking') continue;
    parts.push(
      `**\`${vname}\`** (${cell(variant.script.replace(/^Chapter\d+\//, ''))}; the book gives a plot, no numbers):\n\n${shrinkingTable(name, vname, main, notes, ex.chapter).join('\n')}`,
    );
  }
  if (others.length > 0) {
    parts.push(
      `**Runs at other settings than the book's** (not comparable with the book's figures):\n\n${otherTable(others, ex.metrics?.[0]).join('\n')}`,
    );
  }
  const foot = [
    `Generated by \`npm run results\` from \`results/*.jsonl\` and \`results/book.json\`; edit those, not this table.`,
  ];
  if (quick > 0) foot.push(`${quick} \`--quick\` smoke line${quick === 1 ? '' : 's'} ignored.`);
  foot.push(...machinesNote(lines));
  if (notes.dropped > 0)
    foot.push(
      `${notes.dropped} older line${notes.dropped === 1 ? '' : 's'} for an already listed seed ignored (the latest counts).`,
    );
  parts.push(foot.join(' '));
  return parts.join('\n\n');
}

const REGION = /<!-- BEGIN results ([\w.-]+)[^>]*-->\n[\s\S]*?<!-- END results \1 -->/g;

const REQUIRED_TRAIN = [
  'kind',
  'agent',
  'env',
  'preset',
  'seed',
  'numEnvs',
  'totalSteps',
  'steps',
  'finalEval',
  'backend',
  'commit',
  'wallSeconds',
  'stepsPerSecond',
  'command',
  'date',
];

/** Every `tfgym train --results` line of the .jsonl files in `dir` (results/train/), each with its origin. */
export function readTrainLines(dir) {
  const lines = readLines(dir, REQUIRED_TRAIN, 'train/');
  for (const line of lines) {
    if (line.kind !== 'train') throw new ResultsError(`${line.at}: kind "${line.kind}", expected "train"`);
  }
  return lines;
}

/** A return as the tables print it: 2 decimals. */
const ret = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

/** `488.69 ± 16.11 (3 seeds)`, saying so below 3 seeds. */
function returnCell(values) {
  const { mean, std, n } = meanStd(values);
  if (n === 0) return 'not yet run';
  const tail = `(${n} seed${n === 1 ? '' : 's'}${n < 3 ? ', fewer than 3' : ''})`;
  return n < 2 ? `${ret(mean)} ${tail}` : `${ret(mean)} ± ${ret(std)} ${tail}`;
}

/** JSON equality of plain data (options and config values: numbers, strings, booleans, lists). */
const sameData = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether a result line belongs to a table row: the same agent, env, preset, budget (`totalSteps`,
 * or `episodes` for a budget in episodes) and number of envs, exactly the row's env options (none
 * when the row names none), and the row's `config` values (a subset of the line's resolved config:
 * the flags that set the row apart, e.g. a frame stack).
 */
function rowMatches(r, l) {
  return (
    l.agent === r.agent &&
    l.env === r.env &&
    (l.preset ?? null) === (r.preset ?? null) &&
    l.totalSteps === (r.totalSteps ?? null) &&
    (r.episodes === undefined || l.episodeBudget === r.episodes) &&
    (l.numEnvs ?? 1) === (r.numEnvs ?? 1) &&
    sameData(l.envOptions ?? {}, r.envOptions ?? {}) &&
    Object.entries(r.config ?? {}).every(([k, v]) => sameData(l.config?.[k], v)) &&
    evalOf(l, r) !== null
  );
}

/** `--flag value` for each entry (camelCase keys to kebab-case flags), as the CLI takes them. */
function flagsOf(config) {
  return Object.entries(config ?? {}).map(
    ([k, v]) => ` --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${Array.isArray(v) ? v.join(',') : v}`,
  );
}

/** The row's run command with the seed as S (what a row nobody has run yet suggests). */
function rowCommand(r, name) {
  const opts = Object.entries(r.envOptions ?? {}).map(([k, v]) => ` --env-option ${k}=${v}`);
  const budget = r.totalSteps !== undefined && r.totalSteps !== null ? ` --total-steps ${r.totalSteps}` : '';
  const episodes = r.episodes !== undefined ? ` --episodes ${r.episodes}` : '';
  return (
    `tfgym train ${r.agent} --env ${r.env}${opts.join('')}${r.preset ? ` --preset ${r.preset}` : ''}` +
    `${flagsOf(r.config).join('')}${(r.numEnvs ?? 1) > 1 ? ` --num-envs ${r.numEnvs}` : ''}${budget}${episodes}` +
    `${r.flags ? ` ${r.flags}` : ''} --seed S --results results/train/${name}.jsonl`
  );
}

/**
 * The evaluation of a line that a row shows: its final evaluation when it played the model the row
 * asks for (`finalModel`, default the trained agent), else the trained agent's evaluation that a
 * best-model run also records (`trainedEval`), else null.
 */
function evalOf(l, r) {
  const want = r.finalModel ?? 'final';
  if (l.finalEval && (l.finalEval.model ?? 'final') === want) return l.finalEval;
  if (want === 'final' && l.trainedEval) return l.trainedEval;
  return null;
}

/**
 * The lines of one row of a train table that count: the latest per seed, with a final evaluation,
 * among the lines whose most specific matching row (of `rows`, the same evaluated model) is this
 * one. A row with no `config` matches any value of a field that a sibling row pins, so without this
 * a frame-stacked run also counted as the plain row's (the latest line per seed won).
 */
function rowLines(r, allLines, rows = [r]) {
  const keys = (row) => Object.keys(row.config ?? {}).length;
  const model = (row) => row.finalModel ?? 'final';
  const mine = (l) =>
    rowMatches(r, l) && !rows.some((s) => s !== r && model(s) === model(r) && keys(s) > keys(r) && rowMatches(s, l));
  return perSeed(allLines.filter(mine));
}

/**
 * The peer's own script timed on this machine (results/peers/*.jsonl, `bench/cleanrl-dqn.ts`) for
 * a row that names one (`"peer"` in rl.json): its wall time and how many times tfgym's mean it is.
 */
function peerCell(r, kept, peerLines) {
  if (!r.peer) return '-';
  const mine = peerLines.filter((p) => p.peer === r.peer && p.env === r.env && p.totalSteps === r.totalSteps);
  if (mine.length === 0) return `${r.peer}: not yet timed`;
  const { mean } = meanStd(mine.map((p) => p.wallSeconds));
  const ours = meanStd(kept.map((l) => l.wallSeconds)).mean;
  const seeds = mine.map((p) => p.seed).join(', ');
  return `${r.peer}: ${duration(mean)} (seed${mine.length === 1 ? '' : 's'} ${seeds}; ${(mean / ours).toFixed(2)}x tfgym's)`;
}

/** Every peer line (`bench/cleanrl-dqn.ts`) of the .jsonl files in `dir` (results/peers/); none when it is missing. */
export function readPeerLines(dir) {
  const lines = readLines(
    dir,
    ['kind', 'peer', 'env', 'seed', 'totalSteps', 'wallSeconds', 'command', 'date'],
    'peers/',
  );
  for (const line of lines) {
    if (line.kind !== 'peer') throw new ResultsError(`${line.at}: kind "${line.kind}", expected "peer"`);
  }
  return lines;
}

/** Whether a row gets a learning-curve picture: its own runs (not a best-model row's), each with a curve point. */
function drawable(r, kept) {
  return r.finalModel !== 'best' && kept.length > 0 && kept.every((l) => l.curve?.meanReturn.some((y) => y !== null));
}

/** Where the learning-curve picture of a train-table row goes (relative to the repository root). */
export function curvePath(table, r) {
  const who = [
    r.env,
    r.agent,
    ...Object.entries(r.envOptions ?? {}).map(([k, v]) => `${k}=${v}`),
    r.preset ?? 'defaults',
    ...flagsOf(r.config).map((f) => f.trim().replace(/^--/, '')),
    r.totalSteps !== undefined && r.totalSteps !== null ? `${r.totalSteps}` : `${r.episodes}episodes`,
    (r.numEnvs ?? 1) > 1 ? `${r.numEnvs}envs` : '',
    r.finalModel === 'best' ? 'best' : '',
  ]
    .filter(Boolean)
    .join('-');
  return `docs/curves/${table}/${who.replace(/[^\w.-]+/g, '_')}.svg`;
}

const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round tick spacing giving about `ticks` ticks over `range`. */
function tickStep(range, ticks) {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
}

/**
 * The SVG of a row's learning curves: per seed, the mean training return of each bin of env
 * steps (a line's `curve` field), a thick line for their mean over seeds, and the reference
 * return as a dashed line.
 */
export function curveSvg(title, lines, reference) {
  const W = 720;
  const H = 400;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const series = lines.map((l) =>
    l.curve.meanReturn.map((y, i) => (y === null ? null : [(i + 1) * l.curve.binSteps, y])).filter(Boolean),
  );
  const xMax = Math.max(...lines.map((l) => l.curve.binSteps * l.curve.meanReturn.length));
  const ys = [...series.flat().map((p) => p[1]), ...(reference ? [reference.return] : [])];
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const X = (x) => (m.l + (x / xMax) * pw).toFixed(1);
  const Y = (y) => (m.t + ph - ((y - yMin) / (yMax - yMin)) * ph).toFixed(1);
  const poly = (pts, attrs) =>
    `<polyline fill="none" ${attrs} points="${pts.map(([x, y]) => `${X(x)},${Y(y)}`).join(' ')}"/>`;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  const dy = tickStep(yMax - yMin, 6);
  for (let y = Math.ceil(yMin / dy) * dy; y <= yMax; y += dy) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(y)}" y2="${Y(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${(+Y(y) + 4).toFixed(1)}" text-anchor="end">${+y.toFixed(6)}</text>`);
  }
  const dx = tickStep(xMax, 6);
  for (let x = 0; x <= xMax; x += dx) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    out.push(
      `<text x="${X(x)}" y="${m.t + ph + 18}" text-anchor="middle">${x >= 1000 ? `${+(x / 1000).toFixed(3)}k` : x}</text>`,
    );
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">env steps</text>`);
  out.push(
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">training return (mean per ${thousands(lines[0].curve.binSteps)} steps)</text>`,
  );
  const colours = ['#9ecae1', '#a1d99b', '#fdae6b', '#bcbddc', '#fc9272'];
  series.forEach((pts, i) => out.push(poly(pts, `stroke="${colours[i % colours.length]}" stroke-width="1.5"`)));
  // The mean over seeds, at the bins where every seed has a value.
  const bins = lines[0].curve.meanReturn.length;
  const same = lines.every((l) => l.curve.meanReturn.length === bins && l.curve.binSteps === lines[0].curve.binSteps);
  if (same && lines.length > 1) {
    const mean = [];
    for (let i = 0; i < bins; i++) {
      const v = lines.map((l) => l.curve.meanReturn[i]);
      if (v.every((y) => y !== null))
        mean.push([(i + 1) * lines[0].curve.binSteps, v.reduce((a, b) => a + b, 0) / v.length]);
    }
    out.push(poly(mean, 'stroke="#08519c" stroke-width="2.5"'));
  }
  if (reference) {
    out.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(reference.return)}" y2="${Y(reference.return)}" stroke="#d62728" stroke-dasharray="6 4"/>`,
    );
    out.push(
      // Below the line when it is in the upper half (where the curves usually end), above it otherwise.
      `<text x="${m.l + pw - 4}" y="${(+Y(reference.return) + (reference.return > (yMin + yMax) / 2 ? 14 : -4)).toFixed(1)}" text-anchor="end" fill="#d62728">${esc(reference.source)}: ${ret(reference.return)}</text>`,
    );
  }
  const legend = lines.map((l, i) => `<tspan fill="${colours[i % colours.length]}">seed ${l.seed}</tspan>`).join(' ');
  out.push(
    `<text x="${m.l}" y="${m.t - 6}">${legend}${same && lines.length > 1 ? ' <tspan fill="#08519c">mean over seeds</tspan>' : ''}</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Every learning-curve picture of the train tables: path -> SVG text (rows whose lines all carry curves). */
export function curveFiles(rl, allLines) {
  const files = new Map();
  for (const [name, spec] of Object.entries(rl.tables ?? {})) {
    for (const r of spec.rows) {
      const { kept } = rowLines(r, allLines, spec.rows);
      // A best-model row shows the same runs as the trained agent's row: one picture for both.
      if (!drawable(r, kept)) continue;
      const opts = Object.entries(r.envOptions ?? {}).map(([k, v]) => ` ${k}=${v}`);
      const who = `${r.agent}${r.preset ? ` --preset ${r.preset}` : ''}${flagsOf(r.config).join('')}${(r.numEnvs ?? 1) > 1 ? ` --num-envs ${r.numEnvs}` : ''}`;
      const budget =
        r.totalSteps !== undefined && r.totalSteps !== null
          ? `${thousands(r.totalSteps)} steps`
          : `${thousands(r.episodes)} episodes`;
      files.set(curvePath(name, r), curveSvg(`${r.env}${opts.join(',')}: ${who}, ${budget}`, kept, r.reference));
    }
  }
  return files;
}

/** The generated text of one reinforcement-learning table (results/rl.json `tables.NAME`). */
export function renderTrainRegion(name, rl, allLines, peerLines = []) {
  const spec = rl.tables?.[name];
  if (!spec)
    throw new ResultsError(`RESULTS.md has a region for train table "${name}", which results/rl.json does not list`);
  const notes = { dropped: 0 };
  const out = [
    row([
      'env',
      'agent, preset',
      'env steps',
      'reference return (source)',
      'tfgym return, mean ± std',
      'return per seed',
      'evaluation',
      'training return (last 100 episodes), mean',
      'wall time per run',
      'peer on this machine',
      'env steps/s',
      'backend',
      'commit',
      'command',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---', '---', '---:', '---:', '---', '---:', '---', '---', '---']),
  ];
  const pictures = [];
  for (const r of spec.rows) {
    const { kept, dropped } = rowLines(r, allLines, spec.rows);
    notes.dropped += dropped;
    if (drawable(r, kept)) pictures.push(`![${r.env}, ${r.preset ?? r.agent}](${curvePath(name, r)})`);
    const ref = r.reference
      ? `${ret(r.reference.return)}${r.reference.std !== undefined ? ` ± ${ret(r.reference.std)}` : ''} (${cell(r.reference.source)})`
      : '-';
    const who =
      `${r.agent}${r.preset ? `, \`${r.preset}\`` : ''}${flagsOf(r.config)
        .map((f) => `, \`${f.trim()}\``)
        .join('')}` +
      `${(r.numEnvs ?? 1) > 1 ? `, ${r.numEnvs} envs` : ''}${r.finalModel === 'best' ? ', best evaluated model' : ''}`;
    const env = `${r.env}${Object.entries(r.envOptions ?? {})
      .map(([k, v]) => `, ${k}=${v}`)
      .join('')}`;
    const budget =
      r.totalSteps !== undefined && r.totalSteps !== null
        ? thousands(r.totalSteps)
        : `${thousands(r.episodes)} episodes`;
    if (kept.length === 0) {
      out.push(
        row([
          env,
          who,
          budget,
          ref,
          'not yet run',
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          '-',
          `to run: ${code(rowCommand(r, name))}`,
        ]),
      );
      continue;
    }
    const shown = new Map(kept.map((l) => [l, evalOf(l, r)]));
    const evals = [
      ...new Set(
        [...shown.values()].map(
          (e) =>
            `${e.episodes} episodes, epsilon ${e.epsilon}${e.model === 'best' ? ', the model of the best periodic evaluation' : ''}`,
        ),
      ),
    ];
    const steps = [...shown.values()].filter((e) => e.bestStep !== undefined).map((e) => thousands(e.bestStep));
    if (steps.length > 0) evals.push(`chosen at step ${steps.join(', ')}`);
    out.push(
      row([
        env,
        who,
        budget,
        ref,
        returnCell([...shown.values()].map((e) => e.meanReturn)) + winsNote([...shown.values()]),
        seedsCell(kept, (l) => `${ret(shown.get(l).meanReturn)}${wonOf(shown.get(l))}`),
        evals.join('; '),
        ret(meanStd(kept.map((l) => l.meanReturn100 ?? NaN)).mean),
        wallCell(kept),
        peerCell(r, kept, peerLines),
        thousands(Math.round(meanStd(kept.map((l) => l.stepsPerSecond)).mean)),
        [...new Set(kept.map((l) => l.backend))].join(', '),
        commitsCell(kept),
        commandsCell(kept),
      ]),
    );
  }
  const foot = [
    `Generated by \`npm run results\` from \`results/train/*.jsonl\` and \`results/rl.json\`; edit those, not this table.`,
  ];
  foot.push(...machinesNote(allLines));
  if (notes.dropped > 0)
    foot.push(
      `${notes.dropped} older line${notes.dropped === 1 ? '' : 's'} for an already listed seed ignored (the latest counts).`,
    );
  const curves = pictures.length
    ? `\n\nLearning curves (training return per bin of env steps, each seed and their mean; from the lines' \`curve\`):\n\n${pictures.join('\n')}`
    : '';
  return `${out.join('\n')}\n\n${foot.join(' ')}${curves}`;
}

const TRAIN_REGION = /<!-- BEGIN train-results ([\w.-]+)[^>]*-->\n[\s\S]*?<!-- END train-results \1 -->/g;

/** RESULTS.md with every region regenerated; throws when a region is missing or unknown. */
export function renderDocument(doc, book, lines, rl = { tables: {} }, trainLines = [], peerLines = []) {
  const seen = new Set();
  const seenTrain = new Set();
  const text = doc
    .replace(REGION, (whole, name) => {
      seen.add(name);
      const begin = whole.slice(0, whole.indexOf('\n'));
      return `${begin}\n${renderRegion(name, book, lines)}\n<!-- END results ${name} -->`;
    })
    .replace(TRAIN_REGION, (whole, name) => {
      seenTrain.add(name);
      const begin = whole.slice(0, whole.indexOf('\n'));
      return `${begin}\n${renderTrainRegion(name, rl, trainLines, peerLines)}\n<!-- END train-results ${name} -->`;
    });
  const missingTrain = Object.keys(rl.tables ?? {}).filter((n) => !seenTrain.has(n));
  if (missingTrain.length > 0)
    throw new ResultsError(
      `RESULTS.md has no region for train table ${missingTrain.join(', ')} (add <!-- BEGIN train-results NAME --> ... <!-- END train-results NAME -->)`,
    );
  const needed = Object.entries(book.examples).filter(([, ex]) =>
    Object.values(ex.variants).some((v) => v.figures.length > 0 || v.table),
  );
  const missing = needed.map(([n]) => n).filter((n) => !seen.has(n));
  if (missing.length > 0)
    throw new ResultsError(
      `RESULTS.md has no region for ${missing.join(', ')} (add <!-- BEGIN results NAME --> ... <!-- END results NAME -->)`,
    );
  const lineNames = new Set(lines.map((l) => l.example));
  for (const n of lineNames) {
    if (!book.examples[n]) throw new ResultsError(`result lines for "${n}", which results/book.json does not list`);
  }
  return text;
}

/** Runs the generator under `root`; returns the exit code. */
export function main(argv, root) {
  const check = argv.includes('--check');
  const bookPath = join(root, 'results', 'book.json');
  const docPath = join(root, 'RESULTS.md');
  try {
    const book = JSON.parse(readFileSync(bookPath, 'utf8'));
    const lines = readLines(join(root, 'results'));
    const rlPath = join(root, 'results', 'rl.json');
    const rl = existsSync(rlPath) ? JSON.parse(readFileSync(rlPath, 'utf8')) : { tables: {} };
    const trainLines = readTrainLines(join(root, 'results', 'train'));
    const doc = readFileSync(docPath, 'utf8');
    const peerLines = readPeerLines(join(root, 'results', 'peers'));
    const next = renderDocument(doc, book, lines, rl, trainLines, peerLines);
    const where = relative(process.cwd(), docPath) || docPath;
    const pictures = [...curveFiles(rl, trainLines)].map(([path, svg]) => {
      const full = join(root, path);
      return { path, full, svg, same: existsSync(full) && readFileSync(full, 'utf8') === svg };
    });
    if (check) {
      const stale = pictures.filter((p) => !p.same);
      if (stale.length > 0) {
        process.stderr.write(`${stale.map((p) => p.path).join(', ')}: not what \`npm run results\` writes; run it.\n`);
        return 1;
      }
      if (next === doc) {
        process.stdout.write(`${where} is up to date (${lines.length + trainLines.length} result lines)\n`);
        return 0;
      }
      const a = doc.split('\n');
      const b = next.split('\n');
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      process.stderr.write(
        `${where} is not what \`npm run results\` writes (first difference at line ${i + 1}); run \`npm run results\`.\n`,
      );
      return 1;
    }
    if (next !== doc) writeFileSync(docPath, next);
    for (const p of pictures.filter((q) => !q.same)) {
      mkdirSync(dirname(p.full), { recursive: true });
      writeFileSync(p.full, p.svg);
    }
    process.stdout.write(
      `${where}: tables ${next === doc ? 'already up to date' : 'written'} from ${lines.length + trainLines.length} result lines\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ResultsError || e instanceof SyntaxError || e?.code === 'ENOENT') {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const r = args.indexOf('--root');
  const root = r >= 0 && args[r + 1] ? args[r + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
  process.exitCode = main(args, root);
}
