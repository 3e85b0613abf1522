#!/usr/bin/env python3
"""Makes the UniFFI-generated Python module cheaper to import, same behaviour.

UniFFI 0.32's module imports datetime, traceback, platform and itertools
without using them, and puts ``@dataclasses.dataclass`` on every record and
enum variant class although each defines its own ``__init__`` and
``__eq__`` and declares no field: all the decorator adds is a ``__repr__``
printing ``Name()``, and importing dataclasses (with inspect, ast, dis,
tokenize) plus decorating 23 classes is about 15 ms of a 41 ms cold start.
This rewrites the module (in the wheel, scripts/repack-wheel.sh) with those
imports dropped and ``dataclass`` a local function giving the same ``__repr__``.

Every assumption is checked on the module's syntax tree, and the script
fails (so the build does) when one does not hold: a newer UniFFI gets a
look before it ships. Usage: slim-uniffi-python.py path/to/ccauth_ffi.py
"""

from __future__ import annotations

import ast
import sys

UNUSED = ("datetime", "traceback", "platform", "itertools")
STAND_IN = '''def dataclass(cls):
    # What dataclasses.dataclass gives these classes (own __init__ and
    # __eq__, no declared field): a __repr__ of "Name()". Without the import
    # (scripts/slim-uniffi-python.py).
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = lambda self: type(self).__qualname__ + "()"
    return cls
'''


def fail(message: str) -> None:
    sys.exit(f"slim-uniffi-python: {message}")


def check(tree: ast.Module) -> None:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    for module in UNUSED:
        if module in names:
            fail(f"the generated module uses {module}; keep its import")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        decorators = [d for d in node.decorator_list if isinstance(d, ast.Name) and d.id == "dataclass"]
        if not decorators:
            if any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "dataclass" for d in node.decorator_list):
                fail(f"{node.name}: @dataclass(...) with arguments")
            continue
        defined = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
        if not {"__init__", "__eq__"} <= defined:
            fail(f"{node.name}: a @dataclass class without its own __init__ and __eq__")
        if any(isinstance(f, ast.AnnAssign) for f in node.body):
            fail(f"{node.name}: a @dataclass class declares fields")


def slim(source: str) -> str:
    tree = ast.parse(source)
    check(tree)
    lines = source.splitlines(keepends=True)
    wanted = {f"import {m}\n" for m in UNUSED} | {"from dataclasses import dataclass\n"}
    found = {line for line in lines if line in wanted}
    if found != wanted:
        fail(f"imports not found as expected: {sorted(wanted - found)}")
    out = []
    for line in lines:
        if line == "from dataclasses import dataclass\n":
            out.append(STAND_IN)
        elif line not in wanted:
            out.append(line)
    return "".join(out)


def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: slim-uniffi-python.py path/to/ccauth_ffi.py")
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    if "scripts/slim-uniffi-python.py" in source:
        return  # already slimmed
    slimmed = slim(source)
    compile(slimmed, path, "exec")
    with open(path, "w", encoding="utf-8") as f:
        f.write(slimmed)


if __name__ == "__main__":
    main()
