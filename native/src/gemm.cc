#include "gemm.h"

#include <algorithm>

#include "blas.h"
#include "thread_pool.h"

#if defined(IS_BENCH_OPENBLAS)
extern "C" void openblas_set_num_threads(int);
#endif

namespace isbench {

namespace {

inline CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans(ta), trans(tb), static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.f, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

#if defined(IS_BENCH_OPENBLAS)
// Products below this many flops run whole on the caller: splitting them costs more than it saves.
constexpr double kMinSplitFlops = 4e6;
// Blocks are whole multiples of this many rows or columns (OpenBLAS's register-block sizes divide it).
constexpr int64_t kBlockAlign = 32;

// Makes OpenBLAS compute on the calling thread only, once; the pool provides the parallelism.
bool openblas_single_threaded() {
  static const bool done = [] {
    blas_info();  // records the thread count OpenBLAS was started with first
    openblas_set_num_threads(1);
    return true;
  }();
  return done;
}
#endif

}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_then(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc, nullptr);
}

void gemm_then(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
               int64_t ldb, float beta, float* c, int64_t ldc, const GemmBlockFn& then) {
#if defined(IS_BENCH_OPENBLAS)
  openblas_single_threaded();
  const int threads = pool_threads();
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  const int64_t parts = std::min<int64_t>(threads, extent / kBlockAlign);
  if (parts > 1 && 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= kMinSplitFlops) {
    const int64_t block = (extent / parts + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
    pool_run(static_cast<int>(parts), [&](int p) {
      const int64_t begin = p * block, end = std::min(extent, begin + block);
      if (begin >= end) return;
      if (split_rows) {
        // Rows of C come from rows of op(A): rows of A, or columns when A is transposed.
        sgemm(ta, tb, end - begin, n, k, ta ? a + begin : a + begin * lda, lda, b, ldb, beta, c + begin * ldc, ldc);
        if (then) then(begin, end, 0, n);
      } else {
        // Columns of C come from columns of op(B): columns of B, or rows when B is transposed.
        sgemm(ta, tb, m, end - begin, k, a, lda, tb ? b + begin * ldb : b + begin, ldb, beta, c + begin, ldc);
        if (then) then(0, m, begin, end);
      }
    });
    return;
  }
#endif
  sgemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
  if (then) then(0, m, 0, n);
}

void reference_sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
#if defined(IS_BENCH_OPENBLAS)
  openblas_single_threaded();
  openblas_set_num_threads(blas_info().threads);
#endif
  sgemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0.f, c, n);
#if defined(IS_BENCH_OPENBLAS)
  openblas_set_num_threads(1);
#endif
}

}  // namespace isbench
