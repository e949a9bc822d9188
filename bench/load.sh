#!/usr/bin/env bash
# Load benchmark: the article page of `newsroom serve --demo`, with live view
# counting, against nginx serving the very same page bytes as a static file,
# in one run on one machine, so the result is a ratio.
#
#   bash bench/load.sh                  # 3 rounds of 15 s per case
#   ROUNDS=1 DURATION=5s bash bench/load.sh
#   NEWSROOM_BIN=target/debug/newsroom bash bench/load.sh   # no build, that binary
#   METRICS=1 bash bench/load.sh        # with the Prometheus recorder installed
#   PIN=1 bash bench/load.sh            # each server on CPU 0 (nginx: one worker), wrk on CPU 1
#
# What it does:
#   1. cargo build --release -p newsroom (honours CARGO_TARGET_DIR);
#   2. installs wrk and nginx with apt-get when they are missing (Debian);
#   3. starts newsroom --demo in a temp folder on 127.0.0.1, saves the article
#      page's bytes with curl, and starts nginx (own minimal config in the temp
#      folder, access_log off, worker_processes auto) serving that file on
#      another 127.0.0.1 port;
#   4. runs, interleaved round by round, `wrk -t$THREADS -c$CONNS -d$DURATION --latency` on:
#        nginx      the saved article bytes, one User-Agent per request
#        article    newsroom's article page, one User-Agent per request, so every
#                   request is a new visitor and is counted (the expensive case)
#        repeat     newsroom's article page, one fixed User-Agent: every request
#                   after the first is a deduplicated repeat view (the cheap case)
#        home       newsroom's home page
#   5. reports requests/s, p99 latency, newsroom/nginx ratios, and server CPU
#      per request (utime+stime of the server processes from /proc/PID/stat,
#      before and after each run, divided by the requests wrk completed).
#
# wrk shares the cores with the server under test, for both servers alike.
# Only 127.0.0.1 is used. Every process started here is stopped on exit.
# Results are printed as a Markdown table; docs/PERFORMANCE.md has the figures.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
# NEWSROOM_BIN=path skips the build and measures that binary instead.
BIN=${NEWSROOM_BIN:-$TARGET/release/newsroom}

need() {
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] && return 0
    echo "installing $2 (apt-get)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need wrk wrk
need nginx nginx
need curl curl
# PIN=1: the server under test gets CPU 0 alone and wrk CPU 1, so CPU per
# request and req/s compare one core's worth of each server.
if [ "${PIN:-0}" = 1 ]; then
    export SERVER_CPU=0 NGINX_WORKERS=1
    WRK_ON="taskset -c 1"
else
    WRK_ON=
fi
. "$ROOT/bench/nginx.sh"

[ -n "${NEWSROOM_BIN:-}" ] || (cd "$ROOT" && cargo build --release -q -p newsroom)

WORK=$(mktemp -d /tmp/newsroom-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as www-data and read the page from here
NR_PID=
cleanup() {
    if [ -f "$WORK/nginx.pid" ]; then "$NGINX" -c "$WORK/nginx.conf" -s quit 2>/dev/null || true; fi
    if [ -n "$NR_PID" ]; then kill -TERM "$NR_PID" 2>/dev/null && wait "$NR_PID" 2>/dev/null || true; fi
    sleep 0.5
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
NR_PORT=${NR_PORT:-$(free_port)}
NG_PORT=${NG_PORT:-$(free_port)}

# One address sends every visitor here, so the per-address visitor cap is lifted:
# the "article" case is meant to count every request.
# METRICS=1: the recorder is installed (metrics.listen set), as operators run it.
METRICS_AT=
[ "${METRICS:-0}" = 1 ] && METRICS_AT="127.0.0.1:$(free_port)"
(cd "$WORK" && if [ -n "$METRICS_AT" ]; then export NEWSROOM_METRICS__LISTEN=$METRICS_AT; fi && NEWSROOM_SITE__TIME_ZONE=Europe/Kyiv NEWSROOM_LOG=warn NEWSROOM_SERVER__MAX_VISITORS_PER_IP=4000000000 \
    exec ${SERVER_CPU:+taskset -c "$SERVER_CPU"} "$BIN" serve --demo --listen "127.0.0.1:$NR_PORT" >"$WORK/newsroom.log" 2>&1) &
NR_PID=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$NR_PORT/healthz" >/dev/null && break
    kill -0 "$NR_PID" 2>/dev/null || { cat "$WORK/newsroom.log"; exit 1; }
    sleep 0.1
done
# `$!` is the subshell that exec'd the binary, so it is the server itself.
[ "$(readlink "/proc/$NR_PID/exe")" = "$(readlink -f "$BIN")" ] || { echo "cannot find newsroom's pid" >&2; exit 1; }

ARTICLE=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$NR_PORT/news/1")
ARTICLE=${ARTICLE#http://127.0.0.1:$NR_PORT}
mkdir -p "$WORK/www"
curl -sf -A "bench setup" -o "$WORK/www/article.html" "http://127.0.0.1:$NR_PORT$ARTICLE"

nginx_start "$WORK" "$NG_PORT" 'location / { try_files /article.html =404; }'
NG_MASTER=$(cat "$WORK/nginx.pid")

cmp -s <(curl -sf "http://127.0.0.1:$NG_PORT$ARTICLE") "$WORK/www/article.html" || { echo "nginx does not serve the saved page" >&2; exit 1; }
SIZE=$(stat -c %s "$WORK/www/article.html")

cat >"$WORK/unique-ua.lua" <<'EOF'
-- One User-Agent per request, unique across threads and runs (the run's name
-- comes as the script argument): every request is a new visitor to newsroom.
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) run = args[1] or tostring(os.time()) end
local n = 0
function request()
    n = n + 1
    return wrk.format(nil, nil, { ["User-Agent"] = "Mozilla/5.0 bench-" .. run .. "-" .. tid .. "-" .. n })
end
EOF

TICK=$(getconf CLK_TCK)
# utime+stime in ticks of a process and, for nginx, its workers.
cpu_ticks() {
    local total=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        # Fields after the ")" that closes the command name: utime is the 12th, stime the 13th.
        total=$((total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo "$total"
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"
# run NAME URL PIDS-FUNCTION [LUA]
run() {
    local name=$1 url=$2 pidsf=$3 lua=${4:-} out pids c0 c1 reqs rps p99 cpu
    pids=$($pidsf)
    c0=$(cpu_ticks $pids)
    if [ "$lua" = fixed ]; then
        # One visitor: after its first request every view is a deduplicated repeat.
        out=$($WRK_ON wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "User-Agent: Mozilla/5.0 bench-repeat-visitor" "$url")
    else
        out=$($WRK_ON wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency ${lua:+-s "$lua"} "$url" ${lua:+-- "$name-$RANDOM$RANDOM"})
    fi
    c1=$(cpu_ticks $pids)
    if grep -q 'Non-2xx' <<<"$out"; then echo "$out" >&2; echo "non-2xx responses from $name" >&2; exit 1; fi
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' <<<"$out")
    cpu=$(awk -v t=$((c1 - c0)) -v hz="$TICK" -v r="$reqs" 'BEGIN { printf "%.1f", t / hz / r * 1e6 }')
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p99" "$cpu" "$reqs" >>"$RESULTS"
    printf '  %-8s %10s req/s  p99 %7s ms  %6s us CPU/req  (%s requests)\n' "$name" "$rps" "$p99" "$cpu" "$reqs" >&2
}
nr_pids() { echo "$NR_PID"; }
ng_pids() { echo "$NG_MASTER" $(ps -o pid= --ppid "$NG_MASTER"); }

echo "newsroom $NR_PORT (pid $NR_PID), nginx $NG_PORT; page $ARTICLE, $SIZE bytes; nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
VIEWS0=$(curl -s "http://127.0.0.1:$NR_PORT/api/v1/views?ids=1")
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    run nginx "http://127.0.0.1:$NG_PORT$ARTICLE" ng_pids "$WORK/unique-ua.lua"
    run article "http://127.0.0.1:$NR_PORT$ARTICLE" nr_pids "$WORK/unique-ua.lua"
    run repeat "http://127.0.0.1:$NR_PORT$ARTICLE" nr_pids fixed
    run home "http://127.0.0.1:$NR_PORT/" nr_pids
done
VIEWS1=$(curl -s "http://127.0.0.1:$NR_PORT/api/v1/views?ids=1")

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency, $ROUNDS interleaved rounds;${SERVER_CPU:+ servers on CPU $SERVER_CPU, wrk on CPU 1;} page $SIZE bytes; $(nproc) cores; $(date -u +%F)"
COUNTED=$(awk -F"\t" '$1 == "article" { s += $5 } END { print s }' "$RESULTS")
echo "views of article 1: $VIEWS0 before, $VIEWS1 after; counted views = $COUNTED new-visitor requests + 1 repeat visitor, plus up to $CONNS per run still in flight when wrk stopped"
echo
echo "| case | req/s per round | median req/s | median p99 ms | median CPU us/req | median ratio to nginx |"
echo "|---|---|---|---|---|---|"
awk -F'\t' '
    { rps[$1] = rps[$1] (rps[$1] == "" ? "" : ", ") sprintf("%.0f", $2); n[$1]++; R[$1, n[$1]] = $2; P[$1, n[$1]] = $3; C[$1, n[$1]] = $4 }
    function med(A, k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = A[k, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
    END {
        split("nginx article repeat home", order, " ")
        for (i = 1; i <= 4; i++) { k = order[i]; m = n[k]
            for (j = 1; j <= m; j++) Q[k, j] = R[k, j] / R["nginx", j]
            printf "| %s | %s | %.0f | %.2f | %.1f | %s |\n", k, rps[k], med(R, k, m), med(P, k, m), med(C, k, m), (k == "nginx" ? "1" : sprintf("%.2fx", med(Q, k, m)))
        }
    }' "$RESULTS"
