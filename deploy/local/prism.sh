#!/usr/bin/env bash
# Builds Apache Beam's Prism runner (a Go program) at the pinned Beam version, for streaming
# runs on DirectRunner. Beam 2.77's DirectRunner hands streaming pipelines to Prism and
# normally downloads its binary from GitHub releases at run time; where that is not reachable
# it falls back to an older in-process runner whose Flatten drops elements in streaming. This
# script builds the same binary from the Go module proxy instead.
#
#   deploy/local/prism.sh          build once into .cache/prism/ (about 2-3 minutes), print its path
#
# Environment: PRISM_CACHE_DIR (default <repo>/.cache/prism), BEAM_VERSION (default: the one
# in deploy/versions.env). Needs Go 1.22 or newer.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BEAM_VERSION="${BEAM_VERSION:-$(sed -n 's/^BEAM_VERSION=//p' "$ROOT/deploy/versions.env")}"
CACHE="${PRISM_CACHE_DIR:-$ROOT/.cache/prism}"
BIN="$CACHE/prism"
STAMP="$CACHE/version"

die() {
    echo "prism.sh: error: $*" >&2
    exit 1
}

[ -n "$BEAM_VERSION" ] || die "no BEAM_VERSION in $ROOT/deploy/versions.env"
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BEAM_VERSION" ]; then
    echo "$BIN"
    exit 0
fi
command -v go >/dev/null || die "Go is needed to build Prism (https://go.dev/doc/install)"
mkdir -p "$CACHE"
echo "prism.sh: building Prism $BEAM_VERSION from the Go module proxy into $CACHE" >&2
GOBIN="$CACHE" go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION" >&2 \
    || die "go install of Prism $BEAM_VERSION failed"
echo "$BEAM_VERSION" >"$STAMP"
echo "$BIN"
