"""The installed wheel on another system (an old glibc, aarch64 under qemu):
every request/response vector, then, when the local authorization server is
reachable (CCAUTH_TOKEN_ENDPOINT), a token through the standard library and a
200 from the API. Needs nothing but the wheel. Run by
scripts/test-python-platforms.sh inside a Debian bullseye root."""

from __future__ import annotations

import json
import os
import platform
import urllib.request

import ccauth
from server_clients import POST_SECRET, post_auth
from run_vectors import run_all


def main() -> None:
    n = run_all()
    where = f"{platform.machine()}, glibc {platform.libc_ver()[1]}, Python {platform.python_version()}"
    endpoint = os.environ.get("CCAUTH_TOKEN_ENDPOINT")
    if not endpoint:
        print(f"{where}: {n} vectors passed (no server)")
        return
    client = ccauth.ClientCredentials(
        endpoint, "ccauth-post", auth=post_auth(POST_SECRET), scopes=["api.read"]
    )
    req = urllib.request.Request(os.environ["CCAUTH_API_URL"], headers={"Authorization": client.authorization_header()})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200 and json.load(r)["client_id"] == "ccauth-post"
    print(f"{where}: {n} vectors passed; token fetched and API answered 200")


if __name__ == "__main__":
    main()
