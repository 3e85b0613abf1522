//! A blocking host driver for the sans-IO `ccauth` core, on `ureq`.
//!
//! The core builds the request and reads the response; this file only moves
//! bytes and reads the clock, which is all a host driver should do.
#![allow(clippy::result_large_err)] // errors are the cold path of an example

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod redis_store;
mod shared;

pub use redis_store::RedisStore;
pub use shared::{Listener, SharedTokens};

use ccauth::{
    build_token_request_at, parse_token_response, AccessToken, ClientConfig, HttpRequest,
    HttpResponse, RequestContext, TransportError, TransportErrorKind,
};

/// What can go wrong when fetching a token: the network, or the protocol.
#[derive(Debug)]
pub enum DriverError {
    /// The request never got an HTTP response (kind, platform cause, whether it was sent).
    Transport(TransportError),
    /// The core rejected the response (carries the stable code and RFC fields).
    Token(ccauth::ResponseError),
    /// The token lifecycle gave up (after its retries) or was misused.
    Lifecycle(ccauth::Error),
}

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(error) => error.fmt(f),
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
    let response = sent.map_err(|e| DriverError::Transport(transport_error(&e, false)))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = read_limited(response, max_body)?;
    Ok(HttpResponse::new(status, headers, body))
}

/// At most `max_body + 1` bytes of the body: one byte over the limit is enough
/// for the core to answer `RESPONSE_TOO_LARGE`, and a `Content-Length` over
/// it means nothing is read at all. Dropping the unread rest closes the
/// connection (ureq never pools a connection with a body left in it).
fn read_limited(
    mut response: ureq::http::Response<ureq::Body>,
    max_body: usize,
) -> Result<Vec<u8>, DriverError> {
    let declared = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Ok(Vec::new());
    }
    let cap = max_body as u64 + 1;
    let mut body = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .reader()
        .take(cap)
        .read_to_end(&mut body)
        .map_err(|e| DriverError::Transport(io_error(&e, true)))?;
    Ok(body)
}

/// A ureq failure as the core's transport error: its kind, ureq's name for
/// it as the cause, and whether the request had gone out.
pub fn transport_error(error: &ureq::Error, reading_body: bool) -> TransportError {
    use ureq::Error as E;
    let (kind, cause, sent) = match error {
        E::Io(io) => return io_error(io, reading_body),
        E::Timeout(which) => {
            let sent = !matches!(
                which,
                ureq::Timeout::Resolve | ureq::Timeout::Connect | ureq::Timeout::SendRequest
            );
            (
                TransportErrorKind::Timeout,
                format!("Timeout{which:?}"),
                Some(sent),
            )
        }
        E::HostNotFound => (
            TransportErrorKind::Connect,
            "HostNotFound".into(),
            Some(false),
        ),
        E::ConnectionFailed => (
            TransportErrorKind::Connect,
            "ConnectionFailed".into(),
            Some(false),
        ),
        E::Tls(_) => (TransportErrorKind::Tls, "Tls".into(), Some(false)),
        E::Protocol(_) => (TransportErrorKind::Other, "Protocol".into(), Some(true)),
        _ => (TransportErrorKind::Other, "Other".into(), None),
    };
    let mut out = TransportError::new(kind, &error.to_string()).with_cause(&cause);
    if let Some(sent) = sent {
        out = out.with_request_sent(sent);
    }
    out
}

fn io_error(error: &std::io::Error, reading_body: bool) -> TransportError {
    use std::io::ErrorKind as K;
    let (kind, sent) = match error.kind() {
        K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable => {
            (TransportErrorKind::Connect, false)
        }
        K::TimedOut | K::WouldBlock => (TransportErrorKind::Timeout, reading_body),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            (TransportErrorKind::Reset, true)
        }
        _ => (TransportErrorKind::Other, reading_body),
    };
    let cause = format!("{:?}", error.kind());
    TransportError::new(kind, &error.to_string())
        .with_cause(&cause)
        .with_request_sent(sent)
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
        .map_err(|e| DriverError::Transport(transport_error(&e, false)))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| DriverError::Transport(transport_error(&e, true)))?;
    Ok((status, body))
}
