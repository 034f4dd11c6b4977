// One set of worker threads for every parallel loop of the addon, the matrix products included.
//
// With OpenBLAS threading its own products, its worker polled for work after each call while the
// elementwise kernels started threads of their own, and the two fought over the same cores: in a
// training step the MNIST MLP's products ran markedly slower than back to back (docs/engine.md). Here the products
// run single-threaded inside OpenBLAS, split across these workers (see gemm.h), and every parallel
// loop shares them.
#pragma once

#include <cstdint>
#include <functional>

namespace isbench {

// Threads used by parallel loops, the caller included (at least 1).
int pool_threads();

// Runs task(part) for every part in [0, parts), part 0 on the calling thread, and returns when all
// are done. Nested or concurrent calls (another JavaScript thread) run their parts one after the other.
void pool_run(int parts, const std::function<void(int)>& task);

// While alive, idle workers poll for the next job instead of sleeping: for a caller about to run
// many short jobs back to back (a planned step). Holds nest.
class PoolHold {
 public:
  PoolHold();
  ~PoolHold();
  PoolHold(const PoolHold&) = delete;
  PoolHold& operator=(const PoolHold&) = delete;
};

// Runs body(begin, end) over [0, n) in up to pool_threads() contiguous chunks of at least
// min_per_part elements each (one chunk, on the caller, when n is smaller).
void parallel_range(int64_t n, int64_t min_per_part, const std::function<void(int64_t, int64_t)>& body);

}  // namespace isbench
