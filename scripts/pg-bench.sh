#!/usr/bin/env bash
# Article page throughput on SQLite and on PostgreSQL, same machine, same run:
# the demo site on SQLite, copied to PostgreSQL with `newsroom copy`, both
# served at once, then wrk against the same article on each, one after the
# other. Run twice: with the page cache (default, 5 s) and without it
# (PAGE_CACHE=0), where every request reads the database.
#
#   BIN=target/release/newsroom PG=postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_test scripts/pg-bench.sh
#
# PG must name a database whose content may be replaced (copy --force).
set -euo pipefail
BIN=$(realpath "${BIN:-target/release/newsroom}")
PG=${PG:?set PG to a postgres:// URL whose database may be overwritten}
DUR=${DUR:-10s}
CONN=${CONN:-32}
PAGE_CACHE=${PAGE_CACHE:-5}
work=$(mktemp -d)
cd "$work"
export NEWSROOM_LOG=warn NEWSROOM_SERVER__PAGE_CACHE_TTL_SECS=$PAGE_CACHE

wait_up() {
    for _ in $(seq 1 200); do
        curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return 0
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

"$BIN" serve --demo --listen 127.0.0.1:18081 & demo=$!
wait_up 18081
kill -TERM $demo; wait $demo
"$BIN" copy --from "sqlite://$work/data/demo.db" --to "$PG" --force

"$BIN" serve --database "sqlite://$work/data/demo.db" --listen 127.0.0.1:18081 & s=$!
"$BIN" serve --database "$PG" --listen 127.0.0.1:18082 & p=$!
trap 'kill -TERM $s $p 2>/dev/null; wait' EXIT
wait_up 18081
wait_up 18082
path=$(curl -s http://127.0.0.1:18081/ | grep -o 'href="/news/[^"]*"' | head -n 1 | cut -d'"' -f2)
echo "page cache ${PAGE_CACHE}s, article $path, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for port in 18081 18082; do
    name=$([ $port = 18081 ] && echo SQLite || echo PostgreSQL)
    echo "== $name"
    wrk -t2 -c"$CONN" -d"$DUR" --latency \
        -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 bench' \
        "http://127.0.0.1:$port$path" | grep -E "Requests/sec|99%|Latency  "
done
