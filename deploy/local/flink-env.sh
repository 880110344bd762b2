# Shared settings of the Flink scripts in deploy/local/ (sourced, not run). Versions come from
# deploy/versions.env only: FLINK_BEAM_VERSION (Python SDK and job server) and FLINK_VERSION.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../versions.env
source "$ROOT/deploy/versions.env"
[ -n "${FLINK_BEAM_VERSION:-}" ] && [ -n "${FLINK_VERSION:-}" ] ||
    { echo "FLINK_BEAM_VERSION and FLINK_VERSION must be set in $ROOT/deploy/versions.env" >&2; exit 1; }
FLINK_MINOR=${FLINK_VERSION%.*}
CACHE=${FLINK_CACHE:-$ROOT/.cache/flink}
