/**
 * `tfgym/models`: the networks of *Deep Learning with Keras* and the DQN family's Q-networks as
 * model factories (each returns a fresh tfjs `LayersModel`), Keras-style `fit` with callbacks,
 * optimizers, metrics, summaries, and saving/loading models as tfjs layers files.
 *
 * Factories build models on whatever tfjs backend is active; choose one first with
 * `useBackend` (from `tfgym`) or tfjs itself.
 * @module
 */
export {
  BOOK_CONV,
  INITS,
  MINATAR_CONV,
  NATURE_CONV,
  TORSOS,
  bookCatchQNetwork,
  buildQNetwork,
  minatarQNetwork,
  mlpQNetwork,
  natureQNetwork,
  type ConvSpec,
  type InitKind,
  type QNetworkOptions,
  type TorsoKind,
} from '../models/q-networks.js';
export {
  RECURRENT_CELLS,
  buildRecurrentQNetwork,
  recurrentQForward,
  recurrentStateSpec,
  type RecurrentCellKind,
  type RecurrentQNetworkOptions,
  type RecurrentStateSpec,
} from '../models/recurrent-q.js';
export {
  MNIST_MLP_BOOK,
  MNIST_MLP_VARIANTS,
  compileClassifier,
  mnistMlp,
  type MnistMlpOptions,
  type MnistMlpVariant,
} from '../models/mnist-mlp.js';
export { LENET_BOOK, lenet, type LeNetOptions } from '../models/lenet.js';
export { ResetAfterGRU, ResetAfterGRUCell, gruResetAfter, type ResetAfterGruArgs } from '../models/gru.js';
export {
  NOISY_ACTIVATIONS,
  NOISY_SIGMA0,
  NoisyDense,
  noiseShape,
  noisyDense,
  noisyLayers,
  resetModelNoise,
  setModelNoisy,
  type NoisyActivation,
  type NoisyDenseArgs,
} from '../models/noisy-dense.js';
export { CategoricalQ, categoricalPolicyModel, type CategoricalQArgs } from '../models/categorical-q.js';
export { bidirectional, recurrent, type CellKind, type MergeMode, type RecurrentArgs } from '../models/recurrent.js';
export { MEMORY_NETWORK_BOOK, memoryNetwork, type MemoryNetworkOptions } from '../models/memory-network.js';
export {
  SENTENCE_AUTOENCODER_BOOK,
  sentenceAutoencoder,
  type SentenceAutoencoder,
  type SentenceAutoencoderOptions,
} from '../models/sentence-autoencoder.js';
export { CIFAR10_CNN_ARCHS, cifar10Cnn, type Cifar10CnnArch, type Cifar10CnnOptions } from '../models/cifar10-cnn.js';
export { VGG16_BGR_MEAN, copyWeightsByName, vgg16, vgg16Preprocess, type Vgg16Options } from '../models/vgg16.js';
export {
  BOOK_WAVENET,
  BOOK_WAVENET_PARAMS,
  WavenetGenerator,
  receptiveField,
  wavenet,
  wavenetDilations,
  wavenetDilationsOf,
  wavenetEvaluate,
  wavenetTrainStep,
  type FragmentBatch,
  type StepMetrics,
  type WavenetOptions,
} from '../models/wavenet.js';
export {
  CIFAR_GAN_REGULARIZATION,
  GAN_IMAGE_SHAPES,
  GAN_LATENT_DIM,
  cifarGanDiscriminator,
  cifarGanGenerator,
  convGanDiscriminator,
  convGanGenerator,
  dcganDiscriminator,
  dcganGenerator,
  type ConvGanDiscriminatorOptions,
  type DiscriminatorOptions,
  type GeneratorOptions,
} from '../models/gan.js';
export {
  AdversarialModel,
  GAN_TARGETS,
  PLAYERS,
  type AdversarialLosses,
  type AdversarialModelArgs,
  type Player,
  type PlayerLosses,
} from '../models/adversarial.js';
export {
  evaluate as evaluateModel,
  fit,
  labelsOf,
  predictClasses,
  type Callback,
  type FitOptions,
  type History,
  type Inputs,
  type Logs,
  type TrainContext,
} from '../models/fit.js';
export {
  CsvLogger,
  EarlyStopping,
  LearningRateScheduler,
  ReduceLROnPlateau,
  ModelCheckpoint,
  ProgressLogger,
  TensorBoard,
  formatLogs,
  type Clock,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type MonitorMode,
  type ReduceLROnPlateauOptions,
  type TextSink,
} from '../models/callbacks.js';
export {
  DEFAULT_LEARNING_RATES,
  OPTIMIZER_NAMES,
  disposeModelAndOptimizer,
  disposeOptimizer,
  getLearningRate,
  makeOptimizer,
  setLearningRate,
  type OptimizerName,
} from '../models/optimizers.js';
export { accuracy, confusionMatrix, formatConfusionMatrix } from '../models/metrics.js';
export { countParams, modelSummary, type ParamCounts } from '../models/summary.js';
export { SeededInit, type Initializer } from '../models/init.js';
export { SeededDropout, dropout, type SeededDropoutArgs } from '../models/dropout.js';
export { KERAS2_DEFAULTS, KerasAdadelta, KerasAdam, KerasRMSprop } from '../models/keras-optimizers.js';
export {
  minimizeLbfgs,
  type LbfgsIteration,
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsStop,
  type Objective,
} from '../models/lbfgs.js';
export { imagesToTensor, oneHotLabels } from '../models/data-tensors.js';
export { ModelArgumentError } from '../models/validate.js';
export { fileSystemHandler, loadModel, saveModel } from '../src/io/model-io.js';
