#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs the unit
# and integration tests (release and ASan+UBSan builds), the threaded code
# under ThreadSanitizer, then every fuzz target for a bounded time. Ends with
# one line "N passed, N failed". A test CTest skipped or did not run (a tool
# or binary missing: exit 77) is counted as failed: deps.sh installed every
# tool, so a skip means a broken set-up, not a pass.
#   FUZZ_SECONDS  seconds for all fuzz targets together, shared equally
#                 (default 210; 0 skips fuzzing)
#   TEST_STAGES   the stages to run (default "release asan tsan fuzz")
#   TEST_FILTER   only the CTest tests matching this regular expression,
#                 within each stage's own selection (for trying the script)
# Time budget (docs/testing.md): under 25 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."

# "phones": baresip for the end-to-end call-control test (integration.callops_baresip).
./scripts/deps.sh phones || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failures=()
timings=()

# Runs ctest in one build tree on the tests matching a regular expression
# (all when empty) and adds its counts to the totals. The counts come from
# CTest's JUnit report, one status per test: "run" passed, "fail" failed,
# "notrun" (skipped with exit 77, or its executable missing) and "disabled"
# count as failed.
run_ctest() {
  local flavour=$1
  local filter=${2:-}
  local dir="build/$flavour"
  local log="$dir/ctest.log" junit="$PWD/$dir/ctest.xml"
  local select=()
  [ -n "$filter" ] && select=(-R "$filter")
  rm -f "$junit"
  local start=$SECONDS
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 600 \
    --output-junit "$junit" "${select[@]}" >"$log" 2>&1
  local status=$?
  timings+=("$flavour tests: $((SECONDS - start)) s")
  tail -n 40 "$log"
  local counts
  if ! counts=$(python3 - "$junit" <<'EOF'
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
passed, bad = 0, []
for case in cases:
    status = case.get("status", "")
    if status == "run":
        passed += 1
    else:
        bad.append("%s (%s)" % (case.get("name"), {"fail": "failed", "notrun": "skipped or not run",
                                                  "disabled": "disabled"}.get(status, status or "no status")))
for line in bad:
    print("NOT PASSED: " + line, file=sys.stderr)
print(passed, len(bad))
EOF
  ); then
    failed=$((failed + 1)); failures+=("$flavour: ctest wrote no readable report (see $log)"); return
  fi
  local ok bad
  read -r ok bad <<<"$counts"
  if [ $((ok + bad)) -eq 0 ] && [ -z "${TEST_FILTER:-}" ]; then
    failed=$((failed + 1)); failures+=("$flavour: no test matched '${filter}'"); return
  fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  [ "$bad" -eq 0 ] || failures+=("$flavour: $bad tests failed, were skipped or did not run")
  # The report and CTest's own summary must agree.
  local total
  total=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' "$log" | tail -n 1)
  if [ "${total:-$((ok + bad))}" -ne $((ok + bad)) ] || { [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    failed=$((failed + 1))
    failures+=("$flavour: ctest (exit $status, ${total:-no} tests) disagrees with its report ($((ok + bad)))")
  fi
}

stage() {
  local flavour=$1
  echo "=== build $flavour"
  local start=$SECONDS
  if ! ./scripts/build.sh "$@"; then
    failed=$((failed + 1)); failures+=("$flavour: build failed"); return 1
  fi
  timings+=("$flavour build: $((SECONDS - start)) s")
}

filter=${TEST_FILTER:-}
stages=" ${TEST_STAGES:-release asan tsan fuzz} "
wanted() { [[ $stages == *" $1 "* ]]; }

wanted release && stage release && run_ctest release "$filter"
wanted asan && stage asan && run_ctest asan "$filter"

# ThreadSanitizer on the code that runs on more than one thread: the event
# bus (workers raise, the MI thread subscribes), the MI HTTP server and its
# commands, the local cache shared by workers and MI, call control handing
# transfers and holds between workers, the socket transport and transaction
# layer, and the real binary with two workers (proxy cases, MI with
# tandem-cli, call control). Only these targets are built in this flavour.
tsan_targets=(tandem tandem-cli transport_tests txn_tests events_tests mi_tests script_local_cache_tests
              callops_tests)
tsan_tests='^(transport\.|txn\.|events\.|mi\.|script\.LocalCache|callops\.|integration\.workers2\.(basic_call|tcp_call|cancel|reinvite_bye|max_duration|mi|callops_blind_param|callops_blind_callid|callops_attended|callops_hold_both|callops_notify_timeout)$)'
if wanted tsan && stage tsan "${tsan_targets[@]}"; then
  if [ -n "$filter" ]; then
    # ctest -R takes one expression: list the stage's selection and keep
    # the names that also match the filter.
    tsan_tests=$(ctest --test-dir build/tsan -N -R "$tsan_tests" |
      sed -nE 's/^ *Test +#[0-9]+: (.*)$/\1/p' | grep -E -- "$filter" |
      sed 's/[.]/\\./g; s/.*/^&$/' | paste -sd'|' -)
  fi
  [ -z "$tsan_tests" ] || run_ctest tsan "$tsan_tests"
fi

# Fuzzing: one fixed budget shared by every target, so that adding targets
# does not lengthen the run.
fuzz_budget=${FUZZ_SECONDS:-210}
if wanted fuzz && [ "$fuzz_budget" -gt 0 ] && stage fuzz; then
  targets=()
  for target in build/fuzz/fuzz/fuzz_*; do
    [ -x "$target" ] && targets+=("$target")
  done
  per_target=$((fuzz_budget / (${#targets[@]} > 0 ? ${#targets[@]} : 1)))
  [ "$per_target" -ge 1 ] || per_target=1
  start=$SECONDS
  for target in "${targets[@]}"; do
    name=$(basename "$target")
    corpora=()
    [ -d "fuzz/corpus/${name#fuzz_}" ] && corpora+=("fuzz/corpus/${name#fuzz_}")
    # Whole SIP messages also seed the message, stream and script fuzzers.
    case "$name" in fuzz_sip | fuzz_framer | fuzz_lua_message) corpora+=(tests/data/rfc4475) ;; esac
    work=$(mktemp -d)
    echo "=== $name for ${per_target}s"
    if "$target" -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 \
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
  timings+=("fuzz runs: $((SECONDS - start)) s (${#targets[@]} targets, ${per_target} s each)")
fi

for t in "${timings[@]}"; do echo "TIME: $t"; done
echo "TIME: total $SECONDS s"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
