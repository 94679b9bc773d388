#!/usr/bin/env bash
# Measures, from outside, how much memory the server takes for the largest
# requests at 50,000 offerings (SQLite, release build), and fails if its peak
# resident memory passes the bound. Not part of `cargo test`: it seeds a
# large database and takes a minute or two.
#
#   scripts/memory-bound.sh [BOUND_MB]
#
# The database is kept in target/ between runs (shared with load-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bound_mb=${1:-200}
source scripts/server.sh
serve 18081

# Peak and current resident memory of the server, in MB.
memory() {
    awk '/VmHWM|VmRSS/ { printf "%s %d MB  ", $1, $2 / 1024 }' "/proc/$server/status"
    echo
}
peak_mb() {
    awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$server/status"
}

echo "== after start: $(memory)"
# The largest answers each report can give: every format, the parameters
# that ask for most (limit=all, show=all, groups), and deep pages.
paths=(
    "/reports/overlaps"
    "/reports/overlaps?format=json"
    "/reports/overlaps?format=csv"
    "/reports/overlaps?page=150"
    "/reports/overlaps?show=anything"
    "/reports/gaps?show=all"
    "/reports/gaps?show=all&format=json"
    "/reports/gaps?show=all&format=csv&page=100"
    "/reports/countries/GHA?limit=all"
    "/reports/countries/GHA?limit=all&format=json"
    "/api/v1/countries/GHA/matches?limit=all"
    "/reports/coverage?columns=groups&format=csv"
    "/reports/coverage?columns=subregions"
    "/reports/providers/synthetic-provider-00001"
    "/reports/providers/synthetic-provider-00001?format=json"
    "/offerings?country=GHA"
    "/api/v1/offerings?theme=cybercrime"
    "/countries/GHA"
    "/api/v1/countries/GHA"
)
largest=0
for path in "${paths[@]}"; do
    answer=$(curl -s -o /dev/null -w "%{http_code} %{size_download} %{time_total}" "$base$path")
    echo "$answer" | awk -v path="$path" '{ printf "%s: HTTP %s, %d KB in %.2f s\n", path, $1, $2 / 1024, $3 }'
    bytes=$(echo "$answer" | awk '{ print $2 }')
    (( bytes > largest )) && largest=$bytes
done
echo "== after one of each: $(memory)"
# The same again, eight at a time and twice over.
for _ in 1 2; do
    printf '%s\n' "${paths[@]}" | xargs -P 8 -I{} curl -s -o /dev/null "$base{}"
done
echo "== after 2 x ${#paths[@]} requests, 8 at a time: $(memory)"
echo "== largest answer: $((largest / 1024)) KB"
curl -fs -o /dev/null -w "== /healthz still answers: %{http_code} in %{time_total}s\n" "$base/healthz"
peak=$(peak_mb)
if (( peak > bound_mb )); then
    echo "memory-bound: peak resident memory ${peak} MB is over the ${bound_mb} MB bound" >&2
    exit 1
fi
echo "memory-bound: peak resident memory ${peak} MB, within ${bound_mb} MB"
