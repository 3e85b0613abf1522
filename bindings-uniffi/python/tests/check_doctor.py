"""``python -m ccauth doctor`` from the wheel alone, in a fresh virtualenv
with no other package, against the local authorization server
(CCAUTH_TOKEN_ENDPOINT from scripts/with-auth-server.sh): a token (exit 0),
a wrong secret (exit 1, invalid_client and a hint), a typo (exit 2); no
secret or token in what it prints. Run by scripts/test-python.sh."""

from __future__ import annotations

import os
import subprocess
import sys

from server_clients import POST_SECRET

WRONG = "wrong-secret-0123456789"


def doctor(secret: str, *extra: str) -> "tuple[int, str]":
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCAUTH_")}
    env["CCAUTH_CLIENT_SECRET"] = secret
    args = ["--token-endpoint", os.environ["CCAUTH_TOKEN_ENDPOINT"], "--client-id", "ccauth-post", "--auth-method", "client_secret_post"]
    p = subprocess.run([sys.executable, "-m", "ccauth", "doctor", *args, *extra], env=env, capture_output=True, text=True, timeout=60)
    text = p.stdout + p.stderr
    assert secret not in text and "eyJ" not in text, "a secret or a token is shown"
    return p.returncode, text


def main() -> None:
    import ccauth

    assert "site-packages" in ccauth.__file__, ccauth.__file__
    code, text = doctor(POST_SECRET, "--scope", "api.read")
    assert code == 0 and "Result: OK" in text, text
    code, text = doctor(WRONG)
    assert code == 1 and "invalid_client" in text and "Hints" in text, text
    code, text = doctor(WRONG, "--scopes", "x")
    assert code == 2 and "did you mean --scope?" in text, text
    print("python -m ccauth doctor from the wheel alone: exit codes 0, 1, 2 as expected, nothing secret shown")


if __name__ == "__main__":
    main()
