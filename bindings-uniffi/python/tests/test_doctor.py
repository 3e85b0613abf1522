"""``python -m ccauth doctor`` and ``ClientCredentials.from_env()`` against
the local authorization server: the installed package in a subprocess, its
exit codes, and no secret or token in anything it prints."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

import pytest

import ccauth
from conftest import Server
from server_clients import POST_SECRET
from vector_cases import VECTORS, printed

WRONG = "wrong-secret-0123456789"


def clean_env(**variables: str) -> Dict[str, str]:
    """This process's environment without its CCAUTH_* variables (the test
    harness sets some), plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCAUTH_")}
    env.update(variables)
    return env


def doctor(args: List[str], env: Dict[str, str]) -> Tuple[int, str, str]:
    p = subprocess.run(
        [sys.executable, "-m", "ccauth", "doctor", *args], env=env, capture_output=True, text=True, timeout=60, cwd="/"
    )
    return p.returncode, p.stdout, p.stderr


def assert_clean(text: str, secrets: List[str]) -> None:
    for s in secrets:
        assert s not in text, "a secret is shown"
    assert "eyJ" not in text, "a JWT is shown"


def post_args(server: Server, scope: Optional[str] = "api.read") -> List[str]:
    args = ["--token-endpoint", server.token_endpoint, "--client-id", "ccauth-post", "--auth-method", "client_secret_post"]
    return [*args, "--scope", scope] if scope else args


def test_doctor_gets_a_token_and_says_so(server: Server) -> None:
    code, out, err = doctor(post_args(server), clean_env(CCAUTH_CLIENT_SECRET=POST_SECRET))
    assert code == 0, out + err
    assert "Result: OK, a token came back." in out
    assert "client_secret=<redacted>" in out and "client secret   set (not shown)" in out
    assert "fetch_started reason=cold" in out and "fetch_succeeded" in out
    assert "Request 2" not in out, "one token request"
    assert_clean(out + err, [POST_SECRET])


def test_doctor_explains_a_wrong_secret_with_exit_code_1(server: Server) -> None:
    code, out, err = doctor(post_args(server), clean_env(CCAUTH_CLIENT_SECRET=WRONG))
    assert code == 1, out + err
    assert "invalid_client" in out and "\nHints\n" in out and "fetch_failed" in out
    assert "Result: FAILED, TOKEN_ENDPOINT_ERROR (invalid_client)." in out
    assert_clean(out + err, [WRONG])


def test_doctor_with_a_private_key_file_shows_the_assertion_decoded_not_signed(server: Server) -> None:
    key = VECTORS / "keys" / "p256.pem"
    args = ["--token-endpoint", server.token_endpoint, "--client-id", "ccauth-es256", "--auth-method", "private_key_jwt"]
    code, out, err = doctor([*args, "--private-key-file", str(key), "--scope", "api.read"], clean_env())
    assert code == 0, out + err
    assert "client_assertion=<JWT: alg=ES256" in out and "signature not shown>" in out
    assert "private key     set (not shown)" in out
    assert_clean(out + err, [line for line in key.read_text().splitlines() if not line.startswith("-----")])


def test_doctor_from_a_config_file_with_an_issuer_shows_the_token_request_only(server: Server, tmp_path: pathlib.Path) -> None:
    config = tmp_path / "ccauth.json"
    config.write_text(json.dumps({"issuer": server.issuer, "client_id": "ccauth-post", "auth_method": "client_secret_post"}))
    code, out, err = doctor([], clean_env(CCAUTH_CONFIG_FILE=str(config), CCAUTH_CLIENT_SECRET=POST_SECRET))
    assert code == 0, out + err
    assert f"POST {server.token_endpoint}" in out and "well-known" not in out
    assert_clean(out + err, [POST_SECRET])


@pytest.mark.parametrize(
    "args, env, said",
    [
        (["--client-idd", "x"], {}, "unknown flag --client-idd; did you mean --client-id?"),
        ([], {"CCAUTH_CLIENTID": "x"}, "CCAUTH_CLIENTID is not a ccauth variable; did you mean CCAUTH_CLIENT_ID?"),
        (["--config", "/nonexistent/ccauth.json"], {}, "cannot read /nonexistent/ccauth.json"),
        (["--token-endpoint", "http://as.example.com/token", "--client-id", "c"], {"CCAUTH_CLIENT_SECRET": WRONG}, "INSECURE"),
        ([WRONG], {}, "argument 1 is not a --flag"),
    ],
)
def test_bad_options_are_exit_code_2_and_name_the_option(args: List[str], env: Dict[str, str], said: str) -> None:
    code, out, err = doctor(args, clean_env(**env))
    assert code == 2, out + err
    assert said in err and out == ""
    assert_clean(out + err, [WRONG])


def test_help_is_exit_code_0() -> None:
    code, out, _ = doctor(["--help"], clean_env())
    assert code == 0 and "CCAUTH_CLIENT_SECRET" in out and "Exit code" in out


def test_from_env_builds_the_client_the_doctor_runs(server: Server) -> None:
    events: List[ccauth.LifecycleEvent] = []
    environ = {
        "CCAUTH_TOKEN_ENDPOINT": server.token_endpoint, "CCAUTH_CLIENT_ID": "ccauth-post",
        "CCAUTH_CLIENT_SECRET": POST_SECRET, "CCAUTH_AUTH_METHOD": "client_secret_post", "CCAUTH_SCOPE": "api.read",
        "HOME": "/root",
    }
    client = ccauth.ClientCredentials.from_env(environ=environ, on_event=events.append)
    token = client.get_token()
    assert token.scope == "api.read" and [e.event for e in events] == ["fetch_started", "fetch_succeeded"]
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials.from_env(environ={**environ, "CCAUTH_CLIENT_SECRT": "x"})
    assert caught.value.field == "environment" and "CCAUTH_CLIENT_SECRET" in str(caught.value)
    assert_clean(printed(caught.value), [POST_SECRET])
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials.from_env(environ={**environ, "CCAUTH_TOKEN_ENDPOINT": "http://as.example.com/token"})
    assert_clean(printed(caught.value), [POST_SECRET])


def test_doctor_says_when_the_endpoint_cannot_be_reached() -> None:
    args = ["--token-endpoint", "http://127.0.0.1:9/token", "--client-id", "c"]
    code, out, err = doctor(args, clean_env(CCAUTH_CLIENT_SECRET=WRONG))
    assert code == 1, out + err
    assert "connect (ECONNREFUSED)" in out and "retry_scheduled" in out and "fetch_failed" in out
    assert "the token endpoint could not be reached" in out
    assert_clean(out + err, [WRONG])
