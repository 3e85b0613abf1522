//! A blocking host driver for the sans-IO `ccauth` core, on `ureq`.
//!
//! The core builds the request and reads the response; this file only moves
//! bytes and reads the clock, which is all a host driver should do.
#![allow(clippy::result_large_err)] // errors are the cold path of an example

use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod shared;

pub use shared::SharedTokens;

use ccauth::{
    build_token_request_at, parse_token_response, AccessToken, ClientConfig, HttpRequest,
    HttpResponse, RequestContext,
};

/// What can go wrong when fetching a token: the network, or the protocol.
#[derive(Debug)]
pub enum DriverError {
    /// The request never got an HTTP response.
    Transport(String),
    /// The core rejected the response (carries the stable code and RFC fields).
    Token(ccauth::ResponseError),
    /// The token lifecycle gave up (after its retries) or was misused.
    Lifecycle(ccauth::Error),
}

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(message) => write!(f, "TRANSPORT_ERROR: {message}"),
            Self::Token(error) => error.fmt(f),
            Self::Lifecycle(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for DriverError {}

/// The host clock, in Unix milliseconds: the one thing the core never reads itself.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An agent that returns 4xx/5xx as responses (the core classifies them) and never hangs.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Sends a core-built request and hands back the raw response.
pub fn send(
    agent: &ureq::Agent,
    request: &HttpRequest,
    max_body: usize,
) -> Result<HttpResponse, DriverError> {
    let sent = if request.method() == "GET" {
        let mut call = agent.get(request.url());
        for (name, value) in request.headers() {
            call = call.header(name, value);
        }
        call.call()
    } else {
        let mut call = agent.post(request.url());
        for (name, value) in request.headers() {
            call = call.header(name, value);
        }
        call.send(request.body())
    };
    let mut response = sent.map_err(|e| DriverError::Transport(e.to_string()))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    // One byte over the limit is enough for the core to report RESPONSE_TOO_LARGE.
    let body = response
        .body_mut()
        .with_config()
        .limit(max_body as u64 + 1)
        .read_to_vec()
        .map_err(|e| DriverError::Transport(e.to_string()))?;
    Ok(HttpResponse::new(status, headers, body))
}

/// 32 bytes from the operating system's random source.
pub fn entropy() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // Without OS randomness nothing can be signed safely: stop loudly.
    getrandom::getrandom(&mut bytes).unwrap_or_else(|e| panic!("no OS randomness: {e}"));
    bytes
}

/// One token request: build (signing what the config asks for), send, parse.
pub fn fetch_token(agent: &ureq::Agent, config: &ClientConfig) -> Result<AccessToken, DriverError> {
    let context = RequestContext {
        now_ms: now_ms(),
        entropy: entropy(),
        dpop_nonce: None,
    };
    let request = build_token_request_at(config, &context);
    let response = send(agent, &request, config.max_response_bytes())?;
    parse_token_response(config, &response, now_ms()).map_err(DriverError::Token)
}

/// Calls a protected API with the token; returns the status and body.
pub fn call_api(
    agent: &ureq::Agent,
    url: &str,
    token: &AccessToken,
) -> Result<(u16, String), DriverError> {
    // The header is where the token must go.
    let authorization = token.authorization_header();
    let mut response = agent
        .get(url)
        .header("Authorization", authorization.expose_secret())
        .call()
        .map_err(|e| DriverError::Transport(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| DriverError::Transport(e.to_string()))?;
    Ok((status, body))
}
