//! wasm-bindgen wrappers over the ccauth core: translation only.
//!
//! Values cross the boundary as JSON text and byte arrays, which keeps the
//! generated glue small; the TypeScript layer (`js/`) turns them into
//! idiomatic objects. The JSON shapes are the serde types of `src/wire.rs`,
//! from which `js/wire.ts` is generated. Errors cross as JSON `{code,
//! message, …}` thrown as a string and rethrown by the TS layer as a
//! `CcauthError`. Nothing here may panic: a panic would trap the whole wasm
//! instance.

// Errors cross by value into JSON; boxing them would only add an allocation.
#![allow(clippy::result_large_err)]

use ccauth::{
    parse_introspection_response, parse_metadata_response, parse_revocation_response,
    parse_token_response, prepare_token_request, ClientConfig, Error, FetchOutcome, HttpResponse,
    RequestContext, TokenDecision, TokenKey, TokenManager, TransportError, TransportErrorKind,
    DEFAULT_MAX_RESPONSE_BYTES, MAX_WAIT_SLICE_MS,
};
use wasm_bindgen::prelude::*;

use crate::wire::{
    to_json, AdminResult, CoreError, CoreRequest, CoreToken, Decision, IntrospectionFields,
    MetadataResult, Outcome, Ticket, TokenResult,
};

mod discovery;
mod doctor;
pub use doctor::{client_options, doctor_plan, doctor_report};
mod fleet;
pub use fleet::{delete_if_equals_script, StoreStep};
mod lifecycle_api;
mod wire;

/// Milliseconds from JS (a `number`) to the core's `u64`.
pub(crate) fn ms(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value as u64
    } else {
        0
    }
}

pub(crate) fn throw(error: &Error) -> JsValue {
    JsValue::from_str(&to_json(&CoreError::new(error)))
}

/// A response from the host's parts. Headers come as JSON `[[name, value], …]`;
/// anything else is refused, not read as "no headers" (that would drop
/// `Retry-After` and `DPoP-Nonce`).
pub(crate) fn response_from(
    status: u16,
    headers_json: &str,
    body: Vec<u8>,
) -> Result<HttpResponse, Error> {
    let headers: Vec<(String, String)> =
        serde_json::from_slice(headers_json.as_bytes()).map_err(|_| {
            ccauth::ConfigError::invalid_parameter(
                "headers",
                "must be a JSON array of [name, value] string pairs",
            )
        })?;
    Ok(HttpResponse::new(status, headers, body))
}

/// The response headers the core reads by name (`HttpResponse::header` and
/// `headers_named` calls in `core/src`), before the trace headers.
const READ_HEADERS: [&str; 6] = [
    "content-type",
    "content-length",
    "date",
    "retry-after",
    "dpop-nonce",
    "www-authenticate",
];

/// The response headers the core reads: [`READ_HEADERS`], then
/// [`ccauth::TRACE_HEADERS`] (the server's request ids, for lifecycle
/// events). The driver looks these up by name and passes them alone, rather
/// than every header (iterating fetch's `Headers` sorts them each time). The
/// test `response_headers_are_the_cores` fails when the core reads another,
/// or reads headers any other way.
pub(crate) const RESPONSE_HEADERS: [&str; READ_HEADERS.len() + ccauth::TRACE_HEADERS.len()] = {
    let mut out = [""; READ_HEADERS.len() + ccauth::TRACE_HEADERS.len()];
    let mut i = 0;
    while i < READ_HEADERS.len() {
        out[i] = READ_HEADERS[i];
        i += 1;
    }
    let mut j = 0;
    while j < ccauth::TRACE_HEADERS.len() {
        out[i + j] = ccauth::TRACE_HEADERS[j];
        j += 1;
    }
    out
};

/// `RESPONSE_HEADERS`, one name a line: the headers the driver passes to
/// `handleResponse` and the other reply readers.
#[wasm_bindgen(js_name = responseHeaderNames)]
pub fn response_header_names() -> String {
    RESPONSE_HEADERS.join("\n")
}

/// A response from the driver's parts (`js/transport.ts`): headers as one
/// string, `name\nvalue\n` for each (fetch's `Headers` hold no line break;
/// the driver folds any into a space), which costs less to pass and to read
/// than JSON. The driver passes the [`RESPONSE_HEADERS`] a reply has.
pub(crate) fn response_from_lines(status: u16, headers: &str, body: Vec<u8>) -> HttpResponse {
    let mut lines = headers.split('\n');
    let mut pairs = Vec::with_capacity(headers.len() / 32);
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    HttpResponse::new(status, pairs, body)
}

fn config_from(config_json: &str) -> Result<ClientConfig, JsValue> {
    ClientConfig::from_json(config_json).map_err(|e| throw(&e.into()))
}

/// The default limit on reply bodies, for replies read before a config
/// exists (discovery metadata).
#[wasm_bindgen(js_name = defaultMaxResponseBytes)]
pub fn default_max_response_bytes() -> f64 {
    DEFAULT_MAX_RESPONSE_BYTES as f64
}

/// 32 bytes of host randomness, or a typed error.
fn entropy_from(bytes: &[u8]) -> Result<[u8; 32], JsValue> {
    RequestContext::entropy_from(bytes).map_err(|e| throw(&e.into()))
}

/// Builds the token request at `now_ms` with 32 bytes of host randomness,
/// as JSON `{"request", "signing_inputs"}`. A config with host-signed keys
/// (every asymmetric key in this build: WebCrypto signs) lists what to sign;
/// the host signs and calls again with the same inputs and the signatures
/// (`first`, `second`, in order), which gives the finished request.
#[wasm_bindgen(js_name = buildTokenRequestAt)]
pub fn build_token_request_at_json(
    config_json: &str,
    now_ms: f64,
    entropy: Vec<u8>,
    dpop_nonce: Option<String>,
    first: Option<Vec<u8>>,
    second: Option<Vec<u8>>,
) -> Result<String, JsValue> {
    let config = config_from(config_json)?;
    let context = RequestContext {
        now_ms: ms(now_ms),
        entropy: entropy_from(&entropy)?,
        dpop_nonce: dpop_nonce.as_deref(),
    };
    let unsigned = prepare_token_request(&config, &context);
    let signatures: Vec<Vec<u8>> = first.into_iter().chain(second).collect();
    if signatures.is_empty() {
        return Ok(to_json(&wire::PreparedRequest {
            signing_inputs: unsigned
                .signing_inputs()
                .into_iter()
                .map(wire::SigningInput::new)
                .collect(),
            request: CoreRequest::new(unsigned.request()),
        }));
    }
    let request = unsigned.finish(&signatures).map_err(|e| throw(&e.into()))?;
    Ok(to_json(&wire::PreparedRequest {
        request: CoreRequest::new(&request),
        signing_inputs: Vec::new(),
    }))
}

/// Reads a revocation (`{"ok": true}`) or introspection (`{"introspection": {…}}`) answer.
#[wasm_bindgen(js_name = parseTokenAdminResponse)]
pub fn parse_token_admin_response(
    config_json: &str,
    kind: &str,
    status: u16,
    headers_json: &str,
    body: Vec<u8>,
    now_ms: f64,
) -> Result<String, JsValue> {
    let config = config_from(config_json)?;
    let response = response_from(status, headers_json, body).map_err(|e| throw(&e))?;
    let now = ms(now_ms);
    let out = if kind == "revocation" {
        parse_revocation_response(&config, &response, now).map(|()| None)
    } else {
        parse_introspection_response(&config, &response, now).map(Some)
    };
    Ok(match out {
        Ok(None) => to_json(&AdminResult::Ok(true)),
        Ok(Some(i)) => to_json(&AdminResult::Introspection(IntrospectionFields(i.fields()))),
        Err(error) => to_json(&AdminResult::Error(CoreError::new(&error.into()))),
    })
}

/// Reads a metadata response for `issuer`: `{"metadata": {…}}` or `{"error": …}`.
#[wasm_bindgen(js_name = parseMetadataResponse)]
pub fn parse_metadata_response_json(
    issuer: &str,
    status: u16,
    headers_json: &str,
    body: Vec<u8>,
    now_ms: f64,
) -> String {
    let parsed = response_from(status, headers_json, body)
        .and_then(|response| Ok(parse_metadata_response(issuer, &response, ms(now_ms))?));
    match parsed {
        Ok(metadata) => to_json(&MetadataResult::Metadata(&metadata)),
        Err(error) => to_json(&MetadataResult::Error(CoreError::new(&error))),
    }
}

/// Parses a token response: `{"token": …}` or `{"error": …}` as JSON.
#[wasm_bindgen(js_name = parseTokenResponse)]
pub fn parse_token_response_json(
    config_json: &str,
    status: u16,
    headers_json: &str,
    body: Vec<u8>,
    now_ms: f64,
) -> Result<String, JsValue> {
    let config = config_from(config_json)?;
    let response = response_from(status, headers_json, body).map_err(|e| throw(&e))?;
    Ok(match parse_token_response(&config, &response, ms(now_ms)) {
        Ok(token) => to_json(&TokenResult::Token(CoreToken::new(&token))),
        Err(error) => to_json(&TokenResult::Error(CoreError::new(&error.into()))),
    })
}

/// The core's transport error from what the host saw (`kind`: timeout,
/// connect, tls, reset, other).
pub(crate) fn transport_error(
    kind: &str,
    message: &str,
    cause: Option<String>,
    request_sent: Option<bool>,
) -> TransportError {
    let kind = match kind {
        "timeout" => TransportErrorKind::Timeout,
        "connect" => TransportErrorKind::Connect,
        "tls" => TransportErrorKind::Tls,
        "reset" => TransportErrorKind::Reset,
        _ => TransportErrorKind::Other,
    };
    let mut error = TransportError::new(kind, message);
    if let Some(cause) = cause {
        error = error.with_cause(&cause);
    }
    if let Some(sent) = request_sent {
        error = error.with_request_sent(sent);
    }
    error
}

/// One config's token lifecycle (the core's `TokenManager`).
#[wasm_bindgen]
pub struct TokenLifecycle {
    pub(crate) manager: TokenManager,
    pub(crate) key: TokenKey,
}

/// The JSON of a ticket's outcome.
pub(crate) fn outcome_json(outcome: FetchOutcome) -> String {
    let window = outcome.ready_window().unwrap_or(0..0);
    match outcome {
        FetchOutcome::Token(token) => to_json(&Outcome::Token {
            token: CoreToken::new(&token),
            valid_from_ms: window.start,
            valid_until_ms: window.end,
        }),
        FetchOutcome::RetryScheduled { at_ms, error } => to_json(&Outcome::RetryScheduled {
            at_ms,
            error: CoreError::new(&error),
        }),
        FetchOutcome::Failed { error, until_ms } => to_json(&Outcome::Failed {
            until_ms,
            error: CoreError::new(&error),
        }),
        _ => to_json(&Outcome::Stale),
    }
}

#[wasm_bindgen]
impl TokenLifecycle {
    /// A lifecycle for a config document; `seed` drives the refresh jitter.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, seed: f64) -> Result<TokenLifecycle, JsValue> {
        let config = config_from(config_json)?;
        let (manager, key) = TokenManager::with_config(config, ms(seed));
        Ok(Self { manager, key })
    }

    /// What to do now: `{"decision": "ready"|"fetch"|"refresh_ahead"|"wait"|"failed", …}`.
    pub fn poll(&mut self, now_ms: f64) -> String {
        let decision = match self.manager.poll(self.key, ms(now_ms)) {
            Ok(decision) => decision,
            Err(error) => {
                return to_json(&Decision::Failed {
                    error: CoreError::new(&error),
                    cooldown_until_ms: None,
                })
            }
        };
        let now = ms(now_ms);
        let window = decision.ready_window();
        let wait_ms = decision.wait_ms(now);
        match decision {
            TokenDecision::Ready(token) => {
                let window = window.unwrap_or(now..now);
                to_json(&Decision::Ready {
                    token: CoreToken::new(&token),
                    valid_from_ms: window.start,
                    valid_until_ms: window.end,
                })
            }
            TokenDecision::Fetch(t) => to_json(&Decision::Fetch {
                ticket: Ticket::new(&t),
            }),
            TokenDecision::RefreshAhead(token, t) => to_json(&Decision::RefreshAhead {
                token: CoreToken::new(&token),
                ticket: Ticket::new(&t),
            }),
            TokenDecision::Wait { until_ms } => to_json(&Decision::Wait {
                until_ms,
                wait_ms: wait_ms.unwrap_or(MAX_WAIT_SLICE_MS),
            }),
            TokenDecision::Failed(error) => to_json(&Decision::Failed {
                error: CoreError::new(&error),
                cooldown_until_ms: self.manager.cooldown_until_ms(self.key),
            }),
            // A decision added to the core later: ask again after one wait slice.
            _ => to_json(&Decision::Wait {
                until_ms: now + MAX_WAIT_SLICE_MS,
                wait_ms: MAX_WAIT_SLICE_MS,
            }),
        }
    }

    /// Reports the response to ticket `ticket` (`headers`: `name\nvalue\n`
    /// for each, see `response_from_lines`).
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        ticket: f64,
        status: u16,
        headers: &str,
        body: Vec<u8>,
        now_ms: f64,
    ) -> String {
        let response = response_from_lines(status, headers, body);
        outcome_json(
            self.manager
                .handle_response(ms(ticket).into(), &response, ms(now_ms)),
        )
    }

    /// Reports that ticket `ticket` got no response (`kind`: timeout,
    /// connect, tls, reset, other; `cause`: the platform's code such as
    /// `ECONNREFUSED`; `requestSent`: whether the request went out, if known).
    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(
        &mut self,
        ticket: f64,
        kind: &str,
        message: &str,
        now_ms: f64,
        cause: Option<String>,
        request_sent: Option<bool>,
    ) -> String {
        let error = transport_error(kind, message, cause, request_sent);
        outcome_json(
            self.manager
                .handle_transport_error(ms(ticket).into(), error, ms(now_ms)),
        )
    }

    /// The most body bytes to read from the token endpoint: hosts stop at
    /// this + 1 (nothing when `Content-Length` is over it) and hand what they
    /// have to the core, which answers `RESPONSE_TOO_LARGE`.
    #[wasm_bindgen(js_name = maxResponseBytes)]
    pub fn max_response_bytes(&self) -> f64 {
        self.manager
            .config(self.key)
            .map_or(DEFAULT_MAX_RESPONSE_BYTES, ClientConfig::max_response_bytes) as f64
    }

    /// The API rejected `token`; returns whether the cached token was dropped.
    pub fn invalidate(&mut self, token: &str, www_authenticate: Option<String>) -> bool {
        self.manager
            .invalidate(self.key, token, www_authenticate.as_deref())
    }

    /// Seeds the randomness of signatures (`jti`, salts) with 32 host random bytes.
    #[wasm_bindgen(js_name = seedEntropy)]
    pub fn seed_entropy(&mut self, entropy: Vec<u8>) -> Result<(), JsValue> {
        self.manager.seed_entropy(entropy_from(&entropy)?);
        Ok(())
    }

    /// Ticket `ticket`'s request with an externally minted client assertion;
    /// a bad or expired one fails the fetch and is thrown.
    #[wasm_bindgen(js_name = requestWithAssertion)]
    pub fn request_with_assertion(
        &mut self,
        ticket: f64,
        assertion: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        self.manager
            .request_with_assertion(ms(ticket).into(), assertion, ms(now_ms))
            .map(|r| to_json(&CoreRequest::new(&r)))
            .map_err(|e| throw(&e))
    }

    /// Remembers a resource server's `DPoP-Nonce` for its next proofs.
    #[wasm_bindgen(js_name = rememberDpopNonce)]
    pub fn remember_dpop_nonce(&mut self, url: &str, nonce: &str) -> bool {
        self.manager.remember_dpop_nonce(url, nonce)
    }

    /// The cached token as the core's versioned JSON document.
    #[wasm_bindgen(js_name = exportToken)]
    pub fn export_token(&self) -> Option<String> {
        // Exported because the host asked to persist it.
        self.manager
            .export(self.key)
            .map(|d| d.expose_secret().to_owned())
    }

    /// Loads an exported document; throws a typed error when it cannot.
    #[wasm_bindgen(js_name = importToken)]
    pub fn import_token(&mut self, document: &str, now_ms: f64) -> Result<String, JsValue> {
        match self.manager.import(self.key, document, ms(now_ms)) {
            Ok(token) => Ok(to_json(&CoreToken::new(&token))),
            Err(error) => Err(throw(&error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{READ_HEADERS, RESPONSE_HEADERS};
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The driver passes only RESPONSE_HEADERS to the core, so the core must
    /// read no other: every `.header("…")` / `headers_named("…")` in
    /// `core/src` names one of them (or `authorization`, read from requests
    /// in tests), none takes a name from a variable, and no code outside
    /// `core/src/http/` reads a message's `headers` field directly.
    #[test]
    fn response_headers_are_the_cores() {
        let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src");
        let mut files = Vec::new();
        rust_files(&core, &mut files);
        assert!(
            files.len() > 10,
            "core sources not found at {}",
            core.display()
        );
        let mut seen = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let shown = file.strip_prefix(&core).unwrap().display().to_string();
            // Test modules of their own read the requests the core builds.
            if shown.ends_with("_tests.rs") {
                continue;
            }
            let in_http = shown.starts_with("http");
            for call in [".header(", "headers_named("] {
                for (at, _) in text.match_indices(call) {
                    let rest = text[at + call.len()..].trim_start();
                    let Some(literal) = rest.strip_prefix('"') else {
                        // The definitions in http/ take `name`; a lookup by a variable elsewhere could be any header.
                        assert!(in_http, "{shown}: `{call}` with a name that is not a literal: the driver could not know it");
                        continue;
                    };
                    let name = literal.split('"').next().unwrap().to_ascii_lowercase();
                    assert!(
                        RESPONSE_HEADERS.contains(&name.as_str()) || name == "authorization",
                        "{shown}: the core reads the header `{name}`: add it to RESPONSE_HEADERS (bindings-wasm/src/lib.rs)"
                    );
                    seen.push(name);
                }
            }
            if !in_http {
                let field = text.match_indices(".headers").any(|(at, m)| {
                    !text[at + m.len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                });
                assert!(
                    !field,
                    "{shown}: reads a message's headers directly: the driver passes only RESPONSE_HEADERS"
                );
            }
        }
        // The trace headers are read from the core's own list (http/trace.rs).
        for name in ccauth::TRACE_HEADERS {
            assert!(
                RESPONSE_HEADERS.contains(&name),
                "RESPONSE_HEADERS lacks the trace header `{name}`"
            );
        }
        for name in READ_HEADERS {
            assert!(
                seen.iter().any(|s| s == name),
                "RESPONSE_HEADERS lists `{name}`, which the core no longer reads"
            );
        }
    }
}
