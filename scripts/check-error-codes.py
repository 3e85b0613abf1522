#!/usr/bin/env python3
"""Checks every binding's hand-written list of error codes against the core's
catalogue (tests/vectors/error_codes.json, written from ccauth::ErrorCode::ALL
and checked by core/tests/vectors.rs). A code the core gives that a binding
does not list, or a listed code that neither the core nor the binding itself
gives, fails."""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
core = set(json.loads((ROOT / "tests/vectors/error_codes.json").read_text())["codes"])

# (file, the list's pattern, codes only that binding raises)
LISTS = [
    (
        "bindings-wasm/js/errors.ts",
        r"export type CcauthErrorCode =(.*?);",
        {"NO_RANDOM_SOURCE", "WASM_LOAD_FAILED"},
    ),
]

problems = []
for file, pattern, own in LISTS:
    text = (ROOT / file).read_text()
    match = re.search(pattern, text, re.S)
    if not match:
        problems.append(f"{file}: no code list found")
        continue
    listed = set(re.findall(r'"([A-Z_]+)"', match.group(1)))
    problems += [f"{file}: misses the core's {c}" for c in sorted(core - listed)]
    problems += [f"{file}: lists {c}, which nothing gives" for c in sorted(listed - core - own)]
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"error codes: {len(core)} in the core's catalogue, every binding's list agrees")
