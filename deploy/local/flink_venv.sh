#!/usr/bin/env bash
# The Python environment of everything that runs on Flink: the submitter of
# `python -m pipelines.run --runner=FlinkRunner`, its LOOPBACK workers and the worker pool of
# deploy/local/flink.sh. It holds the project (editable, so code changes need no reinstall)
# with apache-beam at FLINK_BEAM_VERSION of deploy/versions.env, the release of the Flink job
# server; the project's own .venv keeps BEAM_VERSION for development and the DirectRunner.
#
#   deploy/local/flink_venv.sh     create or update the venv (first time about a minute),
#                                  print its python's path; a no-op when up to date
#
# Environment:
#   FLINK_CACHE        where the venv lives (default <repo>/.cache/flink; the venv is venv/)
#   FLINK_VENV_PYTHON  interpreter the venv is made from (default python3.11)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/flink-env.sh"

VENV=$CACHE/venv
BASE_PYTHON=${FLINK_VENV_PYTHON:-python3.11}
# The venv is rebuilt when the Beam release or the project's dependencies change.
STAMP_WANTED="apache-beam==$FLINK_BEAM_VERSION $(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
STAMP=$VENV/.installed

die() {
    echo "flink_venv.sh: error: $*" >&2
    exit 1
}

if [[ -x "$VENV/bin/python" && "$(cat "$STAMP" 2>/dev/null)" == "$STAMP_WANTED" ]]; then
    echo "$VENV/bin/python"
    exit 0
fi
command -v "$BASE_PYTHON" >/dev/null || die "$BASE_PYTHON not found (set FLINK_VENV_PYTHON)"
echo "flink_venv.sh: installing the project with apache-beam $FLINK_BEAM_VERSION into $VENV" >&2
mkdir -p "$CACHE"
rm -f "$STAMP"
"$BASE_PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
"$VENV/bin/python" -m pip install --quiet -e "$ROOT" "apache-beam==$FLINK_BEAM_VERSION" >&2
installed=$("$VENV/bin/python" -c 'import apache_beam, pipelines; print(apache_beam.__version__)')
[[ "$installed" == "$FLINK_BEAM_VERSION" ]] ||
    die "the venv has apache-beam $installed, expected $FLINK_BEAM_VERSION"
echo "$STAMP_WANTED" >"$STAMP"
echo "$VENV/bin/python"
