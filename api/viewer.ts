/**
 * `tfgym/viewer`: the live browser viewer from code. Start a {@link ViewerServer} (it serves the
 * page built into `dist/viewer/`), then feed it: {@link serveEnvStream} for an env wrapped in an
 * `EnvStream`, {@link runLiveLoop} to let a policy (or a human, {@link HumanInput}) play at the
 * env's pace, or {@link TrainingViewer} from a training loop. Tensor-free.
 * @module
 */
export { ViewerServer, defaultStaticDir, type ViewerServerOptions } from '../src/viewer/server.js';
export { serveEnvStream, viewerHello, type ServeEnvStreamOptions } from './serve-stream.js';
export {
  HumanInput,
  actionDistribution,
  hasWins,
  playableKeyMap,
  runLiveLoop,
  scalarInfo,
  type LiveLoopOptions,
  type LiveLoopResult,
  type LivePolicy,
  type PolicyOutput,
  type ValueDistributions,
} from '../src/viewer/loop.js';
export {
  TrainingViewer,
  yieldToEventLoop,
  type ShownValues,
  type TrainingViewerOptions,
} from '../src/viewer/train-bridge.js';
export { actionForHeld, keyMapFor, type KeyMap, type PlayKey } from '../src/viewer/keys.js';
export { spaceInfo } from '../src/viewer/spaces.js';
export {
  FRAME_HEADER_BYTES,
  FRAME_KIND_PIXELS,
  MAX_ATOMS,
  MAX_SPEED,
  MIN_SPEED,
  PROTOCOL_VERSION,
  WS_PATH,
  decodeClientMessage,
  decodeFrame,
  decodeServerMessage,
  encodeClientMessage,
  encodeFrame,
  encodeServerMessage,
  type ActionDistribution,
  type ClientMessage,
  type EpisodeMessage,
  type FrameMessage,
  type HelloMessage,
  type MetricsMessage,
  type QValuesMessage,
  type ServerMessage,
  type SpaceInfo,
  type StatusMessage,
  type StepMessage,
  type ViewerMode,
} from '../src/viewer/protocol.js';
