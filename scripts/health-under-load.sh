#!/usr/bin/env bash
# Measures how long /healthz takes while the server is busy at 50,000
# offerings (SQLite, release build): wrk keeps 32 connections on a slow
# directory page, then on report builds (a new page of the overlaps report
# each time), while a health check runs five times a second. Bounded in time.
#
#   scripts/health-under-load.sh [SECONDS]
#
# Needs wrk (apt-get install wrk). Shares target/load-test.db with load-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
source scripts/server.sh
need_wrk
serve 18083
curl -s -o /dev/null "$base/reports/countries/GHA"   # loads the catalogue once

# Health checks until told to stop; prints one time in ms per line.
probe() {
    while [[ ! -f $1 ]]; do
        curl -s -o /dev/null -m 10 -w "%{time_total}\n" "$base/healthz" | awk '{ printf "%.1f\n", $1 * 1000 }'
        sleep 0.2
    done
}

summarise() {
    sort -n "$1" | awk '{ t[NR] = $1 } END {
        p99 = int(NR * 0.99) + 1; if (p99 > NR) p99 = NR
        printf "/healthz: %d checks, median %.1f ms, p99 %.1f ms, worst %.1f ms\n", NR, t[int(NR / 2) + 1], t[p99], t[NR]
    }'
}

run() {
    local title=$1 target=$2 script=${3:-}
    local stop times
    stop=$(mktemp -u) times=$(mktemp)
    probe "$stop" > "$times" &
    local prober=$!
    echo "== $title: wrk -t2 -c32 -d${seconds}s"
    if [[ -n $script ]]; then
        wrk -t2 -c32 -d"${seconds}s" --latency -s "$script" "$target" | grep -E "Requests/sec|50%|99%|Non-2xx|timeout"
    else
        wrk -t2 -c32 -d"${seconds}s" --latency "$target" | grep -E "Requests/sec|50%|99%|Non-2xx|timeout"
    fi
    touch "$stop"
    wait $prober
    summarise "$times"
    rm -f "$stop" "$times"
}

run "/offerings?country=GHA" "$base/offerings?country=GHA"

script=$(mktemp --suffix=.lua)
cat > "$script" <<'LUA'
-- A page of the overlaps report that is not cached yet, every time.
local page = 0
request = function()
  page = page + 1
  return wrk.format("GET", "/reports/overlaps?page=" .. page)
end
LUA
run "report builds (a new overlaps page each request)" "$base" "$script"
rm -f "$script"
