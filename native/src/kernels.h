// Training kernels for tfjs tensors laid out row-major (NHWC for images), computed with CBLAS.
// They know nothing about Node or tfjs: addon.cc checks the arguments and hands over raw pointers.
#pragma once

#include <cstdint>

namespace isbench {

// Activations tfjs can fuse into _FusedMatMul / FusedConv2D (prelu is left to tfjs).
// kTanh only in planned steps (step_plan.h): tfjs does not fuse it.
enum class Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kLeakyRelu = 4, kSigmoid = 5, kTanh = 6 };

// How a bias broadcasts over an output of `rows` x `cols`.
enum class BiasMode : int { kNone = 0, kPerColumn = 1, kScalar = 2, kFull = 3 };

struct Epilogue {
  const float* bias = nullptr;
  BiasMode bias_mode = BiasMode::kNone;
  Activation activation = Activation::kLinear;
  float leaky_alpha = 0.2f;
};

// out = bias + activation on a rows x cols row-major block, in place.
void apply_epilogue(float* out, int64_t rows, int64_t cols, const Epilogue& e);

// C_i = op(A_{a_index[i]}) * op(B_{b_index[i]}) for i < batch; op transposes when asked.
// A_j is M x K (K x M when transposed), B_j is K x N (N x K when transposed), C_i is M x N.
// a_index / b_index may be null, meaning "i" (or 0 when that operand has a single matrix).
void batch_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t a_batches,
                  int64_t b_batches, const int32_t* a_index, const int32_t* b_index, int64_t m,
                  int64_t n, int64_t k, bool transpose_a, bool transpose_b);

// A 2-D convolution over NHWC input with an HWIO filter, the same geometry tfjs computes in
// backend_util.computeConv2DInfo.
struct Conv2DGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

void conv2d(const float* x, const float* filter, float* y, const Conv2DGeometry& g,
            const Epilogue& e);
void conv2d_backprop_input(const float* dy, const float* filter, float* dx, const Conv2DGeometry& g);
void conv2d_backprop_filter(const float* x, const float* dy, float* dfilter, const Conv2DGeometry& g);

// out[s, :] = sum of x[i, :] over i with segment_ids[i] == s; ids outside [0, segments) are dropped.
template <typename T>
void unsorted_segment_sum(const T* x, const int32_t* segment_ids, T* out, int64_t n, int64_t inner,
                          int64_t segments);

// Gathers slices: out[b, o, i, :] = x[b, o, indices[b, i], :] with x viewed as
// batch x outer x dim x slice and indices as batch x count (tfjs's GatherV2 layout). Checks every
// index first; returns the position of the first one outside [0, dim), or -1 after gathering.
int64_t gather(const uint8_t* x, const int32_t* indices, uint8_t* out, int64_t batch, int64_t outer,
               int64_t dim, int64_t count, int64_t slice_bytes);

// out[i] = sqrt(x[i]); negative inputs give NaN, as Math.sqrt does.
void sqrt_elementwise(const float* x, float* out, int64_t n);

// Dropout: out[i] = x[i] * m[i], where the mask m[i] is scale when the 24-bit hash of (seed, i) is
// >= threshold, else 0 — the mask dropoutMask in src/models/seeded-dropout.ts computes in JavaScript.
// Its gradient is the same function of the upstream gradient.
void dropout(const float* x, float* out, int64_t n, uint32_t seed, uint32_t threshold, float scale);
// The same for elements [begin, end) of the tensor (element i still uses index i).
void dropout_range(const float* x, float* out, int64_t begin, int64_t end, uint32_t seed, uint32_t threshold, float scale);

// Scalars of tfjs's RMSprop update, as float32 (what tfjs's scalar tensors hold).
struct RmspropParams {
  float decay, one_minus_decay, momentum, learning_rate, epsilon;
};
// One uncentered RMSprop step of n weights, tfjs's formula:
//   ms' = ms decay + g^2 (1 - decay);  mom' = mom momentum + g lr / sqrt(ms' + eps);  w' = w - mom'
void rmsprop_update(const float* value, const float* mean_square, const float* moment, const float* grad,
                    float* new_value, float* new_mean_square, float* new_moment, int64_t n, const RmspropParams& p);

// Scalars of tfjs's Adam update as float32; acc_beta1/2 are beta1/2 to the power of the step.
struct AdamParams {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, minus_learning_rate, epsilon, acc_beta1, acc_beta2;
};
// One Adam step of n weights, tfjs's formula:
//   m' = m b1 + g (1 - b1);  v' = v b2 + g^2 (1 - b2);
//   w' = (m' / (1 - acc1)) / (sqrt(v' / (1 - acc2)) + eps) (-lr) + w
void adam_update(const float* value, const float* first, const float* second, const float* grad, float* new_value,
                 float* new_first, float* new_second, int64_t n, const AdamParams& p);

// out[p, q] = sum over r of x[p, r, q] for x viewed as pre x reduced x post (a contiguous block of
// axes reduced), accumulated in double like tfjs's cpu kernel.
void reduce_sum(const float* x, float* out, int64_t pre, int64_t reduced, int64_t post);

// Max-pool gradient over NHWC: each dy goes to the first maximum of its window (tfjs's rule).
struct Pool2DGeometry {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};
// relu_input: x is a relu's output and dx is wanted through the relu too (dy where the maximum is
// positive, else 0), the relu's gradient folded in.
void max_pool_grad(const float* x, const float* dy, float* dx, const Pool2DGeometry& g, bool relu_input = false);

// Max pooling over NHWC (the forward of max_pool_grad): each output is its window's largest value.
void max_pool(const float* x, float* y, const Pool2DGeometry& g);

}  // namespace isbench
