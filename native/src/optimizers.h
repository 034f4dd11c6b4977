// In-place optimizer updates for the planned training step (step_plan.h): the weights and slots of
// tfjs variables are updated where they lie, over any range of elements, so the step can update a
// block of weights right after computing its gradient (while the gradient is still in cache).
//
// Each update performs tfjs's (or, for Adadelta, src/train/keras-adadelta.ts's) operations in their
// order, each rounded to float32 as tfjs's kernels round them, so results equal tfjs's update.
#pragma once

#include <cstdint>

namespace isbench {

enum class OptimizerKind : int { kSgd = 0, kRmsprop = 1, kAdam = 2, kAdadelta = 3 };

// The optimizer's scalars, as float32 (what tfjs's scalar tensors hold). Which fields are used
// depends on the kind; one_minus_* are computed in double by JavaScript, then rounded, as tfjs does.
struct OptimizerScalars {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0, minus_learning_rate = 0;
  float decay = 0, one_minus_decay = 0, momentum = 0;  // RMSprop (decay), Adadelta (rho)
  float beta1 = 0, one_minus_beta1 = 0, beta2 = 0, one_minus_beta2 = 0;  // Adam
  float epsilon = 0;
  // Adam's 1 - beta^t for this step (from the accumulated powers before they advance).
  float one_minus_acc_beta1 = 0, one_minus_acc_beta2 = 0;
};

// Slots per weight tensor for each kind: RMSprop (mean square, moment), Adam (first, second
// moment), Adadelta (accumulated gradient, accumulated update), SGD none.
int optimizer_slots(OptimizerKind kind);

// One step of elements [begin, end) of a weight tensor: value and slots updated in place from grad
// (indexed from begin as well: grad[begin..end)).
void optimizer_update(const OptimizerScalars& s, float* value, float* slot0, float* slot1, const float* grad,
                      int64_t begin, int64_t end);

}  // namespace isbench
