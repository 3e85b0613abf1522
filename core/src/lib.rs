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
//! let request = build_token_request(&config)?;
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
//! ## The loop: one lifecycle, any host
//!
//! Most hosts drive a [`TokenManager`], which caches tokens and decides
//! who fetches, when to refresh and how to retry. The contract, as a loop
//! every driver (Rust, TypeScript, Python, Kotlin, Swift) runs:
//!
//! - **In:** the host's clock (`now_ms`, read before taking any lock), the
//!   responses to the requests it was handed (or the transport failure), an
//!   API's answer to a call made with a token, and 32 random bytes once
//!   ([`TokenManager::seed_entropy`]) for configs that sign.
//! - **Out:** a [`TokenDecision`] per [`poll`](TokenManager::poll) —
//!   `Ready` (use the token; [`ready_window`](TokenDecision::ready_window)
//!   says for which `now_ms` the same answer holds, so hosts memoize it),
//!   `Fetch` (send the [`FetchTicket`]'s request and report it with
//!   [`handle_response`](TokenManager::handle_response) or
//!   [`handle_transport_error`](TokenManager::handle_transport_error)),
//!   `RefreshAhead` (both), `Wait` (sleep
//!   [`wait_ms`](TokenDecision::wait_ms), at most [`MAX_WAIT_SLICE_MS`], or
//!   until a report) or `Failed`; the headers for an API call
//!   ([`api_headers`](TokenManager::api_headers)); what an API's answer means
//!   ([`api_response`](TokenManager::api_response)); when a proactive host
//!   should poll next ([`proactive_refresh_at`](TokenManager::proactive_refresh_at)).
//! - **What changes an answer:** a report (`handle_*`,
//!   [`assertion_source_failed`](TokenManager::assertion_source_failed)), an
//!   invalidation (`invalidate`, `api_response`, `revocation_request`), an
//!   [`import`](TokenManager::import) — and time. Nothing else: between two
//!   of these, a `Ready` answer stands for its whole window.
//!
//! ```
//! use ccauth::{ClientAuth, ClientConfig, FetchOutcome, HttpResponse, TokenDecision, TokenManager};
//!
//! let config = ClientConfig::builder("https://as.example.com/oauth/token", "my-client")
//!     .client_auth(ClientAuth::client_secret_basic("s3cret"))
//!     .build()?;
//! let (mut manager, key) = TokenManager::with_config(config, 42);
//! let now_ms = 1_700_000_000_000;
//! let TokenDecision::Fetch(ticket) = manager.poll(key, now_ms)? else { unreachable!() };
//! // ... the host sends ticket.request() ...
//! let reply = HttpResponse::new(
//!     200,
//!     vec![("Content-Type".into(), "application/json".into())],
//!     r#"{"access_token":"abc","token_type":"Bearer","expires_in":3600}"#,
//! );
//! assert!(matches!(manager.handle_response(ticket.id(), &reply, now_ms), FetchOutcome::Token(_)));
//! let decision = manager.poll(key, now_ms + 1)?;
//! assert!(decision.ready_window().is_some_and(|w| w.contains(&(now_ms + 60_000))));
//! # Ok::<(), ccauth::Error>(())
//! ```
//!
//! The layers, each using only those before it: [`secret`] and tokens;
//! HTTP as data (requests, responses, URLs, challenges); errors; client
//! authentication (methods, keys, JWS, assertions, DPoP); the config; one
//! module per endpoint (token, discovery, revocation, introspection); the
//! lifecycle. `scripts/check-core-layers.py` keeps it so.
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
pub mod doctor;
mod endpoints;
mod error;
#[cfg(feature = "fleet")]
mod fleet;
mod http;
mod lifecycle;
mod sanitize;
pub mod secret;
mod token;

pub use auth::client_auth::ClientAuth;
pub use auth::dpop::jwk_thumbprint;
pub use auth::jws::{SigningInput, SigningPurpose};
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
    add_client_assertion, build_token_request, build_token_request_at, prepare_token_request,
    RequestContext, UnsignedRequest,
};
pub use endpoints::token_response::{parse_token_response, MAX_LIFETIME_MS};
pub use error::{
    ConfigError, ConfigErrorKind, Error, ErrorCode, ResponseError, ResponseErrorKind,
    TokenDocumentError, TransportError, TransportErrorKind,
};
#[cfg(feature = "fleet")]
pub use fleet::{StoreCommand, StoreKeys, StoreReply, DELETE_IF_EQUALS_SCRIPT};
pub use http::challenge::{parse_www_authenticate, Challenge};
pub use http::trace::TRACE_HEADERS;
pub use http::{BodyKind, HttpRequest, HttpResponse};
pub use lifecycle::api::{
    ApiAnswer, ApiHeaders, ApiVerdict, API_ANSWER_HEADERS, API_ANSWER_STATUSES,
};
pub use lifecycle::decision::{
    FetchOutcome, FetchTicket, TicketId, TokenDecision, TokenKey, MAX_WAIT_SLICE_MS,
};
pub use lifecycle::document::{TokenDocument, TOKEN_DOCUMENT_VERSION};
pub use lifecycle::events::{EventName, InvalidationReason, LifecycleEvent};
pub use lifecycle::manager::TokenManager;
#[cfg(feature = "fleet")]
pub use lifecycle::shared::StoreStep;
pub use lifecycle::stats::TokenStats;
pub use secret::{
    AccessTokenValue, AuthorizationValue, ClientSecret, DpopProof, IdToken, RefreshToken,
};
pub use token::{AccessToken, Deviation, ExpirySource};
