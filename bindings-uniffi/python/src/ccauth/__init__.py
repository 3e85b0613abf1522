"""ccauth: the OAuth 2.0 Client Credentials client (a sans-IO Rust core).

>>> from ccauth import ClientCredentials
>>> client = ClientCredentials(token_endpoint, client_id, client_secret, scopes=["api.read"])
>>> client.authorization_header()
'Bearer eyJ…'
"""

from ._client import ClientCredentials, Introspection
from ._errors import (
    Challenge,
    ConfigError,
    Error,
    OAuthError,
    ResponseError,
    TokenDocumentError,
    TransportError,
)
from ._options import KeyInput, RefreshPolicy, RetryPolicy
from ._sansio import (
    TokenRequest,
    build_token_request,
    parse_introspection_response,
    parse_metadata_response,
    parse_revocation_response,
    parse_token_response,
)
from ._token import AccessToken
from ._transport import (
    AsyncTransport,
    HttpReply,
    HttpxAsyncTransport,
    HttpxTransport,
    RequestsTransport,
    Transport,
    TransportFailure,
    UrllibTransport,
)

__all__ = [
    "AccessToken",
    "AsyncTransport",
    "Challenge",
    "Introspection",
    "KeyInput",
    "ClientCredentials",
    "ConfigError",
    "Error",
    "HttpReply",
    "HttpxAsyncTransport",
    "HttpxTransport",
    "OAuthError",
    "RefreshPolicy",
    "RequestsTransport",
    "ResponseError",
    "RetryPolicy",
    "TokenDocumentError",
    "TokenRequest",
    "Transport",
    "TransportError",
    "TransportFailure",
    "UrllibTransport",
    "build_token_request",
    "parse_introspection_response",
    "parse_metadata_response",
    "parse_revocation_response",
    "parse_token_response",
]
