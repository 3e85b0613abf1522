#!/usr/bin/env python3
"""Checks the core's layout: no import circle between files of core/src, and
every import points down the layers (a module may use its own layer and the
ones below it). Reads `crate::…` paths in the source, tests included.

    secret, sanitize, token  <  http  <  error  <  auth  <  config
        <  endpoints  <  fleet  <  lifecycle  <  doctor  <  lib.rs
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "core" / "src"
LAYERS = ["secret", "sanitize", "token", "http", "error", "auth", "config", "endpoints", "fleet", "lifecycle", "doctor"]
RANK = {"secret": 0, "sanitize": 0, "token": 0, "http": 1, "error": 2, "auth": 3,
        "config": 4, "endpoints": 5, "fleet": 6, "lifecycle": 7, "doctor": 8}


def module_of(path: pathlib.Path) -> tuple[str, ...]:
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[:-1] if parts[-1] == "mod" else parts


files = {module_of(p): p for p in SRC.rglob("*.rs") if p.name != "lib.rs"}
graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in files}
problems = []
for module, path in files.items():
    text = path.read_text()
    # Code (not doc comments) must not reach for lib.rs's re-exports: that
    # is an arrow back up to the crate root.
    code = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
    for name in sorted(set(re.findall(r"crate::([A-Z]\w*)", code))):
        problems.append(f"{'/'.join(module)} uses crate::{name}: import it from its module, not the crate root")
    # `use crate::{a::b, c}` groups and plain `crate::a::b` paths.
    paths = re.findall(r"crate::((?:[a-z_]+::)*[a-z_]+)", text)
    for group in re.findall(r"crate::\{([^}]*)\}", text):
        paths += [p.strip() for p in group.split(",")]
    for dotted in paths:
        parts = tuple(dotted.split("::"))
        # The longest prefix that is a file is the module imported.
        target = next((parts[:n] for n in range(len(parts), 0, -1) if parts[:n] in files), None)
        if target is None or target == module or module[: len(target)] == target:
            continue  # an item of lib.rs, this file, or a parent's item
        graph[module].add(target)
        if target[0] in RANK and RANK[target[0]] > RANK[module[0]]:
            problems.append(f"{'/'.join(module)} uses {'/'.join(target)}: an upper layer")

# Tarjan's strongly connected components: any with two or more files is a circle.
index, low, stack, on, circles, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = []
        while True:
            w = stack.pop()
            on.discard(w)
            component.append("/".join(w))
            if w == v:
                break
        if len(component) > 1:
            circles.append(sorted(component))


sys.setrecursionlimit(10_000)
for v in graph:
    if v not in index:
        visit(v)
problems += [f"import circle: {' <-> '.join(c)}" for c in circles]
unknown = sorted({m[0] for m in files} - set(RANK))
problems += [f"{u}: not in any layer (add it to LAYERS)" for u in unknown]
edges = sum(len(t) for t in graph.values())
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"core/src: {len(files)} files, {edges} imports between them, no circle, every import points down")
