// Fused recurrent layers over a whole sequence (see src/backends/native/recurrent.ts for the layout).
#pragma once

namespace tfg {

/** Activation codes: 0 linear, 1 tanh, 2 sigmoid, 3 hard sigmoid (Keras 2: clip(0.2x + 0.5, 0, 1)), 4 relu. */
constexpr int kActLast = 4;

/**
 * Cells, with their gate order (Keras'):
 *   LSTM: i, f, c, o (G = 4H); the cache holds i, f, g, o, c, act(c) (6H).
 *   GRU with reset_after = false (Keras 2, tfjs): z, r, h (G = 3H), r applied to h before the
 *     recurrent matmul; the cache holds z, r, hh, r*h (4H).
 *   GRU with reset_after = true (Keras 3, cuDNN): z, r, h (G = 3H) and a recurrent bias [3H], r
 *     applied after it; the cache holds z, r, hh, h R_h + b_h (4H).
 *   SimpleRNN: G = H; the cache holds the new state (H).
 */
enum CellKind { kLstm = 0, kGru = 1, kGruResetAfter = 2, kSimpleRnn = 3 };
constexpr int kCellLast = 3;

/** Gate width G of a cell with H units. */
int rnn_gate_width(int cell, int H);
/** Cache width per (example, time step) of a cell with H units. */
int rnn_cache_width(int cell, int H);

/**
 * Forward. xw [B*T, G]: every step's input projection plus bias (row b*T + t); R [H, G]; rbias [G]
 * (reset-after GRU only, else null); h, c [B, H]: the initial states on entry, the final ones on
 * return (c: LSTM only, else null); mask [B*T] (row b*T + t; 0 = masked: the step keeps the states and
 * outputs the previous hidden state, as Keras does) or null; rmask [B, H]: the recurrent dropout mask
 * (the state the gates see is h * rmask; tfjs' Keras 2 GRU mixes that into the new state too; not for
 * the reset-after GRU) or null. Writes seq [B, T, H] (outputs in
 * processing order), cache [B*T, cache width] and hprev [B*T, H] (the hidden state each step
 * started from), rows by input time step.
 */
void rnn_forward(int cell, int B, int T, int H, const float* xw, const float* R, const float* rbias, float* h, float* c,
                 const float* mask, const float* rmask, bool backwards, int act, int rec, float* seq, float* cache, float* hprev);

/**
 * Backpropagation through time. dh, dc [B, H]: the gradients of hT and cT on entry, of h0 and c0 on
 * return (dc and c0: LSTM only); dseq [B, T, H] (processing order). Writes dz [B*T, G], the gradient
 * of the input projection's pre-activations (from which the caller gets dx, dkernel and dbias by
 * GEMM), dR [H, G] and, for the reset-after GRU, drbias [G].
 */
void rnn_backward(int cell, int B, int T, int H, const float* R, const float* cache, const float* hprev, const float* c0,
                  const float* mask, const float* rmask, const float* dseq, float* dh, float* dc, bool backwards, int act, int rec, float* dz,
                  float* dR, float* drbias);

}  // namespace tfg
