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
#   KAFKA_SASL_SSL_PORT    also listen for SASL_SSL clients (TLS; SASL PLAIN, SCRAM-SHA-256 and
#                          SCRAM-SHA-512) on this port; user "pipeline", its password made at
#                          the first start (see KAFKA_SECURITY_DIR)
#   KAFKA_SSL_PORT         also listen for SSL clients on this port, a client certificate signed
#                          by the local CA required (mutual TLS)
#   KAFKA_SECURITY_DIR     with either: where the throwaway CA, the broker's and a client's
#                          certificate and key, and the user's password are made (default
#                          <cache>/broker-<port>/security); clients read ca.pem, client.pem,
#                          client.key, password, and listeners.env (the secured addresses)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=process.sh
source "$HERE/process.sh"
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
SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-}"
SSL_PORT="${KAFKA_SSL_PORT:-}"
SECURITY="${KAFKA_SECURITY_DIR:-$RUN/security}"
SASL_USER=pipeline

say() { echo "kafka.sh: $*"; }
die() {
    echo "kafka.sh: error: $*" >&2
    exit 1
}

# The pid of our running broker, or nothing.
broker_pid() {
    live_pid "$PID_FILE" "kafka.Kafka $CONFIG"
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

secured() { [[ -n "$SASL_SSL_PORT$SSL_PORT" ]]; }

# A throwaway CA, the broker's key and certificate (for 127.0.0.1 and localhost) in a PKCS12
# keystore, the CA in a truststore, a client's key and certificate, and the SASL user's
# password: made once and kept with the broker's data, as the SCRAM user is made with the storage.
make_security() {
    if [[ -f "$SECURITY/password" ]]; then
        return 0
    fi
    if [[ -f "$DATA/meta.properties" ]]; then
        die "the storage in $DATA was formatted without the SASL user; use another KAFKA_CACHE_DIR (or KAFKA_PORT) for a secured broker"
    fi
    command -v openssl >/dev/null || die "openssl is needed for the secured listeners"
    command -v keytool >/dev/null || die "keytool (Java) is needed for the secured listeners"
    say "making a throwaway CA, certificates and the SASL user's password in $SECURITY"
    local tmp="$SECURITY.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    chmod 700 "$tmp"
    (
        cd "$tmp"
        openssl rand -hex 24 >store-password
        openssl rand -hex 24 >password
        store="$(cat store-password)"
        make_ca "news-pipeline local test CA"
        sign_cert broker localhost serverAuth,clientAuth
        sign_cert client "$SASL_USER" clientAuth
        openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
            -passout "pass:$store" -out broker.p12
        keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 \
            -storetype PKCS12 -storepass "$store"
        rm -f ./*.srl
        chmod 600 ./*
    ) >>"$LOG_FILE" 2>&1 || die "could not make the certificates; see $LOG_FILE"
    rm -rf "$SECURITY"
    mv "$tmp" "$SECURITY"
}

# The secured listeners, appended to the config (the last value of a key wins).
security_config() {
    local store password listeners="PLAINTEXT://127.0.0.1:$PORT" map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    store="$(cat "$SECURITY/store-password")"
    password="$(cat "$SECURITY/password")"
    if [[ -n "$SASL_SSL_PORT" ]]; then
        listeners+=",SASL_SSL://127.0.0.1:$SASL_SSL_PORT" map+=",SASL_SSL:SASL_SSL"
    fi
    if [[ -n "$SSL_PORT" ]]; then
        listeners+=",SSL://127.0.0.1:$SSL_PORT" map+=",SSL:SSL"
    fi
    cat <<CONFIG

# Secured listeners (KAFKA_SASL_SSL_PORT, KAFKA_SSL_PORT), certificates in $SECURITY.
listeners=$listeners,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$listeners
listener.security.protocol.map=$map
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$password";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURITY/broker.p12
ssl.keystore.password=$store
ssl.key.password=$store
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURITY/truststore.p12
ssl.truststore.password=$store
listener.name.ssl.ssl.client.auth=required
CONFIG
}

write_config() {
    mkdir -p "$RUN"
    sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@DATA_DIR@|$DATA|g" "$CONF/server.properties.in" >"$CONFIG"
    if secured; then
        make_security
        security_config >>"$CONFIG"
        chmod 600 "$CONFIG"
        {
            [[ -z "$SASL_SSL_PORT" ]] || echo "SASL_SSL=127.0.0.1:$SASL_SSL_PORT"
            [[ -z "$SSL_PORT" ]] || echo "SSL=127.0.0.1:$SSL_PORT"
            echo "USER=$SASL_USER"
        } >"$SECURITY/listeners.env"
    else
        rm -f "$SECURITY/listeners.env" # no secured listener this time
    fi
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
    local scram=()
    if secured; then
        local password
        password="$(cat "$SECURITY/password")"
        scram=(--add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$password]"
            --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$password]")
    fi
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" \
        --ignore-formatted "${scram[@]}" >>"$LOG_FILE" 2>&1 ||
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
    for p in "$PORT" "$CONTROLLER_PORT" $SASL_SSL_PORT $SSL_PORT; do
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
            if secured; then
                say "secured listeners: $(tr '\n' ' ' <"$SECURITY/listeners.env")(CA, client certificate and password in $SECURITY)"
            fi
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
    if stop_pid "$pid" 30; then
        say "stopped"
    else
        say "no clean shutdown within 30 s; killed pid $pid"
    fi
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
