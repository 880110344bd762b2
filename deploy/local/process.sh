# Helpers shared by the service scripts kafka.sh and registry.sh (sourced, not run): their
# processes and the throwaway certificates of their secured listeners.

# The pid in pid file $1 when that process runs and its command line holds $2; nothing
# otherwise (a stale pid file: the process gone, or its pid reused by another program).
live_pid() {
    [[ -f "$1" ]] || return 0
    local pid
    pid="$(cat "$1")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$2" >/dev/null; then
        echo "$pid"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Ask process $1 to stop (TERM) and wait up to $2 seconds; then kill it. Exit status 0 when it
# stopped by itself, 1 when it had to be killed.
stop_pid() {
    kill -TERM "$1" 2>/dev/null || true
    local _
    for _ in $(seq $(($2 * 2))); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$1" 2>/dev/null || true
    return 1
}

# In the current directory: a throwaway CA named $1 (ca.pem, ca.key), valid ten years.
make_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$1" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout ca.key -out ca.pem
}

# In the current directory: $1.pem and $1.key, a certificate for common name $2 (and for
# localhost and 127.0.0.1) with extended key usage $3, signed by the CA there.
sign_cert() {
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$1.ext" -out "$1.pem"
    rm -f "$1.csr" "$1.ext"
}
