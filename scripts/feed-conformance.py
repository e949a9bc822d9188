#!/usr/bin/env python3
"""Run feedparser's well-formed test corpus through `newsroom feed parse` and count how many
files parse and how many title, link and date expectations hold.

    cargo build --release -p newsroom
    python3 scripts/feed-conformance.py [--bin target/release/newsroom] \
        [--corpus ../shared/conformance/feedparser] [--failures FILE.jsonl]

Expectations come from two places in index.jsonl: `checks` (the first entry's title, link and
published time, which the corpus README says carry over to any parser), and the file's own
`expect` line, from which the simple comparisons of the feed's and the first entry's title,
link and dates are taken (`feed['title'] == '...'`, `entries[0]['link'] == '...'`,
`entries[0]['updated_parsed'] == (2004, 1, 1, ...)`).

How they are compared:
- titles: newsroom keeps titles as plain text, feedparser as HTML; a title holds when it equals
  the expected string, or the expected string's plain text (tags dropped, entities decoded,
  whitespace collapsed);
- links: equal, or equal after URL normalisation (a trailing slash on a bare host);
- dates: the same instant (feedparser writes the time as in the file).
Every file is parsed with --url http://127.0.0.1:8097/tests/wellformed/<subdir>/<file>, the
address feedparser's own test server gives it (its `docuri` tests expect that base).
HTTP headers (Content-Location, Content-Type charsets) are not replayed, except the charset.
"""
import argparse
import ast
import html
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

KEYS = {
    ("feed", "title"): "feed_title",
    ("feed", "title_detail", "value"): "feed_title",
    ("feed", "link"): "feed_link",
    ("entries0", "title"): "entries0_title",
    ("entries0", "title_detail", "value"): "entries0_title",
    ("entries0", "link"): "entries0_link",
    ("entries0", "published"): "entries0_published",
    ("entries0", "published_parsed"): "entries0_published",
    ("entries0", "issued_parsed"): "entries0_published",
    ("entries0", "updated"): "entries0_updated",
    ("entries0", "updated_parsed"): "entries0_updated",
    ("entries0", "modified_parsed"): "entries0_updated",
}


def key_path(node):
    """feed['title'] -> ('feed', 'title'); entries[0]['link'] -> ('entries0', 'link')."""
    parts = []
    while isinstance(node, ast.Subscript):
        sl = node.slice
        if not isinstance(sl, ast.Constant):
            return None
        parts.append(sl.value)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    parts.reverse()
    if parts[0] == "entries" and len(parts) > 1 and parts[1] == 0:
        parts = ["entries0"] + parts[2:]
    return tuple(parts)


def expectations(expect):
    out = {}
    try:
        tree = ast.parse(expect.replace("u'", "'").replace('u"', '"'), mode="eval")
    except SyntaxError:
        return out
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        if not isinstance(node.ops[0], ast.Eq):
            continue
        path = key_path(node.left)
        if path not in KEYS:
            continue
        try:
            value = ast.literal_eval(node.comparators[0])
        except ValueError:
            continue
        out[KEYS[path]] = value
    return out


def plain(s):
    s = re.sub(r"<[^>]*>", "", s)
    return " ".join(html.unescape(s).split())


def norm_url(u):
    try:
        p = urlsplit(u)
    except ValueError:
        return u
    path = p.path or "/"
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), path, p.query, p.fragment))


def instant(v):
    if v is None:
        return None
    if isinstance(v, tuple):
        return datetime(*v[:6], tzinfo=timezone.utc).timestamp()
    s = str(v).strip()
    try:
        return parsedate_to_datetime(s).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def holds(kind, expected, feed):
    first = (feed.get("items") or [None])[0]
    if kind.startswith("entries0") and first is None:
        return False
    got = {
        "feed_title": feed.get("title"),
        "feed_link": feed.get("site_link"),
        "entries0_title": first and first.get("title"),
        "entries0_link": first and first.get("link"),
        "entries0_published": first and first.get("published"),
        "entries0_updated": first and first.get("updated"),
    }[kind]
    if kind.endswith("title"):
        e = expected or ""
        g = got or ""
        return g == e or g == plain(e) or plain(g) == plain(e)
    if kind.endswith("link"):
        if expected is None:
            return True
        return got is not None and (got == expected or norm_url(got) == norm_url(expected))
    want = instant(expected)
    return want is not None and got is not None and instant(got) == want


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "newsroom"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "conformance", "feedparser"))
    ap.add_argument("--failures", help="write every failed file or expectation here, as JSON lines")
    args = ap.parse_args()
    index = os.path.join(args.corpus, "index.jsonl")
    if not os.path.exists(index):
        sys.exit(f"no corpus at {args.corpus}: see ../shared/conformance/feedparser")
    rows = [json.loads(l) for l in open(index, encoding="utf-8").read().split("\n") if l.strip()]
    stats = {}
    failures = []
    for r in rows:
        fmt = r["format"]
        if fmt not in ("rss", "rdf", "atom"):
            continue
        st = stats.setdefault(fmt, {"files": 0, "parsed": 0})
        st["files"] += 1
        checks = dict(expectations(r.get("expect") or ""))
        for k, v in (r.get("checks") or {}).items():
            checks[k] = v
        url = "http://127.0.0.1:8097/tests/wellformed/" + r["path"].split("files/", 1)[1]
        cmd = [args.bin, "feed", "parse", "--time-zone", "UTC", "--url", url]
        for name, value in r.get("http_headers") or []:
            if name.lower() == "content-type" and "charset=" in value:
                cmd += ["--charset", value.split("charset=", 1)[1].strip()]
        cmd.append(os.path.join(args.corpus, r["path"]))
        p = subprocess.run(cmd, capture_output=True, env={**os.environ, "NEWSROOM_LOG": "error"})
        if p.returncode != 0:
            failures.append({"path": r["path"], "error": p.stderr.decode(errors="replace").strip()[-300:]})
            for k in checks:
                group = k.split("_")[-1]
                s = st.setdefault(group, [0, 0])
                s[1] += 1
            continue
        st["parsed"] += 1
        feed = json.loads(p.stdout)
        for k, v in checks.items():
            group = k.split("_")[-1]
            group = "date" if group in ("published", "updated") else group
            s = st.setdefault(group, [0, 0])
            s[1] += 1
            if holds(k, v, feed):
                s[0] += 1
            else:
                first = (feed.get("items") or [{}])[0]
                failures.append({"path": r["path"], "check": k, "expected": v,
                                 "got": {"title": feed.get("title"), "site_link": feed.get("site_link"),
                                         "item": {x: first.get(x) for x in ("title", "link", "published", "updated")}}})
    total = {"files": 0, "parsed": 0}
    print("| format | files | parse | title | link | date |")
    print("|---|---|---|---|---|---|")
    for fmt in ("rss", "rdf", "atom"):
        st = stats.get(fmt)
        if not st:
            continue
        cells = []
        for g in ("title", "link", "date"):
            h, n = st.get(g, [0, 0])
            cells.append(f"{h}/{n}")
            t = total.setdefault(g, [0, 0])
            t[0] += h
            t[1] += n
        total["files"] += st["files"]
        total["parsed"] += st["parsed"]
        print(f"| {fmt} | {st['files']} | {st['parsed']} | " + " | ".join(cells) + " |")
    cells = [f"{total[g][0]}/{total[g][1]}" for g in ("title", "link", "date")]
    print(f"| all | {total['files']} | {total['parsed']} | " + " | ".join(cells) + " |")
    if args.failures:
        with open(args.failures, "w", encoding="utf-8") as f:
            for x in failures:
                f.write(json.dumps(x, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
