"""Introspection: what the server says of a token (RFC 7662).

Apart from the client so that ``import ccauth`` does not import
``dataclasses`` (and ``inspect`` with it): most services never introspect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional


@dataclass(frozen=True)
class Introspection:
    """What the server says of a token (RFC 7662)."""

    active: bool
    scope: Optional[str] = None
    client_id: Optional[str] = None
    exp: Optional[int] = None
    """Expiry, Unix seconds."""
    token_type: Optional[str] = None
    fields: Dict[str, Any] = field(default_factory=dict, repr=False)
    """Every member the server sent."""
