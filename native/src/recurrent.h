// Fused LSTM over a whole sequence (see src/backends/native/recurrent.ts for the layout).
#pragma once

namespace tfg {

/** Activation codes: 0 linear, 1 tanh, 2 sigmoid, 3 hard sigmoid (Keras 2: clip(0.2x + 0.5, 0, 1)), 4 relu. */
constexpr int kActLast = 4;

/**
 * Forward. xw [B*T, 4H]: every step's input projection plus bias (row b*T + t); R [H, 4H];
 * h, c [B, H]: the initial states on entry, the final ones on return. Writes seq [B, T, H] (outputs
 * in processing order), cache [B*T, 6H] (gates i, f, g, o, cell c, act(c)) and hprev [B*T, H]
 * (the hidden state each step started from), rows by input time step.
 */
void lstm_forward(int B, int T, int H, const float* xw, const float* R, float* h, float* c, bool backwards, int act,
                  int rec, float* seq, float* cache, float* hprev);

/**
 * Backpropagation through time. dh, dc [B, H]: the gradients of hT and cT on entry, of h0 and c0 on
 * return; dseq [B, T, H] (processing order). Writes dz [B*T, 4H], the gradient of the gates'
 * pre-activations (row b*T + t), from which the caller gets dx, dkernel, drecurrent and dbias by GEMM.
 */
void lstm_backward(int B, int T, int H, const float* R, const float* cache, const float* c0, const float* dseq,
                   float* dh, float* dc, bool backwards, int act, int rec, float* dz);

}  // namespace tfg
