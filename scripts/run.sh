#!/usr/bin/env bash
# Installs what is missing, builds Tandem (release) and starts it with the
# bundled default script. Until the server binary exists this runs the
# tandem-parse tool on an example message instead, and says how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
./scripts/build.sh release

if [ -x build/release/src/app/tandem ]; then
  exec build/release/src/app/tandem "$@"
fi

parse=build/release/tools/tandem-parse
echo "The tandem server is not built yet; running tandem-parse on examples/messages/invite.sip:"
echo
"$parse" examples/messages/invite.sip
echo
echo "tandem-parse reads a SIP message (or an SDP body with --sdp) from a file or standard"
echo "input, prints its structure as JSON and exits 0 if it is valid, 1 with the reason if not:"
echo "  $parse FILE        $parse --sdp FILE        ... | $parse"
