#!/usr/bin/env bash
# Server CPU per request on the hot (cached) article page, for comparing
# builds: each binary in turn serves `--demo`, wrk asks for the article page
# as one repeat visitor and then as a new visitor per request (every
# request counted), and the server's utime+stime over the requests wrk
# completed is printed, with its user part (utime) alone: the kernel's TCP
# and scheduling work is most of the total and moves with the machine's
# load. Rounds interleave the binaries, so load from other work hits them
# alike; CPU per request moves far less with load than req/s.
#
#   ROUNDS=2 bash bench/hot.sh /tmp/newsroom-before target/release/newsroom
#
# PIN=1 runs the server on CPU 0 and wrk on CPU 1.
#
# bench/load.sh compares one build against nginx; this compares builds.
set -euo pipefail
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-6s}
if [ "${PIN:-0}" = 1 ]; then SERVER_ON="taskset -c 0"; WRK_ON="taskset -c 1"; else SERVER_ON=; WRK_ON=; fi
WORK=$(mktemp -d /tmp/newsroom-hot.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cat >"$WORK/new.lua" <<'LUA'
local n = 0
function request()
    n = n + 1
    return wrk.format(nil, nil, { ["User-Agent"] = "Mozilla/5.0 bench-" .. n .. "-" .. math.random(1000000000) })
end
LUA
TICK=$(getconf CLK_TCK)
cpu() { sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}'; }
# utime alone: the server's own code, without the kernel's TCP and scheduling.
ucpu() { sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12}'; }
echo "| round | binary | repeat visitor: req/s | CPU µs/req | of it user | new visitor each request: req/s | CPU µs/req | of it user |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
    for bin in "$@"; do
        bin=$(readlink -f "$bin")
        rm -rf "$WORK/site" && mkdir -p "$WORK/site"
        port=$(free_port)
        (cd "$WORK/site" && NEWSROOM_LOG=warn NEWSROOM_SERVER__MAX_VISITORS_PER_IP=4000000000 \
            exec $SERVER_ON "$bin" serve --demo --listen "127.0.0.1:$port" >"$WORK/server.log" 2>&1) &
        PID=$!
        for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
        url="http://127.0.0.1:$port$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$port/news/1" | sed 's|^http://[^/]*||')"
        row="| $round | $bin"
        for case in repeat new; do
            c0=$(cpu); u0=$(ucpu)
            if [ "$case" = repeat ]; then
                out=$($WRK_ON wrk -t2 -c64 -d"$DURATION" -H 'User-Agent: Mozilla/5.0 bench-repeat' "$url")
            else
                out=$($WRK_ON wrk -t2 -c64 -d"$DURATION" -s "$WORK/new.lua" "$url")
            fi
            c1=$(cpu); u1=$(ucpu)
            n=$(awk '/requests in/ {print $1}' <<<"$out")
            row="$row | $(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk -v c=$((c1 - c0)) -v hz="$TICK" -v n="$n" 'BEGIN { printf "%.1f", c / hz / n * 1e6 }') | $(awk -v c=$((u1 - u0)) -v hz="$TICK" -v n="$n" 'BEGIN { printf "%.1f", c / hz / n * 1e6 }')"
        done
        echo "$row |"
        kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
    done
done
