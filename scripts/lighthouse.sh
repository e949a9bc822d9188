#!/usr/bin/env bash
# Lighthouse scores of the demo site: home and an article page, mobile and
# desktop, every category. A measurement for docs/QUALITY.md, not a CI test
# (Lighthouse's performance score depends on the machine it runs on).
#
#   bash scripts/lighthouse.sh                       # installs lighthouse with npm into a temp folder
#   LIGHTHOUSE=/path/to/node_modules/.bin/lighthouse NEWSROOM_BIN=target/release/newsroom bash scripts/lighthouse.sh
#
# Needs node/npm and Debian's chromium (/usr/bin/chromium). Only 127.0.0.1 is
# used by the site; npm reaches its registry once when LIGHTHOUSE is unset.
# Prints one Markdown table row per page and form factor, and keeps the JSON
# reports in $OUT (default: a temp folder, printed at the end).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NEWSROOM_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/newsroom}
WORK=$(mktemp -d /tmp/newsroom-lighthouse.XXXXXX)
OUT=${OUT:-$WORK/reports}
mkdir -p "$OUT"
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${LIGHTHOUSE:-}" ]; then
    (cd "$WORK" && npm install --no-audit --no-fund --silent lighthouse@13 >/dev/null)
    LIGHTHOUSE=$WORK/node_modules/.bin/lighthouse
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$WORK"
(NEWSROOM_LOG=warn exec "$BIN" serve --demo --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1) &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
# The lead article of the home page, as a reader would click it.
article=$(curl -sf "$base/" | grep -o 'href="/news/[^"]*"' | head -1 | sed -e 's/href="//' -e 's/"$//')
[ -n "$article" ] || { echo "no article link on the home page" >&2; exit 1; }

echo "| page | form factor | performance | accessibility | best practices | SEO |"
echo "|---|---|---|---|---|---|"
for page in "/" "$article"; do
    for form in mobile desktop; do
        name=$(echo "$page-$form" | tr '/' '_')
        extra=()
        [ "$form" = desktop ] && extra=(--preset=desktop)
        CHROME_PATH=/usr/bin/chromium "$LIGHTHOUSE" "$base$page" "${extra[@]}" --quiet \
            --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking" \
            --output=json --output-path="$OUT/$name.json" >/dev/null 2>"$OUT/$name.err" || {
            echo "lighthouse failed on $page ($form): $(tail -3 "$OUT/$name.err")" >&2; exit 1; }
        python3 - "$OUT/$name.json" "$page" "$form" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["categories"]
score = lambda k: "-" if c[k]["score"] is None else str(round(c[k]["score"] * 100))
print(f"| {sys.argv[2]} | {sys.argv[3]} | {score('performance')} | {score('accessibility')} | {score('best-practices')} | {score('seo')} |")
for k, cat in c.items():
    for ref in cat["auditRefs"]:
        a = r["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
            print(f"<!-- {k}: {a['id']} ({a['score']}) {a['title']} -->", file=sys.stderr)
PY
    done
done
echo "reports: $OUT" >&2
