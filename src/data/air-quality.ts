/**
 * The UCI "Air Quality" data set (`AirQualityUCI.csv`, De Vito et al. 2008): hourly readings of
 * an Italian city's air-quality station, March 2004 to April 2005, used by the book's Chapter 7
 * regression. The file as UCI distributes it has quirks that a plain CSV reader trips on:
 * - fields are separated by `;` and decimals written with a comma (`2,6`); lines end in CRLF;
 * - every line ends with `;;`: two empty, unnamed columns after the 15 named ones;
 * - after the 9,357 records come 114 rows of nothing but semicolons (pandas reads them as
 *   all-NaN rows, which is why the book's frame has 9,471 rows);
 * - missing sensor readings are coded as `-200` (UCI's notes), a value like any other to a
 *   reader: they are kept here as read, and {@link missingCounts} counts them.
 */
import { join } from 'node:path';
import { pathExists, readText } from '../io/files.js';
import { DataNotFoundError } from './datasets.js';

/** The file's name, as in the UCI archive and the book's `data/` folder. */
export const AIR_QUALITY_FILE = 'AirQualityUCI.csv';
/** The UCI notes' code for a missing reading. */
export const AIR_QUALITY_MISSING = -200;

/** Thrown for a file that is not the UCI Air Quality CSV; the message says where and why. */
export class AirQualityFormatError extends Error {
  override readonly name = 'AirQualityFormatError';
}

/** The parsed file: the Date and Time columns and the 13 numeric columns, row-major. */
export interface AirQualityTable {
  /** The 13 numeric columns' names, in file order (`CO(GT)` .. `AH`). */
  readonly columns: readonly string[];
  /** Records (the non-empty data rows): 9,357 in the UCI file. */
  readonly rows: number;
  /** `DD/MM/YYYY` per record. */
  readonly dates: readonly string[];
  /** `HH.MM.SS` per record. */
  readonly times: readonly string[];
  /** `rows * columns.length` values, row-major; `-200` kept as read (see {@link missingCounts}). */
  readonly values: Float64Array;
  /** Rows of only separators after the records (114 in the UCI file); pandas reads them as NaN rows. */
  readonly blankRows: number;
}

function parseNumber(field: string, where: string): number {
  // Decimal comma; a plain number otherwise (no thousands separators in this file).
  const v = Number(field.trim().replace(',', '.'));
  if (field.trim() === '' || !Number.isFinite(v)) throw new AirQualityFormatError(`${where}: not a number: "${field}"`);
  return v;
}

/**
 * Parses the text of `AirQualityUCI.csv`. The header's first two columns must be `Date` and
 * `Time`; the named columns after them are numeric, the trailing unnamed ones are ignored. Rows
 * that hold only separators are counted in `blankRows`; a record after one is refused, as is a
 * record with an empty or non-numeric field. `name` goes into error messages.
 */
export function parseAirQualityCsv(text: string, name = AIR_QUALITY_FILE): AirQualityTable {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(';');
  if (header[0] !== 'Date' || header[1] !== 'Time')
    throw new AirQualityFormatError(`${name}: expected a header starting "Date;Time;", found "${lines[0] ?? ''}"`);
  // Named columns after Date and Time; the unnamed trailing ones (`;;`) are the file's padding.
  let named = header.length;
  while (named > 2 && (header[named - 1] ?? '').trim() === '') named--;
  const columns = header.slice(2, named);
  const dates: string[] = [];
  const times: string[] = [];
  const values: number[] = [];
  let blankRows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '' && i === lines.length - 1) break; // the final line end
    if (/^[;\s]*$/.test(line)) {
      blankRows++;
      continue;
    }
    const where = `${name} line ${i + 1}`;
    if (blankRows > 0) throw new AirQualityFormatError(`${where}: a record after ${blankRows} blank row(s)`);
    const f = line.split(';');
    if (f.length < named) throw new AirQualityFormatError(`${where}: ${f.length} fields, expected at least ${named}`);
    dates.push(f[0] ?? '');
    times.push(f[1] ?? '');
    for (let c = 2; c < named; c++) values.push(parseNumber(f[c] ?? '', `${where}, column ${header[c] ?? c}`));
  }
  return { columns, rows: dates.length, dates, times, values: Float64Array.from(values), blankRows };
}

/**
 * Where `AirQualityUCI.csv` is in a data folder: the folder itself or its `air-quality-uci/`
 * (the layout of `../shared/datasets`). Throws {@link DataNotFoundError} naming both places.
 */
export function airQualityPath(dataDir: string): string {
  const candidates = [join(dataDir, 'air-quality-uci', AIR_QUALITY_FILE), join(dataDir, AIR_QUALITY_FILE)];
  const found = candidates.find((p) => pathExists(p));
  if (found === undefined)
    throw new DataNotFoundError(
      `${AIR_QUALITY_FILE} not found for air-quality (looked in ${candidates.join(' and ')}); it is in UCI's AirQualityUCI.zip (https://archive.ics.uci.edu/dataset/360/air+quality)`,
    );
  return found;
}

/** Reads and parses the file from a data folder (see {@link airQualityPath}). */
export function loadAirQuality(dataDir: string): AirQualityTable {
  const path = airQualityPath(dataDir);
  return parseAirQualityCsv(readText(path), path);
}

/** Per column, how many records hold the missing-value code `-200`. */
export function missingCounts(t: AirQualityTable): Record<string, number> {
  const out: Record<string, number> = {};
  const k = t.columns.length;
  t.columns.forEach((c, j) => {
    let n = 0;
    for (let r = 0; r < t.rows; r++) if (t.values[r * k + j] === AIR_QUALITY_MISSING) n++;
    out[c] = n;
  });
  return out;
}

/** One column's values (a copy). */
export function column(t: AirQualityTable, name: string): Float64Array {
  const j = t.columns.indexOf(name);
  if (j < 0) throw new RangeError(`no column "${name}" (columns: ${t.columns.join(', ')})`);
  const k = t.columns.length;
  return Float64Array.from({ length: t.rows }, (_, r) => t.values[r * k + j] ?? NaN);
}
