#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker + controller) on 127.0.0.1 for
# development and tests, built from Maven Central jars (no distribution tarball, no Docker).
#
#   deploy/local/kafka.sh start     fetch jars (first time), format storage (first time), start,
#                                   wait until the broker is ready
#   deploy/local/kafka.sh stop      stop the broker (data is kept)
#   deploy/local/kafka.sh restart   stop, then start
#   deploy/local/kafka.sh status    exit 0 when running, 3 when not
#
# Environment:
#   KAFKA_PORT             client port (default 9092); the controller uses KAFKA_PORT + 1
#   KAFKA_CONTROLLER_PORT  controller port (default KAFKA_PORT + 1)
#   KAFKA_CACHE_DIR        jars, data, pid and log files (default <repo>/.cache/kafka)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms256m -Xmx768m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to be ready (default 90)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CONF="$HERE/kafka"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
CACHE="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
LIBS="$CACHE/libs"
RUN="$CACHE/broker-$PORT"
DATA="$RUN/data"
PID_FILE="$RUN/kafka.pid"
LOG_FILE="$RUN/kafka.log"
CONFIG="$RUN/server.properties"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
READY_LINE="Kafka Server started"

say() { echo "kafka.sh: $*"; }
die() {
    echo "kafka.sh: error: $*" >&2
    exit 1
}

# The pid of our running broker, or nothing. A stale pid file (process gone, or the pid reused
# by another program) counts as not running.
broker_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep "kafka.Kafka $CONFIG" >/dev/null; then
        echo "$pid"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Download the broker's classpath once; the POM's checksum marks which POM the jars belong to.
fetch_jars() {
    local stamp
    stamp="$(sha256sum "$CONF/pom.xml" | cut -c1-16)"
    if [[ -f "$LIBS/.pom-$stamp" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn (Apache Maven) is needed to fetch the Kafka jars"
    say "fetching Apache Kafka jars from Maven Central into $LIBS"
    local tmp="$CACHE/libs.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if ! mvn -q -B -f "$CONF/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE/mvn.log" 2>&1; then
        die "mvn could not fetch the jars; see $CACHE/mvn.log"
    fi
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    touch "$LIBS/.pom-$stamp"
}

# The JVM command line shared by the storage tool and the broker.
read -ra HEAP <<<"$HEAP_OPTS"
JAVA=(java "${HEAP[@]}" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$CONF/log4j2.properties" -cp "$LIBS/*")

write_config() {
    mkdir -p "$RUN"
    sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@DATA_DIR@|$DATA|g" "$CONF/server.properties.in" >"$CONFIG"
}

# Format the KRaft storage once (a new cluster id); later starts reuse the data.
format_storage() {
    if [[ -f "$DATA/meta.properties" ]]; then
        return 0
    fi
    local cluster_id
    # The tool's log lines share stdout with the id: keep the line that is an id (22 chars).
    cluster_id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" |
        grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1 || true)"
    [[ -n "$cluster_id" ]] || die "could not create a cluster id; see $LOG_FILE"
    say "formatting KRaft storage in $DATA (cluster $cluster_id)"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" \
        --ignore-formatted >>"$LOG_FILE" 2>&1 ||
        die "could not format the storage; see $LOG_FILE"
}

start() {
    local pid
    pid="$(broker_pid)"
    if [[ -n "$pid" ]]; then
        say "already running on 127.0.0.1:$PORT (pid $pid)"
        return 0
    fi
    command -v java >/dev/null || die "java (17 or later) is needed to run Kafka"
    for p in "$PORT" "$CONTROLLER_PORT"; do
        if port_in_use "$p"; then
            die "port $p is already in use by another program; set KAFKA_PORT (or KAFKA_CONTROLLER_PORT) to a free one"
        fi
    done
    mkdir -p "$CACHE"
    fetch_jars
    write_config
    format_storage

    local began=$SECONDS offset
    offset=$(($(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0) + 1))
    # setsid: the broker outlives this shell and is not hit by its terminal's signals.
    setsid "${JAVA[@]}" kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "starting broker on 127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
    while ((SECONDS - began < START_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            tail -n 20 "$LOG_FILE" >&2 || true
            die "the broker exited during start; see $LOG_FILE"
        fi
        if tail -c +"$offset" "$LOG_FILE" | grep "$READY_LINE" >/dev/null && port_in_use "$PORT"; then
            say "ready on 127.0.0.1:$PORT after $((SECONDS - began)) s"
            return 0
        fi
        sleep 0.5
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    die "the broker was not ready within $START_TIMEOUT s; see $LOG_FILE"
}

stop() {
    local pid
    pid="$(broker_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        say "not running (port $PORT)"
        return 0
    fi
    say "stopping broker (pid $pid)"
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
    pid="$(broker_pid)"
    if [[ -n "$pid" ]]; then
        say "running on 127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
        return 0
    fi
    say "not running (port $PORT)"
    return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
restart)
    stop
    start
    ;;
status) status ;;
*)
    echo "usage: $0 {start|stop|restart|status}" >&2
    exit 2
    ;;
esac
