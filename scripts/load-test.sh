#!/usr/bin/env bash
# Drives the report pages with wrk against a release build on SQLite, with
# the synthetic catalogue the targets name (50,000 offerings, 20 needs in
# every independent country). Loopback only; bounded in time.
#
#   scripts/load-test.sh [DURATION] [CONNECTIONS]
#
# Needs wrk (apt-get install wrk). The database is kept in target/ between
# runs; delete target/load-test.db to seed it again.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
connections=${2:-32}
port=18080
db=target/load-test.db
command -v wrk >/dev/null || { echo "load-test: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet
if [[ ! -f $db ]]; then
    ./target/release/capmatch seed --synthetic 50000 --needs-per-country 20 --database "$db"
fi

RUST_LOG=warn ./target/release/capmatch serve --no-demo --database "$db" --bind "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
done

script=$(mktemp --suffix=.lua)
cat > "$script" <<'LUA'
-- Cycles through twelve countries' match reports.
local countries = {"GHA","KEN","FRA","BRA","IND","JPN","NGA","SEN","DEU","MEX","IDN","EGY"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/reports/countries/" .. countries[(i % #countries) + 1])
end
LUA

echo "== first request per country (report built; the first also loads the catalogue)"
for country in GHA KEN FRA BRA IND JPN NGA SEN DEU MEX IDN EGY; do
    curl -s -o /dev/null -w "$country %{time_total}s %{size_download} bytes\n" "http://127.0.0.1:$port/reports/countries/$country"
done
echo "== /reports/countries/{iso3}, $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$script" "http://127.0.0.1:$port"
echo "== /reports/coverage, first request (built), then $connections connections, 10s"
curl -s -o /dev/null -w "coverage %{time_total}s %{size_download} bytes\n" "http://127.0.0.1:$port/reports/coverage"
wrk -t2 -c"$connections" -d10s --latency "http://127.0.0.1:$port/reports/coverage"
rm -f "$script"
