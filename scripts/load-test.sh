#!/usr/bin/env bash
# Drives the directory's list pages and the report pages with wrk against a
# release build on SQLite, with the synthetic catalogue the targets name
# (50,000 offerings, 20 needs in every independent country), and prints
# every figure BENCHMARKS.md reports. Loopback only; bounded in time.
#
#   scripts/load-test.sh [DURATION] [CONNECTIONS]
#
# Needs wrk (apt-get install wrk). The database is kept in target/ between
# runs; delete target/load-test.db to seed it again.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-32}
port=18080
source scripts/server.sh
need_wrk
serve $port

scratch=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$scratch"' EXIT

# The headers that make a request the signed-in reader's (none: anonymous).
as_reader=()

rss() { ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1 / 1024}'; }

# One wrk run: "requests/s  p50  p99  errors" on one line, and the
# requests/s alone in $rate.
measure() {
    local name=$1 path=$2 script=${3:-}
    local out
    if [[ -n $script ]]; then
        out=$(wrk -t2 -c"$connections" -d"$duration" --latency "${as_reader[@]}" -s "$script" "$base$path")
    else
        out=$(wrk -t2 -c"$connections" -d"$duration" --latency "${as_reader[@]}" "$base$path")
    fi
    rate=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    local p50 p99 errors
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")
    printf "%-52s %10s req/s  p50 %8s  p99 %8s  %s\n" "$name" "$rate" "$p50" "$p99" "${errors:-no errors}"
}

echo "== start: ready once the directory and the engine's catalogue are read into memory"
curl -s -o /dev/null -w "first /offerings %{time_total}s\n" "$base/offerings"
echo "resident memory when ready: $(rss)"

# This machine's speed drifts by a quarter within a minute (shared cores),
# so each page is compared with /healthz measured just before it, in
# $pairs pairs in turn; the pair whose ratio is the median is the page's
# figure, and every pair's ratio is printed beside it.
pairs=${PAIRS:-3}
beside_healthz() {
    local i lines=() ratios=()
    for ((i = 0; i < pairs; i++)); do
        wrk -t2 -c"$connections" -d"$duration" "$base/healthz" >"$scratch/healthz"
        healthz=$(awk '/Requests\/sec/ {print $2}' "$scratch/healthz")
        lines+=("$(measure "$@")")
        rate=$(awk '{for (f = 2; f <= NF; f++) if ($f == "req/s") print $(f - 1)}' <<<"${lines[-1]}")
        ratios+=("$(awk -v r="$rate" -v h="$healthz" 'BEGIN {printf "%.3f %.0f", r / h, h}') $i")
    done
    local median
    median=$(printf "%s\n" "${ratios[@]}" | sort -n | sed -n "$(((pairs + 1) / 2))p")
    read -r ratio healthz i <<<"$median"
    echo "${lines[$i]}"
    printf "%52s %.2f x /healthz (%.0f req/s just before; each pair: %s)\n" "" "$ratio" "$healthz" \
        "$(printf "%s\n" "${ratios[@]}" | sort -n -k3 | awk '{printf "%s%.2f", (NR > 1 ? " " : ""), $1}')"
}

echo "== list pages, $connections connections, $duration each, each beside /healthz measured just before it, $pairs times"
measure "/healthz" "/healthz"
lists=(
    "/offerings"
    "/offerings?theme=cybercrime.legislation"
    "/offerings?country=GHA&theme=cybercrime"
    "/offerings?page=2000"
    "/offerings?q=cert&sort=updated&modality=training"
    "/offerings?region=002&group=COMMONWEALTH&language=fr&status=active&page=3"
    "/providers"
    "/providers?q=secur"
    "/providers?kind=academia&theme=incident-ciip&page=4"
    "/countries/GHA"
    "/countries/BRA?page=50"
    "/countries/BRA?page=790"
    "/api/v1/offerings?country=KEN&theme=cybercrime"
    "/api/v1/providers?q=secur"
    "/api/v1/countries/GHA"
)
for path in "${lists[@]}"; do
    beside_healthz "$path" "$path"
done

# Every request a page not asked before in this run: 800 filter
# combinations of 50 pages each, the combination changing fastest, so each
# request lists twenty offerings other than the last one's.
cat >"$scratch/combinations.lua" <<'LUA'
local countries = {"GHA","KEN","FRA","BRA","IND","JPN","NGA","SEN","DEU","MEX","IDN","EGY","PER","VNM","ZAF","ARG","CHL","COL","ETH","TZA"}
local themes = {"cybercrime","cybercrime.legislation","incident-ciip","incident-ciip.cert","policy-strategy","culture-skills","standards","international-security"}
local modalities = {"training","advisory","funding","equipment","exchange"}
local i = 0
request = function()
  i = i + 1
  local c = countries[(i % #countries) + 1]
  local t = themes[(math.floor(i / #countries) % #themes) + 1]
  local m = modalities[(math.floor(i / (#countries * #themes)) % #modalities) + 1]
  local page = (math.floor(i / (#countries * #themes * #modalities)) % 50) + 1
  return wrk.format("GET", "/offerings?country=" .. c .. "&theme=" .. t .. "&modality=" .. m .. "&page=" .. page)
end
LUA
beside_healthz "/offerings, a new filter combination each request" "/" "$scratch/combinations.lua"

cat >"$scratch/reports.lua" <<'LUA'
-- Cycles through twelve countries' match reports.
local countries = {"GHA","KEN","FRA","BRA","IND","JPN","NGA","SEN","DEU","MEX","IDN","EGY"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/reports/countries/" .. countries[(i % #countries) + 1])
end
LUA

# The synthetic needs are kept for registered readers, so an anonymous
# reader's country report has none: the reports are read signed in.
echo "== the reports, read signed in as the secretariat"
session=$(sign_in_reader "$base" "$db" "$scratch/jar")
as_reader=(-H "Cookie: capmatch_session=$session")

echo "== first request per country (report built)"
for country in GHA KEN FRA BRA IND JPN NGA SEN DEU MEX IDN EGY; do
    curl -s -o /dev/null "${as_reader[@]}" -w "$country %{time_total}s %{size_download} bytes\n" "$base/reports/countries/$country"
done
measure "/reports/countries/{12 countries}" "/" "$scratch/reports.lua"

echo "== the same readers while a writer edits one offering a second (capmatch import, another process)"
key=$(sqlite3 "$db" "SELECT key FROM offerings WHERE archived = 0 AND status = 'active' ORDER BY id LIMIT 1")
provider=$(sqlite3 "$db" "SELECT p.key FROM offerings o JOIN providers p ON p.id = o.provider_id WHERE o.key = '$key'")
writer() {
    local n=0 seen=0
    while [[ -f $scratch/writing ]]; do
        n=$((n + 1))
        cat >"$scratch/edit.json" <<JSON
{"offerings": [{"key": "$key", "provider": "$provider", "title": "Edited offering zq$n", "description": "Edited by the load test",
  "themes": ["cybercrime.legislation"], "coverage": {"regions": ["002"]}, "status": "active"}]}
JSON
        ./target/release/capmatch import "$scratch/edit.json" --database "$db" >/dev/null
        # Visible at the very next request?
        if curl -s "$base/api/v1/offerings?q=zq$n" | grep -q "\"total\":1"; then
            seen=$((seen + 1))
        fi
        sleep 1
    done
    echo "$n edits, $seen listed at the next request after the import returned" >"$scratch/writes"
}
touch "$scratch/writing"
writer &
writer_pid=$!
measure "/reports/countries/{12 countries}, one edit a second" "/" "$scratch/reports.lua"
lists_script "$scratch/lists.lua"
measure "list pages (4 kinds), one edit a second" "/" "$scratch/lists.lua"
rm -f "$scratch/writing"
wait $writer_pid
cat "$scratch/writes"

echo "== cold burst: $connections requests at once for a report not yet built (single flight: one builds, the rest wait)"
burst=$scratch/burst
for _ in $(seq 1 "$connections"); do
    curl -s -o /dev/null "${as_reader[@]}" -w "%{time_total}\n" "$base/reports/gaps?page=3" >>"$burst" &
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
sort -n "$burst" | awk '{t[NR]=$1} END {printf "slowest %.3fs, fastest %.3fs, %d requests\n", t[NR], t[1], NR}'
curl -s -o /dev/null "${as_reader[@]}" -w "then %{time_total}s\n" "$base/reports/gaps?page=3"

echo "== /reports/coverage, first request (built), then $connections connections"
curl -s -o /dev/null "${as_reader[@]}" -w "coverage %{time_total}s %{size_download} bytes\n" "$base/reports/coverage"
measure "/reports/coverage" "/reports/coverage"
echo "resident memory at the end: $(rss)"
