// The matrix product every kernel uses: CBLAS sgemm, split across the addon's thread pool.
#pragma once

#include <cstdint>
#include <functional>

namespace isbench {

// C = op(A) op(B) + beta C, row-major, op transposing when asked; C is m x n with leading
// dimension ldc. With OpenBLAS the product is cut into row or column blocks, one per pool thread,
// each a single-threaded sgemm; other BLASes thread it themselves.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// Called on each block of C right after the thread that computed it (rows [r0, r1), columns
// [c0, c1)), while the block is still in that thread's cache: epilogues and fused updates.
using GemmBlockFn = std::function<void(int64_t r0, int64_t r1, int64_t c0, int64_t c1)>;

// gemm(), then `then` on every block of C it was cut into (the whole of C when it was not cut).
void gemm_then(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmBlockFn& then);

// OpenBLAS's own threaded sgemm, untouched: the reference the engine benchmark measures against.
void reference_sgemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const float* a,
                     const float* b, float* c);

}  // namespace isbench
