// Element-wise float32 kernels (the optimizer's and the activations' share of a train step).
#pragma once
#include <cstddef>

namespace tfg {

/** Binary ops, same numbering as the JS side. */
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSquaredDiff = 6 };
/** Unary ops, same numbering as the JS side. */
enum UnaryOp { kSqrt = 0, kSquare = 1, kReluU = 2, kStep = 3, kNeg = 4, kExp = 5, kLog = 6, kAbs = 7, kRsqrt = 8, kSigmoidU = 9, kTanh = 10 };

/**
 * out[i] = a[ia] op b[ib] for i < n. a_period/b_period: the operand repeats with that period
 * (1 for a scalar, n for a full operand, the last dimension for a bias).
 */
void binary(int op, const float* a, std::size_t a_period, const float* b, std::size_t b_period, float* out, std::size_t n);
/** out[i] = op(x[i]); alpha is Step's output for x <= 0 (tfjs Step attr). */
void unary(int op, const float* x, float* out, std::size_t n, float alpha);
/** out[c] = sum over r of x[r * cols + c], accumulated in double (as tfjs's cpu Sum does). */
void sum_rows(const float* x, float* out, std::size_t rows, std::size_t cols);

}  // namespace tfg
