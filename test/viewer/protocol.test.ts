import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER_BYTES,
  MAX_ATOMS,
  PROTOCOL_VERSION,
  decodeClientMessage,
  decodeFrame,
  decodeServerMessage,
  encodeClientMessage,
  encodeFrame,
  encodeServerMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../src/viewer/protocol.js';
import { actionForHeld, keyMapFor } from '../../src/viewer/keys.js';

const serverMessages: ServerMessage[] = [
  {
    type: 'hello',
    version: PROTOCOL_VERSION,
    mode: 'play',
    envId: 'Catch-v0',
    observationSpace: { type: 'Box', shape: [400, 400, 1], dtype: 'uint8' },
    actionSpace: { type: 'Discrete', shape: [], dtype: 'int32', n: 3 },
    actionNames: ['left', 'stay', 'right'],
    fps: 30,
  },
  { type: 'episode', index: 0, return: -1, length: 34 },
  { type: 'episode', index: 7, return: 1, length: 34, won: true },
  { type: 'metrics', step: 1000, values: { loss: 0.0123, epsilon: 0.5, sps: 2500 } },
  { type: 'qvalues', step: 12, values: [0.1, -0.25, 0.75], action: 2 },
  {
    type: 'qvalues',
    step: 13,
    values: [0.1, -0.25, 0.5],
    action: 2,
    distribution: { vMin: -1, vMax: 1, probs: [0.25, 0, 0.75] },
  },
  {
    type: 'step',
    step: 5,
    episodeStep: 5,
    action: 0,
    reward: 0,
    episodeReturn: 0,
    info: { paddleX: 180, name: 'x', flag: true },
  },
  { type: 'status', paused: true, speed: 2, epsilon: null },
  { type: 'status', paused: false, speed: 0.5, epsilon: 0.05 },
];

const clientMessages: ClientMessage[] = [
  { type: 'pause' },
  { type: 'resume' },
  { type: 'speed', value: 4 },
  { type: 'set-epsilon', value: 0.1 },
  { type: 'action', action: 2 },
];

describe('viewer protocol', () => {
  it.each(serverMessages.map((m) => [m.type, m] as const))('server message %s round-trips', (_t, m) => {
    expect(decodeServerMessage(encodeServerMessage(m))).toEqual(m);
  });

  it.each(clientMessages.map((m) => [m.type, m] as const))('client message %s round-trips', (_t, m) => {
    expect(decodeClientMessage(encodeClientMessage(m))).toEqual(m);
  });

  it('client decoder rejects malformed, unknown and out-of-range messages', () => {
    for (const bad of [
      '',
      'not json',
      '[]',
      'null',
      '42',
      '{}',
      '{"type":"nope"}',
      '{"type":"speed"}',
      '{"type":"speed","value":0}',
      '{"type":"speed","value":1e9}',
      '{"type":"speed","value":"2"}',
      '{"type":"set-epsilon","value":1.5}',
      '{"type":"set-epsilon","value":-0.1}',
      '{"type":"action","action":-1}',
      '{"type":"action","action":1.5}',
      '{"type":"action"}',
    ]) {
      expect(decodeClientMessage(bad), bad).toBeNull();
    }
    // Extra fields are dropped, not echoed.
    expect(decodeClientMessage('{"type":"pause","evil":1}')).toEqual({ type: 'pause' });
  });

  it('server decoder rejects malformed messages', () => {
    for (const bad of [
      '{"type":"episode","index":"0","return":1,"length":2}',
      '{"type":"metrics","step":1,"values":{"loss":"x"}}',
      '{"type":"hello"}',
      '{"type":"status","paused":1,"speed":1,"epsilon":null}',
      'x',
      // A distribution needs vMin < vMax and at least 2 non-negative probabilities.
      '{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":{"vMin":1,"vMax":-1,"probs":[0.5,0.5]}}',
      '{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":{"vMin":-1,"vMax":1,"probs":[1]}}',
      '{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":{"vMin":-1,"vMax":1,"probs":[1.5,-0.5]}}',
      '{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":{"vMin":-1,"probs":[0.5,0.5]}}',
      '{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":[0.5,0.5]}',
      `{"type":"qvalues","step":1,"values":[0],"action":0,"distribution":{"vMin":-1,"vMax":1,"probs":[${'0,'.repeat(MAX_ATOMS)}1]}}`,
    ]) {
      expect(decodeServerMessage(bad), bad).toBeNull();
    }
  });

  it('frames round-trip with a 16-byte little-endian header', () => {
    for (const [h, w, c] of [
      [400, 400, 3],
      [10, 10, 1],
      [3, 5, 4],
    ] as const) {
      const px = new Uint8Array(h * w * c).map((_, i) => (i * 7) & 255);
      const step = 2 ** 40 + 3;
      const buf = encodeFrame(step, h, w, c, px);
      expect(buf.length).toBe(FRAME_HEADER_BYTES + px.length);
      const dv = new DataView(buf.buffer);
      expect([dv.getUint8(0), dv.getUint8(1), dv.getUint8(2)]).toEqual([1, PROTOCOL_VERSION, c]);
      expect([dv.getUint16(12, true), dv.getUint16(14, true), dv.getFloat64(4, true)]).toEqual([h, w, step]);
      const f = decodeFrame(buf);
      expect(f).not.toBeNull();
      expect({ step: f?.step, height: f?.height, width: f?.width, channels: f?.channels }).toEqual({
        step,
        height: h,
        width: w,
        channels: c,
      });
      expect(Buffer.from(f?.pixels ?? []).equals(Buffer.from(px))).toBe(true);
    }
  });

  it('frame decoder rejects truncated or inconsistent buffers; encoder validates', () => {
    const buf = encodeFrame(1, 2, 2, 3, new Uint8Array(12));
    expect(decodeFrame(buf.subarray(0, 20))).toBeNull();
    expect(decodeFrame(new Uint8Array(8))).toBeNull();
    const wrongKind = buf.slice();
    wrongKind[0] = 9;
    expect(decodeFrame(wrongKind)).toBeNull();
    expect(() => encodeFrame(1, 2, 2, 2, new Uint8Array(8))).toThrow(RangeError);
    expect(() => encodeFrame(1, 2, 2, 3, new Uint8Array(5))).toThrow(RangeError);
    expect(() => encodeFrame(1, 0, 2, 3, new Uint8Array(5))).toThrow(RangeError);
  });
});

describe('viewer key map', () => {
  it('maps Catch, bsuite and MinAtar action names', () => {
    expect(keyMapFor(['left', 'stay', 'right'])).toEqual({ keys: { ArrowLeft: 0, ArrowRight: 2 }, idle: 1 });
    expect(keyMapFor(['n', 'l', 'u', 'r', 'd', 'f'])).toEqual({
      keys: { ArrowLeft: 1, ArrowUp: 2, ArrowRight: 3, ArrowDown: 4, ' ': 5 },
      idle: 0,
    });
    expect(keyMapFor(['NOOP', 'FIRE', 'LEFT'])).toEqual({ keys: { ' ': 1, ArrowLeft: 2 }, idle: 0 });
  });

  it('the newest held key wins; nothing held is idle', () => {
    const m = keyMapFor(['left', 'stay', 'right']);
    expect(actionForHeld(m, [])).toBe(1);
    expect(actionForHeld(m, ['ArrowLeft'])).toBe(0);
    expect(actionForHeld(m, ['ArrowLeft', 'ArrowRight'])).toBe(2);
    expect(actionForHeld(m, ['ArrowRight', 'x'])).toBe(2);
  });
});
