//! The doctor's report: what was sent (redacted), what came back, what the
//! lifecycle did, what the token says, and what to try. The same text in
//! every language, because it is made here.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use super::hints::{hints, Symptoms};
use crate::config::ClientConfig;
use crate::endpoints::token_response::parse_token_response;
use crate::http::trace::{body_trace_ids, header_trace_ids};
use crate::http::HttpResponse;
use crate::lifecycle::events::short_id;

/// What the doctor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DoctorReport {
    /// Whether a token came back.
    pub ok: bool,
    /// 0 when a token came back, 1 when not.
    pub exit_code: i32,
    /// The report, lines for a terminal.
    pub text: String,
}

impl DoctorReport {
    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The members of a claim set worth showing (never the signature).
const CLAIMS: [&str; 13] = [
    "iss",
    "sub",
    "aud",
    "azp",
    "client_id",
    "appid",
    "tid",
    "scope",
    "scp",
    "roles",
    "iat",
    "nbf",
    "exp",
];

/// Event members shown, in this order (`at_ms` and `key` are the same for all).
const EVENT_FIELDS: [&str; 18] = [
    "reason",
    "attempt",
    "ticket",
    "duration_ms",
    "lifetime_ms",
    "expiry_source",
    "deviations",
    "token_id",
    "delay_ms",
    "retry_after_ms",
    "until_ms",
    "status",
    "code",
    "error",
    "retryable",
    "trace_ids",
    "expires_at_ms",
    "message",
];

const REDACTED: &str = "<redacted>";

/// The report for `options` (the client options, snake_case), the token
/// requests the host sent (`exchanges`, oldest first) and the lifecycle
/// events it drained, at `now_ms`. Never shows the client secret, a private
/// key, a signature or a token.
pub fn report(
    options: &Map<String, Value>,
    exchanges: &[Value],
    events: &[Value],
    now_ms: u64,
) -> DoctorReport {
    let secrets = secrets_of(options);
    let mut out = String::new();
    let text =
        |o: &Map<String, Value>, name: &str| o.get(name).and_then(Value::as_str).map(str::to_owned);
    // The token endpoint: configured, or the one the token requests went to
    // (after discovery), never a discovery URL.
    let endpoint = text(options, "token_endpoint").or_else(|| {
        exchanges
            .iter()
            .rev()
            .map(|e| at(e, "request"))
            .find(|r| at(r, "method").as_str() != Some("GET"))
            .and_then(|r| at(r, "url").as_str())
            .map(str::to_owned)
    });
    let config = config_for(options, endpoint.as_deref());
    // What the options say, when they make no config of their own (the
    // minimal config that reads answers has no method to speak of).
    let auth_method = match (
        ClientConfig::from_json(&Value::Object(options.clone()).to_string()),
        &config,
    ) {
        (Ok(own), _) => own.auth_method().as_str().to_owned(),
        _ => text(options, "auth_method").unwrap_or_else(|| "client_secret_basic (default)".into()),
    };
    let auth_method = auth_method.as_str();
    let _ = writeln!(out, "ccauth doctor");
    line(
        &mut out,
        "token endpoint",
        &endpoint
            .clone()
            .unwrap_or_else(|| match text(options, "issuer") {
                Some(issuer) => format!("(from the issuer {issuer}'s metadata)"),
                None => "(not set)".to_owned(),
            }),
    );
    line(
        &mut out,
        "client id",
        &text(options, "client_id").unwrap_or_else(|| "(not set)".into()),
    );
    line(&mut out, "auth method", auth_method);
    for (name, label) in [("scopes", "scope"), ("resources", "resource")] {
        if let Some(Value::Array(words)) = options.get(name) {
            let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
            line(&mut out, label, &words.join(" "));
        }
    }
    for name in ["audience", "key_id", "client_assertion_alg"] {
        if let Some(value) = text(options, name) {
            line(&mut out, &name.replace('_', " "), &value);
        }
    }
    if options.contains_key("client_secret") {
        line(&mut out, "client secret", "set (not shown)");
    }
    if options.contains_key("private_key") {
        line(&mut out, "private key", "set (not shown)");
    }

    let mut outcome: Option<Outcome> = None;
    for (i, exchange) in exchanges.iter().enumerate() {
        let request = at(exchange, "request");
        if at(request, "method").as_str() == Some("GET") {
            // Discovery (server metadata): where the endpoints came from.
            let status = at(at(exchange, "response"), "status").as_u64();
            let answer = status.map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}"));
            let url = at(request, "url").as_str().unwrap_or("");
            let _ = writeln!(out, "\nDiscovery\n  GET {} -> {answer}", one_line(url));
            continue;
        }
        let _ = writeln!(out, "\nRequest {}", i + 1);
        render_request(&mut out, at(exchange, "request"));
        outcome = Some(render_answer(&mut out, exchange, config.as_ref(), now_ms));
    }
    if exchanges.is_empty() {
        let _ = writeln!(out, "\nNo request was sent.");
    }
    if !events.is_empty() {
        let _ = writeln!(out, "\nEvents");
        let first_ms = events
            .first()
            .and_then(|e| at(e, "at_ms").as_u64())
            .unwrap_or(0);
        for event in events {
            render_event(&mut out, event, first_ms);
        }
    }
    let ok = matches!(outcome, Some(Outcome::Token));
    let endpoint_url = endpoint.as_deref().unwrap_or("");
    let (host, path) = host_and_path(endpoint_url);
    let last = exchanges.last();
    let response = last.map(|e| at(e, "response")).filter(|r| r.is_object());
    let body_text = response.and_then(|r| at(r, "body").as_str()).unwrap_or("");
    let error_fields: Map<String, Value> = serde_json::from_str(body_text).unwrap_or_default();
    let symptoms = Symptoms {
        status: response
            .and_then(|r| at(r, "status").as_u64())
            .map(|s| s as u16),
        error: error_fields.get("error").and_then(Value::as_str),
        description: error_fields
            .get("error_description")
            .and_then(Value::as_str),
        auth_method,
        host: &host,
        path: &path,
        has_audience: options.contains_key("audience"),
        html: body_text.trim_start().starts_with('<'),
        json_body: options.get("body_format").and_then(Value::as_str) == Some("json"),
        transport_error: last.is_some_and(|e| at(e, "transport_error").is_string()),
    };
    let found = if ok { Vec::new() } else { hints(&symptoms) };
    if !found.is_empty() {
        let _ = writeln!(out, "\nHints");
        for hint in found {
            let _ = writeln!(out, "  - {hint}");
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        match &outcome {
            Some(Outcome::Token) => "Result: OK, a token came back.".to_owned(),
            Some(Outcome::Failed(why)) => format!("Result: FAILED, {why}."),
            None => "Result: FAILED, no token request was made.".to_owned(),
        }
    );
    DoctorReport {
        ok,
        exit_code: if ok { 0 } else { 1 },
        text: mask(&out, &secrets),
    }
}

enum Outcome {
    Token,
    Failed(String),
}

fn line(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "  {label:<15} {}", one_line(value));
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The strings no output may show.
fn secrets_of(options: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(secret) = options.get("client_secret").and_then(Value::as_str) {
        out.push(secret.to_owned());
    }
    match options.get("private_key") {
        Some(Value::String(pem)) => out.extend(
            pem.lines()
                .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
                .map(str::to_owned),
        ),
        Some(Value::Object(jwk)) => out.extend(
            ["d", "p", "q", "dp", "dq", "qi", "k"]
                .iter()
                .filter_map(|m| jwk.get(*m).and_then(Value::as_str))
                .map(str::to_owned),
        ),
        _ => {}
    }
    out.retain(|s| s.len() >= 4);
    out
}

fn mask(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |t, s| t.replace(s.as_str(), REDACTED))
}

/// The config to read answers with: the options' own, else a minimal one
/// (a discovery-only or host-signed setup reads its answers the same way).
fn config_for(options: &Map<String, Value>, endpoint: Option<&str>) -> Option<ClientConfig> {
    if let Ok(config) = ClientConfig::from_json(&Value::Object(options.clone()).to_string()) {
        return Some(config);
    }
    let mut minimal = Map::new();
    minimal.insert("token_endpoint".into(), Value::String(endpoint?.to_owned()));
    let client_id = options
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or("doctor");
    minimal.insert("client_id".into(), Value::String(client_id.to_owned()));
    minimal.insert("auth_method".into(), Value::String("none".into()));
    minimal.insert("danger_accept_insecure_http".into(), Value::Bool(true));
    ClientConfig::from_json(&Value::Object(minimal).to_string()).ok()
}

fn host_and_path(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, String::new()), |(a, p)| (a, format!("/{p}")));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    (host.to_ascii_lowercase(), path)
}

fn render_request(out: &mut String, request: &Value) {
    let method = at(request, "method").as_str().unwrap_or("POST");
    let url = at(request, "url").as_str().unwrap_or("");
    let _ = writeln!(out, "  {method} {}", one_line(url));
    let mut form = false;
    for pair in at(request, "headers").as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (idx(pair, 0).as_str(), idx(pair, 1).as_str()) else {
            continue;
        };
        let shown = match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization(value),
            "dpop" => format!("<DPoP proof: {}>", describe_jws(value)),
            "content-type" => {
                form = value.starts_with("application/x-www-form-urlencoded");
                value.to_owned()
            }
            _ => value.to_owned(),
        };
        let _ = writeln!(out, "  {name}: {}", one_line(&shown));
    }
    let body = at(request, "body").as_str().unwrap_or("");
    if body.is_empty() {
        return;
    }
    let _ = writeln!(out, "  body:");
    if form {
        for (name, value) in form_urlencoded::parse(body.as_bytes()) {
            let _ = writeln!(out, "    {name}={}", one_line(&parameter(&name, &value)));
        }
    } else if let Ok(Value::Object(members)) = serde_json::from_str::<Value>(body) {
        for (name, value) in members {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            let _ = writeln!(out, "    {name}: {}", one_line(&parameter(&name, &text)));
        }
    } else {
        let _ = writeln!(out, "    ({} bytes, not shown)", body.len());
    }
}

/// A body parameter as shown: secrets redacted, assertions decoded.
fn parameter(name: &str, value: &str) -> String {
    match name {
        "client_secret" => REDACTED.into(),
        "client_assertion" => format!("<JWT: {}>", describe_jws(value)),
        _ => value.to_owned(),
    }
}

fn authorization(value: &str) -> String {
    let Some((scheme, credentials)) = value.split_once(' ') else {
        return REDACTED.into();
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return format!("{scheme} {REDACTED}");
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((id, _)) => format!("Basic base64({}:{REDACTED})", percent_decoded(id)),
        None => format!("Basic {REDACTED}"),
    }
}

fn percent_decoded(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map_or_else(|| text.to_owned(), |(_, v)| v.into_owned())
}

/// A JWS's header and claims, without its signature.
fn describe_jws(jws: &str) -> String {
    let Some((header, claims)) = decode_jws(jws) else {
        return "not a JWT".into();
    };
    let mut parts: Vec<String> = Vec::new();
    for name in ["alg", "typ", "kid", "x5t#S256"] {
        if let Some(v) = header.get(name).and_then(Value::as_str) {
            parts.push(format!("{name}={v}"));
        }
    }
    if header.get("jwk").is_some() {
        parts.push("jwk=(public key)".into());
    }
    for name in ["iss", "sub", "aud", "htm", "htu", "iat", "exp", "nonce"] {
        if let Some(v) = claims.get(name) {
            parts.push(format!(
                "{name}={}",
                v.as_str().map_or_else(|| v.to_string(), str::to_owned)
            ));
        }
    }
    parts.push("signature not shown".into());
    parts.join(", ")
}

/// The header and claims of a compact JWS (decoded, not verified).
fn decode_jws(jws: &str) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let mut parts = jws.trim().split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    let decode = |part: &str| -> Option<Map<String, Value>> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(members) => Some(members),
            _ => None,
        }
    };
    Some((decode(header)?, decode(claims)?))
}

fn render_answer(
    out: &mut String,
    exchange: &Value,
    config: Option<&ClientConfig>,
    now_ms: u64,
) -> Outcome {
    if let Some(message) = at(exchange, "transport_error").as_str() {
        let _ = writeln!(out, "\nNo response\n  {}", one_line(message));
        return Outcome::Failed("the token endpoint could not be reached".into());
    }
    let r = at(exchange, "response");
    let status = at(r, "status").as_u64().unwrap_or(0) as u16;
    let headers: Vec<(String, String)> = at(r, "headers")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                idx(p, 0).as_str()?.to_owned(),
                idx(p, 1).as_str()?.to_owned(),
            ))
        })
        .collect();
    let response = HttpResponse::new(
        status,
        headers,
        at(r, "body").as_str().unwrap_or("").as_bytes().to_vec(),
    );
    let _ = writeln!(out, "\nResponse");
    line(out, "status", &status.to_string());
    if let Some(kind) = response.header("content-type") {
        line(out, "content type", kind);
    }
    let Some(config) = config else {
        return Outcome::Failed("the options do not make a config".into());
    };
    match parse_token_response(config, &response, now_ms) {
        Ok(token) => {
            let ids = header_trace_ids(&response);
            if !ids.is_empty() {
                line(out, "trace ids", &ids.join(" "));
            }
            let _ = writeln!(out, "\nToken");
            line(out, "type", token.token_type());
            let lifetime_s = token.expires_at_ms().saturating_sub(token.issued_at_ms()) / 1000;
            line(
                out,
                "lifetime",
                &format!("{lifetime_s} s (from {})", token.expiry_source().as_str()),
            );
            line(out, "expires", &http_date(token.expires_at_ms()));
            if let Some(scope) = token.scope() {
                line(out, "scope", scope);
            }
            let deviations: Vec<&str> = token.deviations().iter().map(|d| d.code()).collect();
            line(
                out,
                "deviations",
                &if deviations.is_empty() {
                    "none".into()
                } else {
                    deviations.join(" ")
                },
            );
            // Read to fingerprint it and decode its claims; the value is never shown.
            let value = token.value().expose_secret();
            line(out, "token id", &short_id(value));
            match decode_jws(value) {
                Some((_, claims)) => {
                    let _ = writeln!(
                        out,
                        "  JWT claims (decoded, not verified; signature not shown):"
                    );
                    for name in CLAIMS {
                        if let Some(v) = claims.get(name) {
                            let mut shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            if matches!(name, "iat" | "nbf" | "exp") {
                                if let Some(secs) = v.as_u64() {
                                    shown = format!(
                                        "{secs} ({})",
                                        http_date(secs.saturating_mul(1000))
                                    );
                                }
                            }
                            let _ = writeln!(out, "    {name}: {}", one_line(&shown));
                        }
                    }
                }
                None => {
                    let _ = writeln!(out, "  not a JWT (an opaque token: nothing to decode)");
                }
            }
            Outcome::Token
        }
        Err(error) => {
            let mut ids = header_trace_ids(&response);
            ids.extend(body_trace_ids(error.extras()));
            if !ids.is_empty() {
                line(out, "trace ids", &ids.join(" "));
            }
            line(out, "code", error.code());
            if let Some(e) = error.error() {
                line(out, "error", e);
            }
            if let Some(d) = error.error_description() {
                line(out, "description", d);
            }
            if let Some(u) = error.error_uri() {
                line(out, "error uri", u);
            }
            if error.error().is_none() {
                line(out, "message", &error.to_string());
            }
            Outcome::Failed(match error.error() {
                Some(e) => format!("{} ({e})", error.code()),
                None => error.code().to_owned(),
            })
        }
    }
}

fn render_event(out: &mut String, event: &Value, first_ms: u64) {
    let name = at(event, "event").as_str().unwrap_or("event");
    let offset = at(event, "at_ms")
        .as_u64()
        .unwrap_or(first_ms)
        .saturating_sub(first_ms);
    let mut text = format!("  +{offset} ms {name}");
    for field in EVENT_FIELDS {
        let Some(value) = event.get(field) else {
            continue;
        };
        let shown = match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            Value::Null => continue,
            other => other.to_string(),
        };
        if field == "message" {
            let _ = write!(text, " message=\"{}\"", one_line(&shown));
        } else {
            let _ = write!(text, " {field}={}", one_line(&shown));
        }
    }
    let _ = writeln!(out, "{text}");
}

/// A member of a JSON object, `Null` when absent (or not an object).
pub(super) fn at<'a>(value: &'a Value, name: &str) -> &'a Value {
    value.get(name).unwrap_or(&Value::Null)
}

/// An item of a JSON array, `Null` when absent.
pub(super) fn idx(value: &Value, index: usize) -> &Value {
    value.get(index).unwrap_or(&Value::Null)
}

fn http_date(ms: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "doctor-secret-value-1";
    const NOW: u64 = 1_700_000_000_000;

    fn options() -> Map<String, Value> {
        match json!({"token_endpoint": "https://as.example.com/oauth2/token", "client_id": "svc",
                     "client_secret": SECRET, "scopes": ["api.read"]})
        {
            Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    fn b64(v: &Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn request() -> Value {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("svc:{SECRET}"));
        json!({"method": "POST", "url": "https://as.example.com/oauth2/token",
               "headers": [["Authorization", format!("Basic {basic}")],
                           ["Content-Type", "application/x-www-form-urlencoded"]],
               "body": "grant_type=client_credentials&scope=api.read"})
    }

    #[test]
    fn a_token_is_described_without_showing_it_or_the_secret() {
        let signature = "c2lnbmF0dXJlLW5vdC10by1zaG93";
        let token = format!(
            "{}.{}.{signature}",
            b64(&json!({"alg": "RS256", "typ": "at+jwt"})),
            b64(
                &json!({"aud": "https://api.example.com", "scope": "api.read", "exp": 1_700_003_600})
            )
        );
        let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": "3600"});
        let exchange = json!({"request": request(),
            "response": {"status": 200, "headers": [["Content-Type", "application/json"], ["X-Request-Id", "r-1"]],
                         "body": body.to_string()}});
        let events = [
            json!({"event": "fetch_started", "at_ms": NOW, "key": "k", "reason": "cold", "attempt": 1}),
        ];
        let r = report(&options(), &[exchange], &events, NOW);
        assert!(r.ok);
        assert_eq!(r.exit_code, 0);
        for want in [
            "Basic base64(svc:<redacted>)",
            "grant_type=client_credentials",
            "lifetime        3600 s (from expires_in)",
            "deviations      expires_in_string",
            "aud: https://api.example.com",
            "+0 ms fetch_started reason=cold attempt=1",
            "trace ids       x-request-id=r-1",
            "Result: OK",
        ] {
            assert!(r.text.contains(want), "{want} missing in\n{}", r.text);
        }
        for never in [SECRET, token.as_str(), signature] {
            assert!(!r.text.contains(never), "shows {never}:\n{}", r.text);
        }
    }

    #[test]
    fn a_refused_client_gets_the_error_its_trace_ids_and_a_hint() {
        let exchange = json!({"request": request(),
            "response": {"status": 401, "headers": [["Content-Type", "application/json"]],
                         "body": json!({"error": "invalid_client", "error_description": "bad secret",
                                        "trace_id": "t-9"}).to_string()}});
        let r = report(&options(), &[exchange], &[], NOW);
        assert!(!r.ok);
        assert_eq!(r.exit_code, 1);
        for want in [
            "error           invalid_client",
            "trace_id=t-9",
            "--auth-method client_secret_post",
            "Result: FAILED, TOKEN_ENDPOINT_ERROR (invalid_client)",
        ] {
            assert!(r.text.contains(want), "{want} missing in\n{}", r.text);
        }
        assert!(!r.text.contains(SECRET));
    }

    #[test]
    fn an_unreachable_endpoint_and_an_html_page_get_their_hints() {
        let down = json!({"request": request(), "transport_error": "connection refused"});
        let r = report(&options(), &[down], &[], NOW);
        assert!(r.text.contains("could not be reached"), "{}", r.text);
        let html = json!({"request": request(),
            "response": {"status": 403, "headers": [["Content-Type", "text/html"]], "body": "<html>blocked</html>"}});
        let r = report(&options(), &[html], &[], NOW);
        assert!(r.text.contains("An HTML page came back"), "{}", r.text);
        assert_eq!(report(&options(), &[], &[], NOW).exit_code, 1);
        let discovery = json!({"request": {"method": "GET", "url": "https://as.example.com/.well-known/openid-configuration", "headers": [], "body": ""},
            "response": {"status": 200, "headers": [], "body": "{}"}});
        let r = report(&options(), &[discovery], &[], NOW);
        assert!(
            r.text.contains(
                "GET https://as.example.com/.well-known/openid-configuration -> HTTP 200"
            ),
            "{}",
            r.text
        );
        assert!(r.text.contains("no token request was made"), "{}", r.text);
        let issuer_only = match json!({"issuer": "https://as.example.com", "client_id": "svc", "client_secret": SECRET})
        {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        let failed = json!({"request": {"method": "GET", "url": "https://as.example.com/.well-known/openid-configuration"},
            "response": {"status": 404, "headers": [], "body": ""}});
        let r = report(&issuer_only, &[failed], &[], NOW);
        assert!(
            r.text
                .contains("(from the issuer https://as.example.com's metadata)"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("client_secret_basic (default)"),
            "{}",
            r.text
        );
    }
}
