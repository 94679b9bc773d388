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
source scripts/server.sh
need_wrk
serve $port

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
    curl -s -o /dev/null -w "$country %{time_total}s %{size_download} bytes\n" "$base/reports/countries/$country"
done
echo "== /reports/countries/{iso3}, $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$script" "$base"
echo "== cold burst: $connections requests at once for a report not yet built (single flight: one builds, the rest wait)"
burst=$(mktemp)
for _ in $(seq 1 "$connections"); do
    curl -s -o /dev/null -w "%{time_total}\n" "$base/reports/gaps?page=3" >>"$burst" &
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
sort -n "$burst" | awk '{t[NR]=$1} END {printf "slowest %.3fs, fastest %.3fs, %d requests\n", t[NR], t[1], NR}'
curl -s -o /dev/null -w "then %{time_total}s\n" "$base/reports/gaps?page=3"
rm -f "$burst"
echo "== /reports/coverage, first request (built), then $connections connections, 10s"
curl -s -o /dev/null -w "coverage %{time_total}s %{size_download} bytes\n" "$base/reports/coverage"
wrk -t2 -c"$connections" -d10s --latency "$base/reports/coverage"
rm -f "$script"
