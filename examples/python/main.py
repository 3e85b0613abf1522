"""ccauth in Python: get a token, call the protected API (standard library
only), see the typed error a wrong secret gives. Run by `make demo` against
the local authorization server; `mypy --strict` checks it in `make test`."""

from __future__ import annotations

import asyncio
import os
import urllib.request

from ccauth import ClientAuth, ClientCredentials, ClientSecret, OAuthError


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set; run via scripts/with-auth-server.sh")
    return value


def main() -> None:
    token_endpoint = env("CCAUTH_TOKEN_ENDPOINT")
    api = env("CCAUTH_API_URL")

    client = ClientCredentials(token_endpoint, "ccauth-basic", 's3cr3t+/:%&= "~*', scopes=["api.read"])
    request = urllib.request.Request(api, headers={"Authorization": client.authorization_header()})
    with urllib.request.urlopen(request, timeout=10) as response:
        print(f"[python] API answered {response.status} {response.read().decode()}")
    token = client.get_token()
    print(f"[python] {token!r} (printing the token object never prints the token)")

    async def many() -> int:
        tokens = await asyncio.gather(*(client.get_token_async() for _ in range(100)))
        return len({t.access_token for t in tokens})

    print(f"[python] 100 asyncio tasks got {asyncio.run(many())} distinct token(s)")

    # proactive_refresh: a daemon timer replaces the token at its refresh
    # time even while nobody asks; leaving the block (close()) stops it.
    secret = 's3cr3t+/:%&= "~*'
    with ClientCredentials(token_endpoint, "ccauth-basic", secret, scopes=["api.read"], proactive_refresh=True) as idle:
        print(f"[python] refreshed in the background from now on: {idle.get_token()!r}")

    # Client authentication is one typed value; the secret alone means Basic.
    post = ClientCredentials(token_endpoint, "ccauth-post", auth=ClientAuth.CLIENT_SECRET_POST(secret=ClientSecret("post-secret-0123456789")))
    print(f"[python] client_secret_post: {post.get_token()!r}")

    wrong = ClientCredentials(token_endpoint, "ccauth-basic", "not-the-secret", timeout_ms=5_000)
    try:
        wrong.get_token()
    except OAuthError as e:
        print(f"[python] wrong secret: {e.code} (error={e.error}, status={e.status})")


if __name__ == "__main__":
    main()
