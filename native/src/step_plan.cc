#include "step_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gemm.h"
#include "thread_pool.h"

namespace isbench {

namespace {

// Elementwise loops shorter than this run on the caller alone: waking a second thread costs more
// than it saves on the small tensors of dense models.
constexpr int64_t kMinElementsPerThread = int64_t{1} << 17;

// Rows per inference chunk are capped so one activation buffer stays below this many floats.
constexpr int64_t kInferFloats = int64_t{1} << 22;

template <typename F>
void for_range(int64_t n, F f) {
  parallel_range(n, kMinElementsPerThread, [&](int64_t begin, int64_t end) { f(begin, end); });
}

inline float activate(Activation a, float v) {
  switch (a) {
    case Activation::kRelu:
      return v < 0.f ? 0.f : v;
    case Activation::kSigmoid:
      return 1.f / (1.f + std::exp(-v));
    case Activation::kTanh:
      return std::tanh(v);
    default:
      return v;
  }
}

// dy * f'(.) over [0, n), as tfjs's gradients compute it: relu from its input x (step(x)), sigmoid
// dy (y (1 - y)) and tanh (1 - y^2) dy from its output y.
void activation_grad_range(Activation a, const float* __restrict x, const float* __restrict y, float* __restrict dy,
                           int64_t n) {
  switch (a) {
    case Activation::kRelu: {
      int64_t i = 0;
#if defined(__SSE2__)
      // GCC keeps this select a branch (it folds dy * 1 away), which mispredicts on every other
      // element: the same select with masks.
      const __m128 zero = _mm_setzero_ps();
      for (; i + 4 <= n; i += 4) {
        const __m128 keep = _mm_cmpgt_ps(_mm_loadu_ps(x + i), zero);
        const __m128 g = _mm_loadu_ps(dy + i);
        _mm_storeu_ps(dy + i, _mm_or_ps(_mm_and_ps(keep, g), _mm_andnot_ps(keep, _mm_mul_ps(g, zero))));
      }
#endif
      for (; i < n; ++i) dy[i] = x[i] > 0.f ? dy[i] : dy[i] * 0.f;
      return;
    }
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; ++i) dy[i] = dy[i] * (y[i] * (1.f - y[i]));
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) dy[i] = (1.f - y[i] * y[i]) * dy[i];
      return;
    default:
      return;
  }
}

void activation_grad(Activation a, const float* x, const float* y, float* dy, int64_t n) {
  if (a == Activation::kLinear) return;
  for_range(n, [&](int64_t b, int64_t e) { activation_grad_range(a, x + b, y + b, dy + b, e - b); });
}

// out[i] = f(in[i]) for one activation, a loop per activation so each vectorises.
void activate_range(Activation a, const float* __restrict in, float* __restrict out, int64_t n) {
  switch (a) {
    case Activation::kRelu:
      for (int64_t i = 0; i < n; ++i) out[i] = in[i] < 0.f ? 0.f : in[i];
      return;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.f / (1.f + std::exp(-in[i]));
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
      return;
    default:
      if (in != out) std::memcpy(out, in, sizeof(float) * n);
      return;
  }
}

// Bias, then the activation, on a block of a row-major matrix with leading dimension ld.
void bias_activation(float* out, int64_t ld, int64_t r0, int64_t r1, int64_t c0, int64_t c1, const float* bias,
                     Activation a) {
  for (int64_t r = r0; r < r1; ++r) {
    float* __restrict row = out + r * ld + c0;
    const int64_t n = c1 - c0;
    if (bias != nullptr) {
      const float* __restrict b = bias + c0;
      for (int64_t j = 0; j < n; ++j) row[j] += b[j];
    }
    if (a == Activation::kRelu) {
      for (int64_t j = 0; j < n; ++j) row[j] = row[j] < 0.f ? 0.f : row[j];
    } else if (a != Activation::kLinear) {
      for (int64_t j = 0; j < n; ++j) row[j] = activate(a, row[j]);
    }
  }
}

template <typename T>
void grow(std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

}  // namespace

StepPlan::StepPlan(std::vector<PlanLayer> layers, int64_t input_size, bool int_input, LossKind loss, int64_t outputs,
                   OptimizerScalars optimizer)
    : layers_(std::move(layers)),
      input_size_(input_size),
      int_input_(int_input),
      loss_(loss),
      outputs_(outputs),
      optimizer_(optimizer) {
  bool weights_before = false;
  int64_t largest_param = 0;
  for (PlanLayer& l : layers_) {
    needs_input_grad_.push_back(weights_before);
    const auto add_param = [&](int64_t size) {
      if (l.param < 0) l.param = static_cast<int>(param_sizes_.size());
      param_sizes_.push_back(size);
      largest_param = std::max(largest_param, size);
    };
    switch (l.kind) {
      case LayerKind::kDense:
        add_param(l.inputs * l.units);
        if (l.bias) add_param(l.units);
        weights_before = true;
        break;
      case LayerKind::kConv2D:
        add_param(l.conv.filter_h * l.conv.filter_w * l.conv.in_c * l.conv.out_c);
        if (l.bias) add_param(l.conv.out_c);
        weights_before = true;
        break;
      case LayerKind::kEmbedding:
        add_param(l.vocab * l.dim);
        zero_row_.assign(static_cast<size_t>(l.dim), 0.f);
        touched_.assign(static_cast<size_t>(l.vocab), 0);
        weights_before = true;
        break;
      case LayerKind::kDropout:
        ++dropout_layers_;
        break;
      default:
        break;
    }
  }
  // A max pooling after a relu passes each gradient to its window's maximum, which is the relu's
  // output there: it applies the relu's gradient (maximum > 0) itself, sparing a pass over the
  // larger tensor.
  for (size_t i = 1; i < layers_.size(); ++i) {
    PlanLayer& before = layers_[i - 1];
    const bool has_activation = before.kind == LayerKind::kConv2D || before.kind == LayerKind::kDense || before.kind == LayerKind::kActivation;
    if (layers_[i].kind == LayerKind::kMaxPool2D && has_activation && before.activation == Activation::kRelu) {
      before.relu_grad_in_next = true;
      layers_[i].pool_applies_relu_grad = true;
    }
  }
  param_grad_.resize(static_cast<size_t>(largest_param));
  acts_.resize(layers_.size() + 1);
}

std::string StepPlan::gather(const StepData& data, std::vector<float>& input, std::vector<int32_t>& ids,
                             std::vector<float>& targets) {
  const int64_t k = data.k;
  if (int_input_) {
    grow(ids, k * input_size_);
    const int32_t* x = static_cast<const int32_t*>(data.x);
    for (int64_t r = 0; r < k; ++r)
      std::memcpy(ids.data() + r * input_size_, x + data.indices[r] * input_size_, sizeof(int32_t) * input_size_);
    const PlanLayer& e = layers_[0];
    for (int64_t i = 0; i < k * input_size_; ++i) {
      if (ids[i] < 0 || ids[i] >= e.vocab) {
        return "GatherV2: the index value " + std::to_string(ids[i]) + " is not in [0, " + std::to_string(e.vocab - 1) + "]";
      }
    }
    ids_in_use_ = ids.data();
  } else {
    grow(input, k * input_size_);
    const float* x = static_cast<const float*>(data.x);
    for (int64_t r = 0; r < k; ++r)
      std::memcpy(input.data() + r * input_size_, x + data.indices[r] * input_size_, sizeof(float) * input_size_);
  }
  grow(targets, k * outputs_);
  for (int64_t r = 0; r < k; ++r)
    std::memcpy(targets.data() + r * outputs_, data.y + data.indices[r] * outputs_, sizeof(float) * outputs_);
  return "";
}

void StepPlan::forward_layer(size_t i, const std::vector<ParamBuffers>& params, const float* in, float* out, int64_t k,
                             bool training, uint32_t seed) {
  const PlanLayer& l = layers_[i];
  switch (l.kind) {
    case LayerKind::kDense: {
      const float* w = params[l.param].value;
      const float* b = l.bias ? params[l.param + 1].value : nullptr;
      gemm_then(false, false, k, l.units, l.inputs, in, l.inputs, w, l.units, 0.f, out, l.units,
                [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) { bias_activation(out, l.units, r0, r1, c0, c1, b, l.activation); });
      return;
    }
    case LayerKind::kConv2D: {
      Conv2DGeometry g = l.conv;
      g.batch = k;
      Epilogue e;
      e.bias = l.bias ? params[l.param + 1].value : nullptr;
      e.bias_mode = l.bias ? BiasMode::kPerColumn : BiasMode::kNone;
      e.activation = l.activation;
      conv2d(in, params[l.param].value, out, g, e);
      return;
    }
    case LayerKind::kMaxPool2D: {
      // Whole samples per thread.
      parallel_range(k, std::max<int64_t>(1, kMinElementsPerThread / std::max<int64_t>(1, l.in_size)), [&](int64_t b, int64_t e) {
        Pool2DGeometry part = l.pool;
        part.batch = e - b;
        max_pool(in + b * l.in_size, out + b * l.out_size, part);
      });
      return;
    }
    case LayerKind::kDropout: {
      const int64_t n = k * l.in_size;
      if (!training) {
        std::memcpy(out, in, sizeof(float) * n);
        return;
      }
      // The mask is a function of each element's index: any split draws the same one.
      for_range(n, [&](int64_t b, int64_t e) { dropout_range(in, out, b, e, seed, l.threshold, l.scale); });
      return;
    }
    case LayerKind::kActivation: {
      for_range(k * l.in_size, [&](int64_t b, int64_t e) { activate_range(l.activation, in + b, out + b, e - b); });
      return;
    }
    case LayerKind::kEmbedding: {
      // `in` is unused: the ids are those gather() copied and checked last.
      const float* table = params[l.param].value;
      const int64_t rows = k * l.steps;
      for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * l.dim, table + ids_in_use_[r] * l.dim, sizeof(float) * l.dim);
      return;
    }
    case LayerKind::kGlobalAveragePool1D: {
      // tfjs's Mean: a float32 sum over the steps, divided by their count.
      const float count = static_cast<float>(l.steps);
      for (int64_t r = 0; r < k; ++r) {
        float* o = out + r * l.dim;
        const float* x = in + r * l.steps * l.dim;
        std::fill(o, o + l.dim, 0.f);
        for (int64_t t = 0; t < l.steps; ++t)
          for (int64_t d = 0; d < l.dim; ++d) o[d] += x[t * l.dim + d];
        for (int64_t d = 0; d < l.dim; ++d) o[d] = o[d] / count;
      }
      return;
    }
  }
}

void StepPlan::update(const OptimizerScalars& s, const ParamBuffers& p, const float* grad, int64_t begin, int64_t end) {
  optimizer_update(s, p.value, p.slot0, p.slot1, grad, begin, end);
}

void StepPlan::backward_layer(size_t i, const std::vector<ParamBuffers>& params, float* dy, float* dx, int64_t k,
                              const OptimizerScalars& s) {
  const PlanLayer& l = layers_[i];
  const float* x = acts_[i].data();
  const float* y = acts_[i + 1].data();
  float* pg = param_grad_.data();
  switch (l.kind) {
    case LayerKind::kDense: {
      // tfjs's unfused training graph: matMul, add(bias), then the activation.
      if (!l.relu_grad_in_next) activation_grad(l.activation, y, y, dy, k * l.units);
      const ParamBuffers& w = params[l.param];
      if (dx != nullptr) gemm(false, true, k, l.inputs, l.units, dy, l.units, w.value, l.units, 0.f, dx, l.inputs);
      if (l.bias) {
        reduce_sum(dy, pg, 1, k, l.units);
        update(s, params[l.param + 1], pg, 0, l.units);
      }
      // The weight gradient, each block updating its weights as soon as it is computed (the input
      // gradient above has read the old weights already).
      gemm_then(true, false, l.inputs, l.units, k, x, l.inputs, dy, l.units, 0.f, pg, l.units,
                [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
                  if (c0 == 0 && c1 == l.units) {
                    update(s, w, pg + r0 * l.units, r0 * l.units, r1 * l.units);
                  } else {
                    for (int64_t r = r0; r < r1; ++r) update(s, w, pg + r * l.units + c0, r * l.units + c0, r * l.units + c1);
                  }
                });
      return;
    }
    case LayerKind::kConv2D: {
      Conv2DGeometry g = l.conv;
      g.batch = k;
      if (!l.relu_grad_in_next) activation_grad(l.activation, y, y, dy, k * l.out_size);
      const ParamBuffers& w = params[l.param];
      const int64_t filter = g.filter_h * g.filter_w * g.in_c * g.out_c;
      if (dx != nullptr) conv2d_backprop_input(dy, w.value, dx, g);
      if (l.bias) {
        reduce_sum(dy, pg, 1, k * g.out_h * g.out_w, g.out_c);
        update(s, params[l.param + 1], pg, 0, g.out_c);
      }
      conv2d_backprop_filter(x, dy, pg, g);
      parallel_range(filter, kMinElementsPerThread, [&](int64_t b, int64_t e) { update(s, w, pg + b, b, e); });
      return;
    }
    case LayerKind::kMaxPool2D: {
      if (dx == nullptr) return;
      parallel_range(k, std::max<int64_t>(1, kMinElementsPerThread / std::max<int64_t>(1, l.in_size)), [&](int64_t b, int64_t e) {
        Pool2DGeometry part = l.pool;
        part.batch = e - b;
        max_pool_grad(x + b * l.in_size, dy + b * l.out_size, dx + b * l.in_size, part, l.pool_applies_relu_grad);
      });
      return;
    }
    case LayerKind::kDropout:
    case LayerKind::kActivation:
      // In place: backward() hands the same buffer on.
      return;
    case LayerKind::kEmbedding: {
      // tfjs's gradient of gather is a dense scatter-add (UnsortedSegmentSum) into a zeroed table;
      // rows no sample used get a zero gradient, so they are updated from a zero row instead.
      const ParamBuffers& w = params[l.param];
      const int64_t rows = k * l.steps;
      for (int64_t r = 0; r < rows; ++r) {
        const int32_t id = ids_[r];
        if (!touched_[id]) {
          touched_[id] = 1;
          std::fill(pg + id * l.dim, pg + (id + 1) * l.dim, 0.f);
        }
      }
      for (int64_t r = 0; r < rows; ++r) {
        float* dst = pg + ids_[r] * l.dim;
        const float* src = dy + r * l.dim;
        for (int64_t d = 0; d < l.dim; ++d) dst[d] += src[d];
      }
      parallel_range(l.vocab, std::max<int64_t>(1, kMinElementsPerThread / l.dim), [&](int64_t b, int64_t e) {
        for (int64_t row = b; row < e; ++row) {
          const float* grad = touched_[row] ? pg + row * l.dim : zero_row_.data();
          update(s, w, grad, row * l.dim, (row + 1) * l.dim);
        }
      });
      for (int64_t r = 0; r < rows; ++r) touched_[ids_[r]] = 0;
      return;
    }
    case LayerKind::kGlobalAveragePool1D: {
      if (dx == nullptr) return;
      // tfjs's gradient of Mean: dy / count, broadcast over the steps.
      const float count = static_cast<float>(l.steps);
      for (int64_t r = 0; r < k; ++r)
        for (int64_t t = 0; t < l.steps; ++t)
          for (int64_t d = 0; d < l.dim; ++d) dx[(r * l.steps + t) * l.dim + d] = dy[r * l.dim + d] / count;
      return;
    }
  }
}

std::string StepPlan::train_forward(const StepData& data, const std::vector<ParamBuffers>& params, const uint32_t* seeds,
                                    float* loss, float* gnorm, float* correct) {
  const int64_t k = data.k;
  pending_ = false;
  const PoolHold hold;
  const std::string error = gather(data, acts_[0], ids_, targets_);
  if (!error.empty()) return error;
  seeds_.assign(seeds, seeds + dropout_layers_);
  int dropout_index = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    grow(acts_[i + 1], k * layers_[i].out_size);
    const uint32_t seed = layers_[i].kind == LayerKind::kDropout ? seeds_[dropout_index++] : 0;
    forward_layer(i, params, acts_[i].data(), acts_[i + 1].data(), k, true, seed);
  }
  loss_forward(loss_, acts_.back().data(), targets_.data(), k, outputs_, loss, gnorm, correct);
  k_ = k;
  pending_ = true;
  return "";
}

void StepPlan::train_backward(const std::vector<ParamBuffers>& params, const float* c, const OptimizerScalars& scalars) {
  if (!pending_) return;
  pending_ = false;
  const PoolHold hold;
  const int64_t k = k_;
  int64_t widest = outputs_;
  for (const PlanLayer& l : layers_) widest = std::max({widest, l.in_size, l.out_size});
  grow(grad_a_, k * widest);
  grow(grad_b_, k * widest);
  float* dy = grad_a_.data();
  float* spare = grad_b_.data();
  loss_backward(loss_, acts_.back().data(), targets_.data(), c, k, outputs_, dy);
  int first_weighted = -1;
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i].param >= 0 && first_weighted < 0) first_weighted = static_cast<int>(i);
  int dropout_index = dropout_layers_;
  for (int i = static_cast<int>(layers_.size()) - 1; i >= first_weighted && i >= 0; --i) {
    const PlanLayer& l = layers_[i];
    if (l.kind == LayerKind::kDropout) {
      // The gradient of x * mask is dy * mask: the same mask, drawn again from the seed.
      const uint32_t seed = seeds_[--dropout_index];
      for_range(k * l.in_size, [&](int64_t b, int64_t e) { dropout_range(dy, dy, b, e, seed, l.threshold, l.scale); });
      continue;
    }
    if (l.kind == LayerKind::kActivation) {
      if (!l.relu_grad_in_next) activation_grad(l.activation, acts_[i].data(), acts_[i + 1].data(), dy, k * l.in_size);
      continue;
    }
    float* dx = needs_input_grad_[i] ? spare : nullptr;
    backward_layer(static_cast<size_t>(i), params, dy, dx, k, scalars);
    if (dx != nullptr) std::swap(dy, spare);
  }
}

std::string StepPlan::infer(const StepData& data, const std::vector<ParamBuffers>& params, float* loss, float* gnorm,
                            float* correct) {
  const PoolHold hold;
  int64_t widest = std::max(input_size_, outputs_);
  for (const PlanLayer& l : layers_) widest = std::max({widest, l.in_size, l.out_size});
  const int64_t chunk = std::max<int64_t>(1, kInferFloats / widest);
  for (int64_t start = 0; start < data.k; start += chunk) {
    StepData part = data;
    part.indices = data.indices + start;
    part.k = std::min(chunk, data.k - start);
    const std::string error = gather(part, infer_input_, infer_ids_, infer_targets_);
    if (!error.empty()) return error;
    grow(infer_a_, part.k * widest);
    grow(infer_b_, part.k * widest);
    const float* in = infer_input_.data();
    float* out = infer_a_.data();
    float* other = infer_b_.data();
    for (size_t i = 0; i < layers_.size(); ++i) {
      if (layers_[i].kind == LayerKind::kDropout) continue;  // the identity in inference mode
      forward_layer(i, params, in, out, part.k, false, 0);
      in = out;
      std::swap(out, other);
    }
    loss_forward(loss_, in, infer_targets_.data(), part.k, outputs_, loss ? loss + start : nullptr,
                 gnorm ? gnorm + start : nullptr, correct ? correct + start : nullptr);
  }
  return "";
}

}  // namespace isbench
