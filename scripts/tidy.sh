#!/usr/bin/env bash
# Runs clang-tidy (the project's .clang-tidy) over every source file of src/
# and tools/, using the release build's compile commands. Prints the
# warnings and exits 1 when there is any. Slow (about 10 s a file): run it
# by hand before a review, not in the test suite.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f build/release/compile_commands.json ] || ./scripts/build.sh release >/dev/null
files=$(git ls-files 'src/*.cc' 'tools/*.cc')
out=$(printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet 2>/dev/null |
  grep -E 'warning:|error:' | sort -u)
if [ -n "$out" ]; then
  echo "$out"
  echo "clang-tidy: $(wc -l <<<"$out") warnings"
  exit 1
fi
echo "clang-tidy: clean"
