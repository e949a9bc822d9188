#!/usr/bin/env python3
"""Score trafilatura on the extraction-dev set with the benchmark's metric.

Same metric as crates/extract/examples/extract_eval.rs (see ../shared/README.md):
\\w+ tokens, 4-token shingle multisets, per-page (tp, fp, fn) normalised to
sum 1, P and R averaged over pages, F1 = harmonic mean of the two means,
bootstrap of 1000 page resamples for the +/-.
"""
import gzip
import json
import random
import re
import sys
import time
from collections import Counter

TOKEN = re.compile(r"\w+")


def shingles(text):
    toks = TOKEN.findall(text or "")
    if len(toks) < 4:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + 4]) for i in range(len(toks) - 3))


def page_counts(pred, truth):
    p, t = shingles(pred), shingles(truth)
    tp = sum(min(c, t[k]) for k, c in p.items())
    fp = sum(max(0, c - t[k]) for k, c in p.items())
    fn = sum(max(0, c - p[k]) for k, c in t.items())
    s = tp + fp + fn
    if s == 0:
        return (0.0, 0.0, 0.0)
    return (tp / s, fp / s, fn / s)


def prf(rows):
    precs, recs = [], []
    for tp, fp, fn in rows:
        if fp == 0 and fn == 0:
            if tp > 0:
                precs.append(1.0)
                recs.append(1.0)
            continue
        if tp + fp > 0:
            precs.append(tp / (tp + fp))
        if tp + fn > 0:
            recs.append(tp / (tp + fn))
    p = sum(precs) / len(precs) if precs else 0.0
    r = sum(recs) / len(recs) if recs else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return p, r, f


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "../shared/datasets/extraction-dev"
    favor_precision = "--precision" in sys.argv
    include_comments = "--no-comments" not in sys.argv
    import trafilatura

    truth = json.load(open(f"{root}/ground-truth.json", encoding="utf-8"))
    ids = sorted(truth)
    pages = {i: gzip.open(f"{root}/html/{i}.html.gz").read() for i in ids}
    rows = []
    t0 = time.process_time()
    for i in ids:
        text = trafilatura.extract(pages[i], url=truth[i].get("url"),
                                   favor_precision=favor_precision,
                                   include_comments=include_comments) or ""
        rows.append(page_counts(text, truth[i]["articleBody"]))
    cpu = time.process_time() - t0
    p, r, f = prf(rows)
    rng = random.Random(42)
    bs = []
    for _ in range(1000):
        bs.append(prf([rows[rng.randrange(len(rows))] for _ in rows]))

    def sd(xs):
        m = sum(xs) / len(xs)
        return (sum((x - m) ** 2 for x in xs) / len(xs)) ** 0.5

    mode = [m for m, on in (("favor_precision", favor_precision), ("no comments", not include_comments)) if on]
    print(f"trafilatura {trafilatura.__version__}{' (' + ', '.join(mode) + ')' if mode else ''}")
    print(f"pages {len(ids)}")
    print(f"precision {p:.3f} ± {sd([b[0] for b in bs]):.3f}")
    print(f"recall    {r:.3f} ± {sd([b[1] for b in bs]):.3f}")
    print(f"F1        {f:.3f} ± {sd([b[2] for b in bs]):.3f}")
    print(f"pages per CPU-second {len(ids) / cpu:.1f}")


if __name__ == "__main__":
    main()
