#!/usr/bin/env bash
# Configures and builds one flavour of Tandem into build/<flavour>.
#   release  optimised, with tests (the default)
#   asan     ASan+UBSan, with tests, built with clang (so clang builds it all)
#   tsan     ThreadSanitizer, with tests
#   fuzz     clang + libFuzzer: only the fuzz targets
#   bench    optimised, with the Google Benchmark programs of bench/ and
#            no tests (build/bench/bench/bench_sip ...)
# Further arguments name the targets to build (default: all; for fuzz, the
# fuzz targets).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
shift || true
targets=()
for target in "$@"; do targets+=(--target "$target"); done
jobs=${JOBS:-$(nproc)}
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release -DTANDEM_BENCH=OFF) ;;
  bench) args=(-DCMAKE_BUILD_TYPE=Release -DTANDEM_BENCH=ON -DTANDEM_TESTS=OFF) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=address -DCMAKE_CXX_COMPILER=clang++) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_SANITIZE=thread) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_FUZZ=ON -DTANDEM_TESTS=OFF
              -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac
# The fuzz flavour builds the fuzz targets and the libraries they link, not
# the server, the tools or the tests.
if [ "$flavour" = fuzz ] && [ ${#targets[@]} -eq 0 ]; then
  targets=(--target fuzz_targets)
fi

cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$jobs" "${targets[@]}"
