// Element-wise float32 kernels (the optimizer's and the activations' share of a train step).
#pragma once
#include <cstddef>

namespace tfg {

/** Binary ops, same numbering as the JS side. */
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSquaredDiff = 6 };
/** Unary ops, same numbering as the JS side. */
enum UnaryOp {
  kSqrt = 0, kSquare = 1, kReluU = 2, kStep = 3, kNeg = 4, kExp = 5, kLog = 6, kAbs = 7, kRsqrt = 8, kSigmoidU = 9, kTanh = 10,
  kLeakyReluU = 11, kEluU = 12, kSoftplus = 13
};
constexpr int kUnaryLast = kSoftplus;
/** Comparisons (bool results), same numbering as the JS side. */
enum CompareOp { kGreater = 0, kGreaterEqual = 1, kLess = 2, kLessEqual = 3, kEqual = 4, kNotEqual = 5 };

/**
 * Which element of a broadcast operand output element i reads: ((i / (inner * mid)) * inner +
 * i % inner) % period. A full operand: period n; a scalar: period 1; a bias over the last C:
 * period C; a [B, T, 1] operand of [B, T, C]: mid C; a [B, 1, C] one: inner C, mid T.
 */
struct Broadcast {
  std::size_t period = 1;
  std::size_t inner = 1;
  std::size_t mid = 1;
  bool simple() const { return inner == 1 && mid == 1; }
  std::size_t index(std::size_t i) const;
};

/** out[i] = a[ba.index(i)] op b[bb.index(i)] for i < n. */
void binary(int op, const float* a, const Broadcast& ba, const float* b, const Broadcast& bb, float* out, std::size_t n);
/** out[i] = a[ba.index(i)] op b[bb.index(i)] as 0/1. */
void compare(int op, const float* a, const Broadcast& ba, const float* b, const Broadcast& bb, unsigned char* out,
             std::size_t n);
/** out[i] = cond[i] ? t[i] : e[i]. */
void select(const unsigned char* cond, const float* t, const float* e, float* out, std::size_t n);
/**
 * Softmax over each row of [rows, cols], as tfjs's cpu kernel computes it: x - max(x) in float,
 * exp in double rounded to float, the row sum in double rounded to float, then a float division.
 */
void softmax_rows(const float* x, float* out, std::size_t rows, std::size_t cols);
/** out[i] = op(x[i]); alpha is Step's output for x <= 0 (tfjs Step attr) and LeakyRelu's slope. */
void unary(int op, const float* x, float* out, std::size_t n, float alpha);
/** out[c] = sum over r of x[r * cols + c], accumulated in double (as tfjs's cpu Sum does). */
void sum_rows(const float* x, float* out, std::size_t rows, std::size_t cols);

/** dx[i] = y[i] > 0 ? dx[i] : 0, in place: ReLU's gradient taken through its output y (NaN gives 0, as tfjs's Step). */
void relu_mask(float* dx, const float* y, std::size_t n);

/** The sum of x[i]^2, accumulated in double (a gradient's squared norm). */
double sum_squares(const float* x, std::size_t n);

/**
 * `outer` independent {@link sum_rows}: out[o * cols + c] = sum over r of x[(o * rows + r) * cols + c],
 * each output summed in row order in double (the cpu kernel's order), in one call.
 */
void sum_blocks(const float* x, float* out, std::size_t outer, std::size_t rows, std::size_t cols);

/** Optimizer update rules, same numbering as the JS side (src/native-optimizers.ts). */
enum UpdateRule {
  kSgd = 0,
  kAdam = 1,
  kRmsProp = 2,
  kRmsPropCentered = 3,
  kMomentum = 4,
  kNesterov = 5,
  kAdadelta = 6,
  kAdadeltaKeras = 7,
  kLastRule = kAdadeltaKeras
};
/** How many coefficients each rule takes (see optimizer_update). */
constexpr int kUpdateCoefs[] = {1, 8, 5, 5, 2, 2, 4, 4};
/** How many slots each rule updates. */
constexpr int kUpdateSlots[] = {0, 2, 2, 3, 1, 1, 2, 2};

/**
 * One optimizer step over n weights, in place: w (weights), g (gradient), s0..s2 (the rule's
 * slots, updated in place). Coefficients are float32, as tfjs makes its scalars:
 *   sgd:     c = [-lr]                                 w += c0 * g
 *   adam:    c = [b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, -lr]; s0 = m, s1 = v
 *   rmsprop: c = [decay, 1-decay, momentum, lr, eps];  s0 = mean square, s1 = moment,
 *            s2 = mean gradient (centered only)
 *   momentum, nesterov: c = [momentum, -lr];           s0 = accumulation
 *   adadelta (tfjs' rule: the step uses the accumulated gradient before this one's update),
 *   adadelta keras (Keras 2.0's: after it): c = [rho, 1-rho, eps, -lr]; s0 = accumulated
 *            squared gradient, s1 = accumulated squared update
 * Each formula is evaluated in the order and float32 rounding of tfjs's own optimizer, so the
 * result equals the cpu backend's bit for bit.
 */
void optimizer_update(int rule, float* w, const float* g, float* s0, float* s1, float* s2, const float* c, std::size_t n);

}  // namespace tfg
