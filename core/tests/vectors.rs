//! Runs every shared vector in `tests/vectors/` against the core.
//!
//! Every binding runs the same files; the schema is `tests/vectors/README.md`.
//! Beyond the expected values, each case also checks hygiene mechanically:
//! no secret or token from the case may appear in any Debug or Display text.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ccauth::{
    build_token_request, parse_token_response, ApiAnswer, ApiVerdict, BasicAuthEncoding,
    BodyFormat, ClientAuthMethod, ClientConfig, Error, FetchOutcome, FetchTicket, HttpRequest,
    HttpResponse, RefreshPolicy, RetryPolicy, TokenDecision, TokenManager, TransportError,
    TransportErrorKind,
};
use serde_json::{json, Value};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The vector config object → the builder, field by field.
fn config_from(c: &Value) -> Result<ClientConfig, ccauth::ConfigError> {
    let mut b = ClientConfig::builder(
        c["token_endpoint"].as_str().unwrap(),
        c["client_id"].as_str().unwrap(),
    );
    if let Some(secret) = c.get("client_secret").and_then(Value::as_str) {
        b = b.client_secret(secret);
    }
    if let Some(method) = c.get("auth_method").and_then(Value::as_str) {
        b = b.auth_method(method.parse::<ClientAuthMethod>().unwrap());
    }
    if let Some(encoding) = c.get("basic_auth_encoding").and_then(Value::as_str) {
        b = b.basic_auth_encoding(match encoding {
            "raw" => BasicAuthEncoding::Raw,
            "form_urlencoded" => BasicAuthEncoding::FormUrlEncoded,
            other => panic!("unknown basic_auth_encoding {other}"),
        });
    }
    b = b.scopes(strings(c.get("scopes")));
    if let Some(include) = c.get("include_scope").and_then(Value::as_bool) {
        b = b.include_scope(include);
    }
    if let Some(audience) = c.get("audience").and_then(Value::as_str) {
        b = b.audience(audience);
    }
    for resource in strings(c.get("resources")) {
        b = b.resource(resource);
    }
    for (name, value) in pairs(c.get("extra_body_params")) {
        b = b.extra_body_param(name, value);
    }
    for (name, value) in pairs(c.get("extra_query_params")) {
        b = b.extra_query_param(name, value);
    }
    for (name, value) in pairs(c.get("extra_headers")) {
        b = b.extra_header(name, value);
    }
    if let Some(format) = c.get("body_format").and_then(Value::as_str) {
        b = b.body_format(match format {
            "json" => BodyFormat::Json,
            "form" => BodyFormat::Form,
            other => panic!("unknown body_format {other}"),
        });
    }
    if let Some(insecure) = c
        .get("danger_accept_insecure_http")
        .and_then(Value::as_bool)
    {
        b = b.danger_accept_insecure_http(insecure);
    }
    if let Some(limit) = c.get("max_response_bytes").and_then(Value::as_u64) {
        b = b.max_response_bytes(limit as usize);
    }
    if let Some(r) = c.get("refresh") {
        let d = RefreshPolicy::default();
        let get = |k: &str, default: u64| r.get(k).and_then(Value::as_u64).unwrap_or(default);
        b = b.refresh_policy(RefreshPolicy {
            min_leeway_ms: get("min_leeway_ms", d.min_leeway_ms),
            max_leeway_ms: get("max_leeway_ms", d.max_leeway_ms),
            leeway_percent: get("leeway_percent", u64::from(d.leeway_percent)) as u8,
            default_lifetime_ms: get("default_lifetime_ms", d.default_lifetime_ms),
        });
    }
    if let Some(r) = c.get("retry") {
        let d = RetryPolicy::default();
        b = b.retry_policy(RetryPolicy {
            max_attempts: r
                .get("max_attempts")
                .and_then(Value::as_u64)
                .map_or(d.max_attempts, |v| v as u32),
            max_wait_ms: r
                .get("max_wait_ms")
                .and_then(Value::as_u64)
                .unwrap_or(d.max_wait_ms),
            failure_cooldown_ms: r
                .get("failure_cooldown_ms")
                .and_then(Value::as_u64)
                .unwrap_or(d.failure_cooldown_ms),
            attempt_timeout_ms: r
                .get("attempt_timeout_ms")
                .and_then(Value::as_u64)
                .unwrap_or(d.attempt_timeout_ms),
        });
    }
    if let Some(url) = c.get("revocation_endpoint").and_then(Value::as_str) {
        b = b.revocation_endpoint(url);
    }
    if let Some(url) = c.get("introspection_endpoint").and_then(Value::as_str) {
        b = b.introspection_endpoint(url);
    }
    if let Some(proactive) = c.get("proactive_refresh").and_then(Value::as_bool) {
        b = b.proactive_refresh(proactive);
    }
    if let Some(external) = c.get("external_client_assertion").and_then(Value::as_bool) {
        b = b.external_client_assertion(external);
    }
    if let Some(key) = c.get("dpop_key") {
        let text = key.as_str().map_or_else(|| key.to_string(), str::to_owned);
        b = b.dpop_key(ccauth::PrivateKey::parse(&text, None, "dpop_key").unwrap());
    }
    let built = b.build();
    // The JSON document path the bindings use must agree with the builder.
    let from_json = ClientConfig::from_json(&c.to_string());
    match (&built, &from_json) {
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "from_json differs for {c}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            (a.code(), a.field()),
            (b.code(), b.field()),
            "from_json differs for {c}"
        ),
        _ => panic!("builder and from_json disagree for {c}"),
    }
    built
}

/// Fails when `text` shows any of the case's secrets (long enough to be unambiguous).
fn assert_hygiene(case: &str, what: &str, text: &str, secrets: &[String]) -> Result<(), String> {
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        if text.contains(secret.as_str()) {
            return Err(format!("{case}: {what} leaks a secret: {text}"));
        }
    }
    Ok(())
}

fn check_field(case: &str, expect: &Value, key: &str, got: Value) -> Result<(), String> {
    match expect.get(key) {
        Some(want) if *want != got => Err(format!("{case}: {key}: want {want}, got {got}")),
        _ => Ok(()),
    }
}

fn run_request_case(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let config = config_from(&case["config"]);
    let secret = case["config"]
        .get("client_secret")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let secrets: Vec<String> = secret.into_iter().collect();
    if let Some(want) = case.get("expect_error") {
        let err = match config {
            Ok(_) => return Err(format!("{name}: config accepted, want {want}")),
            Err(err) => err,
        };
        check_field(name, want, "code", json!(err.code()))?;
        check_field(name, want, "field", json!(err.field()))?;
        assert_hygiene(name, "config error", &format!("{err} {err:?}"), &secrets)?;
        return Ok(());
    }
    let config = config.map_err(|e| format!("{name}: config rejected: {e}"))?;
    let request = build_token_request(&config).map_err(|e| format!("{name}: {e}"))?;
    let want = &case["expect"];
    check_field(name, want, "method", json!(request.method()))?;
    check_field(name, want, "url", json!(request.url()))?;
    let headers: Vec<Value> = request
        .headers()
        .iter()
        .map(|(n, v)| json!([n, v]))
        .collect();
    check_field(name, want, "headers", Value::Array(headers))?;
    let body = String::from_utf8(request.body().to_vec())
        .map_err(|_| format!("{name}: body not UTF-8"))?;
    check_field(name, want, "body", json!(body))?;
    assert_hygiene(name, "request Debug", &format!("{request:?}"), &secrets)?;
    assert_hygiene(name, "config Debug", &format!("{config:?}"), &secrets)?;
    Ok(())
}

fn response_from(r: &Value) -> HttpResponse {
    let body = match (r.get("body"), r.get("body_base64")) {
        (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap(),
        (None, None) => Vec::new(),
    };
    HttpResponse::new(
        r["status"].as_u64().unwrap() as u16,
        pairs(r.get("headers")),
        body,
    )
}

/// A lifecycle scenario: steps against one TokenManager; tickets are named by
/// the order they were handed out (1 = the first).
fn run_lifecycle_case(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let config_json = case
        .get("config")
        .cloned()
        .unwrap_or_else(default_response_config);
    let config = config_from(&config_json).map_err(|e| format!("{name}: config rejected: {e}"))?;
    let (mut manager, key) = TokenManager::with_config(config, case["seed"].as_u64().unwrap_or(1));
    let mut tickets: Vec<FetchTicket> = Vec::new();
    // What no event may show: the secret, and every token of 8 characters
    // or more the case's responses carry (shorter ones are words of a message).
    let mut secrets: Vec<String> = config_json["client_secret"]
        .as_str()
        .map(str::to_owned)
        .into_iter()
        .collect();
    for step in case["steps"].as_array().unwrap() {
        let body = step["respond"]["body"].as_str().unwrap_or("");
        if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) {
            secrets.extend(
                fields
                    .get("access_token")
                    .and_then(Value::as_str)
                    .filter(|t| t.len() >= 8)
                    .map(str::to_owned),
            );
        }
    }
    for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let at = format!("{name} step {i}");
        let want = &step["expect"];
        let now = step["now_ms"].as_u64().unwrap_or(0);
        let ticket_id = |t: &Value| -> Result<ccauth::TicketId, String> {
            let n = t.as_u64().unwrap() as usize;
            tickets
                .get(n - 1)
                .map(FetchTicket::id)
                .ok_or(format!("{at}: no ticket {n}"))
        };
        if step.get("poll").is_some() {
            let decision = manager.poll(key, now).map_err(|e| format!("{at}: {e}"))?;
            let decision_window = decision.ready_window();
            let wait_ms = decision.wait_ms(now);
            let (kind, token, ticket, until, code) = match decision {
                TokenDecision::Ready(t) => ("ready", Some(t), None, None, None),
                TokenDecision::Fetch(ticket) => ("fetch", None, Some(ticket), None, None),
                TokenDecision::RefreshAhead(t, ticket) => {
                    ("refresh_ahead", Some(t), Some(ticket), None, None)
                }
                TokenDecision::Wait { until_ms } => ("wait", None, None, Some(until_ms), None),
                TokenDecision::Failed(e) => ("failed", None, None, None, Some(e.code())),
                other => return Err(format!("{at}: unknown decision {other:?}")),
            };
            check_field(&at, want, "decision", json!(kind))?;
            check_field(
                &at,
                want,
                "access_token",
                json!(token.as_ref().map(|t| t.value().expose_secret())),
            )?;
            check_field(
                &at,
                want,
                "attempt",
                json!(ticket.as_ref().map(FetchTicket::attempt)),
            )?;
            check_field(&at, want, "until_ms", json!(until))?;
            check_field(&at, want, "code", json!(code))?;
            let window = decision_window.map(|w| (w.start, w.end));
            check_field(&at, want, "ready_from_ms", json!(window.map(|w| w.0)))?;
            check_field(&at, want, "ready_until_ms", json!(window.map(|w| w.1)))?;
            check_field(&at, want, "wait_ms", json!(wait_ms))?;
            tickets.extend(ticket);
        } else if let Some(response) = step.get("respond") {
            let id = ticket_id(&step["ticket"])?;
            let outcome = manager.handle_response(id, &response_from(response), now);
            check_outcome(&at, want, outcome)?;
        } else if step.get("transport_error").is_some() {
            let id = ticket_id(&step["ticket"])?;
            let error = TransportError::new(TransportErrorKind::Connect, "connection refused");
            check_outcome(&at, want, manager.handle_transport_error(id, error, now))?;
        } else if let Some(rejected) = step.get("invalidate") {
            let dropped = manager.invalidate(
                key,
                rejected["token"].as_str().unwrap(),
                rejected.get("www_authenticate").and_then(Value::as_str),
            );
            check_field(&at, want, "dropped", json!(dropped))?;
        } else if let Some(call) = step.get("api_response") {
            let verdict = manager.api_response(
                key,
                call["token"].as_str().unwrap(),
                call["url"].as_str().unwrap(),
                ApiAnswer {
                    status: call["status"].as_u64().unwrap() as u16,
                    www_authenticate: call.get("www_authenticate").and_then(Value::as_str),
                    dpop_nonce: call.get("dpop_nonce").and_then(Value::as_str),
                },
                call.get("nonce_retried")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            );
            let verdict = match verdict {
                ApiVerdict::Done => "done",
                ApiVerdict::RetryWithNonce => "retry_with_nonce",
                ApiVerdict::RetryWithNewToken => "retry_with_new_token",
                other => return Err(format!("{at}: unknown verdict {other:?}")),
            };
            check_field(&at, want, "verdict", json!(verdict))?;
        } else if step.get("proactive_refresh_at").is_some() {
            check_field(&at, want, "at_ms", json!(manager.proactive_refresh_at(key)))?;
        } else if let Some(failure) = step.get("assertion_source_failed") {
            let id = ticket_id(&step["ticket"])?;
            let message = failure["message"].as_str().unwrap();
            check_outcome(&at, want, manager.assertion_source_failed(id, message, now))?;
        } else if let Some(revoke) = step.get("revocation_request") {
            let request =
                manager.revocation_request(key, revoke["token"].as_str().unwrap(), None, now);
            check_field(
                &at,
                want,
                "url",
                json!(request.as_ref().ok().map(HttpRequest::url)),
            )?;
            check_field(
                &at,
                want,
                "code",
                json!(request.as_ref().err().map(|e| e.code())),
            )?;
            check_field(
                &at,
                want,
                "field",
                json!(match &request {
                    Err(Error::Config(e)) => Some(e.field()),
                    _ => None,
                }),
            )?;
        } else if step.get("reset_failure").is_some() {
            check_field(&at, want, "reset", json!(manager.reset_failure(key, now)))?;
        } else if step.get("stats").is_some() {
            let stats = serde_json::to_value(manager.stats(key).unwrap()).unwrap();
            check_subset(&at, want, &stats)?;
        } else if step.get("export_import").is_some() {
            let document = manager
                .export(key)
                .ok_or(format!("{at}: nothing to export"))?;
            let (mut other, other_key) =
                TokenManager::with_config(config_from(&config_json).unwrap(), 2);
            let imported = other.import(other_key, document.expose_secret(), now);
            check_field(
                &at,
                want,
                "access_token",
                json!(imported.as_ref().ok().map(|t| t.value().expose_secret())),
            )?;
            check_field(
                &at,
                want,
                "code",
                json!(imported.as_ref().err().map(|e| e.code())),
            )?;
        } else {
            return Err(format!("{at}: unknown step {step}"));
        }
        check_events(&at, step, &manager.drain_events(), &secrets)?;
    }
    Ok(())
}

/// The events a step produced match its `events` (each a subset of the
/// event's JSON, in order, none missing or extra) when it has them; no
/// event ever shows the client secret or a token of the case.
fn check_events(
    at: &str,
    step: &Value,
    events: &[ccauth::LifecycleEvent],
    secrets: &[String],
) -> Result<(), String> {
    for event in events {
        assert_hygiene(at, "event", &event.to_json(), secrets)?;
    }
    let Some(want) = step.get("events") else {
        return Ok(());
    };
    let want = want.as_array().unwrap();
    if want.len() != events.len() {
        return Err(format!(
            "{at}: want {} events, got {}: {}",
            want.len(),
            events.len(),
            events
                .iter()
                .map(|e| e.to_json())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (w, event) in want.iter().zip(events) {
        let got = serde_json::to_value(event).unwrap();
        check_subset(at, w, &got)?;
        // A field the event kind does not carry is absent, not null.
        if got.as_object().unwrap().values().any(Value::is_null) {
            return Err(format!("{at}: null field in {got}"));
        }
    }
    Ok(())
}

/// Every member of `want` is in `got` with the same value (`null`: absent).
fn check_subset(at: &str, want: &Value, got: &Value) -> Result<(), String> {
    for (name, value) in want.as_object().unwrap() {
        let actual = got.get(name).cloned().unwrap_or(Value::Null);
        if &actual != value {
            return Err(format!("{at}: {name}: want {value}, got {actual} in {got}"));
        }
    }
    Ok(())
}

fn check_outcome(at: &str, want: &Value, outcome: FetchOutcome) -> Result<(), String> {
    let (kind, token, at_ms, until_ms, code) = match outcome {
        FetchOutcome::Token(t) => ("token", Some(t), None, None, None),
        FetchOutcome::RetryScheduled { at_ms, error } => (
            "retry_scheduled",
            None,
            Some(at_ms),
            None,
            Some(error.code()),
        ),
        FetchOutcome::Failed { error, until_ms } => {
            ("failed", None, None, Some(until_ms), Some(error.code()))
        }
        FetchOutcome::Stale => ("stale", None, None, None, None),
        other => return Err(format!("{at}: unknown outcome {other:?}")),
    };
    check_field(at, want, "outcome", json!(kind))?;
    check_field(
        at,
        want,
        "access_token",
        json!(token.as_ref().map(|t| t.value().expose_secret())),
    )?;
    check_field(
        at,
        want,
        "expires_at_ms",
        json!(token.as_ref().map(|t| t.expires_at_ms())),
    )?;
    check_field(at, want, "at_ms", json!(at_ms))?;
    check_field(at, want, "until_ms", json!(until_ms))?;
    check_field(at, want, "code", json!(code))
}

fn default_response_config() -> Value {
    json!({"token_endpoint": "https://as.example.com/token", "client_id": "client", "client_secret": "vector-secret-1"})
}

/// A metadata, introspection or revocation reply (`endpoint_replies.json`).
fn run_endpoint_case(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let config = config_from(&default_response_config()).unwrap();
    let r = &case["response"];
    let response = HttpResponse::new(
        r["status"].as_u64().unwrap() as u16,
        pairs(r.get("headers")),
        r["body"].as_str().unwrap().as_bytes().to_vec(),
    );
    let now_ms = 1_700_000_000_000;
    let result: Result<Value, ccauth::ResponseError> = match case["endpoint"].as_str().unwrap() {
        "metadata" => ccauth::parse_metadata_response(
            case["issuer"].as_str().unwrap(),
            &response,
            now_ms,
        )
        .map(|m| {
            json!({
                "token_endpoint": m.token_endpoint,
                "token_endpoint_auth_methods_supported": m.token_endpoint_auth_methods_supported,
                "revocation_endpoint": m.revocation_endpoint,
                "introspection_endpoint": m.introspection_endpoint,
            })
        }),
        "introspection" => {
            ccauth::parse_introspection_response(&config, &response, now_ms).map(|i| {
                json!({
                    "active": i.active(), "client_id": i.client_id(), "scope": i.scope(),
                    "exp": i.exp(), "token_type": i.token_type(),
                })
            })
        }
        _ => ccauth::parse_revocation_response(&config, &response, now_ms).map(|()| json!({})),
    };
    match (result, case.get("expect"), case.get("expect_error")) {
        (Ok(got), Some(want), None) if got == *want => Ok(()),
        (Ok(got), _, _) => Err(format!("{name}: got {got}, want {case}")),
        (Err(e), None, Some(want)) => {
            let got = json!({
                "code": e.code(), "status": e.status(), "error": e.error(), "retry_after_ms": e.retry_after_ms(),
            });
            for (key, value) in want.as_object().unwrap() {
                if got[key] != *value {
                    return Err(format!("{name}: {key}: got {}, want {value}", got[key]));
                }
            }
            Ok(())
        }
        (Err(e), _, _) => Err(format!("{name}: unexpected error {e}")),
    }
}

fn run_response_case(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap();
    let config_json = case
        .get("config")
        .cloned()
        .unwrap_or_else(default_response_config);
    let config = config_from(&config_json).map_err(|e| format!("{name}: config rejected: {e}"))?;
    let r = &case["response"];
    let body = match (r.get("body"), r.get("body_base64")) {
        (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap(),
        (None, None) => Vec::new(),
    };
    let response = HttpResponse::new(
        r["status"].as_u64().unwrap() as u16,
        pairs(r.get("headers")),
        body,
    );
    let now_ms = case
        .get("now_ms")
        .and_then(Value::as_u64)
        .unwrap_or(1_700_000_000_000);
    let mut secrets: Vec<String> = config_json
        .get("client_secret")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    let result = parse_token_response(&config, &response, now_ms);
    if let Some(want) = case.get("expect_error") {
        let err = match result {
            Ok(token) => return Err(format!("{name}: parsed a token ({token:?}), want {want}")),
            Err(err) => err,
        };
        check_field(name, want, "code", json!(err.code()))?;
        check_field(name, want, "status", json!(err.status()))?;
        check_field(name, want, "error", json!(err.error()))?;
        check_field(
            name,
            want,
            "error_description",
            json!(err.error_description()),
        )?;
        check_field(name, want, "error_uri", json!(err.error_uri()))?;
        check_field(name, want, "retryable", json!(err.is_retryable()))?;
        check_field(name, want, "retry_after_ms", json!(err.retry_after_ms()))?;
        check_field(name, want, "body_kind", json!(err.body_kind().as_str()))?;
        check_field(name, want, "excerpt", json!(err.excerpt()))?;
        check_field(name, want, "extras", Value::Object(err.extras().clone()))?;
        check_field(name, want, "dpop_nonce", json!(err.dpop_nonce()))?;
        check_field(name, want, "content_type", json!(err.content_type()))?;
        check_field(name, want, "body_len", json!(err.body_len()))?;
        let challenges: Vec<Value> = err
            .www_authenticate()
            .iter()
            .map(|c| json!({"scheme": c.scheme, "params": c.params.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()}))
            .collect();
        check_field(name, want, "www_authenticate", Value::Array(challenges))?;
        // A malformed 200 may carry a token: no error text may show it.
        if (200..300).contains(&response.status) {
            if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&response.body) {
                if let Some(Value::String(token)) = fields.get("access_token") {
                    secrets.push(token.clone());
                }
            }
        }
        return assert_hygiene(name, "error text", &format!("{err} {err:?}"), &secrets);
    }
    let token = result.map_err(|e| format!("{name}: error {} ({e}), want a token", e.code()))?;
    let want = &case["expect"];
    check_field(
        name,
        want,
        "access_token",
        json!(token.value().expose_secret()),
    )?;
    check_field(name, want, "token_type", json!(token.token_type()))?;
    check_field(
        name,
        want,
        "authorization_header",
        json!(token.authorization_header().expose_secret()),
    )?;
    check_field(name, want, "issued_at_ms", json!(token.issued_at_ms()))?;
    check_field(name, want, "expires_at_ms", json!(token.expires_at_ms()))?;
    check_field(
        name,
        want,
        "expiry_source",
        json!(token.expiry_source().as_str()),
    )?;
    check_field(name, want, "refresh_at_ms", json!(token.refresh_at_ms()))?;
    check_field(name, want, "scope", json!(token.scope()))?;
    check_field(
        name,
        want,
        "refresh_token",
        json!(token.refresh_token().map(|t| t.expose_secret())),
    )?;
    check_field(
        name,
        want,
        "id_token",
        json!(token.id_token().map(|t| t.expose_secret())),
    )?;
    check_field(name, want, "refresh_in_ms", json!(token.refresh_in_ms()))?;
    check_field(name, want, "server_date_ms", json!(token.server_date_ms()))?;
    let mut keys: Vec<&String> = token.extras().keys().collect();
    keys.sort();
    check_field(name, want, "extra_keys", json!(keys))?;
    let deviations: Vec<&str> = token.deviations().iter().map(|d| d.code()).collect();
    check_field(name, want, "deviations", json!(deviations))?;
    for at in want
        .get("at")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = at["now_ms"].as_u64().unwrap();
        check_field(name, at, "is_expired", json!(token.is_expired(t)))?;
        check_field(name, at, "needs_refresh", json!(token.needs_refresh(t)))?;
    }
    secrets.push(token.value().expose_secret().to_owned());
    secrets.extend(token.refresh_token().map(|t| t.expose_secret().to_owned()));
    assert_hygiene(name, "token Debug", &format!("{token:?}"), &secrets)
}

#[test]
fn every_vector_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // signing.json has its own runner (signing_vectors.rs): it verifies signatures.
        .filter(|p| !p.ends_with("signing.json"))
        // error_codes.json is the code catalogue, checked below.
        .filter(|p| !p.ends_with("error_codes.json"))
        .collect();
    files.sort();
    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stem = file.file_stem().unwrap().to_str().unwrap();
        for case in doc["cases"].as_array().unwrap() {
            count += 1;
            let name = case["name"].as_str().unwrap();
            assert!(names.insert(name.to_owned()), "duplicate case name {name}");
            let result = if stem.starts_with("request_") {
                run_request_case(case)
            } else if stem.starts_with("response_") {
                run_response_case(case)
            } else if stem.starts_with("lifecycle_") {
                run_lifecycle_case(case)
            } else if stem.starts_with("endpoint_") {
                run_endpoint_case(case)
            } else {
                Err(format!("{stem}: unknown vector file kind"))
            };
            if let Err(message) = result {
                failures.push(format!("[{stem}] {message}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        count >= 80,
        "expected at least 80 vector cases, found {count}"
    );
    eprintln!("{count} vectors passed");
}

/// The error code catalogue the bindings are checked against is the core's.
#[test]
// A test tool's switch, not the core reading its environment.
#[allow(clippy::disallowed_methods)]
fn error_code_catalogue_matches_the_core() {
    let path = vectors_dir().join("error_codes.json");
    let codes: Vec<&str> = ccauth::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let want = json!({
        "description": "Every stable error code of the core (ccauth::ErrorCode::ALL), in catalogue order. Written by `CCAUTH_WRITE_CATALOGUE=1 cargo test -p ccauth --test vectors`; each binding's own list of codes must equal it.",
        "codes": codes,
    });
    if std::env::var_os("CCAUTH_WRITE_CATALOGUE").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&want).unwrap() + "\n").unwrap();
    }
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(got["codes"], want["codes"], "{} is stale", path.display());
}
