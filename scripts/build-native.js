#!/usr/bin/env node
// Builds the optional native kernels (binding.gyp -> build/Release/is_bench_native.node).
//
// This is the package's `install` script, so it must never fail an install: whatever goes wrong
// (no compiler, no CBLAS, no node headers, a compile error) it prints one line and exits 0, and
// training falls back to tfjs's stock wasm/cpu kernels. Plain JavaScript on purpose: it runs
// before anything is compiled.
//
// Any way of not building also removes an addon left by an earlier build, so a run never loads
// kernels built from other sources.
//
// Environment:
//   IS_BENCH_NATIVE_BUILD=0   skip the build
//   CBLAS_INCLUDE_DIR=<dir>   use the cblas.h in <dir> (none there: no build); default: the
//                             compiler's paths, then common OpenBLAS include dirs
//   CBLAS_LIB_DIR=<dir>       extra library directory for libopenblas
//   CXX                       C++ compiler (default: c++, g++ or clang++ from PATH)
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, 'build');
const ADDON = path.join(BUILD_DIR, 'Release', 'is_bench_native.node');
const LOG = path.join(BUILD_DIR, 'native-build.log');
const PREFIX = 'is-bench:';
const FALLBACK = 'training will use the stock tfjs wasm/cpu kernels';

/** Prints the one line this script is allowed and exits successfully. */
function finish(message) {
  console.log(`${PREFIX} ${message}`);
  process.exit(0);
}

/** Like finish, for every way of not building: an addon left from an earlier build goes too. */
function skip(message) {
  try {
    fs.rmSync(ADDON, { force: true });
  } catch {
    // Nothing to remove, or not removable: the loader's version check still guards a stale one.
  }
  finish(message);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return {
    ok: result.status === 0 && !result.error,
    output: `${result.stdout || ''}${result.stderr || ''}${result.error ? String(result.error) : ''}`,
  };
}

function onPath(command) {
  return run(process.platform === 'win32' ? 'where' : 'which', [command]).ok;
}

function findCompiler() {
  if (process.env.CXX) return onPath(process.env.CXX.split(' ')[0]) ? process.env.CXX : null;
  return ['c++', 'g++', 'clang++'].find(onPath) || null;
}

/** Compiles and links a program calling cblas_sgemm; returns the gyp variables that made it work. */
function probeBlas(cxx) {
  const isMac = process.platform === 'darwin';
  const program = isMac
    ? '#include <Accelerate/Accelerate.h>\n'
    : '#include <cblas.h>\n#include <openblas_config.h>\n';
  const source = `${program}int main() { float a = 1, b = 1, c = 0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.f, &a, 1, &b, 1, 0.f, &c, 1);
    return c == 1.f ? 0 : 1; }\n`;
  const explicitDir = process.env.CBLAS_INCLUDE_DIR;
  // An explicit directory must hold the header; the compiler's own paths are not searched then.
  if (!isMac && explicitDir && !fs.existsSync(path.join(explicitDir, 'cblas.h'))) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'is-bench-blas-'));
  const file = path.join(dir, 'probe.cc');
  fs.writeFileSync(file, source);
  const libDir = process.env.CBLAS_LIB_DIR || '';
  const includeDirs = explicitDir
    ? [explicitDir]
    : ['', '/usr/include/openblas', '/usr/local/include/openblas', '/opt/homebrew/opt/openblas/include'];
  try {
    for (const includeDir of includeDirs) {
      const args = [file, '-o', path.join(dir, 'probe')];
      if (includeDir) args.push(`-I${includeDir}`);
      if (libDir) args.push(`-L${libDir}`);
      args.push(...(isMac ? ['-framework', 'Accelerate'] : ['-lopenblas']));
      const [command, ...prefixArgs] = cxx.split(' ');
      if (run(command, [...prefixArgs, ...args]).ok) return { includeDir, libDir };
    }
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** npm sets npm_config_node_gyp for lifecycle scripts; otherwise use the node-gyp bundled with npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const candidate of candidates) if (candidate && fs.existsSync(candidate)) return candidate;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

/** Node's own headers when they sit next to the binary, so node-gyp needs no download. */
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function writeLog(text) {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  fs.writeFileSync(LOG, text);
}

function main() {
  if (process.env.IS_BENCH_NATIVE_BUILD === '0') skip(`native kernels not built (IS_BENCH_NATIVE_BUILD=0); ${FALLBACK}`);
  try {
    require.resolve('node-addon-api');
  } catch {
    skip(`native kernels not built (node-addon-api is not installed); ${FALLBACK}`);
  }
  const cxx = findCompiler();
  if (!cxx) skip(`native kernels not built (no C++ compiler found); ${FALLBACK}`);
  const blas = probeBlas(cxx);
  if (!blas) {
    const hint = process.env.CBLAS_INCLUDE_DIR
      ? `no usable cblas.h in CBLAS_INCLUDE_DIR=${process.env.CBLAS_INCLUDE_DIR}`
      : `no CBLAS found: install ${process.platform === 'darwin' ? 'Accelerate' : 'OpenBLAS (apt-get install libopenblas-dev)'}`;
    skip(`native kernels not built (${hint}); ${FALLBACK}`);
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) skip(`native kernels not built (node-gyp not found); ${FALLBACK}`);

  const gypArgs = [nodeGyp, 'rebuild', ...nodeDirArgs(), '--', `-Dcblas_include_dir=${blas.includeDir}`, `-Dcblas_lib_dir=${blas.libDir}`];
  const build = run(process.execPath, gypArgs, { cwd: ROOT, env: { ...process.env, CXX: cxx } });
  writeLog(`$ node ${gypArgs.join(' ')}\n${build.output}`);
  if (!build.ok || !fs.existsSync(ADDON)) skip(`native kernels failed to build (see ${path.relative(ROOT, LOG)}); ${FALLBACK}`);

  // Load it in a child process: a missing shared library shows up only at load time.
  const check = run(process.execPath, ['-e', `const i = require(${JSON.stringify(ADDON)}).info(); console.log(i.blas + ', ' + i.threads + ' threads')`]);
  if (!check.ok) {
    fs.appendFileSync(LOG, `\n$ load check\n${check.output}`);
    skip(`native kernels built but do not load (see ${path.relative(ROOT, LOG)}); ${FALLBACK}`);
  }
  finish(`native kernels built (${check.output.trim()}) -> ${path.relative(ROOT, ADDON)}`);
}

try {
  main();
} catch (error) {
  skip(`native kernels not built (${error && error.message ? error.message.split('\n')[0] : error}); ${FALLBACK}`);
}
