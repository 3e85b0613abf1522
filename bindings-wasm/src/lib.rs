//! wasm-bindgen wrappers over the ccauth core: translation only.
//!
//! Values cross the boundary as JSON text and byte arrays, which keeps the
//! generated glue small; the TypeScript layer (`js/`) turns them into
//! idiomatic objects. Errors cross as JSON `{code, message, …}` thrown as a
//! string and rethrown by the TS layer as a `CcauthError`. Nothing here may
//! panic: a panic would trap the whole wasm instance.

// Errors cross by value into JSON; boxing them would only add an allocation.
#![allow(clippy::result_large_err)]

use ccauth::{
    build_token_request_at, parse_introspection_response, parse_metadata_response,
    parse_revocation_response, parse_token_response, AccessToken, ClientConfig, Error,
    FetchOutcome, HttpRequest, HttpResponse, PrivateKey, RequestContext, TokenDecision, TokenKey,
    TokenManager, TransportError, TransportErrorKind, DEFAULT_MAX_RESPONSE_BYTES,
    MAX_WAIT_SLICE_MS,
};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

mod discovery;
mod lifecycle_api;

/// Milliseconds from JS (a `number`) to the core's `u64`.
pub(crate) fn ms(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value as u64
    } else {
        0
    }
}

pub(crate) fn error_json(error: &Error) -> Value {
    let mut out = json!({ "code": error.code(), "message": error.to_string(), "retryable": error.is_retryable() });
    if let Error::Response(e) = error {
        out["status"] = json!(e.status());
        out["error"] = json!(e.error());
        out["error_description"] = json!(e.error_description());
        out["error_uri"] = json!(e.error_uri());
        out["retry_after_ms"] = json!(e.retry_after_ms());
        out["body_kind"] = json!(e.body_kind().as_str());
        out["excerpt"] = json!(e.excerpt());
        out["content_type"] = json!(e.content_type());
        out["body_len"] = json!(e.body_len());
        out["extras"] = Value::Object(e.extras().clone());
        out["dpop_nonce"] = json!(e.dpop_nonce());
        out["www_authenticate"] = e
            .www_authenticate()
            .iter()
            .map(|c| json!({ "scheme": c.scheme, "params": c.params }))
            .collect();
    }
    if let Error::Config(e) = error {
        out["field"] = json!(e.field());
        out["reason"] = json!(e.reason());
        out["index"] = json!(e.index());
    }
    if let Error::Transport(e) = error {
        out["transport_kind"] = json!(e.kind().as_str());
        out["cause"] = json!(e.cause());
        out["request_sent"] = json!(e.request_sent());
    }
    out
}

pub(crate) fn throw(error: &Error) -> JsValue {
    JsValue::from_str(&error_json(error).to_string())
}

fn token_json(token: &AccessToken) -> Value {
    json!({
        // The host asked for the token: this is how it gets it.
        "access_token": token.value().expose_secret(),
        "token_type": token.token_type(),
        "authorization": token.authorization_header().expose_secret(),
        "issued_at_ms": token.issued_at_ms(),
        "expires_at_ms": token.expires_at_ms(),
        "refresh_at_ms": token.refresh_at_ms(),
        "expiry_source": token.expiry_source().as_str(),
        "scope": token.scope(),
        "refresh_token": token.refresh_token().map(|t| t.expose_secret()),
        "id_token": token.id_token().map(|t| t.expose_secret()),
        "refresh_in_ms": token.refresh_in_ms(),
        "server_date_ms": token.server_date_ms(),
        "extras": Value::Object(token.extras().clone()),
        "deviations": token.deviations().iter().map(|d| d.code()).collect::<Vec<_>>(),
    })
}

pub(crate) fn request_json(request: &HttpRequest) -> Value {
    json!({
        "method": request.method(),
        "url": request.url(),
        "headers": request.headers(),
        // Token request bodies are form or JSON text, always UTF-8.
        "body": String::from_utf8_lossy(request.body()),
    })
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

/// Builds the token request at `now_ms`, signing what the config asks for
/// (client assertion, DPoP proof) with 32 bytes of host randomness.
#[wasm_bindgen(js_name = buildTokenRequestAt)]
pub fn build_token_request_at_json(
    config_json: &str,
    now_ms: f64,
    entropy: Vec<u8>,
    dpop_nonce: Option<String>,
) -> Result<String, JsValue> {
    let config = config_from(config_json)?;
    let context = RequestContext {
        now_ms: ms(now_ms),
        entropy: entropy_from(&entropy)?,
        dpop_nonce: dpop_nonce.as_deref(),
    };
    Ok(request_json(&build_token_request_at(&config, &context)).to_string())
}

/// A new P-256 key (for DPoP) from 32 bytes of host randomness, as a private JWK.
#[wasm_bindgen(js_name = generateDpopKey)]
pub fn generate_dpop_key(entropy: Vec<u8>) -> Result<String, JsValue> {
    let key = PrivateKey::generate_p256(&entropy_from(&entropy)?).map_err(|e| throw(&e.into()))?;
    // The host asked for a key to hold; it goes straight into a config.
    Ok(key.private_jwk().to_string())
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
    let out = if kind == "revocation" {
        parse_revocation_response(&config, &response, ms(now_ms)).map(|()| json!({ "ok": true }))
    } else {
        parse_introspection_response(&config, &response, ms(now_ms))
            .map(|i| json!({ "introspection": Value::Object(i.fields().clone()) }))
    };
    Ok(match out {
        Ok(value) => value,
        Err(error) => json!({ "error": error_json(&error.into()) }),
    }
    .to_string())
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
    let response = match response_from(status, headers_json, body) {
        Ok(response) => response,
        Err(error) => return json!({ "error": error_json(&error) }).to_string(),
    };
    match parse_metadata_response(issuer, &response, ms(now_ms)) {
        Ok(metadata) => format!(r#"{{"metadata":{}}}"#, metadata.to_json()),
        Err(error) => json!({ "error": error_json(&error.into()) }).to_string(),
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
        Ok(token) => json!({ "token": token_json(&token) }),
        Err(error) => json!({ "error": error_json(&error.into()) }),
    }
    .to_string())
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

pub(crate) fn outcome_json(outcome: FetchOutcome) -> Value {
    match outcome {
        FetchOutcome::Token(ref token) => {
            let window = outcome.ready_window().unwrap_or(0..0);
            json!({ "outcome": "token", "token": token_json(token), "valid_from_ms": window.start, "valid_until_ms": window.end })
        }
        FetchOutcome::RetryScheduled { at_ms, error } => {
            json!({ "outcome": "retry_scheduled", "at_ms": at_ms, "error": error_json(&error) })
        }
        FetchOutcome::Failed { error, until_ms } => {
            json!({ "outcome": "failed", "until_ms": until_ms, "error": error_json(&error) })
        }
        _ => json!({ "outcome": "stale" }),
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
                return json!({ "decision": "failed", "error": error_json(&error) }).to_string()
            }
        };
        let ticket = |t: &ccauth::FetchTicket| {
            json!({
                "id": t.id().get(),
                "attempt": t.attempt(),
                "request": request_json(t.request()),
                "needs_client_assertion": t.needs_client_assertion(),
            })
        };
        let now = ms(now_ms);
        let window = decision.ready_window();
        let wait_ms = decision.wait_ms(now);
        match decision {
            TokenDecision::Ready(token) => {
                let window = window.unwrap_or(now..now);
                json!({ "decision": "ready", "token": token_json(&token), "valid_from_ms": window.start, "valid_until_ms": window.end })
            }
            TokenDecision::Fetch(t) => json!({ "decision": "fetch", "ticket": ticket(&t) }),
            TokenDecision::RefreshAhead(token, t) => {
                json!({ "decision": "refresh_ahead", "token": token_json(&token), "ticket": ticket(&t) })
            }
            TokenDecision::Wait { until_ms } => {
                json!({ "decision": "wait", "until_ms": until_ms, "wait_ms": wait_ms })
            }
            TokenDecision::Failed(error) => json!({ "decision": "failed", "error": error_json(&error) }),
            // A decision added to the core later: ask again after one wait slice.
            _ => json!({ "decision": "wait", "until_ms": now + MAX_WAIT_SLICE_MS, "wait_ms": MAX_WAIT_SLICE_MS }),
        }
        .to_string()
    }

    /// Reports the response to ticket `ticket`.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        ticket: f64,
        status: u16,
        headers_json: &str,
        body: Vec<u8>,
        now_ms: f64,
    ) -> String {
        // Malformed headers fail the attempt like an unreadable response.
        let outcome = match response_from(status, headers_json, body) {
            Ok(response) => self
                .manager
                .handle_response(ms(ticket).into(), &response, ms(now_ms)),
            Err(_) => self.manager.handle_transport_error(
                ms(ticket).into(),
                TransportError::new(
                    TransportErrorKind::Other,
                    "the host passed malformed headers",
                ),
                ms(now_ms),
            ),
        };
        outcome_json(outcome).to_string()
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
        .to_string()
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
            .map(|r| request_json(&r).to_string())
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
            Ok(token) => Ok(token_json(&token).to_string()),
            Err(error) => Err(throw(&error)),
        }
    }
}
