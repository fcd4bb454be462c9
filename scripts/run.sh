#!/usr/bin/env bash
# Installs what is missing, builds the tandem server (release; nothing else:
# no tests, no tools, no benchmarks) and starts it with the bundled default
# script. Arguments go to tandem (e.g. -c my.lua, --check, --help).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
./scripts/build.sh release tandem
exec build/release/src/app/tandem "$@"
