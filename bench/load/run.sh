#!/usr/bin/env bash
# Load benchmark of Tandem against Kamailio on this machine (see README.md).
# Builds the release tandem binary if it is missing, then runs bench.py,
# which prints a table and the Tandem/Kamailio ratios. Bounded: under ten
# minutes, loopback only. Options are bench.py's (./run.sh --help).
#   TANDEM_BIN  the tandem binary to measure (default build/release/src/app/tandem)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

bin=${TANDEM_BIN:-$repo/build/release/src/app/tandem}
if [ ! -x "$bin" ] && [ -z "${TANDEM_BIN:-}" ]; then
  echo "run.sh: building the release tandem binary first"
  if [ -f "$repo/build/release/build.ninja" ]; then
    cmake --build "$repo/build/release" --target tandem
  else
    "$repo/scripts/build.sh" release tandem
  fi
fi
for tool in sipp kamailio python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
exec python3 "$here/bench.py" --tandem "$bin" "$@"
