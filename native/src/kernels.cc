#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gemm.h"
#include "thread_pool.h"

namespace isbench {

namespace {

// im2col works on blocks of output pixels so its scratch stays bounded (and cache-friendly)
// whatever the batch size; 1M floats (4 MB) keeps the gemm shapes large enough to run near peak.
constexpr int64_t kScratchFloats = int64_t{1} << 20;

std::vector<float>& scratch(int64_t floats) {
  // Per thread, in case the addon is loaded in worker threads as well.
  thread_local std::vector<float> buffer;
  if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(static_cast<size_t>(floats));
  return buffer;
}

template <typename F>
void map_in_place(float* out, int64_t size, F f) {
  for (int64_t i = 0; i < size; ++i) out[i] = f(out[i]);
}

void apply_activation(float* out, int64_t size, Activation act, float alpha) {
  switch (act) {
    case Activation::kLinear:
      return;
    case Activation::kRelu:
      return map_in_place(out, size, [](float v) { return v < 0.f ? 0.f : v; });
    case Activation::kRelu6:
      return map_in_place(out, size, [](float v) { return std::min(std::max(v, 0.f), 6.f); });
    case Activation::kElu:
      return map_in_place(out, size, [](float v) { return v >= 0.f ? v : std::expm1(v); });
    case Activation::kLeakyRelu:
      return map_in_place(out, size, [alpha](float v) { return v < 0.f ? alpha * v : v; });
    case Activation::kSigmoid:
      return map_in_place(out, size, [](float v) { return 1.f / (1.f + std::exp(-v)); });
    case Activation::kTanh:
      return map_in_place(out, size, [](float v) { return std::tanh(v); });
  }
}

int64_t rows_per_block(int64_t total_rows, int64_t row_floats) {
  return std::max<int64_t>(1, std::min(total_rows, kScratchFloats / std::max<int64_t>(1, row_floats)));
}

// Copies the receptive fields of output pixels [r0, r1) into consecutive rows of `cols`, one row of
// filter_h * filter_w * in_c values per pixel, zeros where the window leaves the padded input.
void im2col(const float* x, const Conv2DGeometry& g, int64_t r0, int64_t r1, float* cols) {
  const int64_t pixels = g.out_h * g.out_w;
  const int64_t c = g.in_c;
  const int64_t window_row = g.filter_w * c;
  float* dst = cols;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / pixels;
    const int64_t oh = (r % pixels) / g.out_w;
    const int64_t ow = r % g.out_w;
    const float* xn = x + n * g.in_h * g.in_w * c;
    for (int64_t fh = 0; fh < g.filter_h; ++fh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + fh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) {
        std::memset(dst, 0, sizeof(float) * window_row);
        dst += window_row;
        continue;
      }
      const float* xrow = xn + ih * g.in_w * c;
      const int64_t first = ow * g.stride_w - g.pad_left;
      if (g.dilation_w == 1 && first >= 0 && first + g.filter_w <= g.in_w) {
        // The whole window row lies inside the input and is contiguous there: one copy (a plain
        // loop, since with few channels a memcpy call per tap costs more than the copy).
        const float* src = xrow + first * c;
        for (int64_t j = 0; j < window_row; ++j) dst[j] = src[j];
        dst += window_row;
        continue;
      }
      for (int64_t fw = 0; fw < g.filter_w; ++fw) {
        const int64_t iw = first + fw * g.dilation_w;
        if (iw < 0 || iw >= g.in_w) {
          std::memset(dst, 0, sizeof(float) * c);
        } else {
          std::memcpy(dst, xrow + iw * c, sizeof(float) * c);
        }
        dst += c;
      }
    }
  }
}

// The adjoint of im2col: adds each row of `cols` back onto the input pixels it was read from.
void col2im_add(const float* cols, const Conv2DGeometry& g, int64_t r0, int64_t r1, float* dx) {
  const int64_t pixels = g.out_h * g.out_w;
  const int64_t c = g.in_c;
  const float* src = cols;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / pixels;
    const int64_t oh = (r % pixels) / g.out_w;
    const int64_t ow = r % g.out_w;
    float* dxn = dx + n * g.in_h * g.in_w * c;
    for (int64_t fh = 0; fh < g.filter_h; ++fh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + fh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) {
        src += g.filter_w * c;
        continue;
      }
      float* dxrow = dxn + ih * g.in_w * c;
      for (int64_t fw = 0; fw < g.filter_w; ++fw) {
        const int64_t iw = ow * g.stride_w - g.pad_left + fw * g.dilation_w;
        if (iw >= 0 && iw < g.in_w) {
          float* d = dxrow + iw * c;
          for (int64_t ci = 0; ci < c; ++ci) d[ci] += src[ci];
        }
        src += c;
      }
    }
  }
}

// A 1x1 filter with unit strides and no padding reads the input as a plain matrix.
bool is_pointwise(const Conv2DGeometry& g) {
  return g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

// The serial parts of a convolution (im2col, col2im, epilogues, fills) are split across the pool
// from this many floats per thread; below it a second thread costs more than it saves.
constexpr int64_t kMinFloatsPerThread = int64_t{1} << 15;

int64_t min_rows(int64_t row_floats) { return std::max<int64_t>(1, kMinFloatsPerThread / std::max<int64_t>(1, row_floats)); }

// im2col of rows [r0, r1) into `cols`, the rows split across the pool (each row is independent).
void im2col_parallel(const float* x, const Conv2DGeometry& g, int64_t r0, int64_t r1, float* cols) {
  const int64_t depth = g.filter_h * g.filter_w * g.in_c;
  parallel_range(r1 - r0, min_rows(depth), [&](int64_t b, int64_t e) { im2col(x, g, r0 + b, r0 + e, cols + b * depth); });
}

// col2im_add of rows [r0, r1): rows of different images write different parts of dx, so the rows are
// split across the pool at image boundaries only, and each dx element still receives its rows' sums
// in the same order as on one thread.
void col2im_parallel(const float* cols, const Conv2DGeometry& g, int64_t r0, int64_t r1, float* dx) {
  const int64_t pixels = g.out_h * g.out_w;
  const int64_t depth = g.filter_h * g.filter_w * g.in_c;
  const int threads = pool_threads();
  std::vector<int64_t> cuts{r0};
  for (int p = 1; p < threads; ++p) {
    const int64_t target = r0 + (r1 - r0) * p / threads;
    const int64_t cut = (target + pixels / 2) / pixels * pixels;  // the nearest image boundary
    if (cut > cuts.back() && cut < r1) cuts.push_back(cut);
  }
  cuts.push_back(r1);
  const int parts = static_cast<int>(cuts.size()) - 1;
  if (parts < 2 || (r1 - r0) * depth < 2 * kMinFloatsPerThread) {
    col2im_add(cols, g, r0, r1, dx);
    return;
  }
  pool_run(parts, [&](int p) { col2im_add(cols + (cuts[p] - r0) * depth, g, cuts[p], cuts[p + 1], dx); });
}

void fill_parallel(float* out, int64_t n, float v) {
  parallel_range(n, kMinFloatsPerThread, [&](int64_t b, int64_t e) { std::fill(out + b, out + e, v); });
}

}  // namespace

void apply_epilogue(float* out, int64_t rows, int64_t cols, const Epilogue& e) {
  const int64_t size = rows * cols;
  if (e.bias != nullptr) {
    switch (e.bias_mode) {
      case BiasMode::kNone:
        break;
      case BiasMode::kPerColumn:
        for (int64_t r = 0; r < rows; ++r) {
          float* row = out + r * cols;
          for (int64_t j = 0; j < cols; ++j) row[j] += e.bias[j];
        }
        break;
      case BiasMode::kScalar: {
        const float b = e.bias[0];
        for (int64_t i = 0; i < size; ++i) out[i] += b;
        break;
      }
      case BiasMode::kFull:
        for (int64_t i = 0; i < size; ++i) out[i] += e.bias[i];
        break;
    }
  }
  apply_activation(out, size, e.activation, e.leaky_alpha);
}

void batch_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t a_batches,
                  int64_t b_batches, const int32_t* a_index, const int32_t* b_index, int64_t m,
                  int64_t n, int64_t k, bool transpose_a, bool transpose_b) {
  const int64_t lda = transpose_a ? m : k;
  const int64_t ldb = transpose_b ? k : n;
  if (k == 0) {
    std::fill(c, c + batch * m * n, 0.f);
    return;
  }
  // Many untransposed left matrices against one right matrix form a single taller product.
  if (a_index == nullptr && !transpose_a && a_batches == batch && b_batches == 1) {
    gemm(false, transpose_b, batch * m, n, k, a, lda, b, ldb, 0.f, c, n);
    return;
  }
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t ai = a_index != nullptr ? a_index[i] : (a_batches == 1 ? 0 : i);
    const int64_t bi = b_index != nullptr ? b_index[i] : (b_batches == 1 ? 0 : i);
    gemm(transpose_a, transpose_b, m, n, k, a + ai * m * k, lda, b + bi * k * n, ldb, 0.f, c + i * m * n, n);
  }
}

void conv2d(const float* x, const float* filter, float* y, const Conv2DGeometry& g,
            const Epilogue& e) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t depth = g.filter_h * g.filter_w * g.in_c;
  if (is_pointwise(g)) {
    gemm(false, false, rows, g.out_c, depth, x, depth, filter, g.out_c, 0.f, y, g.out_c);
  } else {
    const int64_t block = rows_per_block(rows, depth);
    float* cols = scratch(block * depth).data();
    for (int64_t r0 = 0; r0 < rows; r0 += block) {
      const int64_t r1 = std::min(rows, r0 + block);
      im2col_parallel(x, g, r0, r1, cols);
      gemm(false, false, r1 - r0, g.out_c, depth, cols, depth, filter, g.out_c, 0.f, y + r0 * g.out_c, g.out_c);
      // Bias and activation while the block is still in cache.
      parallel_range(r1 - r0, min_rows(g.out_c), [&](int64_t b, int64_t end) {
        Epilogue part = e;
        if (e.bias_mode == BiasMode::kFull) part.bias = e.bias + (r0 + b) * g.out_c;
        apply_epilogue(y + (r0 + b) * g.out_c, end - b, g.out_c, part);
      });
    }
    return;
  }
  apply_epilogue(y, rows, g.out_c, e);
}

void conv2d_backprop_input(const float* dy, const float* filter, float* dx, const Conv2DGeometry& g) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t depth = g.filter_h * g.filter_w * g.in_c;
  if (is_pointwise(g)) {
    gemm(false, true, rows, depth, g.out_c, dy, g.out_c, filter, g.out_c, 0.f, dx, depth);
    return;
  }
  fill_parallel(dx, g.batch * g.in_h * g.in_w * g.in_c, 0.f);
  const int64_t block = rows_per_block(rows, depth);
  float* cols = scratch(block * depth).data();
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    const int64_t r1 = std::min(rows, r0 + block);
    gemm(false, true, r1 - r0, depth, g.out_c, dy + r0 * g.out_c, g.out_c, filter, g.out_c, 0.f, cols, depth);
    col2im_parallel(cols, g, r0, r1, dx);
  }
}

void conv2d_backprop_filter(const float* x, const float* dy, float* dfilter, const Conv2DGeometry& g) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t depth = g.filter_h * g.filter_w * g.in_c;
  if (rows == 0) {
    std::fill(dfilter, dfilter + depth * g.out_c, 0.f);
    return;
  }
  if (is_pointwise(g)) {
    gemm(true, false, depth, g.out_c, rows, x, depth, dy, g.out_c, 0.f, dfilter, g.out_c);
    return;
  }
  // OpenBLAS runs dy^T * cols (out_c x depth) markedly faster than cols^T * dy (depth x out_c)
  // when out_c is small, so accumulate the transposed filter gradient and transpose it at the end.
  const int64_t block = rows_per_block(rows, depth);
  std::vector<float>& buffer = scratch(block * depth + depth * g.out_c);
  float* cols = buffer.data();
  float* dfilter_t = cols + block * depth;
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    const int64_t r1 = std::min(rows, r0 + block);
    im2col_parallel(x, g, r0, r1, cols);
    gemm(true, false, g.out_c, depth, r1 - r0, dy + r0 * g.out_c, g.out_c, cols, depth, r0 == 0 ? 0.f : 1.f,
         dfilter_t, depth);
  }
  for (int64_t d = 0; d < depth; ++d)
    for (int64_t f = 0; f < g.out_c; ++f) dfilter[d * g.out_c + f] = dfilter_t[f * depth + d];
}

int64_t gather(const uint8_t* x, const int32_t* indices, uint8_t* out, int64_t batch, int64_t outer,
               int64_t dim, int64_t count, int64_t slice_bytes) {
  for (int64_t i = 0; i < batch * count; ++i) {
    if (indices[i] < 0 || indices[i] >= dim) return i;
  }
  for (int64_t b = 0; b < batch; ++b) {
    const int32_t* idx = indices + b * count;
    for (int64_t o = 0; o < outer; ++o) {
      const uint8_t* src = x + (b * outer + o) * dim * slice_bytes;
      uint8_t* dst = out + (b * outer + o) * count * slice_bytes;
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * slice_bytes, src + idx[i] * slice_bytes, slice_bytes);
    }
  }
  return -1;
}

void sqrt_elementwise(const float* x, float* out, int64_t n) {
  // With -fno-math-errno (binding.gyp) this compiles to packed sqrt instructions.
  for (int64_t i = 0; i < n; ++i) out[i] = std::sqrt(x[i]);
}

namespace {
// Offset of p within its 16-byte line: arrays with equal offsets can share one aligned loop.
inline uintptr_t aligned16(const float* p) { return reinterpret_cast<uintptr_t>(p) & 15; }

// Elementwise updates split across the pool from this many elements per thread: below it, handing
// out the work costs more than a second core's bandwidth saves.
constexpr int64_t kMinPerThread = 1 << 14;

}  // namespace

namespace {

// One thread's share of rmsprop_update. Without momentum the old moment is not read: tfjs adds
// moment * 0, which leaves every finite sum unchanged, and skipping it saves a seventh of the traffic.
template <bool kMomentum>
void rmsprop_range(const float* value, const float* mean_square, const float* moment, const float* grad,
                   float* new_value, float* new_mean_square, float* new_moment, int64_t begin, int64_t end,
                   const RmspropParams& p) {
  const auto scalar = [&](int64_t i) {
    const float g = grad[i];
    const float ms = mean_square[i] * p.decay + (g * g) * p.one_minus_decay;
    const float step = (g * p.learning_rate) / std::sqrt(ms + p.epsilon);
    const float mom = kMomentum ? moment[i] * p.momentum + step : step;
    new_mean_square[i] = ms;
    new_moment[i] = mom;
    new_value[i] = value[i] - mom;
  };
  int64_t i = begin;
#if defined(__SSE2__)
  // The outputs are fresh arrays, written once and not read here: non-temporal stores skip
  // reading their cache lines first (a third of this memory-bound loop's traffic). The packed
  // operations are the same IEEE float32 operations as the scalar ones, so results are unchanged.
  if (aligned16(new_value) == aligned16(new_mean_square) && aligned16(new_value) == aligned16(new_moment)) {
    for (; i < end && aligned16(new_value + i) != 0; ++i) scalar(i);
    const __m128 decay = _mm_set1_ps(p.decay), one_minus_decay = _mm_set1_ps(p.one_minus_decay);
    const __m128 momentum = _mm_set1_ps(p.momentum), learning_rate = _mm_set1_ps(p.learning_rate);
    const __m128 epsilon = _mm_set1_ps(p.epsilon);
    for (; i + 4 <= end; i += 4) {
      const __m128 g = _mm_loadu_ps(grad + i);
      const __m128 ms = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(mean_square + i), decay), _mm_mul_ps(_mm_mul_ps(g, g), one_minus_decay));
      const __m128 step = _mm_div_ps(_mm_mul_ps(g, learning_rate), _mm_sqrt_ps(_mm_add_ps(ms, epsilon)));
      const __m128 mom = kMomentum ? _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(moment + i), momentum), step) : step;
      _mm_stream_ps(new_mean_square + i, ms);
      _mm_stream_ps(new_moment + i, mom);
      _mm_stream_ps(new_value + i, _mm_sub_ps(_mm_loadu_ps(value + i), mom));
    }
    _mm_sfence();
  }
#endif
  for (; i < end; ++i) scalar(i);
}

}  // namespace

void rmsprop_update(const float* value, const float* mean_square, const float* moment, const float* grad,
                    float* new_value, float* new_mean_square, float* new_moment, int64_t n, const RmspropParams& p) {
  // The operations and their order are tfjs's RMSPropOptimizer's (each rounded to float32 as its
  // kernels round them; no FMA contraction without -mfma), so the results match it bit for bit.
  parallel_range(n, kMinPerThread, [&](int64_t begin, int64_t end) {
    if (p.momentum != 0.f)
      rmsprop_range<true>(value, mean_square, moment, grad, new_value, new_mean_square, new_moment, begin, end, p);
    else
      rmsprop_range<false>(value, mean_square, moment, grad, new_value, new_mean_square, new_moment, begin, end, p);
  });
}

namespace {
inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
}  // namespace

// Integer hashing vectorises well only with packed 32-bit multiplies (SSE4.1/AVX2); GCC on x86-64
// builds an AVX2 clone too and picks it at load time. The same bits either way (integer arithmetic,
// and a float32 product without FMA).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
void dropout_range(const float* x, float* out, int64_t begin, int64_t end, uint32_t seed, uint32_t threshold, float scale) {
  const uint32_t key = fmix32(seed ^ 0x9e3779b9u);
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t h = fmix32(fmix32(static_cast<uint32_t>(i) * 0x9e3779b1u + key) ^ seed);
    // x * mask, as tfjs's Multiply computes it (a dropped NaN stays NaN).
    out[i] = x[i] * ((h >> 8) >= threshold ? scale : 0.0f);
  }
}

void dropout(const float* x, float* out, int64_t n, uint32_t seed, uint32_t threshold, float scale) {
  dropout_range(x, out, 0, n, seed, threshold, scale);
}

void adam_update(const float* value, const float* first, const float* second, const float* grad, float* new_value,
                 float* new_first, float* new_second, int64_t n, const AdamParams& p) {
  // tfjs's AdamOptimizer's operations in its order, each rounded to float32.
  const float one_minus_acc1 = 1.0f - p.acc_beta1, one_minus_acc2 = 1.0f - p.acc_beta2;
  parallel_range(n, kMinPerThread, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = grad[i];
      const float m = first[i] * p.beta1 + g * p.one_minus_beta1;
      const float v = second[i] * p.beta2 + (g * g) * p.one_minus_beta2;
      new_first[i] = m;
      new_second[i] = v;
      new_value[i] = ((m / one_minus_acc1) / (std::sqrt(v / one_minus_acc2) + p.epsilon)) * p.minus_learning_rate + value[i];
    }
  });
}

void reduce_sum(const float* x, float* out, int64_t pre, int64_t reduced, int64_t post) {
  if (post == 1) {
    for (int64_t p = 0; p < pre; ++p) {
      const float* row = x + p * reduced;
      // Four partial sums let the compiler overlap the additions.
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int64_t r = 0;
      for (; r + 4 <= reduced; r += 4) {
        s0 += row[r];
        s1 += row[r + 1];
        s2 += row[r + 2];
        s3 += row[r + 3];
      }
      for (; r < reduced; ++r) s0 += row[r];
      out[p] = static_cast<float>((s0 + s1) + (s2 + s3));
    }
    return;
  }
  // Columns split across the pool (each column's sum keeps its order) when there is enough work:
  // a conv's bias gradient, not a dense layer's.
  const int64_t min_columns = std::max<int64_t>(8, (int64_t{1} << 18) / std::max<int64_t>(1, pre * reduced));
  parallel_range(post, min_columns, [&](int64_t q0, int64_t q1) {
    std::vector<double> acc(static_cast<size_t>(q1 - q0));
    for (int64_t p = 0; p < pre; ++p) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t r = 0; r < reduced; ++r) {
        const float* row = x + (p * reduced + r) * post;
        for (int64_t q = q0; q < q1; ++q) acc[q - q0] += row[q];
      }
      for (int64_t q = q0; q < q1; ++q) out[p * post + q] = static_cast<float>(acc[q - q0]);
    }
  });
}

template <typename T>
void unsorted_segment_sum(const T* x, const int32_t* segment_ids, T* out, int64_t n, int64_t inner,
                          int64_t segments) {
  std::fill(out, out + segments * inner, T(0));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = segment_ids[i];
    if (s < 0 || s >= segments) continue;
    const T* src = x + i * inner;
    T* dst = out + s * inner;
    for (int64_t j = 0; j < inner; ++j) dst[j] += src[j];
  }
}

template void unsorted_segment_sum<float>(const float*, const int32_t*, float*, int64_t, int64_t,
                                          int64_t);
template void unsorted_segment_sum<int32_t>(const int32_t*, const int32_t*, int32_t*, int64_t,
                                            int64_t, int64_t);

void max_pool_grad(const float* x, const float* dy, float* dx, const Pool2DGeometry& g, bool relu_input) {
  const int64_t c = g.channels;
  const int64_t window = g.filter_h * g.filter_w;
  // Windows that tile the input without overlap (the usual 2x2 stride-2 pooling) write each
  // covered input pixel exactly once, so the gradient is stored directly instead of accumulated.
  const bool tiles = g.stride_h == g.filter_h && g.stride_w == g.filter_w && g.pad_top == 0 &&
                     g.pad_left == 0 && g.out_h * g.stride_h <= g.in_h && g.out_w * g.stride_w <= g.in_w;
  if (!tiles || g.out_h * g.stride_h < g.in_h || g.out_w * g.stride_w < g.in_w) {
    std::fill(dx, dx + g.batch * g.in_h * g.in_w * c, 0.f);
  }
  std::vector<float> best(static_cast<size_t>(c));
  std::vector<int32_t> arg(static_cast<size_t>(c));
  std::vector<int64_t> tap_pixel(static_cast<size_t>(window));
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* xn = x + n * g.in_h * g.in_w * c;
    float* dxn = dx + n * g.in_h * g.in_w * c;
    const float* dyn = dy + n * g.out_h * g.out_w * c;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        // The window's taps inside the input, in tfjs's scan order (row by row).
        int64_t taps = 0;
        for (int64_t fh = 0; fh < g.filter_h; ++fh) {
          const int64_t ih = oh * g.stride_h - g.pad_top + fh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int64_t fw = 0; fw < g.filter_w; ++fw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + fw;
            if (iw >= 0 && iw < g.in_w) tap_pixel[static_cast<size_t>(taps++)] = (ih * g.in_w + iw) * c;
          }
        }
        float* __restrict b = best.data();
        int32_t* __restrict a = arg.data();
        for (int64_t ci = 0; ci < c; ++ci) {
          b[ci] = -std::numeric_limits<float>::infinity();
          a[ci] = -1;
        }
        // A strictly greater value takes over, so ties go to the first maximum and a window of
        // -inf or NaN passes no gradient, as in tfjs's maxPoolPositions.
        for (int32_t t = 0; t < static_cast<int32_t>(taps); ++t) {
          const float* __restrict v = xn + tap_pixel[static_cast<size_t>(t)];
          // Written with masks rather than branches: on random data a branch here mispredicts
          // half the time, and this form compiles to packed compares and blends.
          for (int64_t ci = 0; ci < c; ++ci) {
            const float vv = v[ci], vb = b[ci];
            const int32_t greater = -static_cast<int32_t>(vv > vb);
            b[ci] = vv > vb ? vv : vb;
            a[ci] = (t & greater) | (a[ci] & ~greater);
          }
        }
        const float* __restrict grad = dyn + (oh * g.out_w + ow) * c;
        if (tiles) {
          for (int32_t t = 0; t < static_cast<int32_t>(taps); ++t) {
            float* __restrict d = dxn + tap_pixel[static_cast<size_t>(t)];
            for (int64_t ci = 0; ci < c; ++ci) {
              const bool kept = (a[ci] == t) & (!relu_input | (b[ci] > 0.f));  // no branches: see above
              const uint32_t keep = static_cast<uint32_t>(-static_cast<int32_t>(kept));
              uint32_t bits;
              std::memcpy(&bits, grad + ci, sizeof bits);
              bits &= keep;
              std::memcpy(d + ci, &bits, sizeof bits);
            }
          }
        } else {
          for (int64_t ci = 0; ci < c; ++ci) {
            if (arg[ci] >= 0 && (!relu_input || b[ci] > 0.f)) dxn[tap_pixel[static_cast<size_t>(arg[ci])] + ci] += grad[ci];
          }
        }
      }
    }
  }
}

void max_pool(const float* x, float* y, const Pool2DGeometry& g) {
  const int64_t c = g.channels;
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* xn = x + n * g.in_h * g.in_w * c;
    float* yn = y + n * g.out_h * g.out_w * c;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        float* __restrict out = yn + (oh * g.out_w + ow) * c;
        for (int64_t ci = 0; ci < c; ++ci) out[ci] = -std::numeric_limits<float>::infinity();
        for (int64_t fh = 0; fh < g.filter_h; ++fh) {
          const int64_t ih = oh * g.stride_h - g.pad_top + fh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int64_t fw = 0; fw < g.filter_w; ++fw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + fw;
            if (iw < 0 || iw >= g.in_w) continue;
            const float* __restrict v = xn + (ih * g.in_w + iw) * c;
            for (int64_t ci = 0; ci < c; ++ci) out[ci] = v[ci] > out[ci] ? v[ci] : out[ci];
          }
        }
      }
    }
  }
}

}  // namespace isbench
