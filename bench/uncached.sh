#!/usr/bin/env bash
# Uncached article pages: CPU per page rendered from the database, on a
# synthetic site (`newsroom demo`), with the page cache off
# (page_cache_ttl_secs = 0; the latest-news fragment stays cached, as it is
# on a real site) and wrk asking for ARTICLES distinct article pages in turn.
#
#   NEWSROOM_BIN=target/release/newsroom bash bench/uncached.sh
#   ARTICLES=20000 DURATION=10s bash bench/uncached.sh
#   REFERENCE=/tmp/newsroom-before ROUNDS=3 bash bench/uncached.sh
#   CACHE_MB=64 bash bench/uncached.sh   # the cached case evicting
#
# With REFERENCE (another build, e.g. the commit before a change), both
# binaries answer the same uncached sequence, interleaved ROUNDS times,
# each on its own copy of the one demo database (a newer build may have
# migrated it), and the cached case is measured for both.
#
# Reports req/s, p99 and server CPU per request (utime+stime from
# /proc/PID/stat over the requests wrk completed), and the same sequence
# with the page cache on (600 s) after every page was rendered once, all
# hits, as the reference in the same run: the difference is what rendering
# a page from the database costs. Only 127.0.0.1.
set -euo pipefail
ARTICLES=${ARTICLES:-20000}
REFERENCE=${REFERENCE:-}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSROOM_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsroom}
WORK=$(mktemp -d /tmp/newsroom-uncached.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cd "$WORK"
# Filled by the older build when there is one: a newer one migrates its copy.
/usr/bin/time -f "demo: %e s wall, %M KB max RSS" "${REFERENCE:-$BIN}" demo --articles "$ARTICLES" >&2
TICK=$(getconf CLK_TCK)
cpu() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

measure() { # NAME TTL [BINARY DIR]
    local port bin=${3:-$BIN} dir=${4:-$WORK}; port=$(free_port)
    # The cached case holds every page (the default 256 MB would not), unless
    # CACHE_MB makes it smaller: then it evicts on every miss.
    (cd "$dir" && NEWSROOM_LOG=warn NEWSROOM_SERVER__PAGE_CACHE_TTL_SECS=$2 \
        NEWSROOM_SERVER__PAGE_CACHE_MB=${CACHE_MB:-2048} exec "$bin" serve --demo --role web --listen "127.0.0.1:$port" >"$WORK/run.log" 2>&1) &
    PID=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    # Canonical article paths from the sitemap: no redirects.
    [ -s "$WORK/paths.txt" ] || curl -sf "http://127.0.0.1:$port/sitemaps/articles-1.xml" | grep -o '<loc>[^<]*</loc>' \
        | sed -e 's|<loc>[^/]*//[^/]*||' -e 's|</loc>||' >"$WORK/paths.txt"
    cat >"$WORK/paths.lua" <<LUA
local paths = {}
for l in io.lines("$WORK/paths.txt") do paths[#paths + 1] = l end
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
local i = 0
function request()
    i = i + 1
    -- Each wrk thread its own readers, so every request counts a view.
    return wrk.format(nil, paths[(i * 7919) % #paths + 1], { ["User-Agent"] = "Mozilla/5.0 bench " .. id .. "-" .. i })
end
LUA
    # Warm the connection pool and the latest-news fragment.
    wrk -t1 -c4 -d2s -s "$WORK/paths.lua" "http://127.0.0.1:$port" >/dev/null
    if [ "$2" != 0 ]; then
        # With the page cache on, every page is rendered once first, so the
        # measured requests are all hits: what an uncached page costs beyond
        # a cached one is the render (and its read).
        # The same sequence: its stride (7919, a prime) visits every page in
        # as many requests as there are pages. wrk runs for its whole
        # duration: long enough for every page at 1,000 renders a second
        # (they go at 5,000 or more).
        wrk -t1 -c4 -d$(( $(wc -l <"$WORK/paths.txt") / 1000 + 3 ))s -s "$WORK/paths.lua" \
            "http://127.0.0.1:$port" >/dev/null
    fi
    local c0 c1 out reqs
    c0=$(cpu "$PID")
    out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$WORK/paths.lua" "http://127.0.0.1:$port")
    c1=$(cpu "$PID")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    printf '| %s | %s | %s | %s | %.1f |\n' "$1" "$(wc -l <"$WORK/paths.txt")" \
        "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")" \
        "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
        "$(awk -v t=$((c1 - c0)) -v hz="$TICK" -v r="$reqs" 'BEGIN { print t / hz / r * 1e6 }')"
    grep -q 'Non-2xx' <<<"$out" && { echo "$out" >&2; echo "non-2xx answers" >&2; }
    kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
}
echo "$ARTICLES articles; wrk -t2 -c$CONNS -d$DURATION; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC')"
echo "| case | distinct pages | req/s | p99 | server CPU µs/req |"
echo "|---|---|---|---|---|"
if [ -z "$REFERENCE" ]; then
    measure "article page, uncached (page_cache_ttl_secs=0)" 0
    measure "article page, cached (600 s), every page rendered before: all hits" 600
    exit 0
fi
mkdir "$WORK/ref"
cp -r "$WORK/data" "$WORK/ref/data"
# Each build brings its copy up to date as an upgraded site would: a build
# that seals bodies seals the reference's (unsealed) ones here, not while
# it is measured.
for d in "$WORK/ref:$REFERENCE" "$WORK:$BIN"; do
    (cd "${d%%:*}" && NEWSROOM_LOG=warn NEWSROOM_DATABASE__URL="sqlite://${d%%:*}/data/demo.db" "${d#*:}" migrate >&2)
done
for round in $(seq 1 "$ROUNDS"); do
    measure "round $round: reference, uncached" 0 "$REFERENCE" "$WORK/ref"
    measure "round $round: this build, uncached" 0 "$BIN" "$WORK"
done
measure "reference, cached (600 s), all hits" 600 "$REFERENCE" "$WORK/ref"
measure "this build, cached (600 s), all hits" 600 "$BIN" "$WORK"
