# Sourced by the load and robustness scripts: builds the release binary,
# seeds the 50,000-offering synthetic database once (kept in target/ between
# runs; delete target/load-test.db to seed it again) and serves it on a port,
# stopped when the script exits.
#
#   source scripts/server.sh; serve PORT [EXTRA SERVE ARGUMENTS...]
# sets $base (http://127.0.0.1:PORT) and $server (its process id).

db=target/load-test.db

serve() {
    local port=$1
    shift
    cargo build --release --quiet
    if [[ ! -f $db ]]; then
        ./target/release/capmatch seed --synthetic 50000 --needs-per-country 20 --database "$db"
    fi
    RUST_LOG=warn ./target/release/capmatch serve --no-demo --database "$db" --bind "127.0.0.1:$port" "$@" &
    server=$!
    base="http://127.0.0.1:$port"
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        curl -fs "$base/healthz" >/dev/null && return 0
        sleep 0.2
    done
    echo "the server did not start" >&2
    return 1
}

need_wrk() {
    command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
}
