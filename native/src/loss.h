// The per-sample losses of src/train/losses.ts on rows of logits, with what a training step needs
// of them in one pass: the loss, the gradient-norm bound, correctness, and the gradient of a
// weighted sum of the losses with respect to the logits, each as tfjs's ops compute it (same
// operations in the same order, rounded to float32 where tfjs's kernels round).
#pragma once

#include <cstdint>

namespace isbench {

// Matches the loss an output activation implies (src/models/build.ts, OutputActivation).
enum class LossKind : int { kSoftmaxCrossEntropy = 0, kSigmoidCrossEntropy = 1, kMeanSquaredError = 2 };

// For each of `rows` rows of z and y (`cols` wide): loss[r], gnorm[r] = ||d loss_r / d z_r||_2 and
// correct[r] (1 or 0). gnorm and correct may be null.
void loss_forward(LossKind kind, const float* z, const float* y, int64_t rows, int64_t cols, float* loss, float* gnorm,
                  float* correct);

// dz = d(sum_r c_r loss_r) / dz, where c_r is the gradient that reaches loss_r (from the mean, the
// sample weights and the top-q mask: computed by the caller in float32 as tfjs does).
void loss_backward(LossKind kind, const float* z, const float* y, const float* c, int64_t rows, int64_t cols, float* dz);

}  // namespace isbench
