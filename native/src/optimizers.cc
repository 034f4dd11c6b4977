#include "optimizers.h"

#include <cmath>

namespace isbench {

int optimizer_slots(OptimizerKind kind) { return kind == OptimizerKind::kSgd ? 0 : 2; }

namespace {

// tfjs's RMSPropOptimizer (uncentered): ms' = ms decay + g^2 (1 - decay);
// mom' = mom momentum + g lr / sqrt(ms' + eps); w' = w - mom'. Without momentum the old moment is not
// read: tfjs adds moment * 0, which leaves every finite sum unchanged.
template <bool kMomentum>
void rmsprop(const OptimizerScalars& s, float* __restrict value, float* __restrict ms, float* __restrict mom,
             const float* __restrict g, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i - begin];
    const float m = ms[i] * s.decay + (gi * gi) * s.one_minus_decay;
    const float step = (gi * s.learning_rate) / std::sqrt(m + s.epsilon);
    const float mo = kMomentum ? mom[i] * s.momentum + step : step;
    ms[i] = m;
    mom[i] = mo;
    value[i] = value[i] - mo;
  }
}

// tfjs's AdamOptimizer: m' = m b1 + g (1 - b1); v' = v b2 + g^2 (1 - b2);
// w' = (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps) (-lr) + w.
void adam(const OptimizerScalars& s, float* __restrict value, float* __restrict first, float* __restrict second,
          const float* __restrict g, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i - begin];
    const float m = first[i] * s.beta1 + gi * s.one_minus_beta1;
    const float v = second[i] * s.beta2 + (gi * gi) * s.one_minus_beta2;
    first[i] = m;
    second[i] = v;
    value[i] = ((m / s.one_minus_acc_beta1) / (std::sqrt(v / s.one_minus_acc_beta2) + s.epsilon)) * s.minus_learning_rate +
               value[i];
  }
}

// Keras' Adadelta (src/train/keras-adadelta.ts): acc_g' = acc_g rho + g^2 (1 - rho);
// u = sqrt(acc_u + eps) / sqrt(acc_g' + eps) g; acc_u' = acc_u rho + u^2 (1 - rho); w' = u (-lr) + w.
void adadelta(const OptimizerScalars& s, float* __restrict value, float* __restrict acc_grad,
              float* __restrict acc_update, const float* __restrict g, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i - begin];
    const float ag = acc_grad[i] * s.decay + (gi * gi) * s.one_minus_decay;
    const float u = (std::sqrt(acc_update[i] + s.epsilon) / std::sqrt(ag + s.epsilon)) * gi;
    acc_grad[i] = ag;
    acc_update[i] = acc_update[i] * s.decay + (u * u) * s.one_minus_decay;
    value[i] = u * s.minus_learning_rate + value[i];
  }
}

// tfjs's SGDOptimizer: w' = (-lr) g + w.
void sgd(const OptimizerScalars& s, float* __restrict value, const float* __restrict g, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) value[i] = s.minus_learning_rate * g[i - begin] + value[i];
}

}  // namespace

void optimizer_update(const OptimizerScalars& s, float* value, float* slot0, float* slot1, const float* grad,
                      int64_t begin, int64_t end) {
  const float* g = grad;  // g[i - begin] is element i's gradient
  switch (s.kind) {
    case OptimizerKind::kSgd:
      return sgd(s, value, g, begin, end);
    case OptimizerKind::kRmsprop:
      if (s.momentum != 0.f) return rmsprop<true>(s, value, slot0, slot1, g, begin, end);
      return rmsprop<false>(s, value, slot0, slot1, g, begin, end);
    case OptimizerKind::kAdam:
      return adam(s, value, slot0, slot1, g, begin, end);
    case OptimizerKind::kAdadelta:
      return adadelta(s, value, slot0, slot1, g, begin, end);
  }
}

}  // namespace isbench
