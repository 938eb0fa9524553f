/** Every wrapper, by Gymnasium 1.x's module names (`common`, `transform_observation`, ...). */
export { EpisodeGuard, ObservationWrapper, RewardWrapper, Wrapper, requireBox } from './wrapper.js';
export {
  RecordEpisodeStatistics,
  TimeLimit,
  type EpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './common.js';
export { FrameDrop, FrameStack, MaxAndSkip, type FramePadding } from './stateful-observation.js';
export {
  GrayScale,
  Resize,
  ScaleObservation,
  TransformObservation,
  rgbToGray,
  GRAY_R,
  GRAY_G,
  GRAY_B,
} from './transform-observation.js';
export { ClipReward } from './transform-reward.js';
export { StickyAction } from './stateful-action.js';
export { AtariPreprocessing, EpisodicLife, NoopReset, type AtariPreprocessingOptions } from './atari-preprocessing.js';
export { NormalizeObservation, type NormalizeObservationState } from './stateful-observation.js';
export { NormalizeReward, type NormalizeRewardState } from './stateful-reward.js';
export { FlattenObservation, MaskVelocity, VELOCITY_INDICES } from './transform-observation.js';
export { RunningMeanStd, type RunningMeanStdState } from './utils.js';
