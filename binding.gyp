# Optional native kernels for tfjs's wasm backend. Built by scripts/build-native.js (the package's
# install script), which probes for a C++ compiler and a CBLAS first and passes the variables below.
{
  "variables": {
    "cblas_include_dir%": "",
    "cblas_lib_dir%": "",
  },
  "targets": [
    {
      "target_name": "is_bench_native",
      "sources": [
        "native/src/addon.cc", "native/src/blas.cc", "native/src/gemm.cc", "native/src/kernels.cc", "native/src/loss.cc",
        "native/src/optimizers.cc", "native/src/plan_binding.cc", "native/src/step_plan.cc", "native/src/thread_pool.cc",
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno"],
      "conditions": [
        ["OS=='mac'", {
          "defines": ["IS_BENCH_ACCELERATE"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
          },
        }, {
          "defines": ["IS_BENCH_OPENBLAS"],
          "libraries": ["-lopenblas"],
        }],
        ["cblas_include_dir!=''", {"include_dirs": ["<(cblas_include_dir)"]}],
        ["cblas_lib_dir!=''", {"libraries": ["-L<(cblas_lib_dir)", "-Wl,-rpath,<(cblas_lib_dir)"]}],
      ],
    },
  ],
}
