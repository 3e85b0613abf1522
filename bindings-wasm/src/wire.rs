//! The JSON shapes that cross to TypeScript.
//!
//! Every value a wasm export returns or throws as JSON text is one of these
//! types, serialized with serde. `js/wire.ts` is generated from them with
//! ts-rs (a dev-dependency: the test at the bottom writes or checks it), so
//! the TypeScript driver reads exactly what this crate writes; the shipped
//! wasm carries only the `Serialize` code.
//!
//! Field names are the RFC's and the core's (snake_case); values borrow from
//! the core's objects. Secrets appear only where the host needs them: in
//! [`CoreToken`] (it asked for the token), [`CoreRequest`] (it sends the
//! request) and [`ApiHeaders`] (it sends the API call); so nothing here
//! derives `Debug`.

// Each value is built, serialized and dropped at once: boxing the large
// variants (an error's fields) would only add an allocation.
#![allow(clippy::large_enum_variant)]

use std::borrow::Cow;

use ccauth::{AccessToken, Error, HttpRequest, ServerMetadata};
use serde::Serialize;
use serde_json::{Map, Value};
#[cfg(test)]
use ts_rs::TS;

/// `value` as JSON text.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Cannot fail: every map here has string keys, every value serializes.
    serde_json::to_string(value).unwrap_or_default()
}

/// An error the core reported: a stable `code`, a message without secrets,
/// and the fields of its kind (response, config or transport errors).
#[derive(Serialize, Default)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct CoreError<'a> {
    /// The stable upper-case code, e.g. `TOKEN_ENDPOINT_ERROR`.
    #[cfg_attr(test, ts(type = "CcauthErrorCode"))]
    pub(crate) code: &'a str,
    /// The core's fixed template filled with non-secret values.
    pub(crate) message: String,
    /// Whether trying again later may succeed.
    pub(crate) retryable: bool,
    /// Config errors: the config field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) field: Option<&'a str>,
    /// Config errors: why, without the field's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) reason: Option<&'a str>,
    /// Config errors about a list: the item's position.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) index: Option<Option<usize>>,
    /// Response errors: the HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) status: Option<u16>,
    /// Response errors: the server's RFC 6749 `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) error: Option<Option<&'a str>>,
    /// Response errors: the server's `error_description`, sanitized by the core.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) error_description: Option<Option<&'a str>>,
    /// Response errors: the server's `error_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) error_uri: Option<Option<&'a str>>,
    /// Response errors: how long the server asked to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) retry_after_ms: Option<Option<u64>>,
    /// Response errors: what the body looked like.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) body_kind: Option<BodyKind>,
    /// Response errors: a short sanitized excerpt of a non-2xx body.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) excerpt: Option<Option<&'a str>>,
    /// Response errors: the `Content-Type`, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) content_type: Option<Option<&'a str>>,
    /// Response errors: the body's length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) body_len: Option<usize>,
    /// Response errors: the error body's other members, sanitized by the core.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, type = "Record<string, unknown>"))]
    pub(crate) extras: Option<&'a Map<String, Value>>,
    /// Response errors: the `DPoP-Nonce` of a `use_dpop_nonce` error.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) dpop_nonce: Option<Option<&'a str>>,
    /// Response errors: the parsed `WWW-Authenticate` challenges.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) www_authenticate: Option<Vec<Challenge<'a>>>,
    /// Transport errors: how the request failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) transport_kind: Option<TransportKind>,
    /// Transport errors: the platform's short code (`ECONNREFUSED`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) cause: Option<Option<&'a str>>,
    /// Transport errors: whether the request had gone out, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub(crate) request_sent: Option<Option<bool>>,
}

impl<'a> CoreError<'a> {
    /// The core's `error` with the fields of its kind.
    pub(crate) fn new(error: &'a Error) -> Self {
        let mut out = Self {
            code: error.code(),
            message: error.to_string(),
            retryable: error.is_retryable(),
            ..Self::default()
        };
        match error {
            Error::Response(e) => {
                out.status = Some(e.status());
                out.error = Some(e.error());
                out.error_description = Some(e.error_description());
                out.error_uri = Some(e.error_uri());
                out.retry_after_ms = Some(e.retry_after_ms());
                out.body_kind = Some(e.body_kind().into());
                out.excerpt = Some(e.excerpt());
                out.content_type = Some(e.content_type());
                out.body_len = Some(e.body_len());
                out.extras = Some(e.extras());
                out.dpop_nonce = Some(e.dpop_nonce());
                out.www_authenticate = Some(
                    e.www_authenticate()
                        .iter()
                        .map(|c| Challenge {
                            scheme: &c.scheme,
                            params: &c.params,
                        })
                        .collect(),
                );
            }
            Error::Config(e) => {
                out.field = Some(e.field());
                out.reason = Some(e.reason());
                out.index = Some(e.index());
            }
            Error::Transport(e) => {
                out.transport_kind = Some(e.kind().into());
                out.cause = Some(e.cause());
                out.request_sent = Some(e.request_sent());
            }
            _ => {}
        }
        out
    }
}

/// A `WWW-Authenticate` challenge as the core parsed it.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct Challenge<'a> {
    /// The scheme as sent (`Bearer`, `DPoP`, …).
    pub(crate) scheme: &'a str,
    /// Parameters in order; names lower-cased, quoted values unescaped.
    pub(crate) params: &'a [(String, String)],
}

/// What a response body looked like.
#[derive(Serialize, Clone, Copy)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum BodyKind {
    Json,
    Form,
    Html,
    Text,
    Empty,
    Binary,
}

impl From<ccauth::BodyKind> for BodyKind {
    fn from(kind: ccauth::BodyKind) -> Self {
        // Exhaustive: a kind added to the core fails this build.
        match kind {
            ccauth::BodyKind::Json => Self::Json,
            ccauth::BodyKind::Form => Self::Form,
            ccauth::BodyKind::Html => Self::Html,
            ccauth::BodyKind::Text => Self::Text,
            ccauth::BodyKind::Empty => Self::Empty,
            ccauth::BodyKind::Binary => Self::Binary,
        }
    }
}

/// How a request failed without an HTTP response: no answer in time, no
/// connection (DNS, refused), TLS, a connection reset or closed after the
/// request went out, or anything else.
#[derive(Serialize, Clone, Copy)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum TransportKind {
    Timeout,
    Connect,
    Tls,
    Reset,
    Other,
}

impl From<ccauth::TransportErrorKind> for TransportKind {
    fn from(kind: ccauth::TransportErrorKind) -> Self {
        match kind {
            ccauth::TransportErrorKind::Timeout => Self::Timeout,
            ccauth::TransportErrorKind::Connect => Self::Connect,
            ccauth::TransportErrorKind::Tls => Self::Tls,
            ccauth::TransportErrorKind::Reset => Self::Reset,
            // `Other`, and kinds added to the core later (it is non-exhaustive).
            _ => Self::Other,
        }
    }
}

/// Where a token's expiry came from: `expires_in`, Entra's `expires_on`, the
/// JWT's `exp`, or the default lifetime.
#[derive(Serialize, Clone, Copy)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExpirySource {
    ExpiresIn,
    ExpiresOn,
    JwtExp,
    Default,
}

impl From<ccauth::ExpirySource> for ExpirySource {
    fn from(source: ccauth::ExpirySource) -> Self {
        // Exhaustive: a source added to the core fails this build.
        match source {
            ccauth::ExpirySource::ExpiresIn => Self::ExpiresIn,
            ccauth::ExpirySource::ExpiresOn => Self::ExpiresOn,
            ccauth::ExpirySource::JwtExp => Self::JwtExp,
            ccauth::ExpirySource::Default => Self::Default,
        }
    }
}

/// A token as the core parsed it, secrets included (the host asked for the token).
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct CoreToken<'a> {
    /// The token value.
    pub(crate) access_token: &'a str,
    /// `token_type` as sent (`Bearer` when the server sent none).
    pub(crate) token_type: &'a str,
    /// The scheme of the `Authorization` header the core makes for the
    /// token (`Bearer`, `DPoP`, or the type as sent): the header is the
    /// scheme, a space and `access_token`, so the value crosses once (the
    /// driver joins them, `js/token.ts`).
    pub(crate) authorization_scheme: String,
    /// When it was received (host clock, Unix ms).
    pub(crate) issued_at_ms: u64,
    /// When it expires.
    pub(crate) expires_at_ms: u64,
    /// When the client starts refreshing it.
    pub(crate) refresh_at_ms: u64,
    /// Where the expiry came from.
    pub(crate) expiry_source: ExpirySource,
    /// Granted scope, when the server stated it.
    pub(crate) scope: Option<&'a str>,
    /// A refresh token, if the server sent one.
    pub(crate) refresh_token: Option<&'a str>,
    /// An ID token, if the server sent one.
    pub(crate) id_token: Option<&'a str>,
    /// The server's `refresh_in` hint, in ms.
    pub(crate) refresh_in_ms: Option<u64>,
    /// The response's `Date`, when usable.
    pub(crate) server_date_ms: Option<u64>,
    /// Other members of the response, kept as sent.
    #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
    pub(crate) extras: &'a Map<String, Value>,
    /// RFC deviations the parser tolerated (`expires_in_string`, …).
    pub(crate) deviations: Vec<&'static str>,
}

impl<'a> CoreToken<'a> {
    pub(crate) fn new(token: &'a AccessToken) -> Self {
        Self {
            // The host asked for the token: this is how it gets it.
            access_token: token.value().expose_secret(),
            token_type: token.token_type(),
            authorization_scheme: scheme_of(token),
            issued_at_ms: token.issued_at_ms(),
            expires_at_ms: token.expires_at_ms(),
            refresh_at_ms: token.refresh_at_ms(),
            expiry_source: token.expiry_source().into(),
            scope: token.scope(),
            refresh_token: token.refresh_token().map(|t| t.expose_secret()),
            id_token: token.id_token().map(|t| t.expose_secret()),
            refresh_in_ms: token.refresh_in_ms(),
            server_date_ms: token.server_date_ms(),
            extras: token.extras(),
            deviations: token.deviations().iter().map(|d| d.code()).collect(),
        }
    }
}

/// The scheme of the core's `Authorization` header for `token`: the header
/// less its ` <token value>` end (a test pins that shape; another one would
/// give an empty scheme, which no header check lets through).
fn scheme_of(token: &AccessToken) -> String {
    let header = token.authorization_header();
    // Both read to split the header the host will send, not to show them.
    let value = token.value().expose_secret();
    header
        .expose_secret()
        .strip_suffix(value)
        .and_then(|rest| rest.strip_suffix(' '))
        .unwrap_or_default()
        .to_owned()
}

/// A request as the core built it: exact method, URL, headers and body.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct CoreRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) url: &'a str,
    pub(crate) headers: &'a [(String, String)],
    /// Form or JSON text, always UTF-8.
    pub(crate) body: Cow<'a, str>,
}

impl<'a> CoreRequest<'a> {
    pub(crate) fn new(request: &'a HttpRequest) -> Self {
        Self {
            method: request.method(),
            url: request.url(),
            headers: request.headers(),
            body: String::from_utf8_lossy(request.body()),
        }
    }
}

/// The right to send one token request; its outcome is reported by `id`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct Ticket<'a> {
    pub(crate) id: u64,
    pub(crate) attempt: u32,
    pub(crate) request: CoreRequest<'a>,
    /// The host adds a client assertion it holds (`requestWithAssertion`) before sending.
    pub(crate) needs_client_assertion: bool,
    /// What the host signs first (a host-signed key: client assertion,
    /// then DPoP proof); the signatures go to `completeRequest`.
    pub(crate) signing_inputs: Vec<SigningInput<'a>>,
}

impl<'a> Ticket<'a> {
    pub(crate) fn new(ticket: &'a ccauth::FetchTicket) -> Self {
        Self {
            id: ticket.id().get(),
            attempt: ticket.attempt(),
            request: CoreRequest::new(ticket.request()),
            needs_client_assertion: ticket.needs_client_assertion(),
            signing_inputs: ticket
                .signing_inputs()
                .iter()
                .map(SigningInput::new)
                .collect(),
        }
    }
}

/// A sans-IO token request: finished, or waiting for `signing_inputs`'
/// signatures (then built again with them).
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct PreparedRequest<'a> {
    pub(crate) request: CoreRequest<'a>,
    pub(crate) signing_inputs: Vec<SigningInput<'a>>,
}

/// A JWS for the host to sign: `input` (ASCII) with `alg`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct SigningInput<'a> {
    #[cfg_attr(test, ts(type = "\"client_assertion\" | \"dpop_proof\""))]
    pub(crate) purpose: &'static str,
    #[cfg_attr(
        test,
        ts(type = "\"RS256\" | \"PS256\" | \"ES256\" | \"ES384\" | \"EdDSA\"")
    )]
    pub(crate) alg: &'static str,
    #[cfg_attr(test, ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key_id: Option<&'a str>,
    pub(crate) input: &'a str,
}

impl<'a> SigningInput<'a> {
    pub(crate) fn new(input: &'a ccauth::SigningInput) -> Self {
        Self {
            purpose: input.purpose().as_str(),
            alg: input.alg().as_str(),
            key_id: input.key_id(),
            input: input.as_str(),
        }
    }
}

/// The core's answer to `poll`: a token with the span it holds for, a
/// ticket to run, how long to wait, or an error.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(tag = "decision", rename_all = "snake_case")]
pub(crate) enum Decision<'a> {
    /// Use this token; a poll within `[valid_from_ms, valid_until_ms)` answers the same.
    Ready {
        token: CoreToken<'a>,
        valid_from_ms: u64,
        valid_until_ms: u64,
    },
    /// No usable token: send the ticket's request, then report.
    Fetch { ticket: Ticket<'a> },
    /// Use this token now, and send the ticket's request in the background.
    RefreshAhead {
        token: CoreToken<'a>,
        ticket: Ticket<'a>,
    },
    /// A fetch is in flight or a retry is scheduled: ask again by `until_ms`.
    Wait { until_ms: u64, wait_ms: u64 },
    /// The last fetch failed for good; while the error is served from the
    /// cool-down, `cooldown_until_ms` is its end (`resetFailure` ends it).
    Failed {
        error: CoreError<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        cooldown_until_ms: Option<u64>,
    },
}

/// The core's report of a ticket's outcome: a token comes with the span a
/// poll would answer "ready" with it.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(crate) enum Outcome<'a> {
    /// A new token is cached.
    Token {
        token: CoreToken<'a>,
        valid_from_ms: u64,
        valid_until_ms: u64,
    },
    /// The attempt failed; the next one may start at `at_ms`.
    RetryScheduled { at_ms: u64, error: CoreError<'a> },
    /// The fetch failed for good; callers get this error until `until_ms`.
    Failed { until_ms: u64, error: CoreError<'a> },
    /// The ticket was not the one in flight: ignored.
    Stale,
}

/// The core's headers for an API call: `reusable` when they hold for every
/// call with this token (no per-call DPoP proof); the API's answers the core
/// must see (`apiResponse`) are those with a status or a header listed here.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct ApiHeaders<'a> {
    /// `Authorization`, and `DPoP` for a DPoP-bound token.
    #[cfg_attr(test, ts(type = "Record<string, string>"))]
    pub(crate) headers: HeaderMap<'a>,
    /// The DPoP proof to sign (a host-signed key): its signature goes to
    /// `dpopProofWithSignature`, and the proof into the `DPoP` header.
    #[cfg_attr(test, ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dpop_to_sign: Option<SigningInput<'a>>,
    pub(crate) reusable: bool,
    pub(crate) report_statuses: &'static [u16],
    pub(crate) report_headers: &'static [&'static str],
}

/// Headers with distinct names, as a JSON object in their order (no map
/// built: a `BTreeMap` of its own costs the wasm 2 KB).
pub(crate) struct HeaderMap<'a>(pub(crate) Vec<(&'static str, &'a str)>);

impl Serialize for HeaderMap<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

/// The core's verdict on an API's answer (`apiResponse` returns it as plain text).
#[derive(Serialize, Clone, Copy)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum ApiVerdict {
    Done,
    RetryWithNonce,
    RetryWithNewToken,
}

impl ApiVerdict {
    /// The serde name (a test checks they agree).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::RetryWithNonce => "retry_with_nonce",
            Self::RetryWithNewToken => "retry_with_new_token",
        }
    }
}

/// The core's discovery sequence: the next request, the metadata, or an error.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum DiscoveryStep<'a> {
    Send {
        request: CoreRequest<'a>,
    },
    Done {
        /// The server metadata as the core serializes it (snake_case, as sent).
        metadata: &'a ServerMetadata,
    },
    Failed {
        error: CoreError<'a>,
    },
}

/// A token response read by `parseTokenResponse`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenResult<'a> {
    Token(CoreToken<'a>),
    Error(CoreError<'a>),
}

/// A metadata response read by `parseMetadataResponse`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum MetadataResult<'a> {
    /// As in [`DiscoveryStep::Done`].
    Metadata(&'a ServerMetadata),
    Error(CoreError<'a>),
}

/// An introspection answer's members as sent (RFC 7662), with a boolean `active`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub(crate) struct IntrospectionFields<'a>(
    #[cfg_attr(test, ts(type = "Record<string, unknown> & { active: boolean }"))]
    pub(crate)  &'a Map<String, Value>,
);

/// A revocation or introspection answer read by `parseTokenAdminResponse`.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum AdminResult<'a> {
    /// Revocation: any 2xx (always `true`).
    Ok(bool),
    Introspection(IntrospectionFields<'a>),
    Error(CoreError<'a>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The command that rewrites `js/wire.ts`, from the repository root.
    const REGENERATE: &str =
        "CCAUTH_WIRE_TS=bindings-wasm/js/wire.ts cargo test -p ccauth-wasm --lib wire";

    /// The generated file's header: where it comes from and how to remake it.
    fn header() -> String {
        format!(
            "// Generated from bindings-wasm/src/wire.rs by ts-rs (test wire::tests::typescript_file); do not edit.\n\
             // Regenerate from the repository root: {REGENERATE}\n\
             /** The JSON shapes the wasm exports return or throw (snake_case, from the core). */\n\
             import type {{ CcauthErrorCode }} from \"./errors.js\";\n"
        )
    }

    /// Every wire type's declaration, in file order.
    fn typescript() -> String {
        // Times in ms and ticket ids are JS numbers (exact below 2^53), not bigints.
        let cfg = ts_rs::Config::new().with_large_int("number");
        let mut out = header();
        let mut add = |docs: Option<String>, decl: String| {
            out.push('\n');
            out.push_str(&docs.unwrap_or_default());
            out.push_str("export ");
            out.push_str(&decl);
            out.push('\n');
        };
        macro_rules! declare {
            ($($t:ty),* $(,)?) => { $( add(<$t>::docs(), <$t>::decl(&cfg)); )* };
        }
        declare!(
            CoreError<'static>,
            Challenge<'static>,
            BodyKind,
            TransportKind,
            ExpirySource,
            CoreToken<'static>,
            CoreRequest<'static>,
            SigningInput<'static>,
            PreparedRequest<'static>,
            Ticket<'static>,
            Decision<'static>,
            Outcome<'static>,
            ApiHeaders<'static>,
            ApiVerdict,
            ServerMetadata,
            DiscoveryStep<'static>,
            TokenResult<'static>,
            MetadataResult<'static>,
            IntrospectionFields<'static>,
            AdminResult<'static>,
        );
        // ts-rs leaves a space after each `{`; the file has none at line ends.
        out.lines()
            .map(|line| line.trim_end().to_owned() + "\n")
            .collect()
    }

    /// Writes the declarations to `$CCAUTH_WIRE_TS` (a path from the
    /// repository root, or absolute), or checks that `js/wire.ts` holds them.
    #[test]
    fn typescript_file() {
        let generated = typescript();
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        if let Some(path) = std::env::var_os("CCAUTH_WIRE_TS") {
            let path = manifest_dir.join("..").join(path);
            std::fs::write(&path, &generated).expect("cannot write CCAUTH_WIRE_TS");
            return;
        }
        let committed =
            std::fs::read_to_string(manifest_dir.join("js/wire.ts")).unwrap_or_default();
        assert!(
            committed == generated,
            "bindings-wasm/js/wire.ts is not what bindings-wasm/src/wire.rs generates; \
             regenerate it from the repository root: {REGENERATE}"
        );
    }

    fn config() -> ccauth::ClientConfig {
        ccauth::ClientConfig::from_json(
            r#"{"token_endpoint": "https://as.example.com/token", "client_id": "c", "client_secret": "wire-test-secret"}"#,
        )
        .expect("config")
    }

    fn json_of<T: Serialize>(value: &T) -> Value {
        serde_json::from_str(&to_json(value)).expect("JSON")
    }

    /// The driver sends `${authorization_scheme} ${access_token}`: that must
    /// be the core's header for every token type.
    #[test]
    fn authorization_is_scheme_space_token() {
        let mut checked = 0;
        for (token_type, scheme) in [
            ("Bearer", "Bearer"),
            ("bearer", "Bearer"),
            ("dpop", "DPoP"),
            ("N_A", "N_A"),
        ] {
            let body = format!(
                r#"{{"access_token": "at-9", "token_type": "{token_type}", "expires_in": 60}}"#
            );
            let ok = ccauth::HttpResponse::new(
                200,
                vec![("content-type".into(), "application/json".into())],
                body,
            );
            let Ok(token) = ccauth::parse_token_response(&config(), &ok, 1_000) else {
                continue; // a type this config refuses (DPoP without a key) has no header to make
            };
            let core = CoreToken::new(&token);
            assert_eq!(core.authorization_scheme, scheme, "{token_type}");
            assert_eq!(
                format!("{} {}", core.authorization_scheme, core.access_token),
                token.authorization_header().expose_secret(),
                "{token_type}"
            );
            checked += 1;
        }
        assert!(checked >= 2, "only {checked} token types parsed");
    }

    /// The JSON the TypeScript side reads, as it was when built by hand:
    /// a token's absent members are `null`, an error has only its kind's fields.
    #[test]
    fn token_and_error_json() {
        let ok = ccauth::HttpResponse::new(
            200,
            vec![("content-type".into(), "application/json".into())],
            r#"{"access_token": "at-1", "token_type": "Bearer", "expires_in": 60, "trace": 7}"#,
        );
        let token = ccauth::parse_token_response(&config(), &ok, 1_000).expect("token");
        let json = json_of(&TokenResult::Token(CoreToken::new(&token)));
        let t = &json["token"];
        assert_eq!(t["access_token"], "at-1");
        assert_eq!(t["authorization_scheme"], "Bearer");
        assert_eq!(t["issued_at_ms"], 1_000);
        assert_eq!(t["expiry_source"], "expires_in");
        assert_eq!(t["extras"], serde_json::json!({ "trace": 7 }));
        for key in ["scope", "refresh_token", "id_token", "server_date_ms"] {
            assert_eq!(t[key], Value::Null, "{key}: null, not absent");
            assert!(t.as_object().is_some_and(|o| o.contains_key(key)), "{key}");
        }

        let denied = ccauth::HttpResponse::new(
            401,
            vec![
                ("content-type".into(), "application/json".into()),
                ("www-authenticate".into(), r#"Basic realm="as""#.into()),
            ],
            r#"{"error": "invalid_client"}"#,
        );
        let error = Error::from(
            ccauth::parse_token_response(&config(), &denied, 1_000).expect_err("denied"),
        );
        let json = json_of(&TokenResult::Error(CoreError::new(&error)));
        let e = json["error"].as_object().expect("error object");
        assert_eq!(e["code"], "TOKEN_ENDPOINT_ERROR");
        assert_eq!(e["status"], 401);
        assert_eq!(e["error"], "invalid_client");
        assert_eq!(e["error_description"], Value::Null);
        assert_eq!(e["body_kind"], "json");
        assert_eq!(
            e["www_authenticate"],
            serde_json::json!([{ "scheme": "Basic", "params": [["realm", "as"]] }])
        );
        assert!(!e.contains_key("field") && !e.contains_key("transport_kind"));

        let config_error = Error::from(ccauth::ConfigError::invalid_parameter("headers", "bad"));
        let e = json_of(&CoreError::new(&config_error));
        assert_eq!(e["code"], "INVALID_PARAMETER");
        assert_eq!(e["field"], "headers");
        assert_eq!(e["reason"], "bad");
        assert_eq!(e["index"], Value::Null);
        assert!(e.get("status").is_none() && e.get("cause").is_none());

        let transport = Error::from(ccauth::TransportError::new(
            ccauth::TransportErrorKind::Tls,
            "x",
        ));
        let e = json_of(&CoreError::new(&transport));
        assert_eq!(e["transport_kind"], "tls");
        assert_eq!(e["cause"], Value::Null);
        assert_eq!(e["request_sent"], Value::Null);
        assert_eq!(e["retryable"], true);
    }

    #[test]
    fn tagged_shapes() {
        assert_eq!(
            json_of(&Outcome::Stale),
            serde_json::json!({ "outcome": "stale" })
        );
        assert_eq!(
            json_of(&Decision::Wait {
                until_ms: 5,
                wait_ms: 1
            }),
            serde_json::json!({ "decision": "wait", "until_ms": 5, "wait_ms": 1 })
        );
        assert_eq!(
            json_of(&AdminResult::Ok(true)),
            serde_json::json!({ "ok": true })
        );
        let fields = serde_json::json!({ "active": false });
        let fields = fields.as_object().expect("object");
        assert_eq!(
            json_of(&AdminResult::Introspection(IntrospectionFields(fields))),
            serde_json::json!({ "introspection": { "active": false } })
        );
        let issuer = "https://as.example.com";
        let metadata = ServerMetadata::from_json(
            issuer,
            r#"{"issuer": "https://as.example.com", "token_endpoint": "https://as.example.com/t"}"#,
        )
        .expect("metadata");
        let done = json_of(&DiscoveryStep::Done {
            metadata: &metadata,
        });
        assert_eq!(done["step"], "done");
        assert_eq!(done["metadata"]["issuer"], issuer);
        assert_eq!(
            done["metadata"]["token_endpoint"],
            "https://as.example.com/t"
        );
    }

    #[test]
    fn api_headers_are_an_object() {
        let headers = ApiHeaders {
            headers: HeaderMap(vec![("Authorization", "DPoP at"), ("DPoP", "proof")]),
            dpop_to_sign: None,
            reusable: false,
            report_statuses: &[401],
            report_headers: &["DPoP-Nonce"],
        };
        assert_eq!(
            to_json(&headers),
            r#"{"headers":{"Authorization":"DPoP at","DPoP":"proof"},"reusable":false,"report_statuses":[401],"report_headers":["DPoP-Nonce"]}"#
        );
    }

    #[test]
    fn verdict_text_is_its_serde_name() {
        for v in [
            ApiVerdict::Done,
            ApiVerdict::RetryWithNonce,
            ApiVerdict::RetryWithNewToken,
        ] {
            assert_eq!(to_json(&v), format!("\"{}\"", v.as_str()));
        }
    }
}
