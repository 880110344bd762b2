#!/usr/bin/env bash
# Builds, once, the Beam Flink job-server jar for FLINK_BEAM_VERSION and the Flink minor
# version of deploy/versions.env, from Maven Central artifacts (see
# deploy/local/job-server/pom.xml). Links it into Beam's jar cache, where
# `--runner=FlinkRunner` finds it without --flink_job_server_jar, and prints its path.
set -euo pipefail
source "$(dirname "$0")/flink-env.sh"

NAME=beam-runners-flink-$FLINK_MINOR-job-server-$FLINK_BEAM_VERSION.jar
JAR=$CACHE/$NAME
BEAM_JAR_CACHE=${BEAM_JAR_CACHE:-$HOME/.apache_beam/cache/jars}

if [ ! -s "$JAR" ]; then
  build=$(mktemp -d "${TMPDIR:-/tmp}/job-server-build.XXXXXX")
  trap 'rm -rf "$build"' EXIT
  cp "$ROOT/deploy/local/job-server/pom.xml" "$build/"
  echo "building $NAME with Maven (first run only)" >&2
  mvn -B -q -Dstyle.color=never -f "$build/pom.xml" package \
    -Dbeam.version="$FLINK_BEAM_VERSION" -Dflink.minor="$FLINK_MINOR" >&2
  mkdir -p "$CACHE"
  mv "$build/target/$NAME" "$JAR.tmp"
  mv "$JAR.tmp" "$JAR"
fi
mkdir -p "$BEAM_JAR_CACHE"
ln -sf "$JAR" "$BEAM_JAR_CACHE/$NAME"
echo "$JAR"
