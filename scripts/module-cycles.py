#!/usr/bin/env python3
"""Import cycles between the modules (files) of each crate under crates/.

Usage: python3 scripts/module-cycles.py [CRATES_DIR]

Reads every `crate::...`, `super::...` and `self::...` path in a crate's
src/ files (uses and inline paths alike), resolves each to the file that
defines it, and prints every group of files that reach each other (a strongly
connected component of more than one file). A name re-exported by the crate
root or a module root (`pub use a::B`) counts as a use of the file that
defines it, since roots only wire. Exit status 1 when there is any cycle.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::\w+)+|::\{)")
PUB_USE = re.compile(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", re.S)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def module_of(src, file):
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts = parts[:-1]
    return parts


def file_of(src, parts):
    """The file of the longest prefix of `parts` that is a module."""
    for n in range(len(parts), -1, -1):
        base = src.joinpath(*parts[:n]) if n else src
        for cand in ([base.with_suffix(".rs"), base / "mod.rs"] if n else [src / "lib.rs", src / "main.rs"]):
            if cand.is_file():
                return cand, parts[n:]
    return None, parts


def expand(rest):
    """`{a, b::{c, d}}` (after `crate::`) -> [[a], [b, c], [b, d]]."""
    out, depth, cur = [], 0, ""
    for ch in rest:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        if ch == "," and depth == 1:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    paths = []
    for item in out:
        item = re.sub(r"\s+as\s+\w+", "", item).strip()
        if not item:
            continue
        if "{" in item:
            head, tail = item.split("{", 1)
            prefix = [p for p in head.split("::") if p]
            paths += [prefix + sub for sub in expand("{" + tail)]
        else:
            paths.append([p for p in item.split("::") if p])
    return paths


def reexports(src, root_file):
    """Names a root file re-exports: name -> absolute module path parts."""
    parts = module_of(src, root_file)
    names = {}
    for m in PUB_USE.finditer(strip_comments(root_file.read_text())):
        body = m.group(1).strip()
        for path in expand("{" + body + "}"):
            if not path or path[0] in ("std", "core", "alloc"):
                continue
            if path[0] == "crate":
                absolute = path[1:]
            elif path[0] == "self":
                absolute = parts + path[1:]
            elif path[0] == "super":
                absolute = parts[:-1] + path[1:]
            else:
                absolute = parts + path
            names[path[-1]] = absolute
    return names


def resolve(src, parts, seen=0):
    file, rest = file_of(src, parts)
    if file is None or not rest or seen > 8:
        return file
    if file.name in ("lib.rs", "main.rs", "mod.rs"):
        target = reexports(src, file).get(rest[0])
        if target:
            return resolve(src, target, seen + 1)
    return file


def edges_of(src):
    edges = {}
    for file in sorted(src.rglob("*.rs")):
        mod = module_of(src, file)
        here = set()
        text = strip_comments(file.read_text())
        for m in PATH.finditer(text):
            kind, tail = m.group(1), m.group(2)
            base = [] if kind == "crate" else (mod if kind == "self" else mod[:-1])
            if file.name not in ("lib.rs", "main.rs", "mod.rs") and kind == "super":
                base = mod[:-1]
            elif file.name not in ("lib.rs", "main.rs", "mod.rs") and kind == "self":
                base = mod
            if tail == "::{":
                paths = expand(text[m.end() - 1:])
            else:
                paths = [[p for p in tail.split("::") if p]]
            for p in paths:
                target = resolve(src, base + p)
                if target and target != file:
                    here.add(target)
        edges[file] = here
    return edges


def cycles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main():
    crates = Path(sys.argv[1] if len(sys.argv) > 1 else "crates")
    found = 0
    for src in sorted(crates.glob("*/src")):
        for group in cycles(edges_of(src)):
            found += 1
            print(f"cycle: {', '.join(str(f) for f in group)}")
    print(f"{found} import cycle(s) between modules under {crates}/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
