/**
 * The viewer's wire protocol, shared by the server (`src/viewer/server.ts`) and the page
 * (`viewer/page/`). Control and metadata travel as JSON text messages, each a member of a
 * discriminated union on `type`; frames travel as binary messages with a fixed 16-byte
 * little-endian header followed by raw pixels, so the page can blit them without parsing.
 *
 * Decoders validate everything they read: the server treats every client as untrusted and the
 * page must survive a server of another version. They return `null` instead of throwing.
 *
 * Pure module: no Node or DOM APIs, so esbuild can bundle it into the page unchanged.
 */

/** Protocol version, sent in `hello`; bump on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Path of the websocket endpoint on the viewer's HTTP server. */
export const WS_PATH = '/ws';

/** What the server is streaming: a human playing, a saved agent, or a training run. */
export type ViewerMode = 'play' | 'watch' | 'train';

/** A space as the page needs it: a type name, a shape and, for `Discrete`, its size. */
export interface SpaceInfo {
  /** `Discrete`, `Box`, `MultiDiscrete`, or the space's `toString()` for other kinds. */
  readonly type: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Number of actions, for `Discrete`. */
  readonly n?: number;
}

/** First message on every connection: what is being shown and how. */
export interface HelloMessage {
  readonly type: 'hello';
  readonly version: number;
  readonly mode: ViewerMode;
  readonly envId: string;
  readonly observationSpace: SpaceInfo;
  readonly actionSpace: SpaceInfo;
  readonly actionNames: readonly string[];
  /** The env's `renderFps`: the rate frames are shown at (times `speed`). */
  readonly fps: number;
}

/** One finished episode. `won` is set for games with a win/lose outcome (Catch). */
export interface EpisodeMessage {
  readonly type: 'episode';
  readonly index: number;
  readonly return: number;
  readonly length: number;
  readonly won?: boolean;
}

/** Training metrics at a global step, e.g. `loss`, `epsilon`, `sps`. */
export interface MetricsMessage {
  readonly type: 'metrics';
  readonly step: number;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * The return distribution of one action (C51): probabilities over `probs.length` atoms evenly
 * spaced from `vMin` to `vMax` (atom i is `vMin + i (vMax - vMin) / (probs.length - 1)`).
 */
export interface ActionDistribution {
  readonly vMin: number;
  readonly vMax: number;
  readonly probs: readonly number[];
}

/** Most atoms a distribution may carry (C51 uses 51; the page draws one bar per atom). */
export const MAX_ATOMS = 1001;

/**
 * Q-values of every action at a step and the action taken (highlighted). For a distributional
 * agent `distribution` is that action's return distribution, whose mean is `values[action]`.
 */
export interface QValuesMessage {
  readonly type: 'qvalues';
  readonly step: number;
  readonly values: readonly number[];
  readonly action: number;
  readonly distribution?: ActionDistribution;
}

/**
 * The latest step, sent along with frames: the score so far and a small JSON-safe subset of the
 * env's `info` (e.g. Catch's `paddleX`), so a human player and tests can read the game state.
 */
export interface StepMessage {
  readonly type: 'step';
  /** Global step count. */
  readonly step: number;
  /** Step within the current episode. */
  readonly episodeStep: number;
  readonly action: number;
  readonly reward: number;
  /** Return of the current episode so far. */
  readonly episodeReturn: number;
  readonly info: Readonly<Record<string, number | boolean | string>>;
}

/** The shared control state, broadcast whenever a client changes it, so all pages agree. */
export interface StatusMessage {
  readonly type: 'status';
  readonly paused: boolean;
  readonly speed: number;
  /** Exploration rate in watch mode; null where it cannot be set. */
  readonly epsilon: number | null;
}

/** Server → client text messages. */
export type ServerMessage =
  HelloMessage | EpisodeMessage | MetricsMessage | QValuesMessage | StepMessage | StatusMessage;

/** Client → server text messages. `action` is the held action of a human player (`play`). */
export type ClientMessage =
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'speed'; readonly value: number }
  | { readonly type: 'set-epsilon'; readonly value: number }
  | { readonly type: 'action'; readonly action: number };

/** Speeds the controls accept (multiples of the env's fps). */
export const MIN_SPEED = 0.125;
/** Upper bound of `speed`. */
export const MAX_SPEED = 64;

/** Serialises a server message. */
export function encodeServerMessage(msg: ServerMessage): string {
  return JSON.stringify(msg);
}

/** Serialises a client message. */
export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

type Obj = Record<string, unknown>;

function parseObject(text: string): Obj | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

function isSpaceInfo(v: unknown): v is SpaceInfo {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Obj;
  return isStr(s['type']) && isNumArray(s['shape']) && isStr(s['dtype']) && (s['n'] === undefined || isInt(s['n']));
}

function isDistribution(v: unknown): v is ActionDistribution {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const d = v as Obj;
  const p = d['probs'];
  return (
    isNum(d['vMin']) &&
    isNum(d['vMax']) &&
    (d['vMin'] as number) < (d['vMax'] as number) &&
    isNumArray(p) &&
    p.length >= 2 &&
    p.length <= MAX_ATOMS &&
    p.every((x) => x >= 0)
  );
}

function isFlatRecord(v: unknown, ok: (x: unknown) => boolean): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v as Obj).every(ok);
}

/**
 * Parses and validates a client message. Returns null for anything malformed or unknown, so the
 * server can ignore it (clients are untrusted).
 */
export function decodeClientMessage(text: string): ClientMessage | null {
  const o = parseObject(text);
  if (o === null) return null;
  switch (o['type']) {
    case 'pause':
      return { type: 'pause' };
    case 'resume':
      return { type: 'resume' };
    case 'speed': {
      const v = o['value'];
      return isNum(v) && v >= MIN_SPEED && v <= MAX_SPEED ? { type: 'speed', value: v } : null;
    }
    case 'set-epsilon': {
      const v = o['value'];
      return isNum(v) && v >= 0 && v <= 1 ? { type: 'set-epsilon', value: v } : null;
    }
    case 'action': {
      const a = o['action'];
      return isInt(a) && a >= 0 ? { type: 'action', action: a } : null;
    }
    default:
      return null;
  }
}

/** Parses and validates a server message; null for anything malformed or unknown. */
export function decodeServerMessage(text: string): ServerMessage | null {
  const o = parseObject(text);
  if (o === null) return null;
  switch (o['type']) {
    case 'hello': {
      const ok =
        isInt(o['version']) &&
        (o['mode'] === 'play' || o['mode'] === 'watch' || o['mode'] === 'train') &&
        isStr(o['envId']) &&
        isSpaceInfo(o['observationSpace']) &&
        isSpaceInfo(o['actionSpace']) &&
        Array.isArray(o['actionNames']) &&
        o['actionNames'].every(isStr) &&
        isNum(o['fps']);
      return ok ? (o as unknown as HelloMessage) : null;
    }
    case 'episode': {
      const ok =
        isInt(o['index']) &&
        isNum(o['return']) &&
        isInt(o['length']) &&
        (o['won'] === undefined || typeof o['won'] === 'boolean');
      return ok ? (o as unknown as EpisodeMessage) : null;
    }
    case 'metrics':
      return isNum(o['step']) && isFlatRecord(o['values'], isNum) ? (o as unknown as MetricsMessage) : null;
    case 'qvalues':
      return isNum(o['step']) &&
        isNumArray(o['values']) &&
        isInt(o['action']) &&
        (o['distribution'] === undefined || isDistribution(o['distribution']))
        ? (o as unknown as QValuesMessage)
        : null;
    case 'step': {
      const ok =
        isNum(o['step']) &&
        isInt(o['episodeStep']) &&
        isInt(o['action']) &&
        isNum(o['reward']) &&
        isNum(o['episodeReturn']) &&
        isFlatRecord(o['info'], (x) => isNum(x) || isStr(x) || typeof x === 'boolean');
      return ok ? (o as unknown as StepMessage) : null;
    }
    case 'status': {
      const e = o['epsilon'];
      const ok = typeof o['paused'] === 'boolean' && isNum(o['speed']) && (e === null || isNum(e));
      return ok ? (o as unknown as StatusMessage) : null;
    }
    default:
      return null;
  }
}

/** Kind byte of a binary frame message holding raw pixels. */
export const FRAME_KIND_PIXELS = 1;

/** Size in bytes of the binary frame header. */
export const FRAME_HEADER_BYTES = 16;

/**
 * A decoded frame: `pixels` has `height * width * channels` bytes in row-major (H, W, C) order;
 * 1 channel is grey, 3 is RGB, 4 is RGBA.
 */
export interface FrameMessage {
  readonly kind: number;
  /** Global step the frame was rendered at. */
  readonly step: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly pixels: Uint8Array;
}

/**
 * Encodes a frame into a fresh buffer (the server hands it to sockets that may hold it for a
 * while, so it must not be reused). Header, little-endian:
 *
 * | offset | type    | field                              |
 * | ------ | ------- | ---------------------------------- |
 * | 0      | uint8   | kind (1 = pixels)                  |
 * | 1      | uint8   | protocol version                   |
 * | 2      | uint8   | channels (1, 3 or 4)               |
 * | 3      | uint8   | reserved, 0                        |
 * | 4      | float64 | step (exact up to 2^53)            |
 * | 12     | uint16  | height                             |
 * | 14     | uint16  | width                              |
 * | 16     | bytes   | pixels, height * width * channels  |
 */
export function encodeFrame(
  step: number,
  height: number,
  width: number,
  channels: number,
  pixels: Uint8Array,
): Uint8Array {
  if (!isInt(height) || !isInt(width) || height < 1 || width < 1 || height > 0xffff || width > 0xffff) {
    throw new RangeError(`encodeFrame: height and width must be integers in [1, 65535]. Received: ${height}x${width}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`encodeFrame: channels must be 1, 3 or 4. Received: ${channels}`);
  }
  const n = height * width * channels;
  if (pixels.length < n) throw new RangeError(`encodeFrame: expected ${n} pixel bytes, got ${pixels.length}`);
  const buf = new Uint8Array(FRAME_HEADER_BYTES + n);
  const dv = new DataView(buf.buffer);
  dv.setUint8(0, FRAME_KIND_PIXELS);
  dv.setUint8(1, PROTOCOL_VERSION);
  dv.setUint8(2, channels);
  dv.setUint8(3, 0);
  dv.setFloat64(4, step, true);
  dv.setUint16(12, height, true);
  dv.setUint16(14, width, true);
  buf.set(pixels.subarray(0, n), FRAME_HEADER_BYTES);
  return buf;
}

/** Decodes a binary frame message (a view into `data`, no copy); null when malformed. */
export function decodeFrame(data: Uint8Array): FrameMessage | null {
  if (data.length < FRAME_HEADER_BYTES) return null;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const kind = dv.getUint8(0);
  const channels = dv.getUint8(2);
  const step = dv.getFloat64(4, true);
  const height = dv.getUint16(12, true);
  const width = dv.getUint16(14, true);
  if (kind !== FRAME_KIND_PIXELS || dv.getUint8(1) !== PROTOCOL_VERSION) return null;
  if (channels !== 1 && channels !== 3 && channels !== 4) return null;
  const n = height * width * channels;
  if (n === 0 || data.length !== FRAME_HEADER_BYTES + n || !Number.isFinite(step)) return null;
  return { kind, step, height, width, channels, pixels: data.subarray(FRAME_HEADER_BYTES) };
}
