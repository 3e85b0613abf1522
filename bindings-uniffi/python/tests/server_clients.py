"""The clients the local authorization server knows (tests/server/), for
checks that run without pytest."""

BASIC_SECRET = 's3cr3t+/:%&= "~*'
POST_SECRET = "post-secret-0123456789"
SHORT_SECRET = "short-secret-0123456789"


def post_auth(secret: str):  # type: ignore[no-untyped-def]
    """``client_secret_post`` with ``secret`` (the clients that are not Basic)."""
    import ccauth

    return ccauth.ClientAuth.CLIENT_SECRET_POST(secret=ccauth.ClientSecret(secret))
