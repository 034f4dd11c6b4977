#include "plan_binding.h"

#include <memory>
#include <string>
#include <vector>

#include "napi_args.h"
#include "step_plan.h"

namespace isbench {

namespace {

int64_t get_int(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("is-bench native plan: '") + key + "' must be a number");
  return v.As<Napi::Number>().Int64Value();
}

double get_number(const Napi::Object& o, const char* key, double fallback) {
  const Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

bool get_bool(const Napi::Object& o, const char* key) { return o.Get(key).ToBoolean().Value(); }

std::vector<int64_t> get_ints(const Napi::Object& o, const char* key, size_t count) {
  const Napi::Value v = o.Get(key);
  if (!v.IsArray() || v.As<Napi::Array>().Length() != count) {
    throw Napi::TypeError::New(o.Env(), std::string("is-bench native plan: '") + key + "' must be an array of " +
                                            std::to_string(count) + " numbers");
  }
  std::vector<int64_t> out;
  const Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < count; ++i) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

[[noreturn]] void invalid(const Napi::Env& env, const std::string& why) {
  throw Napi::RangeError::New(env, "is-bench native plan: " + why);
}

PlanLayer parse_layer(const Napi::Env& env, const Napi::Object& o) {
  PlanLayer l;
  const int64_t kind = get_int(o, "kind");
  if (kind < 0 || kind > 6) invalid(env, "unknown layer kind " + std::to_string(kind));
  l.kind = static_cast<LayerKind>(kind);
  l.in_size = get_int(o, "inSize");
  l.out_size = get_int(o, "outSize");
  const int64_t act = static_cast<int64_t>(get_number(o, "activation", 0));
  if (act != 0 && act != 1 && act != 5 && act != 6) invalid(env, "unsupported activation " + std::to_string(act));
  l.activation = static_cast<Activation>(act);
  l.bias = get_bool(o, "bias");
  if (l.in_size <= 0 || l.out_size <= 0) invalid(env, "layer sizes must be positive");
  switch (l.kind) {
    case LayerKind::kDense:
      l.inputs = get_int(o, "inputs");
      l.units = get_int(o, "units");
      if (l.inputs != l.in_size || l.units != l.out_size) invalid(env, "dense sizes disagree");
      break;
    case LayerKind::kConv2D: {
      const std::vector<int64_t> v = get_ints(o, "conv", 15);
      l.conv = Conv2DGeometry{1, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
      const Conv2DGeometry& g = l.conv;
      if (g.filter_h < 1 || g.filter_w < 1 || g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 ||
          g.in_h * g.in_w * g.in_c != l.in_size || g.out_h * g.out_w * g.out_c != l.out_size) {
        invalid(env, "invalid conv geometry");
      }
      break;
    }
    case LayerKind::kMaxPool2D: {
      const std::vector<int64_t> v = get_ints(o, "pool", 12);
      l.pool = Pool2DGeometry{1, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
      const Pool2DGeometry& g = l.pool;
      if (g.filter_h < 1 || g.filter_w < 1 || g.stride_h < 1 || g.stride_w < 1 || g.in_h * g.in_w * g.channels != l.in_size ||
          g.out_h * g.out_w * g.channels != l.out_size) {
        invalid(env, "invalid pool geometry");
      }
      break;
    }
    case LayerKind::kDropout: {
      const int64_t threshold = get_int(o, "threshold");
      if (threshold < 0 || threshold > (1 << 24) || l.in_size != l.out_size) invalid(env, "invalid dropout");
      l.threshold = static_cast<uint32_t>(threshold);
      l.scale = static_cast<float>(get_number(o, "scale", 1));
      break;
    }
    case LayerKind::kActivation:
      if (l.in_size != l.out_size) invalid(env, "an activation keeps its size");
      break;
    case LayerKind::kEmbedding:
      l.steps = get_int(o, "steps");
      l.dim = get_int(o, "dim");
      l.vocab = get_int(o, "vocab");
      if (l.steps != l.in_size || l.steps * l.dim != l.out_size || l.vocab < 1) invalid(env, "invalid embedding");
      break;
    case LayerKind::kGlobalAveragePool1D:
      l.steps = get_int(o, "steps");
      l.dim = get_int(o, "dim");
      if (l.steps * l.dim != l.in_size || l.dim != l.out_size) invalid(env, "invalid global average pooling");
      break;
  }
  return l;
}

OptimizerScalars parse_optimizer(const Napi::Env& env, const Napi::Object& o) {
  OptimizerScalars s;
  const int64_t kind = get_int(o, "kind");
  if (kind < 0 || kind > 3) invalid(env, "unknown optimizer kind " + std::to_string(kind));
  s.kind = static_cast<OptimizerKind>(kind);
  // float32 of the JavaScript numbers, and of 1 - x computed in double: what tfjs's scalars hold.
  const double lr = get_number(o, "learningRate", 0);
  const double decay = get_number(o, "decay", 0);
  const double beta1 = get_number(o, "beta1", 0), beta2 = get_number(o, "beta2", 0);
  s.learning_rate = static_cast<float>(lr);
  s.minus_learning_rate = static_cast<float>(-lr);
  s.decay = static_cast<float>(decay);
  s.one_minus_decay = static_cast<float>(1 - decay);
  s.momentum = static_cast<float>(get_number(o, "momentum", 0));
  s.beta1 = static_cast<float>(beta1);
  s.one_minus_beta1 = static_cast<float>(1 - beta1);
  s.beta2 = static_cast<float>(beta2);
  s.one_minus_beta2 = static_cast<float>(1 - beta2);
  s.epsilon = static_cast<float>(get_number(o, "epsilon", 0));
  return s;
}

class StepPlanWrap : public Napi::ObjectWrap<StepPlanWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    // Writable, like JavaScript methods (tests wrap them to count the calls).
    const auto attrs = static_cast<napi_property_attributes>(napi_writable | napi_configurable);
    return DefineClass(env, "StepPlan",
                       {
                           InstanceMethod("paramSizes", &StepPlanWrap::ParamSizes, attrs),
                           InstanceMethod("trainForward", &StepPlanWrap::TrainForward, attrs),
                           InstanceMethod("trainBackward", &StepPlanWrap::TrainBackward, attrs),
                           InstanceMethod("infer", &StepPlanWrap::Infer, attrs),
                       });
  }

  // new StepPlan({ inputSize, intInput, loss, outputs, optimizer: {...}, layers: [...] })
  explicit StepPlanWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StepPlanWrap>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) invalid(env, "the constructor takes a plan object");
    const Napi::Object spec = info[0].As<Napi::Object>();
    const Napi::Value layers_value = spec.Get("layers");
    if (!layers_value.IsArray()) invalid(env, "'layers' must be an array");
    const Napi::Array array = layers_value.As<Napi::Array>();
    std::vector<PlanLayer> layers;
    for (uint32_t i = 0; i < array.Length(); ++i) {
      if (!array.Get(i).IsObject()) invalid(env, "layer " + std::to_string(i) + " must be an object");
      layers.push_back(parse_layer(env, array.Get(i).As<Napi::Object>()));
    }
    const int64_t input_size = get_int(spec, "inputSize");
    const int64_t outputs = get_int(spec, "outputs");
    const int64_t loss = get_int(spec, "loss");
    const bool int_input = get_bool(spec, "intInput");
    if (layers.empty() || loss < 0 || loss > 2 || outputs < 1) invalid(env, "a plan needs layers, a loss and outputs");
    for (size_t i = 0; i < layers.size(); ++i) {
      const int64_t before = i == 0 ? input_size : layers[i - 1].out_size;
      if (layers[i].in_size != before) invalid(env, "layer " + std::to_string(i) + " does not take its input's size");
      if ((layers[i].kind == LayerKind::kEmbedding) != (i == 0 && int_input)) {
        invalid(env, "an embedding must be the first layer, over int32 ids, and only it");
      }
    }
    if (layers.back().out_size != outputs) invalid(env, "the last layer does not give the outputs");
    const Napi::Value optimizer = spec.Get("optimizer");
    if (!optimizer.IsObject()) invalid(env, "'optimizer' must be an object");
    plan_ = std::make_unique<StepPlan>(std::move(layers), input_size, int_input, static_cast<LossKind>(loss), outputs,
                                       parse_optimizer(env, optimizer.As<Napi::Object>()));
  }

 private:
  Napi::Value ParamSizes(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env());
    for (size_t i = 0; i < plan_->param_sizes().size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(plan_->param_sizes()[i]));
    return out;
  }

  // Parameter buffers from a Float64Array of heap offsets: per parameter its value and then each slot
  // (`slots` of them; a negative offset where a slot is not needed).
  std::vector<ParamBuffers> params(const Args& args, size_t i, int slots) const {
    const Napi::Float64Array table = args.typed<Napi::Float64Array>(i, napi_float64_array, "Float64Array of parameter offsets");
    const std::vector<int64_t>& sizes = plan_->param_sizes();
    const size_t stride = 1 + static_cast<size_t>(plan_->optimizer_slots());
    if (table.ElementLength() != sizes.size() * stride) args.fail("the parameter table has the wrong length");
    std::vector<ParamBuffers> out(sizes.size());
    for (size_t p = 0; p < sizes.size(); ++p) {
      const std::string name = "parameter " + std::to_string(p);
      out[p].value = args.at_offset<float>(static_cast<int64_t>(table[p * stride]), sizes[p], name);
      if (slots > 0) out[p].slot0 = args.at_offset<float>(static_cast<int64_t>(table[p * stride + 1]), sizes[p], name + " slot 0");
      if (slots > 1) out[p].slot1 = args.at_offset<float>(static_cast<int64_t>(table[p * stride + 2]), sizes[p], name + " slot 1");
    }
    return out;
  }

  // (heap, x, rows, y, indices) -> the rows of a split the call reads.
  StepData data(const Args& args) const {
    StepData d;
    const int64_t rows = args.integer(2);
    if (rows < 0) args.fail("invalid row count");
    d.x = args.at<uint8_t>(1, rows * plan_->input_size() * 4);
    d.y = args.at<float>(3, rows * plan_->outputs());
    const Napi::Int32Array indices = args.typed<Napi::Int32Array>(4, napi_int32_array, "Int32Array of indices");
    d.indices = indices.Data();
    d.k = static_cast<int64_t>(indices.ElementLength());
    for (int64_t r = 0; r < d.k; ++r) {
      if (d.indices[r] < 0 || d.indices[r] >= rows) {
        args.fail("GatherV2: the index value " + std::to_string(d.indices[r]) + " is not in [0, " + std::to_string(rows - 1) + "]");
      }
    }
    return d;
  }

  // trainForward(heap, x, rows, y, indices, params, seeds: Uint32Array, stats: Float32Array(3k))
  // stats: loss, gradient-norm bound and correctness per sample, one after the other.
  Napi::Value TrainForward(const Napi::CallbackInfo& info) {
    Args args(info);
    const StepData d = data(args);
    const std::vector<ParamBuffers> p = params(args, 5, 0);
    const Napi::Uint32Array seeds = args.typed<Napi::Uint32Array>(6, napi_uint32_array, "Uint32Array of dropout seeds");
    if (static_cast<int64_t>(seeds.ElementLength()) < plan_->dropout_layers()) args.fail("too few dropout seeds");
    Napi::Float32Array stats = args.typed<Napi::Float32Array>(7, napi_float32_array, "Float32Array for the statistics");
    if (static_cast<int64_t>(stats.ElementLength()) < 3 * d.k) args.fail("the statistics array is too short");
    float* s = stats.Data();
    const std::string error = plan_->train_forward(d, p, seeds.Data(), s, s + d.k, s + 2 * d.k);
    if (!error.empty()) throw Napi::Error::New(info.Env(), error);
    return info.Env().Undefined();
  }

  // trainBackward(heap, params, coefficients: Float32Array(k), accBeta: Float64Array [offset1, offset2] | null, learningRate?)
  // accBeta: Adam's accumulated powers (float32 scalars on the heap), read for this step and then
  // advanced in place (acc *= beta), as FusedAdam does.
  Napi::Value TrainBackward(const Napi::CallbackInfo& info) {
    Args args(info);
    const std::vector<ParamBuffers> p = params(args, 1, plan_->optimizer_slots());
    const Napi::Float32Array c = args.typed<Napi::Float32Array>(2, napi_float32_array, "Float32Array of coefficients");
    OptimizerScalars s = plan_->optimizer();
    // the learning rate of this step: schedules and strategies change it between steps
    if (info.Length() > 4 && info[4].IsNumber()) {
      const double lr = info[4].As<Napi::Number>().DoubleValue();
      s.learning_rate = static_cast<float>(lr);
      s.minus_learning_rate = static_cast<float>(-lr);
    }
    float* acc1 = nullptr;
    float* acc2 = nullptr;
    if (s.kind == OptimizerKind::kAdam) {
      const Napi::Float64Array acc = args.typed<Napi::Float64Array>(3, napi_float64_array, "Float64Array of Adam's power offsets");
      if (acc.ElementLength() != 2) args.fail("Adam needs two power offsets");
      acc1 = args.at_offset<float>(static_cast<int64_t>(acc[0]), 1, "accBeta1");
      acc2 = args.at_offset<float>(static_cast<int64_t>(acc[1]), 1, "accBeta2");
      s.one_minus_acc_beta1 = 1.0f - *acc1;
      s.one_minus_acc_beta2 = 1.0f - *acc2;
    }
    if (static_cast<int64_t>(c.ElementLength()) < plan_->pending_rows()) args.fail("too few coefficients");
    plan_->train_backward(p, c.Data(), s);
    if (acc1 != nullptr) {
      *acc1 = *acc1 * s.beta1;
      *acc2 = *acc2 * s.beta2;
    }
    return info.Env().Undefined();
  }

  // infer(heap, x, rows, y, indices, params, loss, gnorm, correct): Float32Arrays of k, or null.
  Napi::Value Infer(const Napi::CallbackInfo& info) {
    Args args(info);
    const StepData d = data(args);
    const std::vector<ParamBuffers> p = params(args, 5, 0);
    float* out[3] = {nullptr, nullptr, nullptr};
    for (int j = 0; j < 3; ++j) {
      Napi::Float32Array a = args.typed<Napi::Float32Array>(6 + j, napi_float32_array, "Float32Array or null", true);
      if (a.IsEmpty()) continue;
      if (static_cast<int64_t>(a.ElementLength()) < d.k) args.fail("an output array is too short");
      out[j] = a.Data();
    }
    const std::string error = plan_->infer(d, p, out[0], out[1], out[2]);
    if (!error.empty()) throw Napi::Error::New(info.Env(), error);
    return info.Env().Undefined();
  }

  std::unique_ptr<StepPlan> plan_;
};

}  // namespace

void register_step_plan(Napi::Env env, Napi::Object exports) { exports.Set("StepPlan", StepPlanWrap::define(env)); }

}  // namespace isbench
