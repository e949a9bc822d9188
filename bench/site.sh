#!/usr/bin/env bash
# The whole site against nginx (issue 13): a synthetic site of ARTICLES
# articles (`newsroom demo`), one Zipf(1.0) sequence of REQUESTS article
# addresses drawn from its sitemaps, replayed by wrk against newsroom and
# against nginx serving the same pages as files, in identity and in gzip
# (nginx with `gzip_static` on the same pages compressed beforehand).
#
#   NEWSROOM_BIN=target/release/newsroom bash bench/site.sh
#   ARTICLES=20000 REQUESTS=50000 bash bench/site.sh          # a quicker run
#   DATABASE=postgres://newsroom:newsroom@127.0.0.1/newsroom_bench bash bench/site.sh
#   CACHE_MB=1024 bash bench/site.sh   # a page cache that holds every page
#   REFERENCE=/tmp/newsroom-before ROUNDS=2 bash bench/site.sh   # two builds
#   PASSES=3 bash bench/site.sh   # each process serves the sequence 3 times
#
# With PASSES, one newsroom process replays the sequence that many times,
# each pass with new readers: the later passes are a node that has been
# serving (its page cache warm, a window of visit claims behind it).
#
# With REFERENCE (another build, e.g. the commit before a change; SQLite
# only), the older of the two fills the site, each binary serves its own
# copy of it (the newer one migrates its copy), and the newsroom rows of the
# two alternate ROUNDS times per coding, after the one nginx row.
#
# The page cache keeps its default (256 MB) unless CACHE_MB is given; 100,000
# articles' pages do not fit in it, so some pages are rendered more than once.
# Each case starts from a fresh newsroom process (cold page cache), so the
# first request for each page renders it: the sequence's long tail is what
# a real site with years of articles serves. wrk runs once through the
# whole sequence per case (-c CONNS, as long as the sequence lasts). Every
# case's readers are new ones (the User-Agents carry the case's number), so
# each case counts its views and flushes them, as a site does.
# Reports req/s, p99 latency, server CPU per request and newsroom's peak
# RSS; docs/PERFORMANCE.md has the figures. Only 127.0.0.1 is used; every
# process started here is stopped on exit.
set -euo pipefail
ARTICLES=${ARTICLES:-100000}
REQUESTS=${REQUESTS:-200000}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-1}
PASSES=${PASSES:-1}
REFERENCE=${REFERENCE:+$(readlink -f "$REFERENCE")}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSROOM_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsroom}
BIN=$(readlink -f "$BIN")
. "$ROOT/bench/nginx.sh"
command -v wrk >/dev/null && [ -x "$NGINX" ] || { echo "needs wrk and nginx (bench/load.sh installs both)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/newsroom-site.XXXXXX)
chmod 755 "$WORK"
PID=
cleanup() {
    [ -f "$WORK/nginx.pid" ] && "$NGINX" -c "$WORK/nginx.conf" -s quit 2>/dev/null || true
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    sleep 0.5
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TICK=$(getconf CLK_TCK)
cpu() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done; echo "$t"; }

cd "$WORK"
DB=${DATABASE:-sqlite://$WORK/site.db}
if [ -n "$REFERENCE" ] && [ -n "${DATABASE:-}" ]; then echo "REFERENCE needs the SQLite site (no DATABASE)" >&2; exit 1; fi
# sqlx warns of every import statement over a second, with all its parameters.
NEWSROOM_LOG=info,sqlx=error /usr/bin/time -f "demo fill: %e s wall, %M KB peak RSS" "${REFERENCE:-$BIN}" demo --articles "$ARTICLES" --database "$DB" --force >&2
REF_DB=
if [ -n "$REFERENCE" ]; then
    # No process has the file open: the database and its WAL are the site.
    cp "$WORK/site.db" "$WORK/reference.db"
    [ ! -e "$WORK/site.db-wal" ] || cp "$WORK/site.db-wal" "$WORK/reference.db-wal"
    REF_DB=sqlite://$WORK/reference.db
    NEWSROOM_LOG=warn "$BIN" migrate --database "$DB" >&2
fi

start_newsroom() { # [BINARY DATABASE]
    PORT=$(free_port)
    local bin=${1:-$BIN} db=${2:-$DB}
    (export NEWSROOM_LOG=warn; [ -z "${CACHE_MB:-}" ] || export NEWSROOM_SERVER__PAGE_CACHE_MB=$CACHE_MB
     exec "$bin" serve --database "$db" --role web --listen "127.0.0.1:$PORT" >"$WORK/newsroom.log" 2>&1) &
    PID=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
    cat "$WORK/newsroom.log" >&2; exit 1
}
stop_newsroom() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

start_newsroom
# Every article address in the sitemaps, canonical, so no request is a redirect.
for f in $(curl -sf "http://127.0.0.1:$PORT/sitemap.xml" | grep -o 'sitemaps/articles-[0-9]*\.xml'); do
    curl -sf "http://127.0.0.1:$PORT/$f" | grep -o '<loc>[^<]*</loc>' | sed -e 's|<loc>[^/]*//[^/]*||' -e 's|</loc>||'
done >"$WORK/all.txt"
# One Zipf(1.0) sequence, the same for every case (rank 1 is the first address).
python3 - "$WORK/all.txt" "$REQUESTS" >"$WORK/seq.txt" <<'PY'
import bisect, itertools, random, sys
paths = open(sys.argv[1]).read().split("\n")[:-1]
weights = list(itertools.accumulate(1.0 / r for r in range(1, len(paths) + 1)))
rng = random.Random(20261207)
for _ in range(int(sys.argv[2])):
    print(paths[bisect.bisect_left(weights, rng.random() * weights[-1])])
PY
DISTINCT=$(sort -u "$WORK/seq.txt" | wc -l)
# The pages nginx serves: newsroom's own bytes for each distinct address,
# by article id, and their gzip for gzip_static.
mkdir -p "$WORK/www/a"
sort -u "$WORK/seq.txt" >"$WORK/distinct.txt"
python3 - "$PORT" "$WORK/www/a" "$WORK/distinct.txt" <<'PY'
import concurrent.futures, gzip, http.client, re, sys, threading
port, out = sys.argv[1], sys.argv[2]
local = threading.local()
def get(path):
    if not hasattr(local, "c"):
        local.c = http.client.HTTPConnection("127.0.0.1", int(port))
    local.c.request("GET", path, headers={"User-Agent": "bench setup"})
    r = local.c.getresponse()
    body = r.read()
    assert r.status == 200, (path, r.status)
    name = out + "/" + re.match(r"/news/([0-9]+)", path).group(1) + ".html"
    open(name, "wb").write(body)
    open(name + ".gz", "wb").write(gzip.compress(body, 6))
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    list(ex.map(get, open(sys.argv[3]).read().split("\n")[:-1]))
PY
stop_newsroom

NG_PORT=$(free_port)
# Below the open-files limit (ulimit -n): past it nginx answers 500.
nginx_start "$WORK" "$NG_PORT" 'location ~ ^/news/([0-9]+)- { try_files /a/$1.html =404; }' \
    'open_file_cache max=8000 inactive=60s; gzip_static on; gzip_vary on;'
NG_PIDS="$(cat "$WORK/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' ')"

# wrk walks the sequence once: thread 1 takes the odd requests, thread 2 the
# even ones; a thread that has its share answered leaves a file and stops,
# and wrk is stopped (SIGINT: it still prints its figures) once both have.
cat >"$WORK/seq.lua" <<LUA
local paths = {}
for l in io.lines("$WORK/seq.txt") do paths[#paths + 1] = l end
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) coding = args[1]; case = args[2]; share = math.floor((#paths - id) / 2) + 1 end
local sent, answered = 0, 0
function request()
    local k = sent * 2 + id
    sent = sent + 1
    if k > #paths then k = id end
    local h = { ["User-Agent"] = "Mozilla/5.0 bench " .. case .. "-" .. id .. "-" .. sent }
    if coding == "gzip" then h["Accept-Encoding"] = "gzip" end
    return wrk.format(nil, paths[k], h)
end
function response()
    answered = answered + 1
    if answered == share then
        io.open("$WORK/done." .. id, "w"):close()
        wrk.thread:stop()
    end
end
LUA

CASE=0
row() { # NAME URL CODING PIDS...
    local name=$1 url=$2 coding=$3; shift 3
    CASE=$((CASE + 1))
    local c0 c1 t0 t1 out reqs wpid
    rm -f "$WORK"/done.*
    c0=$(cpu "$@"); t0=$(date +%s.%N)
    wrk -t2 -c"$CONNS" -d3600s --latency -s "$WORK/seq.lua" "$url" -- "$coding" "$CASE" >"$WORK/wrk.out" &
    wpid=$!
    until [ -e "$WORK/done.1" ] && [ -e "$WORK/done.2" ]; do
        kill -0 "$wpid" 2>/dev/null || break
        sleep 0.05
    done
    t1=$(date +%s.%N); c1=$(cpu "$@")
    kill -INT "$wpid" 2>/dev/null || true; wait "$wpid" || true
    out=$(cat "$WORK/wrk.out")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    grep -q 'Non-2xx' <<<"$out" && { echo "$out" >&2; echo "non-2xx answers" >&2; }
    RPS=$(awk -v r="$reqs" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", r / (b - a) }')
    printf '| %s | %s | %s | %s | %s | %.1f |' "$name" "$coding" "$reqs" "$RPS" \
        "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
        "$(awk -v t=$((c1 - c0)) -v hz="$TICK" -v r="$reqs" 'BEGIN { print t / hz / r * 1e6 }')"
}

echo "$ARTICLES articles ($(sed -E 's|//([^:/@]+):[^@]*@|//\1:***@|' <<<"$DB")), $REQUESTS requests Zipf(1.0) over $(wc -l <"$WORK/all.txt") addresses, $DISTINCT distinct; page cache ${CACHE_MB:-256 (default)} MB; wrk -t2 -c$CONNS; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC')"
echo "| server | coding | requests | req/s | p99 | server CPU µs/req | ratio to nginx | newsroom peak RSS (anonymous at the end) |"
echo "|---|---|---|---|---|---|---|---|"
for coding in identity gzip; do
    row nginx "http://127.0.0.1:$NG_PORT" "$coding" $NG_PIDS; echo " 1 | |"
    NG_RPS=$RPS
    for round in $(seq 1 "$ROUNDS"); do
        for side in ${REFERENCE:+reference} newsroom; do
            if [ "$side" = reference ]; then start_newsroom "$REFERENCE" "$REF_DB"; else start_newsroom; fi
            for pass in $(seq 1 "$PASSES"); do
                label="$side${REFERENCE:+, round $round}"
                [ "$PASSES" = 1 ] || label="$label, pass $pass"
                row "$label" "http://127.0.0.1:$PORT" "$coding" "$PID"
                # The peak counts the database's pages the process has mapped
                # (its read handles use a memory map), once per handle; the
                # anonymous part is its own memory.
                RSS=$(awk '/VmHWM/ {h = $2} /RssAnon/ {a = $2} END {printf "%.0f MB (%.0f MB anonymous)", h / 1024, a / 1024}' "/proc/$PID/status")
                awk -v a="$RPS" -v b="$NG_RPS" -v rss="$RSS" 'BEGIN { printf " %.2fx | %s |\n", a / b, rss }'
            done
            stop_newsroom
        done
    done
done
