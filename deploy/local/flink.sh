#!/usr/bin/env bash
# A Flink session cluster (one JobManager, one TaskManager) on 127.0.0.1 plus a Beam Python
# worker pool (pipelines/worker_pool.py), the local counterpart of the Kubernetes deployment
# in deploy/k8s/: pipelines are submitted with --environment_type=EXTERNAL --environment_config=localhost:$WORKER_POOL_PORT.
# Flink comes from PyPI (the apache-flink wheel holds bin/ and conf/, the apache-flink-libraries
# sdist holds lib/, opt/ and plugins/), downloaded with `pip download --no-deps` into the cache
# and never installed into a Python environment. The worker pool runs the Flink venv of
# deploy/local/flink_venv.sh (apache-beam FLINK_BEAM_VERSION, the job server's release).
#
#   deploy/local/flink.sh fetch     fetch and assemble Flink and the Flink venv (first time)
#   deploy/local/flink.sh start     fetch, start the cluster and the worker pool, wait until
#                                   both answer
#   deploy/local/flink.sh stop      stop the worker pool and the cluster
#   deploy/local/flink.sh status    print the cluster overview; exit 0 when both run, 3 when not
#   deploy/local/flink.sh pids      print "jobmanager <pid>", "taskmanager <pid>" and
#                                   "worker_pool <pid>" (fault tests, benchmarks)
#
# start also starts a TaskManager again when the cluster runs without one (after a crash).
#
# Environment:
#   FLINK_REST_PORT      REST API and web UI port (default 8081)
#   WORKER_POOL_PORT     Beam worker pool port (default 50000)
#   FLINK_TASK_SLOTS     task slots of the TaskManager (default 2)
#   FLINK_PROMETHEUS_PORTS  port range of the Prometheus reporters (default 9249-9250)
#   FLINK_CACHE          downloads, FLINK_HOME, logs and pid files (default <repo>/.cache/flink)
#   FLINK_START_TIMEOUT  seconds to wait for the cluster and the worker pool (default 180)
#   FLINK_RUNNER_IN_LIB  1: Beam's runner in lib/, parent-first class loading, so that batch
#                        jobs reuse their Python workers (no uber-jar submission); default 0
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/flink-env.sh"

REST_PORT=${FLINK_REST_PORT:-8081}
POOL_PORT=${WORKER_POOL_PORT:-50000}
SLOTS=${FLINK_TASK_SLOTS:-2}
PROMETHEUS_PORTS=${FLINK_PROMETHEUS_PORTS:-9249-9250}
START_TIMEOUT=${FLINK_START_TIMEOUT:-180}
RUNNER_IN_LIB=${FLINK_RUNNER_IN_LIB:-0}
FLINK_HOME=$CACHE/flink-$FLINK_VERSION
RUN=$CACHE/run-$REST_PORT
POOL_PID_FILE=$RUN/worker-pool.pid
# Flink's daemon scripts name their pid files after $USER (empty in some containers).
TM_PID_FILE=$RUN/flink-${USER:-}-taskexecutor.pid
JM_PID_FILE=$RUN/flink-${USER:-}-standalonesession.pid
export FLINK_HOME FLINK_CONF_DIR=$RUN/conf FLINK_LOG_DIR=$RUN/log FLINK_PID_DIR=$RUN

say() { echo "flink.sh: $*"; }
die() {
    echo "flink.sh: error: $*" >&2
    exit 1
}

rest_url() { echo "http://127.0.0.1:$REST_PORT"; }

# Flink's version as its REST API reports it, or nothing when it does not answer.
rest_version() {
    curl -sf --max-time 2 "$(rest_url)/config" 2>/dev/null |
        sed -n 's/.*"flink-version":"\([^"]*\)".*/\1/p' || true
}

# Registered TaskManagers as the REST API reports them (0 when it does not answer).
taskmanagers() {
    curl -sf --max-time 2 "$(rest_url)/overview" 2>/dev/null |
        sed -n 's/.*"taskmanagers":\([0-9]*\).*/\1/p' | grep . || echo 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether process $1 is alive and its command line holds $2 (a pid file may name a pid that
# ended and was reused).
runs() {
    [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep "$2" >/dev/null
}

pool_pid() {
    [[ -f "$POOL_PID_FILE" ]] || return 0
    local pid
    pid=$(cat "$POOL_PID_FILE")
    if runs "$pid" "pipelines.worker_pool"; then echo "$pid"; fi
}

# The running TaskManager's pid, or nothing. Flink's pid file keeps the pids of crashed
# TaskManagers too: they are dropped here.
taskmanager_pid() {
    [[ -f "$TM_PID_FILE" ]] || return 0
    local pid alive=()
    while read -r pid; do
        if runs "$pid" "TaskManagerRunner"; then alive+=("$pid"); fi
    done <"$TM_PID_FILE"
    if ((${#alive[@]})); then
        printf '%s\n' "${alive[@]}" >"$TM_PID_FILE"
        echo "${alive[-1]}"
    else
        rm -f "$TM_PID_FILE"
    fi
}

# The running JobManager's pid, or nothing.
jobmanager_pid() {
    [[ -f "$JM_PID_FILE" ]] || return 0
    local pid
    pid=$(tail -n 1 "$JM_PID_FILE")
    if runs "$pid" "StandaloneSessionClusterEntrypoint"; then echo "$pid"; fi
}

# Lay out FLINK_HOME from the PyPI packages: bin/ and conf/ from the wheel, lib/, opt/,
# plugins/ and bin/bash-java-utils.jar from the libraries sdist.
assemble() {
    [[ -f "$FLINK_HOME/lib/flink-dist-$FLINK_VERSION.jar" ]] && return 0
    local dl=$CACHE/downloads tmp
    mkdir -p "$dl"
    local python
    python=$("$ROOT/deploy/local/flink_venv.sh")
    if ! ls "$dl"/apache_flink-"$FLINK_VERSION"-*.whl >/dev/null 2>&1 ||
        [[ ! -f "$dl/apache-flink-libraries-$FLINK_VERSION.tar.gz" ]]; then
        say "downloading apache-flink $FLINK_VERSION from PyPI (about 230 MB, first time only)"
        "$python" -m pip download -q --no-deps -d "$dl" \
            "apache-flink==$FLINK_VERSION" "apache-flink-libraries==$FLINK_VERSION"
    fi
    tmp=$(mktemp -d "$CACHE/assemble.XXXXXX")
    "$python" -m zipfile -e "$dl"/apache_flink-"$FLINK_VERSION"-*.whl "$tmp/wheel"
    tar xzf "$dl/apache-flink-libraries-$FLINK_VERSION.tar.gz" -C "$tmp" \
        "apache-flink-libraries-$FLINK_VERSION/deps"
    local deps=$tmp/apache-flink-libraries-$FLINK_VERSION/deps
    mkdir -p "$tmp/home"
    mv "$tmp/wheel/pyflink/bin" "$tmp/wheel/pyflink/conf" "$tmp/home/"
    mv "$deps/lib" "$deps/opt" "$deps/plugins" "$tmp/home/"
    mv "$deps/bin/bash-java-utils.jar" "$tmp/home/bin/"
    chmod +x "$tmp/home/bin/"*.sh "$tmp/home/bin/flink"
    rm -rf "$FLINK_HOME"
    mv "$tmp/home" "$FLINK_HOME"
    rm -rf "$tmp"
}

# Flink's Prometheus reporter plugin: part of the libraries sdist's plugins/, fetched from
# Maven Central when a FLINK_HOME lacks it.
prometheus_plugin() {
    local dir=$FLINK_HOME/plugins/metrics-prometheus
    ls "$dir"/flink-metrics-prometheus-*.jar >/dev/null 2>&1 && return 0
    say "fetching org.apache.flink:flink-metrics-prometheus:$FLINK_VERSION from Maven Central"
    mkdir -p "$dir"
    mvn -B -q dependency:copy -Dartifact="org.apache.flink:flink-metrics-prometheus:$FLINK_VERSION" \
        -DoutputDirectory="$dir" >&2
}

# With FLINK_RUNNER_IN_LIB=1, Beam's Flink runner in lib/ (deploy/local/runner_lib.py): with
# its classes loaded by Flink's class loader (parent first, see write_config), a batch job
# keeps its Python workers between tasks for --environment_cache_millis instead of starting
# new ones for every task. Jobs submitted as jars (--flink_submit_uber_jar) then fail: their
# entry point, loaded from lib/, cannot read the pipeline inside the job's jar.
runner_lib() {
    local jar=$FLINK_HOME/lib/beam-runners-flink-lib.jar job_server
    if [[ "$RUNNER_IN_LIB" != 1 ]]; then
        rm -f "$jar"
        return 0
    fi
    job_server=$("$ROOT/deploy/local/job_server.sh")
    [[ -f "$jar" && "$jar" -nt "$job_server" && "$jar" -nt "$ROOT/deploy/local/runner_lib.py" ]] &&
        return 0
    say "writing $jar from $(basename "$job_server")"
    "$("$ROOT/deploy/local/flink_venv.sh")" "$ROOT/deploy/local/runner_lib.py" \
        "$job_server" "$FLINK_HOME/lib" "$jar" >&2
}

# Parent-first class loading when Beam's runner is in lib/ (runner_lib).
classloader_config() {
    [[ "$RUNNER_IN_LIB" == 1 ]] && printf 'classloader:\n  resolve-order: parent-first\n'
    return 0
}

# The cluster's configuration: loopback only, one TaskManager, file checkpoints in the cache.
write_config() {
    mkdir -p "$FLINK_CONF_DIR" "$FLINK_LOG_DIR" "$RUN/tmp" "$RUN/checkpoints" "$RUN/savepoints"
    cp "$FLINK_HOME/conf/log4j.properties" "$FLINK_HOME/conf/log4j-console.properties" \
        "$FLINK_HOME/conf/log4j-cli.properties" "$FLINK_CONF_DIR/"
    echo localhost:$REST_PORT >"$FLINK_CONF_DIR/masters"
    echo localhost >"$FLINK_CONF_DIR/workers"
    cat >"$FLINK_CONF_DIR/config.yaml" <<YAML
jobmanager:
  rpc:
    address: 127.0.0.1
    port: 6123
  bind-host: 127.0.0.1
  memory:
    process:
      size: 1024m
taskmanager:
  host: 127.0.0.1
  bind-host: 127.0.0.1
  numberOfTaskSlots: $SLOTS
  memory:
    process:
      size: 2048m
    # A Beam batch job deploys all its stages at once and each blocking (sort-shuffle) result
    # partition takes its own buffers: give the network more than Flink's default 10 %.
    network:
      fraction: 0.3
      min: 256m
      max: 512m
  network:
    sort-shuffle:
      min-buffers: 64
parallelism:
  default: 1
$(classloader_config)
rest:
  address: 127.0.0.1
  bind-address: 127.0.0.1
  port: $REST_PORT
io:
  tmp:
    dirs: $RUN/tmp
# A failed job (a TaskManager or Python worker lost) restarts from its last completed
# checkpoint, waiting 1 s, then up to 30 s between attempts while it keeps failing.
restart-strategy:
  type: exponential-delay
  exponential-delay:
    initial-backoff: 1 s
    max-backoff: 30 s
    backoff-multiplier: 2.0
    reset-backoff-threshold: 10 min
    jitter-factor: 0.1
# Prometheus endpoints (plugins/metrics-prometheus): the JobManager and the TaskManager each
# take a port of the range; /metrics shows the jobs' metrics, the pipeline's counters too.
metrics:
  reporter:
    prom:
      factory:
        class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
      port: $PROMETHEUS_PORTS
# A killed TaskManager is noticed within this time (default 50 s).
heartbeat:
  interval: 5000
  timeout: 20000
state:
  backend:
    type: hashmap
  checkpoints:
    dir: file://$RUN/checkpoints
  savepoints:
    dir: file://$RUN/savepoints
YAML
}

start_pool() {
    local python pid
    python=$("$ROOT/deploy/local/flink_venv.sh")
    pid=$(pool_pid)
    if [[ -n "$pid" ]]; then
        [[ "$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -1)" == "$python" ]] ||
            die "the worker pool (pid $pid) does not run $python: run '$0 stop' first"
        return 0
    fi
    port_open "$POOL_PORT" && die "port $POOL_PORT is taken by another program"
    cd "$ROOT"
    # The project's pool (pipelines/worker_pool.py), not Beam's: jobs of a session cluster
    # reuse worker ids, and Beam's pool then stops one job's worker when another job ends.
    # Its own process group, so that stop also ends the workers it started.
    setsid nohup "$python" -m pipelines.worker_pool --service_port="$POOL_PORT" \
        >"$FLINK_LOG_DIR/worker-pool.log" 2>&1 &
    echo $! >"$POOL_PID_FILE"
}

start() {
    local began version
    assemble
    prometheus_plugin
    runner_lib
    "$ROOT/deploy/local/flink_venv.sh" >/dev/null
    began=$SECONDS
    write_config
    version=$(rest_version)
    if [[ -z "$version" ]]; then
        port_open "$REST_PORT" && die "port $REST_PORT is taken by another program"
        "$FLINK_HOME/bin/start-cluster.sh" >"$FLINK_LOG_DIR/start-cluster.out"
    elif [[ -z "$(jobmanager_pid)" ]]; then
        # Another checkout's cluster (or one started by hand): a TaskManager or a worker pool
        # started from here would join it with this checkout's code and ports.
        die "a Flink cluster that this checkout did not start answers on port $REST_PORT;" \
            "stop it, or give this one other ports (FLINK_REST_PORT, WORKER_POOL_PORT)"
    elif [[ -z "$(taskmanager_pid)" ]]; then
        say "the cluster runs without a TaskManager: starting one"
        "$FLINK_HOME/bin/taskmanager.sh" start >>"$FLINK_LOG_DIR/start-cluster.out"
    fi
    start_pool
    while ((SECONDS - began < START_TIMEOUT)); do
        version=$(rest_version)
        if [[ -n "$version" && -n "$(taskmanager_pid)" ]] && (($(taskmanagers) > 0)) &&
            port_open "$POOL_PORT"; then
            [[ "$version" == "$FLINK_VERSION" ]] ||
                die "a Flink $version cluster answers on port $REST_PORT, expected $FLINK_VERSION"
            say "Flink $version on $(rest_url), worker pool on localhost:$POOL_PORT" \
                "(ready in $((SECONDS - began)) s)"
            return 0
        fi
        [[ -n "$(pool_pid)" ]] || die "worker pool exited; see $FLINK_LOG_DIR/worker-pool.log"
        sleep 1
    done
    die "not ready after $START_TIMEOUT s; logs in $FLINK_LOG_DIR"
}

stop() {
    local pid
    pid=$(pool_pid)
    if [[ -n "$pid" ]]; then
        kill -- "-$pid" 2>/dev/null || kill "$pid"
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid"; fi
    fi
    rm -f "$POOL_PID_FILE"
    if [[ -x "$FLINK_HOME/bin/stop-cluster.sh" && -d "$FLINK_CONF_DIR" ]]; then
        "$FLINK_HOME/bin/stop-cluster.sh" >/dev/null 2>&1 || true
    fi
    for _ in $(seq 30); do
        [[ -z "$(rest_version)" ]] && ! port_open "$REST_PORT" && break
        sleep 1
    done
    [[ -z "$(rest_version)" ]] || die "the cluster on port $REST_PORT did not stop"
    say "stopped"
}

status() {
    local version
    version=$(rest_version)
    if [[ -n "$version" ]]; then
        say "Flink $version on $(rest_url): $(curl -sf --max-time 2 "$(rest_url)/overview")"
    else
        say "no Flink cluster answers on $(rest_url)"
    fi
    if [[ -n "$(pool_pid)" ]]; then
        say "worker pool on localhost:$POOL_PORT (pid $(pool_pid))"
    else
        say "no worker pool"
    fi
    [[ -n "$version" && -n "$(pool_pid)" ]] || exit 3
}

case "${1:-}" in
fetch)
    assemble
    prometheus_plugin
    runner_lib
    "$ROOT/deploy/local/flink_venv.sh" >/dev/null
    say "Flink $FLINK_VERSION in $FLINK_HOME"
    ;;
start) start ;;
stop) stop ;;
status) status ;;
pids)
    echo "jobmanager $(jobmanager_pid)"
    echo "taskmanager $(taskmanager_pid)"
    echo "worker_pool $(pool_pid)"
    ;;
*)
    echo "usage: $0 {fetch|start|stop|status|pids}" >&2
    exit 2
    ;;
esac
