// A planned training step for a sequential stack of layers: forward, per-sample loss and scores,
// backward and the optimizer's update, run over buffers the plan allocates once and reuses, with
// the weights and optimizer slots updated in place where tfjs keeps them (the wasm heap).
//
// Every layer does the operations tfjs's kernels and gradients do for it (the same matrix products
// through gemm(), the same elementwise formulas in float32), so a planned step computes what tfjs's
// own step computes; src/train/native-step.ts decides when a model can be planned and falls back to
// tfjs's step otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"
#include "loss.h"
#include "optimizers.h"

namespace isbench {

enum class LayerKind : int {
  kDense = 0,
  kConv2D = 1,
  kMaxPool2D = 2,
  kDropout = 3,
  kActivation = 4,
  kEmbedding = 5,
  kGlobalAveragePool1D = 6,
};

// Per-sample description of one layer; sizes are floats per sample.
struct PlanLayer {
  LayerKind kind = LayerKind::kDense;
  int64_t in_size = 0, out_size = 0;
  Activation activation = Activation::kLinear;  // dense, conv2d and activation layers
  bool bias = false;
  int64_t inputs = 0, units = 0;    // dense
  Conv2DGeometry conv{};            // conv2d, with batch 1
  Pool2DGeometry pool{};            // max pooling, with batch 1
  uint32_t threshold = 0;           // dropout: keep when the 24-bit hash >= threshold
  float scale = 1;                  //          kept values are scaled by this
  int64_t steps = 0, dim = 0, vocab = 0;  // embedding (steps ids -> steps x dim), global average pooling
  int param = -1;                   // index of the layer's first parameter (kernel, then bias), or -1
  // Set by the plan: a relu whose gradient the next layer's (a max pooling's) gradient applies.
  bool relu_grad_in_next = false;
  bool pool_applies_relu_grad = false;
};

// One parameter tensor of the model (a kernel, bias or embedding) and its optimizer slots, on the heap.
struct ParamBuffers {
  float* value = nullptr;
  float* slot0 = nullptr;
  float* slot1 = nullptr;
};

// Where a step's samples come from: row-major splits of n rows on the heap.
struct StepData {
  const void* x = nullptr;  // float32, or int32 ids when the first layer is an embedding
  const float* y = nullptr;
  const int32_t* indices = nullptr;  // k rows of the split
  int64_t k = 0;
};

class StepPlan {
 public:
  StepPlan(std::vector<PlanLayer> layers, int64_t input_size, bool int_input, LossKind loss, int64_t outputs,
           OptimizerScalars optimizer);

  // Sizes (floats) of each parameter tensor, in the order the layers use them.
  const std::vector<int64_t>& param_sizes() const { return param_sizes_; }
  int dropout_layers() const { return dropout_layers_; }
  int64_t input_size() const { return input_size_; }
  int64_t outputs() const { return outputs_; }
  bool int_input() const { return int_input_; }
  int optimizer_slots() const { return isbench::optimizer_slots(optimizer_.kind); }
  const OptimizerScalars& optimizer() const { return optimizer_; }
  // Rows of the training forward waiting for its backward pass (0 when none).
  int64_t pending_rows() const { return pending_ ? k_ : 0; }

  // The forward pass of a training step (dropout on, seeds[i] for the i-th dropout layer), keeping
  // what the backward pass needs; writes each sample's loss, gradient-norm bound and correctness.
  // Returns "" or, for an embedding id outside the vocabulary, a message.
  std::string train_forward(const StepData& data, const std::vector<ParamBuffers>& params, const uint32_t* seeds,
                            float* loss, float* gnorm, float* correct);

  // The backward pass and optimizer update after train_forward: c[r] is d objective / d loss_r.
  void train_backward(const std::vector<ParamBuffers>& params, const float* c, const OptimizerScalars& scalars);

  // Inference mode (no dropout) over data's rows; any output may be null.
  std::string infer(const StepData& data, const std::vector<ParamBuffers>& params, float* loss, float* gnorm,
                    float* correct);

 private:
  // Gathers the k rows of the input (or ids) and targets; "" or an error message.
  std::string gather(const StepData& data, std::vector<float>& input, std::vector<int32_t>& ids,
                     std::vector<float>& targets);
  // One layer forward from `in` to `out` for k samples.
  void forward_layer(size_t i, const std::vector<ParamBuffers>& params, const float* in, float* out, int64_t k,
                     bool training, uint32_t seed);
  // One layer backward: dy (the gradient of its output, overwritten) to dx (may be null when not
  // needed), updating its parameters.
  void backward_layer(size_t i, const std::vector<ParamBuffers>& params, float* dy, float* dx, int64_t k,
                      const OptimizerScalars& scalars);
  void update(const OptimizerScalars& s, const ParamBuffers& p, const float* grad, int64_t begin, int64_t end);

  std::vector<PlanLayer> layers_;
  int64_t input_size_;
  bool int_input_;
  LossKind loss_;
  int64_t outputs_;
  OptimizerScalars optimizer_;
  std::vector<int64_t> param_sizes_;
  std::vector<bool> needs_input_grad_;  // per layer: does anything before it have weights?
  int dropout_layers_ = 0;

  // Training state between train_forward and train_backward.
  int64_t k_ = 0;
  bool pending_ = false;
  std::vector<uint32_t> seeds_;
  std::vector<int32_t> ids_;                // embedding ids of the batch
  std::vector<std::vector<float>> acts_;    // acts_[0] the input, acts_[i + 1] layer i's output
  std::vector<float> targets_;
  std::vector<float> grad_a_, grad_b_;      // ping-pong gradients of the activations
  std::vector<float> param_grad_;           // one parameter's gradient (the largest fits)
  std::vector<float> zero_row_;             // gradient of an embedding row no sample used
  std::vector<uint8_t> touched_;            // embedding rows the batch used
  // Inference buffers (separate, so scoring between the two training calls is harmless).
  std::vector<float> infer_a_, infer_b_, infer_input_, infer_targets_;
  std::vector<int32_t> infer_ids_;
  const int32_t* ids_in_use_ = nullptr;  // the ids the embedding reads: ids_ or infer_ids_
};

}  // namespace isbench
