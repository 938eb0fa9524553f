/**
 * Typed, self-describing agent configs. Each agent declares a {@link ConfigDescriptor}: for every
 * field its type, default, one-line doc and source. Defaults, validation, presets, the CLI's
 * kebab-case flags and their help text are all generated from it, so they cannot drift apart.
 */

/** Field types a config may hold. */
export type FieldType = 'int' | 'float' | 'bool' | 'enum' | 'intList';

/** Description of one config field. */
export interface FieldSpec {
  readonly type: FieldType;
  readonly default: number | boolean | string | readonly number[];
  /** What it does, one line (becomes the `--help` text). */
  readonly doc: string;
  /** Where the default comes from (paper, code base). */
  readonly source?: string;
  /** Allowed values (`enum`). */
  readonly choices?: readonly string[];
  /** Inclusive bounds (numbers; each element of an `intList`). */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound, for values that only make sense above it (a rate that must move). */
  readonly above?: number;
  /** Why a value at or below `above` is refused (appended to the error). */
  readonly aboveWhy?: string;
}

/** A descriptor: one {@link FieldSpec} per config key. */
export type ConfigDescriptor<C> = { readonly [K in keyof C]: FieldSpec };

/** A preset: a documented set of overrides. */
export interface Preset<C> {
  /** What it reproduces and where from. */
  readonly description: string;
  readonly overrides: Partial<C>;
}

/** Thrown for an unknown key or a value of the wrong type or range. */
export class ConfigError extends RangeError {
  override readonly name = 'ConfigError';
}

/** `learningRate` -> `learning-rate`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `learning-rate` -> `learningRate`. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The defaults of a descriptor as a config object. */
export function defaultsOf<C>(desc: ConfigDescriptor<C>): C {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(desc) as Array<[string, FieldSpec]>)
    out[k] = Array.isArray(f.default) ? [...f.default] : f.default;
  return out as C;
}

/** Bytes as a short human figure (`1.5 GB`). */
function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i] ?? ''}`;
}

/**
 * Refuses a size setting whose memory cannot exist: more than `available` bytes (the machine's
 * memory) or a typed array beyond V8's maximum length, with a {@link ConfigError} naming the
 * setting, instead of a later "Invalid typed array length" or an out-of-memory crash.
 * @param elements the largest single array the setting makes (elements), when known
 */
export function checkMemory(
  key: string,
  value: unknown,
  bytes: number,
  what: string,
  available: number,
  elements = 0,
): void {
  const tooLong = elements > MAX_TYPED_ARRAY_LENGTH;
  if (bytes <= available && !tooLong) return;
  throw new ConfigError(
    `${key}=${JSON.stringify(value)} needs about ${formatBytes(bytes)} for ${what}` +
      (tooLong
        ? `, in an array longer than the ${MAX_TYPED_ARRAY_LENGTH} elements JavaScript allows`
        : `; this machine has ${formatBytes(available)} of memory`),
  );
}

/** The longest typed array V8 (Node 20) allocates. */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32 - 1;

/** Checks (and for strings from the command line, parses) one value; throws {@link ConfigError}. */
export function coerceField(key: string, f: FieldSpec, value: unknown): number | boolean | string | number[] {
  const bad = (expected: string): never => {
    throw new ConfigError(
      `Received an invalid value for \`${key}\`, expected ${expected}. Received: ${key}=${JSON.stringify(value)}`,
    );
  };
  const inRange = (n: number): boolean =>
    (f.min === undefined || n >= f.min) &&
    (f.max === undefined || n <= f.max) &&
    (f.above === undefined || n > f.above);
  const range = (): string => {
    if (f.min === undefined && f.max === undefined && f.above === undefined) return '';
    const low = f.above !== undefined ? `(${f.above}` : `[${f.min ?? '-inf'}`;
    return ` in ${low}, ${f.max ?? 'inf'}]${f.aboveWhy ? ` (${f.aboveWhy})` : ''}`;
  };
  switch (f.type) {
    case 'int':
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n)) || !inRange(n)) {
        return bad(`${f.type === 'int' ? 'an integer' : 'a number'}${range()}`);
      }
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return bad('true or false');
    case 'enum':
      if (typeof value === 'string' && (f.choices ?? []).includes(value)) return value;
      return bad(`one of ${(f.choices ?? []).join(', ')}`);
    case 'intList': {
      const arr =
        typeof value === 'string' ? (value.trim() === '' ? [] : value.split(',').map((s) => Number(s.trim()))) : value;
      if (!Array.isArray(arr) || !arr.every((n) => typeof n === 'number' && Number.isInteger(n) && inRange(n))) {
        return bad(`a comma-separated list of integers${range()}`);
      }
      // A copy: a resolved config must not share its arrays with a preset or a caller's object.
      return [...(arr as number[])];
    }
  }
}

/**
 * Merges `layers` (later wins) over the defaults, validating every key and value. Unknown keys
 * are an error naming the closest known key.
 */
export function resolveConfig<C>(
  desc: ConfigDescriptor<C>,
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): C {
  const out = defaultsOf(desc) as Record<string, unknown>;
  const fields = desc as Readonly<Record<string, FieldSpec>>;
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const f = fields[k];
      if (!f) {
        const known = Object.keys(fields);
        const near =
          known.find((n) => n.toLowerCase() === k.toLowerCase().replace(/[-_]/g, '')) ??
          known.find((n) => n.toLowerCase().startsWith(k.toLowerCase().slice(0, 4)));
        throw new ConfigError(
          `Unknown config key \`${k}\`${near ? ` (did you mean \`${near}\`?)` : ''}. Known keys: ${known.join(', ')}`,
        );
      }
      out[k] = coerceField(k, f, v);
    }
  }
  return out as C;
}

/**
 * {@link resolveConfig} with a named preset first: defaults, then the preset's overrides, then each
 * layer. An unknown preset is a RangeError listing the known ones.
 */
export function resolveWithPreset<C>(
  desc: ConfigDescriptor<C>,
  presets: Readonly<Record<string, Preset<C>>>,
  preset: string | undefined,
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): C {
  let p: Preset<C> | undefined;
  if (preset !== undefined) {
    p = presets[preset];
    if (!p) throw new RangeError(`Unknown preset '${preset}'. Choose one of: ${Object.keys(presets).join(', ')}`);
  }
  return resolveConfig(desc, p?.overrides as Record<string, unknown> | undefined, ...layers);
}

/** One line of help for a field: doc, default and source. */
export function fieldHelp(f: FieldSpec): string {
  const def = Array.isArray(f.default) ? f.default.join(',') : String(f.default);
  const choices = f.type === 'enum' ? ` (${(f.choices ?? []).join('|')})` : '';
  return `${f.doc}${choices} [default: ${def}${f.source ? `; ${f.source}` : ''}]`;
}
