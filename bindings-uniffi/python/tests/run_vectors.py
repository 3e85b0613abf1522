"""Runs every request/response vector without pytest, for other CPython
versions (scripts/test-python.sh runs it with each one it finds)."""

from __future__ import annotations

import sys

from vector_cases import cases, run_request_case, run_response_case

if __name__ == "__main__":
    n = 0
    for _, case in cases("request"):
        run_request_case(case)
        n += 1
    for _, case in cases("response"):
        run_response_case(case)
        n += 1
    assert n >= 140, n
    print(f"Python {sys.version.split()[0]}: {n} vectors passed")
