// One place that decides which CBLAS the addon links: Accelerate on macOS, OpenBLAS elsewhere.
// binding.gyp defines IS_BENCH_ACCELERATE or IS_BENCH_OPENBLAS.
#pragma once

#include <string>

#if defined(IS_BENCH_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

struct BlasInfo {
  std::string name;  // e.g. "OpenBLAS 0.3.21"
  int threads;       // threads the BLAS will use for one call; 0 when it cannot tell
};

BlasInfo blas_info();
