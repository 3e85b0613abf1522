"""Fixtures: the local authorization server that scripts/with-auth-server.sh started."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Callable

import pytest

from server_clients import BASIC_SECRET, POST_SECRET, SHORT_SECRET  # noqa: F401 (tests import them from here)


@dataclass(frozen=True)
class Server:
    token_endpoint: str
    api: str
    stats: str
    issuer: str

    def reset_stats(self) -> None:
        """Sets the server's request counters to zero."""
        with urllib.request.urlopen(urllib.request.Request(f"{self.stats}/reset", data=b"", method="POST"), timeout=5):
            pass

    def all_token_requests(self) -> int:
        """Token requests since the last :meth:`reset_stats`, from any client."""
        with urllib.request.urlopen(self.stats, timeout=5) as r:
            return int(json.load(r)["token_requests"])

    def token_requests(self, client_id: str) -> int:
        """How many token requests the server has seen from ``client_id``."""
        with urllib.request.urlopen(self.stats, timeout=5) as r:
            return int(json.load(r)["token_requests_by_client"].get(client_id, 0))


@pytest.fixture(scope="session")
def server() -> Server:
    env = os.environ
    if "CCAUTH_TOKEN_ENDPOINT" not in env:
        pytest.fail("run through scripts/with-auth-server.sh (make test does)")
    return Server(env["CCAUTH_TOKEN_ENDPOINT"], env["CCAUTH_API_URL"], env["CCAUTH_STATS_URL"], env["CCAUTH_ISSUER"])

