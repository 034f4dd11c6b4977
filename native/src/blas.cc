#include "blas.h"

#include <cstdlib>
#include <thread>

#if defined(IS_BENCH_OPENBLAS)
#include <openblas_config.h>
// Declared here too in case the cblas.h found is not OpenBLAS's own.
extern "C" int openblas_get_num_threads(void);
#endif

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(' ');
  return s.substr(first, last - first + 1);
}

BlasInfo detect() {
#if defined(IS_BENCH_OPENBLAS)
  // OpenBLAS reads OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) when the library loads, so the
  // thread count reported here already honours the environment.
  return BlasInfo{trim(OPENBLAS_VERSION), openblas_get_num_threads()};
#elif defined(IS_BENCH_ACCELERATE)
  const char* env = std::getenv("VECLIB_MAXIMUM_THREADS");
  const int threads = env != nullptr ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
  return BlasInfo{"Accelerate", threads};
#else
  return BlasInfo{"CBLAS", 0};
#endif
}

}  // namespace

BlasInfo blas_info() {
  // Recorded once, before gemm.cc makes OpenBLAS single-threaded: the count it started with.
  static const BlasInfo info = detect();
  return info;
}
