# Shared settings for deploy/local/flink.sh and job_server.sh (sourced, not run). BEAM_VERSION
# may be set to override the pin read from pyproject.toml.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../versions.env
source "$ROOT/deploy/versions.env"
FLINK_MINOR=${FLINK_VERSION%.*}
BEAM_VERSION=${BEAM_VERSION:-$(sed -n 's/^[[:space:]]*"apache-beam==\([0-9.]*\)".*/\1/p' "$ROOT/pyproject.toml")}
[ -n "$BEAM_VERSION" ] || { echo "no apache-beam==X pin in $ROOT/pyproject.toml" >&2; exit 1; }
CACHE=${FLINK_CACHE:-$ROOT/.cache/flink}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
