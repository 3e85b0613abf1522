//! # ccauth — the OAuth 2.0 Client Credentials client, sans IO
//!
//! This crate does the protocol work of the client credentials grant
//! (RFC 6749 §4.4) and nothing else: it **builds** token requests and
//! **parses** token responses. It never opens a socket and never reads a
//! clock; the host sends the request with its own HTTP stack and passes the
//! current time in as Unix milliseconds (`now_ms`). The same inputs always give
//! the same bytes, in Rust and in every binding (the shared vectors in
//! `tests/vectors/` pin that).
//!
//! ```
//! use ccauth::{build_token_request, parse_token_response, ClientConfig, HttpResponse};
//!
//! let config = ClientConfig::builder("https://as.example.com/oauth/token", "my-client")
//!     .client_secret("s3cret")
//!     .scope("api.read")
//!     .build()?;
//! let request = build_token_request(&config);
//! assert_eq!(request.method(), "POST");
//!
//! // ... the host sends `request` and gets a response back ...
//! let response = HttpResponse::new(
//!     200,
//!     vec![("Content-Type".into(), "application/json".into())],
//!     r#"{"access_token":"abc","token_type":"bearer","expires_in":3600}"#,
//! );
//! let now_ms = 1_700_000_000_000;
//! let token = parse_token_response(&config, &response, now_ms)?;
//! assert_eq!(token.authorization_header().expose_secret(), "Bearer abc");
//! assert!(!token.needs_refresh(now_ms));
//! # Ok::<(), ccauth::Error>(())
//! ```
//!
//! Secrets (client secret, tokens) live in [`secret`] newtypes: redacted in
//! `Debug`, never in an error message, zeroized on drop.
#![forbid(unsafe_code)]
// A token is as large as its error; boxing the error would save nothing.
#![allow(clippy::result_large_err)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod auth;
mod config;
mod endpoints;
mod error;
mod http;
mod lifecycle;
mod sanitize;
pub mod secret;
mod token;

pub use auth::client_auth::ClientAuth;
pub use auth::dpop::jwk_thumbprint;
pub use auth::key::{JwsAlgorithm, PrivateKey};
pub use auth::method::{BasicAuthEncoding, ClientAuthMethod, UnknownAuthMethod};
pub use config::{
    BodyFormat, ClientConfig, ClientConfigBuilder, RefreshPolicy, RetryPolicy, ServerMetadata,
    DEFAULT_ASSERTION_LIFETIME_MS, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use endpoints::discovery::{
    build_metadata_request, metadata_url, parse_metadata_response, Discovery, DiscoveryStep,
    MetadataCache, MetadataKind, DEFAULT_METADATA_TTL_MS,
};
pub use endpoints::introspection::{
    build_introspection_request, parse_introspection_response, Introspection,
};
pub use endpoints::revocation::{
    build_revocation_request, parse_revocation_response, TokenTypeHint,
};
pub use endpoints::token_request::{
    add_client_assertion, build_token_request, build_token_request_at, RequestContext,
};
pub use endpoints::token_response::{parse_token_response, MAX_LIFETIME_MS};
pub use error::{
    ConfigError, ConfigErrorKind, Error, ResponseError, ResponseErrorKind, TokenDocumentError,
    TransportError, TransportErrorKind,
};
pub use http::challenge::{parse_www_authenticate, Challenge};
pub use http::{BodyKind, HttpRequest, HttpResponse};
pub use lifecycle::api::{ApiAnswer, ApiHeaders, ApiVerdict};
pub use lifecycle::decision::{
    FetchOutcome, FetchTicket, TokenDecision, TokenKey, MAX_WAIT_SLICE_MS,
};
pub use lifecycle::document::{TokenDocument, TOKEN_DOCUMENT_VERSION};
pub use lifecycle::manager::TokenManager;
pub use secret::{
    AccessTokenValue, AuthorizationValue, ClientSecret, DpopProof, IdToken, RefreshToken,
};
pub use token::{AccessToken, Deviation, ExpirySource};
