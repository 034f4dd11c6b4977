// N-API surface of the native kernels. Every function takes the ArrayBuffer that backs the tfjs
// wasm heap (or any ArrayBuffer) plus byte offsets into it, checks that each operand lies inside
// the buffer, and runs the kernel in place: nothing is copied in or out.
#include <napi.h>

#include <cstdint>
#include <string>

#include "blas.h"
#include "gemm.h"
#include "kernels.h"
#include "napi_args.h"
#include "plan_binding.h"

namespace {

using isbench::Args;
using isbench::Activation;
using isbench::BiasMode;
using isbench::Conv2DGeometry;
using isbench::Epilogue;
using isbench::Pool2DGeometry;

// Reads (bias offset, bias mode, activation, leaky alpha) starting at argument `first`.
Epilogue epilogue(const Args& args, size_t first, int64_t rows, int64_t cols) {
  Epilogue e;
  const int64_t mode = args.integer(first + 1);
  const int64_t act = args.integer(first + 2);
  if (mode < 0 || mode > 3) args.fail("unknown bias mode " + std::to_string(mode));
  if (act < 0 || act > 5) args.fail("unknown activation " + std::to_string(act));
  e.bias_mode = static_cast<BiasMode>(mode);
  const int64_t bias_count = e.bias_mode == BiasMode::kPerColumn ? cols
                             : e.bias_mode == BiasMode::kScalar  ? 1
                             : e.bias_mode == BiasMode::kFull    ? rows * cols
                                                                 : 0;
  e.bias = e.bias_mode == BiasMode::kNone ? nullptr : args.at<float>(first, bias_count);
  e.activation = static_cast<Activation>(act);
  e.leaky_alpha = static_cast<float>(args.number(first + 3));
  return e;
}

Conv2DGeometry conv_geometry(const Args& args, size_t i) {
  const int32_t* v = args.int32s(i, 15);
  if (v == nullptr) args.fail("conv geometry is missing");
  Conv2DGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  if (g.batch < 0 || g.in_h < 0 || g.in_w < 0 || g.in_c < 0 || g.out_h < 0 || g.out_w < 0 ||
      g.out_c < 0 || g.filter_h < 1 || g.filter_w < 1 || g.stride_h < 1 || g.stride_w < 1 ||
      g.dilation_h < 1 || g.dilation_w < 1) {
    args.fail("invalid conv geometry");
  }
  return g;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  const BlasInfo blas = blas_info();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("blas", blas.name);
  out.Set("threads", blas.threads);
  return out;
}

// sgemm(heap, transA, transB, m, n, k, aOffset, bOffset, cOffset): C = op(A) op(B), row-major, by
// OpenBLAS threading it itself: the reference the engine benchmark compares the kernels with.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Args args(info);
  const bool ta = args.flag(1), tb = args.flag(2);
  const int64_t m = args.integer(3), n = args.integer(4), k = args.integer(5);
  const float* a = args.at<float>(6, m * k);
  const float* b = args.at<float>(7, k * n);
  float* c = args.at<float>(8, m * n);
  isbench::reference_sgemm(ta, tb, m, n, k, a, b, c);
  return info.Env().Undefined();
}

// batchMatMul(heap, a, b, out, batch, aBatches, bBatches, aIndex, bIndex, m, n, k, transA,
//             transB, bias, biasMode, activation, leakyAlpha)
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t batch = args.integer(4), a_batches = args.integer(5), b_batches = args.integer(6);
  const int32_t* a_index = args.int32s(7, batch);
  const int32_t* b_index = args.int32s(8, batch);
  const int64_t m = args.integer(9), n = args.integer(10), k = args.integer(11);
  if (batch < 0 || m < 0 || n < 0 || k < 0 || a_batches < 1 || b_batches < 1) args.fail("invalid matmul shape");
  for (int64_t i = 0; a_index != nullptr && i < batch; ++i)
    if (a_index[i] < 0 || a_index[i] >= a_batches) args.fail("aIndex out of range");
  for (int64_t i = 0; b_index != nullptr && i < batch; ++i)
    if (b_index[i] < 0 || b_index[i] >= b_batches) args.fail("bIndex out of range");
  const float* a = args.at<float>(1, a_batches * m * k);
  const float* b = args.at<float>(2, b_batches * k * n);
  float* c = args.at<float>(3, batch * m * n);
  const Epilogue e = epilogue(args, 14, batch * m, n);
  isbench::batch_matmul(a, b, c, batch, a_batches, b_batches, a_index, b_index, m, n, k, args.flag(12),
                        args.flag(13));
  isbench::apply_epilogue(c, batch * m, n, e);
  return info.Env().Undefined();
}

// conv2d(heap, x, filter, y, geometry, bias, biasMode, activation, leakyAlpha)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  Args args(info);
  const Conv2DGeometry g = conv_geometry(args, 4);
  const float* x = args.at<float>(1, g.batch * g.in_h * g.in_w * g.in_c);
  const float* f = args.at<float>(2, g.filter_h * g.filter_w * g.in_c * g.out_c);
  float* y = args.at<float>(3, g.batch * g.out_h * g.out_w * g.out_c);
  const Epilogue e = epilogue(args, 5, g.batch * g.out_h * g.out_w, g.out_c);
  isbench::conv2d(x, f, y, g, e);
  return info.Env().Undefined();
}

// conv2dBackpropInput(heap, dy, filter, dx, geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  Args args(info);
  const Conv2DGeometry g = conv_geometry(args, 4);
  const float* dy = args.at<float>(1, g.batch * g.out_h * g.out_w * g.out_c);
  const float* f = args.at<float>(2, g.filter_h * g.filter_w * g.in_c * g.out_c);
  float* dx = args.at<float>(3, g.batch * g.in_h * g.in_w * g.in_c);
  isbench::conv2d_backprop_input(dy, f, dx, g);
  return info.Env().Undefined();
}

// conv2dBackpropFilter(heap, x, dy, dfilter, geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  Args args(info);
  const Conv2DGeometry g = conv_geometry(args, 4);
  const float* x = args.at<float>(1, g.batch * g.in_h * g.in_w * g.in_c);
  const float* dy = args.at<float>(2, g.batch * g.out_h * g.out_w * g.out_c);
  float* df = args.at<float>(3, g.filter_h * g.filter_w * g.in_c * g.out_c);
  isbench::conv2d_backprop_filter(x, dy, df, g);
  return info.Env().Undefined();
}

// unsortedSegmentSum(heap, x, segmentIds, out, n, inner, segments, isInt32)
Napi::Value UnsortedSegmentSum(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t n = args.integer(4), inner = args.integer(5), segments = args.integer(6);
  if (n < 0 || inner < 0 || segments < 0) args.fail("invalid segment sum shape");
  const int32_t* ids = args.at<int32_t>(2, n);
  if (args.flag(7)) {
    isbench::unsorted_segment_sum(args.at<int32_t>(1, n * inner), ids, args.at<int32_t>(3, segments * inner), n,
                                  inner, segments);
  } else {
    isbench::unsorted_segment_sum(args.at<float>(1, n * inner), ids, args.at<float>(3, segments * inner), n,
                                  inner, segments);
  }
  return info.Env().Undefined();
}

// gather(heap, x, indices, out, batch, outer, dim, count, sliceBytes) -> index of the first
// out-of-range index, or -1 when all were in range and the gather ran.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t batch = args.integer(4), outer = args.integer(5), dim = args.integer(6);
  const int64_t count = args.integer(7), slice_bytes = args.integer(8);
  if (batch < 0 || outer < 0 || dim < 0 || count < 0 || slice_bytes < 0) args.fail("invalid gather shape");
  const uint8_t* x = args.at<uint8_t>(1, batch * outer * dim * slice_bytes);
  const int32_t* indices = args.at<int32_t>(2, batch * count);
  uint8_t* out = args.at<uint8_t>(3, batch * outer * count * slice_bytes);
  const int64_t bad = isbench::gather(x, indices, out, batch, outer, dim, count, slice_bytes);
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

// sqrt(heap, x, out, n)
Napi::Value Sqrt(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t n = args.integer(3);
  isbench::sqrt_elementwise(args.at<float>(1, n), args.at<float>(2, n), n);
  return info.Env().Undefined();
}

// rmspropUpdate(heap, value, meanSquare, moment, grad, newValue, newMeanSquare, newMoment, n,
//               decay, momentum, learningRate, epsilon)
Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t n = args.integer(8);
  isbench::RmspropParams p;
  const double decay = args.number(9);
  p.decay = static_cast<float>(decay);
  p.one_minus_decay = static_cast<float>(1 - decay);
  p.momentum = static_cast<float>(args.number(10));
  p.learning_rate = static_cast<float>(args.number(11));
  p.epsilon = static_cast<float>(args.number(12));
  isbench::rmsprop_update(args.at<float>(1, n), args.at<float>(2, n), args.at<float>(3, n), args.at<float>(4, n),
                          args.at<float>(5, n), args.at<float>(6, n), args.at<float>(7, n), n, p);
  return info.Env().Undefined();
}

// dropout(heap, x, out, n, seed, threshold, scale)
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t n = args.integer(3), seed = args.integer(4), threshold = args.integer(5);
  if (n < 0 || n > 0xffffffffLL) args.fail("invalid dropout size");
  if (seed < 0 || seed > 0xffffffffLL || threshold < 0 || threshold > (1 << 24)) args.fail("invalid seed or threshold");
  isbench::dropout(args.at<float>(1, n), args.at<float>(2, n), n, static_cast<uint32_t>(seed), static_cast<uint32_t>(threshold),
                   static_cast<float>(args.number(6)));
  return info.Env().Undefined();
}

// adamUpdate(heap, value, first, second, grad, newValue, newFirst, newSecond, n, beta1, beta2,
//            learningRate, epsilon, accBeta1Offset, accBeta2Offset): the accumulated powers are read
//            from the heap (the optimizer's float32 scalar variables).
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t n = args.integer(8);
  isbench::AdamParams p;
  const double beta1 = args.number(9), beta2 = args.number(10);
  p.beta1 = static_cast<float>(beta1);
  p.one_minus_beta1 = static_cast<float>(1 - beta1);
  p.beta2 = static_cast<float>(beta2);
  p.one_minus_beta2 = static_cast<float>(1 - beta2);
  p.minus_learning_rate = static_cast<float>(-args.number(11));
  p.epsilon = static_cast<float>(args.number(12));
  p.acc_beta1 = *args.at<float>(13, 1);
  p.acc_beta2 = *args.at<float>(14, 1);
  isbench::adam_update(args.at<float>(1, n), args.at<float>(2, n), args.at<float>(3, n), args.at<float>(4, n),
                       args.at<float>(5, n), args.at<float>(6, n), args.at<float>(7, n), n, p);
  return info.Env().Undefined();
}

// reduceSum(heap, x, out, pre, reduced, post)
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  Args args(info);
  const int64_t pre = args.integer(3), reduced = args.integer(4), post = args.integer(5);
  if (pre < 0 || reduced < 0 || post < 0) args.fail("invalid reduction shape");
  isbench::reduce_sum(args.at<float>(1, pre * reduced * post), args.at<float>(2, pre * post), pre, reduced, post);
  return info.Env().Undefined();
}

// maxPoolGrad(heap, x, dy, dx, geometry[12])
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  Args args(info);
  const int32_t* v = args.int32s(4, 12);
  if (v == nullptr) args.fail("pool geometry is missing");
  const Pool2DGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  if (g.stride_h < 1 || g.stride_w < 1 || g.filter_h < 1 || g.filter_w < 1) args.fail("invalid pool geometry");
  const float* x = args.at<float>(1, g.batch * g.in_h * g.in_w * g.channels);
  const float* dy = args.at<float>(2, g.batch * g.out_h * g.out_w * g.channels);
  float* dx = args.at<float>(3, g.batch * g.in_h * g.in_w * g.channels);
  isbench::max_pool_grad(x, dy, dx, g);
  return info.Env().Undefined();
}

// Bumped whenever a function's arguments change; src/engine/native-addon.ts refuses other versions,
// so a stale build never runs against newer JavaScript.
constexpr int kAbiVersion = 5;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", kAbiVersion);
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("batchMatMul", Napi::Function::New(env, BatchMatMul));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("unsortedSegmentSum", Napi::Function::New(env, UnsortedSegmentSum));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("sqrt", Napi::Function::New(env, Sqrt));
  exports.Set("dropout", Napi::Function::New(env, Dropout));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("rmspropUpdate", Napi::Function::New(env, RmspropUpdate));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  isbench::register_step_plan(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(is_bench_native, Init)
