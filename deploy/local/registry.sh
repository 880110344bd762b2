#!/usr/bin/env bash
# Apicurio Registry (in-memory storage) on 127.0.0.1 for the schema registry tests: its
# Confluent-compatible API is http://127.0.0.1:REGISTRY_PORT/apis/ccompat/v7. Built once from
# Maven Central with deploy/local/registry/pom.xml (no distribution, no Docker).
#
#   deploy/local/registry.sh start    build (first time), start, wait until it answers
#   deploy/local/registry.sh stop     stop it (its schemas are in memory: they go)
#   deploy/local/registry.sh status   exit 0 when running, 3 when not
#
# Environment:
#   REGISTRY_PORT           HTTP port (default 8781)
#   REGISTRY_CACHE_DIR      build, pid and log files (default <repo>/.cache/registry)
#   REGISTRY_HEAP_OPTS      JVM heap flags (default -Xms128m -Xmx512m)
#   REGISTRY_START_TIMEOUT  seconds to wait for it to answer (default 180)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../versions.env
source "$ROOT/deploy/versions.env"
CONF="$HERE/registry"
PORT="${REGISTRY_PORT:-8781}"
CACHE="${REGISTRY_CACHE_DIR:-$ROOT/.cache/registry}"
BUILD="$CACHE/build"
RUN="$CACHE/registry-$PORT"
PID_FILE="$RUN/registry.pid"
LOG_FILE="$RUN/registry.log"
HEAP_OPTS="${REGISTRY_HEAP_OPTS:--Xms128m -Xmx512m}"
START_TIMEOUT="${REGISTRY_START_TIMEOUT:-180}"
API="http://127.0.0.1:$PORT/apis/ccompat/v7"

say() { echo "registry.sh: $*"; }
die() {
    echo "registry.sh: error: $*" >&2
    exit 1
}

# The pid of our running registry, or nothing (a stale pid file counts as not running).
registry_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -- "-Dquarkus.http.port=$PORT " >/dev/null; then
        echo "$pid"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

answers() {
    curl -fsS -o /dev/null --max-time 5 "$API/subjects" 2>/dev/null
}

# Build the application once per POM and versions; the stamp says which build is there.
build() {
    local stamp runner="$BUILD/apicurio-registry-local-1-runner.jar"
    stamp="$(cat "$CONF/pom.xml" "$CONF/src/main/resources/application.properties" "$ROOT/deploy/versions.env" |
        sha256sum | cut -c1-16)"
    if [[ -f "$BUILD/.stamp-$stamp" && -f "$runner" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn (Apache Maven) is needed to build the registry"
    say "building Apicurio Registry $APICURIO_VERSION (Quarkus $APICURIO_QUARKUS_VERSION) into $BUILD"
    mkdir -p "$CACHE"
    rm -rf "$BUILD"
    if ! mvn -q -B -f "$CONF/pom.xml" package -DskipTests \
        "-Dapicurio.version=$APICURIO_VERSION" "-Dquarkus.version=$APICURIO_QUARKUS_VERSION" \
        "-Dregistry.build=$BUILD" >"$CACHE/mvn.log" 2>&1; then
        die "mvn could not build the registry; see $CACHE/mvn.log"
    fi
    [[ -f "$runner" ]] || die "the build made no $runner; see $CACHE/mvn.log"
    touch "$BUILD/.stamp-$stamp"
}

start() {
    local pid
    pid="$(registry_pid)"
    if [[ -n "$pid" ]]; then
        say "already running at $API (pid $pid)"
        return 0
    fi
    command -v java >/dev/null || die "java (17 or later) is needed to run the registry"
    command -v curl >/dev/null || die "curl is needed to see that the registry answers"
    port_in_use "$PORT" && die "port $PORT is already in use by another program; set REGISTRY_PORT to a free one"
    build
    mkdir -p "$RUN"
    local heap began=$SECONDS
    read -ra heap <<<"$HEAP_OPTS"
    # setsid: the registry outlives this shell and is not hit by its terminal's signals.
    setsid java "${heap[@]}" -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$PORT" \
        -jar "$BUILD/apicurio-registry-local-1-runner.jar" >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "starting on 127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
    while ((SECONDS - began < START_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            tail -n 20 "$LOG_FILE" >&2 || true
            die "the registry exited during start; see $LOG_FILE"
        fi
        if answers; then
            say "ready at $API after $((SECONDS - began)) s"
            return 0
        fi
        sleep 1
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    die "the registry did not answer within $START_TIMEOUT s; see $LOG_FILE"
}

stop() {
    local pid
    pid="$(registry_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        say "not running (port $PORT)"
        return 0
    fi
    say "stopping (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 60); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            say "stopped"
            return 0
        fi
        sleep 0.5
    done
    say "no clean shutdown within 30 s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
}

status() {
    local pid
    pid="$(registry_pid)"
    if [[ -n "$pid" ]]; then
        say "running at $API (pid $pid, log $LOG_FILE)"
        return 0
    fi
    say "not running (port $PORT)"
    return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
    echo "usage: $0 {start|stop|status}" >&2
    exit 2
    ;;
esac
