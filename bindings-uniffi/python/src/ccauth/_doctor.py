"""``python -m ccauth doctor``: fetch one token and print the core's report.

The core plans (which files to read, or the help), reads the options
(flags > ``CCAUTH_*`` variables > a JSON config file) and writes the report,
so every language prints the same text; this module reads the files, sends
the requests with the package's own client (each exchange recorded by a
transport wrapper) and collects the events through ``on_event``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, TextIO, Tuple

from ._errors import FFI_ERRORS, ConfigError, Error, bad_option, from_ffi
from ._ffi import ccauth_ffi as _ffi
from ._transport import HttpReply, Transport, TransportFailure, UrllibTransport

__all__ = ["load_options", "main"]


def _env(environ: Mapping[str, str]) -> List[Any]:
    return [_ffi.Header(name=n, value=v) for n, v in environ.items() if n.startswith("CCAUTH_")]


def _read(path: str, field: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        reason = f"cannot read {path}: {getattr(e, 'strerror', None) or type(e).__name__}"
    raise bad_option(field, reason)


def load_options(args: Sequence[str], environ: Mapping[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """(help text, None) for ``--help``; else (None, the client options as
    JSON text): the files the core's plan names read here. Raises
    :class:`ConfigError` for bad options (nothing of their values in it)."""
    error: Optional[Error] = None
    result: Tuple[Optional[str], Optional[str]] = (None, None)
    try:
        plan: Dict[str, str] = json.loads(_ffi.doctor_plan(list(args), _env(environ)))
        if "help" in plan:
            result = (plan["help"], None)
        else:
            config = _read(plan["config_file"], "config_file") if "config_file" in plan else None
            key = _read(plan["private_key_file"], "private_key_file") if "private_key_file" in plan else None
            result = (None, _ffi.client_options(list(args), _env(environ), config, key))
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del args, environ  # the secret may be in both: not in this frame when an error passes through
    if error is not None:
        raise error
    return result


class _Recording:
    """A transport that keeps each exchange in the form the core's report reads."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.exchanges: List[Dict[str, Any]] = []

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply:
        exchange: Dict[str, Any] = {
            "request": {"method": method, "url": url, "headers": [list(h) for h in headers], "body": body.decode("utf-8", "replace")},
            "response": None,
            "transport_error": None,
        }
        self.exchanges.append(exchange)
        try:
            reply = self.inner.send(method, url, headers, body, timeout_ms, max_bytes=max_bytes)
        except TransportFailure as e:  # its kind and the platform's code: "connect (ECONNREFUSED)"
            exchange["transport_error"] = f"{e.kind} ({e.cause or e})"
            raise
        except Exception as e:
            exchange["transport_error"] = type(e).__name__
            raise
        exchange["response"] = {
            "status": reply.status,
            "headers": [list(h) for h in reply.headers],
            "body": reply.body.decode("utf-8", "replace"),
        }
        return reply


def main(argv: Sequence[str], environ: Mapping[str, str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``doctor ARGS…``: the exit code (0 a token came back, 1 not, 2 bad options)."""
    from ._client import ClientCredentials
    from ._events import LifecycleEvent

    if not argv or argv[0] != "doctor":
        print("usage: python -m ccauth doctor [--help] [--token-endpoint URL] [--client-id ID] …", file=err)
        return 2
    try:
        help_text, options = load_options(argv[1:], environ)
    except ConfigError as e:
        print(f"ccauth doctor: {e.message}", file=err)
        return 2
    if help_text is not None or options is None:
        print((help_text or "").rstrip("\n"), file=out)
        return 0
    recording = _Recording(UrllibTransport())
    events: List[LifecycleEvent] = []
    try:
        client = ClientCredentials._from_options(options, recording, None, 10_000, events.append)
    except ConfigError as e:
        print(f"ccauth doctor: {e.message}", file=err)
        return 2
    except Error:
        client = None  # discovery failed: the report says why from the exchanges
    if client is not None:
        try:
            client.get_token()
        except Error:
            pass  # the report explains it
    # The token requests (POST); discovery's GETs only when no token request
    # was made (the report reads every exchange as the token endpoint's).
    exchanges = [e for e in recording.exchanges if e["request"]["method"] == "POST"] or recording.exchanges
    report = json.loads(
        _ffi.doctor_report(
            options,
            json.dumps(exchanges),
            json.dumps([e.to_dict() for e in events]),
            time.time_ns() // 1_000_000,
        )
    )
    print(str(report["text"]).rstrip("\n"), file=out)
    code: int = report["exit_code"]
    return code


def run() -> None:
    """The console entry: ``python -m ccauth doctor …``."""
    sys.exit(main(sys.argv[1:], os.environ))
