# Sourced by the load and robustness scripts: builds the release binary,
# seeds the 50,000-offering synthetic database once (kept in target/ between
# runs; delete target/load-test.db to seed it again) and serves it on a port,
# stopped when the script exits.
#
#   source scripts/server.sh; serve PORT [EXTRA SERVE ARGUMENTS...]
# sets $base (http://127.0.0.1:PORT) and $server (its process id). Also
# need_wrk, sign_in_reader (a signed-in reader for the reports) and
# lists_script (a wrk script over four kinds of list page), which the
# scale test shares.

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
    # Ready once the directory and the engine's catalogue are in memory.
    for _ in $(seq 1 300); do
        curl -fs "$base/readyz" >/dev/null && return 0
        sleep 0.2
    done
    echo "the server did not start" >&2
    return 1
}

need_wrk() {
    command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
}

# sign_in_reader BASE DATABASE JAR: signs in at BASE as the load tests'
# reader, the secretariat (who reads every need), made in DATABASE when
# missing: a throwaway account in the load tests' own databases. The
# session is left in the cookie jar JAR, and printed.
sign_in_reader() {
    local base=$1 database=$2 jar=$3 token
    local reader=load-test@capmatch.example password=load-test-reader-b7f3-q9xk-2mvd
    echo "$password" | ./target/release/capmatch user add "$reader" --role secretariat \
        --password-stdin --database "$database" >/dev/null 2>&1 || true
    token=$(curl -s -c "$jar" -b "$jar" "$base/sign-in" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
    curl -s -o /dev/null -c "$jar" -b "$jar" -H "Sec-Fetch-Site: same-origin" --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=$reader" --data-urlencode "password=$password" "$base/sign-in"
    awk '$6 == "capmatch_session" {print $7}' "$jar" | grep . || { echo "could not sign in at $base" >&2; return 1; }
}

# lists_script FILE: a wrk script that cycles through four kinds of list page.
lists_script() {
    cat >"$1" <<'LUA'
local paths = {"/offerings?country=GHA&theme=cybercrime", "/offerings?q=cert", "/providers?q=secur", "/countries/KEN"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
}
