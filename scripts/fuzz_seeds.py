#!/usr/bin/env python3
"""Seeds a corpus for each fuzz target (core/fuzz/fuzz_targets) from the
shared vectors' inputs: one file per input, in OUT/<target>/.

    python3 scripts/fuzz_seeds.py tests/vectors OUT

Each target reads its input its own way, so each seed is laid out as it reads:
- token_response: 7 header bytes (status, Content-Type, Retry-After, DPoP-Nonce,
  Content-Length, DPoP/BOM picks), then the body: every token response of the
  response and lifecycle vectors;
- endpoint_replies: 3 header bytes (status, variant 0: as is), then the body:
  every reply of endpoint_replies.json;
- www_authenticate: every WWW-Authenticate value (response headers, invalidate steps);
- private_key: every key (tests/vectors/keys, the configs' private_key/dpop_key);
- config_document: every config object, as JSON text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

TARGETS = ["token_response", "endpoint_replies", "www_authenticate", "private_key", "config_document"]
# The fuzz targets' pick lists (token_response.rs), in order.
CONTENT_TYPES = ["application/json", "text/html", "application/x-www-form-urlencoded", "text/plain", ""]
RETRY_AFTER = ["30", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "99999999999999999999", ""]


def status_bytes(status: int) -> bytes:
    """The two bytes the targets read as `100 + (a << 8 | b) % 500`."""
    v = (status - 100) % 500
    return bytes([v >> 8, v & 0xFF])


def body_of(response: Dict[str, Any]) -> bytes:
    if "body_base64" in response:
        return base64.b64decode(response["body_base64"])
    return str(response.get("body", "")).encode()


def header(response: Dict[str, Any], name: str) -> Any:
    for n, v in response.get("headers", []):
        if n.lower() == name.lower():
            return v
    return None


def pick(options: List[str], value: Any, missing: int) -> int:
    if value is None:
        return missing
    base = str(value).split(";")[0].strip().lower()
    return options.index(base) if base in options else missing


def token_seed(response: Dict[str, Any]) -> bytes:
    head = status_bytes(int(response.get("status", 200)))
    head += bytes(
        [
            pick(CONTENT_TYPES, header(response, "content-type"), 4),
            pick(RETRY_AFTER, header(response, "retry-after"), 4),
            0 if header(response, "dpop-nonce") else 1,
            0,  # no Content-Length
            0,  # no DPoP key, no BOM
        ]
    )
    return head + body_of(response)


def walk(value: Any) -> Iterator[Tuple[str, Any]]:
    """Every (key, value) pair in a JSON tree."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def seeds(vectors: Path) -> Dict[str, List[bytes]]:
    out: Dict[str, List[bytes]] = {t: [] for t in TARGETS}
    for file in sorted(vectors.glob("*.json")):
        document = json.loads(file.read_text(encoding="utf-8"))
        for case in document.get("cases", []):
            responses = []
            if "response" in case:
                responses.append(case["response"])
            for step in case.get("steps", []):
                if "respond" in step:
                    responses.append(step["respond"])
                inv = step.get("invalidate") or {}
                if inv.get("www_authenticate"):
                    out["www_authenticate"].append(str(inv["www_authenticate"]).encode())
            for r in responses:
                if file.name == "endpoint_replies.json":
                    out["endpoint_replies"].append(status_bytes(int(r.get("status", 200))) + b"\x00" + body_of(r))
                else:
                    out["token_response"].append(token_seed(r))
                challenge = header(r, "www-authenticate")
                if challenge:
                    out["www_authenticate"].append(str(challenge).encode())
            for key, value in walk(case):
                if key == "config" and isinstance(value, dict):
                    out["config_document"].append(json.dumps(value).encode())
                if key in ("private_key", "dpop_key") and value is not None:
                    out["private_key"].append((value if isinstance(value, str) else json.dumps(value)).encode())
    for key in sorted((vectors / "keys").glob("*")):
        if key.suffix in (".pem", ".json"):
            out["private_key"].append(key.read_bytes())
    return out


def main() -> None:
    vectors, dest = Path(sys.argv[1]), Path(sys.argv[2])
    for target, inputs in seeds(vectors).items():
        folder = dest / target
        folder.mkdir(parents=True, exist_ok=True)
        unique = {hashlib.sha1(i).hexdigest(): i for i in inputs}
        for name, data in unique.items():
            (folder / name).write_bytes(data)
        print(f"{target}: {len(unique)} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
