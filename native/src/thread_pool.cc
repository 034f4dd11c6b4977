#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ISBENCH_PAUSE() _mm_pause()
#else
#define ISBENCH_PAUSE() std::this_thread::yield()
#endif

#include "blas.h"

namespace isbench {

namespace {

class Pool {
 public:
  explicit Pool(int threads) : threads_(std::min(255, std::max(1, threads))) {
    for (int i = 1; i < threads_; ++i) std::thread([this, i] { work(i); }).detach();
  }

  int threads() const { return threads_; }

  void hold() { holds_.fetch_add(1, std::memory_order_relaxed); }
  void release() { holds_.fetch_sub(1, std::memory_order_relaxed); }

  void run(int parts, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (parts <= 1 || !busy.owns_lock() || threads_ == 1) {
      for (int p = 0; p < parts; ++p) task(p);
      return;
    }
    // Parts beyond the workers' count run on the caller after its own.
    const int shared = std::min(parts, threads_);
    task_ = &task;
    remaining_.store(shared - 1, std::memory_order_relaxed);
    // The part count travels in the job word itself, so a worker that sits a job out never reads
    // the count of a later one.
    job_.store(((job_.load(std::memory_order_relaxed) >> 8) + 1) << 8 | static_cast<uint64_t>(shared),
               std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      if (sleepers_ > 0) wake_.notify_all();
    }
    task(0);
    for (int p = shared; p < parts; ++p) task(p);
    // The parts are even, so the others finish about when this one does; past a short poll, yield
    // the core rather than burn it, in case a worker is waiting for it (another process is running).
    for (int spins = 0; remaining_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 4096) ISBENCH_PAUSE();
      else std::this_thread::yield();
    }
  }

 private:
  void work(int index) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t now = job_.load(std::memory_order_acquire);
      // While a caller holds the pool (a planned step, issuing its jobs back to back for a few
      // milliseconds), poll for the next job: waking a sleeping worker costs a futex round trip per
      // job. Past a short poll, yield the core between checks, in case another process needs it.
      for (int spins = 0; now == seen && holds_.load(std::memory_order_relaxed) > 0; ++spins) {
        if (spins < 2048) ISBENCH_PAUSE();
        else std::this_thread::yield();
        now = job_.load(std::memory_order_acquire);
      }
      if (now == seen) {
        // Otherwise idle workers sleep rather than poll: polling gained nothing measurable between a
        // tfjs step's kernels, and on a machine shared with another process a polling worker took
        // the core that process needed (docs/engine.md).
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        ++sleepers_;
        wake_.wait(lock, [&] {
          now = job_.load(std::memory_order_acquire);
          return now != seen || holds_.load(std::memory_order_relaxed) > 0;
        });
        --sleepers_;
        if (now == seen) continue;  // woken by a hold: poll
      }
      seen = now;
      if (index < static_cast<int>(now & 255)) {
        (*task_)(index);
        remaining_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  const int threads_;
  std::mutex run_mutex_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<int> remaining_{0};
  std::atomic<uint64_t> job_{0};  // job number << 8 | its part count
  std::atomic<int> holds_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  int sleepers_ = 0;
};

Pool& pool() {
  // Never destroyed: detached workers may still be waiting on it while the process exits.
  static Pool* instance = new Pool(blas_info().threads);
  return *instance;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void pool_run(int parts, const std::function<void(int)>& task) { pool().run(parts, task); }

PoolHold::PoolHold() { pool().hold(); }
PoolHold::~PoolHold() { pool().release(); }

void parallel_range(int64_t n, int64_t min_per_part, const std::function<void(int64_t, int64_t)>& body) {
  const int64_t parts = std::min<int64_t>(pool_threads(), n / std::max<int64_t>(1, min_per_part));
  if (parts <= 1) {
    body(0, n);
    return;
  }
  const int64_t chunk = (n + parts - 1) / parts;
  pool_run(static_cast<int>(parts), [&](int p) { body(p * chunk, std::min(n, (p + 1) * chunk)); });
}

}  // namespace isbench
