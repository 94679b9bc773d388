#!/usr/bin/env bash
# The directory at 1,000,000 offerings on PostgreSQL (the order of every aid
# activity ever published to IATI): seed time, start-up, list pages, a cold
# country report, `capmatch match --all`, memory, and two instances on one
# database, with how soon an edit on one is listed by the other while the
# other is under load, and the other's country reports meanwhile. Prints
# every figure BENCHMARKS.md reports.
#
#   scripts/scale-test.sh [OFFERINGS] [DURATION] [CONNECTIONS]
#
# Needs wrk and a PostgreSQL server: CAPMATCH_SCALE_URL names the database
# (default postgres://root:capmatch@127.0.0.1:5432/capmatch_scale). It is
# created and seeded when missing (see below) and kept between runs; drop
# it to seed again. Loopback only; bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
offerings=${1:-1000000}
duration=${2:-10s}
connections=${3:-32}
url=${CAPMATCH_SCALE_URL:-postgres://root:capmatch@127.0.0.1:5432/capmatch_scale}
name=${url##*/}
server_url=${url%/*}/postgres
source scripts/server.sh
need_wrk
cargo build --release --quiet
capmatch=./target/release/capmatch

scratch=$(mktemp -d)
servers=()
trap 'for s in "${servers[@]}"; do kill "$s" 2>/dev/null; done; wait 2>/dev/null || true; rm -rf "$scratch"' EXIT

# Importing runs every record through the same checks, audit and change
# tracking as a save, a few hundred offerings a second on PostgreSQL here:
# hours for a million. So 50,000 are imported (timed: the import figure),
# and copied in SQL, under new keys and an earlier last change, to the
# number asked for.
imported=50000
echo "== seed: $imported offerings imported, copied to $offerings; 20 needs in every independent country"
if [[ -z $(psql "$server_url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'") ]]; then
    psql "$server_url" -qc "CREATE DATABASE $name"
    /usr/bin/time -f "import of $imported: %e s, %M KB at most" \
        "$capmatch" seed --synthetic "$imported" --needs-per-country 20 --database "$url" | tail -1
    copies=$(( (offerings + imported - 1) / imported - 1 ))
    started=$(date +%s.%N)
    psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE copies AS SELECT generate_series(1, $copies) AS n;
CREATE TEMP TABLE originals AS SELECT * FROM offerings;
INSERT INTO offerings (key, provider_id, title, description, coverage_global, capacity, starts_on,
                       ends_on, status, archived, created_at, updated_at, version, changed_in)
SELECT o.key || '-c' || c.n, o.provider_id, o.title, o.description, o.coverage_global, o.capacity,
       o.starts_on, o.ends_on, o.status, o.archived, o.created_at,
       o.updated_at - c.n * interval '1 minute', o.version, o.changed_in
FROM originals o CROSS JOIN copies c;
INSERT INTO offering_facets (offering_id, facet, code)
SELECT n.id, f.facet, f.code
FROM originals o CROSS JOIN copies c
JOIN offerings n ON n.key = o.key || '-c' || c.n
JOIN offering_facets f ON f.offering_id = o.id;
COMMIT;
ANALYZE;
SQL
    awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "copied in SQL in %.0f s\n", e - s}'
fi
echo "$(psql "$url" -Atc "SELECT count(*) FROM offerings") offerings, $(psql "$url" -Atc "SELECT count(*) FROM providers") providers"
psql "$url" -Atc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"

# serve_instance PORT: starts an instance on the database; sets $base and
# adds it to $servers.
serve_instance() {
    local port=$1 started
    started=$(date +%s.%N)
    RUST_LOG=warn "$capmatch" serve --no-demo --database "$url" --bind "127.0.0.1:$port" &
    servers+=($!)
    server=$!
    base="http://127.0.0.1:$port"
    for _ in $(seq 1 600); do
        curl -fs "$base/healthz" >/dev/null && break
        sleep 0.1
    done
    awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "answering /healthz after %.2f s\n", e - s}'
    # Ready once the directory and the engine's catalogue are in memory.
    for _ in $(seq 1 1200); do
        curl -fs "$base/readyz" >/dev/null && break
        sleep 0.1
    done
    awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "ready (/readyz) after %.2f s\n", e - s}'
}
rss() { ps -o rss= -p "$1" | awk '{printf "%.0f MB", $1 / 1024}'; }

# One wrk run: "requests/s  p50  p99  errors".
measure() {
    local name=$1 target=$2 script=${3:-}
    local out
    if [[ -n $script ]]; then
        out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$script" "$target")
    else
        out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$target")
    fi
    rate=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    printf "%-56s %10s req/s  p50 %8s  p99 %8s  %s\n" "$name" "$rate" \
        "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
        "$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")"
}

echo "== start-up of one instance"
serve_instance 18081
a=$base a_pid=$server
curl -s -o /dev/null -w "first /offerings: %{time_total}s\n" "$a/offerings"
echo "resident memory when ready: $(rss "$a_pid")"

echo "== list pages, $connections connections, $duration each"
measure "/healthz" "$a/healthz"
for path in \
    "/offerings" \
    "/offerings?country=GHA&theme=cybercrime" \
    "/offerings?page=40000" \
    "/offerings?region=002&group=COMMONWEALTH&language=fr&status=active&page=3" \
    "/offerings?q=cert&sort=updated&modality=training" \
    "/providers?q=secur" \
    "/countries/GHA" \
    "/api/v1/offerings?country=KEN&theme=cybercrime"; do
    measure "$path" "$a$path"
done

echo "== reports, signed in as the secretariat (the synthetic needs are for registered readers)"
sign_in_reader "$a" "$url" "$scratch/a.jar" >/dev/null
for country in GHA KEN BRA; do
    curl -s -o /dev/null -b "$scratch/a.jar" -w "/reports/countries/$country, not built before: %{time_total}s, %{size_download} bytes\n" \
        "$a/reports/countries/$country"
done
echo "resident memory after the reports: $(rss "$a_pid")"

echo "== capmatch match --all (a process of its own)"
/usr/bin/time -f "match --all: %e s, %M KB at most" "$capmatch" match --all --database "$url" >/dev/null

echo "== two instances: an edit saved on one, listed by the other at its next request while it serves $connections readers"
serve_instance 18082
b=$base b_pid=$server
curl -s -o /dev/null -w "second instance, first /offerings: %{time_total}s\n" "$b/offerings"
key=$(psql "$url" -Atc "SELECT key FROM offerings WHERE archived = false AND status = 'active' ORDER BY id LIMIT 1")
provider=$(psql "$url" -Atc "SELECT p.key FROM offerings o JOIN providers p ON p.id = o.provider_id WHERE o.key = '$key'")
edit_on_a() {
    local n=$1 form token version
    form=$(curl -s -b "$scratch/a.jar" -c "$scratch/a.jar" "$a/offerings/$key/edit")
    token=$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$form" | head -1 | sed 's/.*value="//;s/"//')
    version=$(grep -o 'name="version" value="[^"]*"' <<<"$form" | head -1 | sed 's/.*value="//;s/"//')
    curl -s -o /dev/null -w "%{http_code}" -b "$scratch/a.jar" -H "Sec-Fetch-Site: same-origin" \
        --data-urlencode "csrf_token=$token" --data-urlencode "version=$version" \
        --data-urlencode "provider=$provider" --data-urlencode "title=Edited offering zq$n" \
        --data-urlencode "description=Edited by the scale test" --data-urlencode "themes=cybercrime.legislation" \
        --data-urlencode "coverage_regions=002" --data-urlencode "modalities=training" \
        --data-urlencode "languages=en" --data-urlencode "status=active" "$a/offerings/$key"
}
writer() {
    local n=0 saved=0 seen=0 lag started
    while [[ -f $scratch/writing ]]; do
        n=$((n + 1))
        [[ $(edit_on_a "$n") == 303 ]] && saved=$((saved + 1))
        started=$(date +%s%N)
        if curl -s "$b/api/v1/offerings?q=zq$n" | grep -q '"total":1'; then
            seen=$((seen + 1))
        fi
        lag=$(( ($(date +%s%N) - started) / 1000000 ))
        echo "$lag" >>"$scratch/lags"
        sleep 1
    done
    echo "$n edits on the first instance, $saved saved, $seen listed by the second at its next request" >"$scratch/writes"
}
lists_script "$scratch/lists.lua"
# The second instance's country reports, signed in: twelve countries, each
# built once before the writer starts.
session=$(sign_in_reader "$b" "$url" "$scratch/b.jar")
countries=(GHA KEN FRA BRA IND JPN NGA SEN DEU MEX IDN EGY)
for country in "${countries[@]}"; do
    curl -s -o /dev/null -b "$scratch/b.jar" "$b/reports/countries/$country"
done
quoted=$(printf '"%s",' "${countries[@]}")
cat >"$scratch/reports.lua" <<LUA
local countries = {${quoted%,}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/reports/countries/" .. countries[(i % #countries) + 1], {Cookie = "capmatch_session=$session"})
end
LUA
touch "$scratch/writing"
writer &
writer_pid=$!
measure "second instance, list pages (4 kinds), an edit a second on the first" "$b/" "$scratch/lists.lua"
measure "second instance, country reports (12), the same edits" "$b/" "$scratch/reports.lua"
rm -f "$scratch/writing"
wait $writer_pid
cat "$scratch/writes"
sort -n "$scratch/lags" | awk '{t[NR]=$1} END {printf "the next request on the second after a save: %d ms at most, %d ms at the median\n", t[NR], t[int((NR+1)/2)]}'
echo "resident memory at the end: first $(rss "$a_pid"), second $(rss "$b_pid")"
