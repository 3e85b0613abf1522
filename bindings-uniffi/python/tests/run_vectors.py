"""Runs every request/response vector without pytest, for other CPython
versions and systems (scripts/test-python.sh runs it with each one it finds)."""

from __future__ import annotations

import sys

from vector_cases import cases, run_request_case, run_response_case


def run_all() -> int:
    """Runs them all (an assertion fails on the first wrong one); how many ran."""
    n = 0
    for _, case in cases("request"):
        run_request_case(case)
        n += 1
    for _, case in cases("response"):
        run_response_case(case)
        n += 1
    assert n >= 140, n
    return n


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}: {run_all()} vectors passed")
