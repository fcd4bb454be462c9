#!/usr/bin/env bash
# Installs the Debian packages Tandem needs to build, test and benchmark,
# skipping the update and install when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libluajit-5.1-dev libasio-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcpp-httplib-dev libcli11-dev
  sip-tester curl python3 procps
)
# Extra groups: "bench" adds the reference server the load runs compare against,
# "phones" the real user agents used by the end-to-end tests.
for group in "$@"; do
  case "$group" in
    bench) packages+=(kamailio) ;;
    phones) packages+=(baresip-core linphone-cli) ;;
    *) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
