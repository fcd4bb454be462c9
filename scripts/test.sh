#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs the unit
# tests (release and ASan+UBSan builds), then every fuzz target for a bounded
# time. Ends with one line "N passed, N failed".
#   FUZZ_SECONDS  seconds per fuzz target (default 45; 0 skips fuzzing)
set -uo pipefail
cd "$(dirname "$0")/.."

# "phones": baresip for the end-to-end call-control test (integration.callops_baresip).
./scripts/deps.sh phones || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failures=()

# Runs ctest in one build tree (optionally only the tests matching a regular
# expression) and adds its counts to the totals.
run_ctest() {
  local flavour=$1
  local filter=${2:-}
  local log="build/$flavour/ctest.log"
  local select=()
  [ -n "$filter" ] && select=(-R "$filter")
  ctest --test-dir "build/$flavour" --output-on-failure -j "$(nproc)" --timeout 600 "${select[@]}" >"$log" 2>&1
  cat "$log" | tail -n 40
  local line total fails
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1)); failures+=("$flavour: ctest printed no result"); return
  fi
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + total - fails))
  failed=$((failed + fails))
  [ "$fails" -eq 0 ] || failures+=("$flavour: $fails unit/integration tests failed")
}

stage() {
  local flavour=$1
  echo "=== build $flavour"
  if ! ./scripts/build.sh "$@"; then
    failed=$((failed + 1)); failures+=("$flavour: build failed"); return 1
  fi
}

stage release && run_ctest release
stage asan && run_ctest asan
# ThreadSanitizer on the threaded paths: the socket transport, the
# transaction layer, and the real binary with two workers.
stage tsan tandem transport_tests txn_tests &&
  run_ctest tsan '^(transport\.|txn\.|integration\.workers2\.)'

fuzz_seconds=${FUZZ_SECONDS:-45}
if [ "$fuzz_seconds" -gt 0 ] && stage fuzz; then
  for target in build/fuzz/fuzz/fuzz_*; do
    [ -x "$target" ] || continue
    name=$(basename "$target")
    corpora=()
    [ -d "fuzz/corpus/${name#fuzz_}" ] && corpora+=("fuzz/corpus/${name#fuzz_}")
    # Whole SIP messages also seed the message and stream fuzzers.
    case "$name" in fuzz_sip | fuzz_framer) corpora+=(tests/data/rfc4475) ;; esac
    work=$(mktemp -d)
    echo "=== $name for ${fuzz_seconds}s"
    if "$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$work/" -print_final_stats=0 "$work" "${corpora[@]}" >"$work/log" 2>&1; then
      passed=$((passed + 1))
      grep -E '^#[0-9]+.*DONE' "$work/log" | tail -n 1
    else
      failed=$((failed + 1)); failures+=("$name failed: a crash or a start-up error (see its log above)")
      tail -n 40 "$work/log"
      mkdir -p fuzz/artifacts && cp "$work"/crash-* "$work"/timeout-* "$work"/oom-* fuzz/artifacts/ 2>/dev/null
    fi
    rm -rf "$work"
  done
fi

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
