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
#   REGISTRY_TLS_PORT       also serve it over HTTPS with basic auth on this port, through an
#                           nginx reverse proxy in front (Debian's nginx package, fetched with
#                           apt-get download when nginx is not installed), as registries are
#                           run behind an ingress; a throwaway CA, the server's certificate, the
#                           user and its password are made at the first start
#   REGISTRY_SECURITY_DIR   with it: where those are (default <cache>/registry-<port>/security);
#                           clients read ca.pem, user, password and url (the https API)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=process.sh
source "$HERE/process.sh"
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
TLS_PORT="${REGISTRY_TLS_PORT:-}"
SECURITY="${REGISTRY_SECURITY_DIR:-$RUN/security}"
FRONT="$RUN/front"
FRONT_PID_FILE="$FRONT/nginx.pid"
NGINX_DIR="$CACHE/nginx"
USER_NAME=registry-user

say() { echo "registry.sh: $*"; }
die() {
    echo "registry.sh: error: $*" >&2
    exit 1
}

# The pid of our running registry, or nothing.
registry_pid() {
    live_pid "$PID_FILE" "-Dquarkus.http.port=$PORT "
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

# nginx on PATH, else Debian's package unpacked into the cache (no root needed to run it).
nginx_binary() {
    if command -v nginx >/dev/null; then
        command -v nginx
        return 0
    fi
    if [[ ! -x "$NGINX_DIR/usr/sbin/nginx" ]]; then
        command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
            die "nginx is needed for REGISTRY_TLS_PORT (apt-get and dpkg to fetch it)"
        rm -rf "$NGINX_DIR.tmp"
        mkdir -p "$NGINX_DIR.tmp"
        (cd "$NGINX_DIR.tmp" && apt-get download nginx && dpkg -x nginx_*.deb root) \
            >"$CACHE/nginx-fetch.log" 2>&1 || die "could not fetch nginx; see $CACHE/nginx-fetch.log"
        rm -rf "$NGINX_DIR"
        mv "$NGINX_DIR.tmp/root" "$NGINX_DIR"
        rm -rf "$NGINX_DIR.tmp"
    fi
    echo "$NGINX_DIR/usr/sbin/nginx"
}

make_security() {
    [[ -f "$SECURITY/password" ]] && return 0
    command -v openssl >/dev/null || die "openssl is needed for REGISTRY_TLS_PORT"
    local tmp="$SECURITY.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    chmod 700 "$tmp"
    (
        cd "$tmp"
        make_ca "news-pipeline registry test CA"
        sign_cert server localhost serverAuth
        openssl rand -hex 24 >password
        echo "$USER_NAME" >user
        printf '%s:%s\n' "$USER_NAME" "$(openssl passwd -apr1 -in password)" >htpasswd
        rm -f ./*.srl
        chmod 600 ./*
    ) >>"$LOG_FILE" 2>&1 || die "could not make the certificates; see $LOG_FILE"
    mv "$tmp" "$SECURITY"
}

front_pid() {
    live_pid "$FRONT_PID_FILE" "$FRONT/nginx.conf"
}

# HTTPS with basic auth in front of the registry: TLS ends here, the registry sees plain HTTP.
start_front() {
    [[ -n "$TLS_PORT" ]] || return 0
    if [[ -n "$(front_pid)" ]]; then
        say "TLS front already running at https://127.0.0.1:$TLS_PORT"
        return 0
    fi
    port_in_use "$TLS_PORT" && die "port $TLS_PORT is already in use by another program; set REGISTRY_TLS_PORT to a free one"
    local nginx began=$SECONDS secured_api="https://127.0.0.1:$TLS_PORT/apis/ccompat/v7"
    nginx="$(nginx_binary)"
    make_security
    mkdir -p "$FRONT/tmp"
    # The workers run as this user (nginx started by root would make them nobody's, who cannot
    # read the password file); without root nginx ignores the line.
    cat >"$FRONT/nginx.conf" <<CONF
daemon off;
user $(id -un) $(id -gn);
worker_processes 1;
pid $FRONT_PID_FILE;
error_log $FRONT/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $FRONT/tmp/body;
    proxy_temp_path $FRONT/tmp/proxy;
    fastcgi_temp_path $FRONT/tmp/fastcgi;
    uwsgi_temp_path $FRONT/tmp/uwsgi;
    scgi_temp_path $FRONT/tmp/scgi;
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $SECURITY/server.pem;
        ssl_certificate_key $SECURITY/server.key;
        auth_basic "schema registry";
        auth_basic_user_file $SECURITY/htpasswd;
        location / {
            proxy_pass http://127.0.0.1:$PORT;
        }
    }
}
CONF
    setsid "$nginx" -p "$FRONT" -e "$FRONT/error.log" -c "$FRONT/nginx.conf" >>"$LOG_FILE" 2>&1 </dev/null &
    echo "$secured_api" >"$SECURITY/url"
    while ((SECONDS - began < 30)); do
        if curl -fsS -o /dev/null --max-time 5 --cacert "$SECURITY/ca.pem" \
            -u "$USER_NAME:$(cat "$SECURITY/password")" "$secured_api/subjects" 2>/dev/null; then
            say "TLS front ready at $secured_api (basic auth; CA, user and password in $SECURITY)"
            return 0
        fi
        sleep 0.5
    done
    tail -n 5 "$FRONT/error.log" >&2 || true
    die "the TLS front did not answer within 30 s; see $FRONT/error.log"
}

stop_front() {
    local pid
    pid="$(front_pid)"
    [[ -n "$pid" ]] || return 0
    say "stopping the TLS front (pid $pid)"
    stop_pid "$pid" 10 || say "no clean shutdown of the TLS front within 10 s; killed pid $pid"
}

start() {
    start_registry
    start_front
}

start_registry() {
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
    stop_front
    local pid
    pid="$(registry_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PID_FILE"
        say "not running (port $PORT)"
        return 0
    fi
    say "stopping (pid $pid)"
    if stop_pid "$pid" 30; then
        say "stopped"
    else
        say "no clean shutdown within 30 s; killed pid $pid"
    fi
    rm -f "$PID_FILE"
}

status() {
    local pid
    pid="$(registry_pid)"
    if [[ -n "$pid" ]]; then
        say "running at $API (pid $pid, log $LOG_FILE)"
        [[ -z "$(front_pid)" ]] || say "TLS front running at $(cat "$SECURITY/url")"
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
