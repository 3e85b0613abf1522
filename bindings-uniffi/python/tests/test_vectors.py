"""Every request and response vector through the installed package: the same bytes as Rust."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from vector_cases import cases, run_request_case, run_response_case

REQUEST = list(cases("request"))
RESPONSE = list(cases("response"))


def test_the_vectors_are_all_there() -> None:
    # A glob that silently matched nothing would make every test below vacuous.
    assert len(REQUEST) >= 80 and len(RESPONSE) >= 60


@pytest.mark.parametrize("prepare", [False, True], ids=["document", "prepared"])
@pytest.mark.parametrize("case", [c for _, c in REQUEST], ids=[i for i, _ in REQUEST])
def test_request_vector(case: Dict[str, Any], prepare: bool) -> None:
    run_request_case(case, prepare)


@pytest.mark.parametrize("prepare", [False, True], ids=["document", "prepared"])
@pytest.mark.parametrize("case", [c for _, c in RESPONSE], ids=[i for i, _ in RESPONSE])
def test_response_vector(case: Dict[str, Any], prepare: bool) -> None:
    run_response_case(case, prepare)
