"""ccauth._marshal replaces UniFFI's generated buffer code: it must be in use
(a UniFFI upgrade that changes the generated module's shape would silently
turn it off), and the generated code it replaced must give the same results
on every vector (the default run covers the replacement)."""

from __future__ import annotations

from typing import Iterator

import pytest

from ccauth import _marshal
from test_lifecycle_vectors import LIFECYCLE
from test_lifecycle_vectors import test_lifecycle_vector as run_lifecycle_case
from vector_cases import cases, run_request_case, run_response_case


def test_the_faster_marshalling_is_installed() -> None:
    assert _marshal.INSTALLED, "the generated module's shape changed: update ccauth._marshal for this UniFFI version"
    assert _marshal.GENERATED, "install() kept the generated pieces to compare against"
    assert _marshal._events_shape_expected(), "LifecycleEvent changed: update _marshal._EVENT_FIELDS"


@pytest.fixture
def generated_runtime() -> Iterator[None]:
    replaced = _marshal.swap(dict(_marshal.GENERATED))
    try:
        yield
    finally:
        _marshal.swap(replaced)


def test_the_generated_runtime_gives_the_same_results_on_every_vector(generated_runtime: None) -> None:
    requests, responses = list(cases("request")), list(cases("response"))
    assert len(requests) >= 80 and len(responses) >= 60
    for _, case in requests:
        run_request_case(case)
    for _, case in responses:
        run_response_case(case)


def test_the_generated_runtime_reads_the_same_lifecycle_events(generated_runtime: None) -> None:
    events = [case for name, case in LIFECYCLE if name.startswith("lifecycle_events/")]
    assert len(events) >= 7
    for case in events:
        run_lifecycle_case(case)
