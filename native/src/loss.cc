#include "loss.h"

#include <cmath>

namespace isbench {

namespace {

// First position of the largest value, as tfjs's ArgMax picks it.
int64_t arg_max(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (v[j] > v[best]) best = j;
  return best;
}

// 1 when every output's sign agrees with its 0/1 target: (z > 0) == (y > 0.5).
float signs_agree(const float* z, const float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    if ((z[j] > 0.f) != (y[j] > 0.5f)) return 0.f;
  return 1.f;
}

float row_max(const float* z, int64_t n) {
  float m = z[0];
  for (int64_t j = 1; j < n; ++j) m = z[j] > m ? z[j] : m;
  return m;
}

// log(sum_j exp(z_j - max)): the normaliser of tfjs's logSoftmax (sums accumulate in double, as the
// native Sum kernel does).
float log_normaliser(const float* z, int64_t n, float max) {
  double s = 0;
  for (int64_t j = 0; j < n; ++j) s += std::exp(z[j] - max);
  return std::log(static_cast<float>(s));
}

// max(z, 0) - z y + log(1 + exp(-|z|)): binary cross-entropy from the logit.
inline float sigmoid_ce(float z, float y) { return ((z > 0.f ? z : 0.f) - z * y) + std::log1p(std::exp(-std::fabs(z))); }

inline float sigmoid(float z) { return 1.f / (1.f + std::exp(-z)); }

}  // namespace

void loss_forward(LossKind kind, const float* z, const float* y, int64_t rows, int64_t cols, float* loss, float* gnorm,
                  float* correct) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* zr = z + r * cols;
    const float* yr = y + r * cols;
    double l = 0, g2 = 0;
    switch (kind) {
      case LossKind::kSoftmaxCrossEntropy: {
        // -sum_j y_j log softmax(z)_j, and ||softmax(z) - y||.
        const float max = row_max(zr, cols);
        const float lse = log_normaliser(zr, cols, max);
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += std::exp(zr[j] - max);
        const float sum = static_cast<float>(s);
        for (int64_t j = 0; j < cols; ++j) {
          const float shifted = zr[j] - max;
          l += yr[j] * (shifted - lse);
          const float d = std::exp(shifted) / sum - yr[j];
          g2 += d * d;
        }
        if (loss != nullptr) loss[r] = -static_cast<float>(l);
        break;
      }
      case LossKind::kSigmoidCrossEntropy: {
        const float k = static_cast<float>(cols);
        for (int64_t j = 0; j < cols; ++j) {
          l += sigmoid_ce(zr[j], yr[j]);
          const float d = (sigmoid(zr[j]) - yr[j]) / k;
          g2 += d * d;
        }
        if (loss != nullptr) loss[r] = static_cast<float>(l) / k;
        break;
      }
      case LossKind::kMeanSquaredError: {
        const float k = static_cast<float>(cols);
        const float two_over_k = static_cast<float>(2.0 / static_cast<double>(cols));
        for (int64_t j = 0; j < cols; ++j) {
          const float d = zr[j] - yr[j];
          l += d * d;
          const float g = d * two_over_k;
          g2 += g * g;
        }
        if (loss != nullptr) loss[r] = static_cast<float>(l) / k;
        break;
      }
    }
    if (gnorm != nullptr) gnorm[r] = std::sqrt(static_cast<float>(g2));
    if (correct != nullptr) {
      const bool threshold = cols == 1 || kind == LossKind::kSigmoidCrossEntropy;
      correct[r] = threshold ? signs_agree(zr, yr, cols) : (arg_max(zr, cols) == arg_max(yr, cols) ? 1.f : 0.f);
    }
  }
}

void loss_backward(LossKind kind, const float* z, const float* y, const float* c, int64_t rows, int64_t cols, float* dz) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* zr = z + r * cols;
    const float* yr = y + r * cols;
    float* dr = dz + r * cols;
    switch (kind) {
      case LossKind::kSoftmaxCrossEntropy: {
        // loss = -sum(y * logSoftmax(z)): d/dlogSoftmax = -c y; logSoftmax's own gradient is
        // dy - sum(dy) exp(logSoftmax(z)).
        const float max = row_max(zr, cols);
        const float lse = log_normaliser(zr, cols, max);
        const float minus_c = -c[r];
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += minus_c * yr[j];
        const float sum = static_cast<float>(s);
        for (int64_t j = 0; j < cols; ++j) dr[j] = minus_c * yr[j] - sum * std::exp((zr[j] - max) - lse);
        break;
      }
      case LossKind::kSigmoidCrossEntropy: {
        // The mean over outputs passes c / cols to each; then the gradients of max(z, 0), -z y and
        // log1p(exp(-|z|)), added in the order tfjs's backward pass accumulates them.
        const float g = c[r] / static_cast<float>(cols);
        for (int64_t j = 0; j < cols; ++j) {
          const float zj = zr[j];
          const float e = std::exp(-std::fabs(zj));
          const float through_abs = -((g / (e + 1.f)) * e) * (zj > 0.f ? 1.f : -1.f);
          const float through_product = -g * yr[j];
          const float through_relu = g * (zj > 0.f ? 1.f : 0.f);
          dr[j] = (through_abs + through_product) + through_relu;
        }
        break;
      }
      case LossKind::kMeanSquaredError: {
        const float g = c[r] / static_cast<float>(cols);
        for (int64_t j = 0; j < cols; ++j) dr[j] = g * ((zr[j] - yr[j]) * 2.f);
        break;
      }
    }
  }
}

}  // namespace isbench
