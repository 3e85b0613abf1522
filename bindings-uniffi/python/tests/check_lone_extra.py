"""One extra installed alone (``pip install "ccauth[httpx]"`` or
``"ccauth[requests]"``): its hook gets a token from the local authorization
server and a 200 from its API, and the other hook says which extra to
install. Run by scripts/test-python-platforms.sh in a virtualenv that holds
only the wheel and that extra:  python check_lone_extra.py httpx|requests"""

from __future__ import annotations

import importlib.util
import os
import sys

import ccauth
from server_clients import POST_SECRET, post_auth


def main(extra: str) -> None:
    other = {"httpx": "requests", "requests": "httpx"}[extra]
    assert importlib.util.find_spec(other) is None, f"{other} is installed: this check needs it absent"
    client = ccauth.ClientCredentials(
        os.environ["CCAUTH_TOKEN_ENDPOINT"], "ccauth-post", auth=post_auth(POST_SECRET), scopes=["api.read"],
    )
    api = os.environ["CCAUTH_API_URL"]
    if extra == "httpx":
        import httpx

        with httpx.Client(auth=client.httpx_auth(), timeout=5) as http:
            status = http.get(api).status_code
    else:
        import requests

        status = requests.get(api, auth=client.requests_auth(), timeout=5).status_code
    assert status == 200, status

    hook = getattr(client, f"{other}_auth")
    try:
        hook()
    except ImportError as e:
        assert f'pip install "ccauth[{other}]"' in str(e), str(e)
    else:
        raise AssertionError(f"{other}_auth() worked without {other}")
    print(f"ccauth[{extra}] alone: API call 200 through {extra}_auth(); {other}_auth() names the extra")


if __name__ == "__main__":
    main(sys.argv[1])
