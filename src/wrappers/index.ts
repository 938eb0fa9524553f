/** All wrappers (see each module for details and the observation-buffer lifetime rule in `wrapper.ts`). */
export { EpisodeGuard, ObservationWrapper, RewardWrapper, Wrapper } from './wrapper.js';
export { TimeLimit } from './time-limit.js';
export { RecordEpisodeStatistics, type EpisodeStatistics, type RecordEpisodeStatisticsOptions } from './record-episode-statistics.js';
export { FrameStack, type FramePadding } from './frame-stack.js';
export { GrayScale, Resize, ScaleObservation, rgbToGray, requireBox, GRAY_R, GRAY_G, GRAY_B } from './image-wrappers.js';
export { ClipReward, MaxAndSkip, StickyAction, TransformObservation } from './reward-action-wrappers.js';
export { AtariPreprocessing, EpisodicLife, NoopReset, type AtariPreprocessingOptions } from './atari-preprocessing.js';
