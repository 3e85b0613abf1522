//! Token endpoint responses: from `(status, headers, body)` to an
//! [`AccessToken`] or a [`ResponseError`].
//!
//! Lenient where real servers differ (numeric-string `expires_in`, lower-case
//! `bearer`, form-encoded bodies, 201), and every leniency is reported in
//! [`AccessToken::deviations`]. Never panics, on any input.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::endpoints::json_fields::{JsonBody, RawFields};
use crate::error::{ResponseError, ResponseErrorKind as Kind};
use crate::http::challenge::parse_www_authenticate;
use crate::http::{is_visible_ascii, BodyKind, HttpResponse};
use crate::sanitize;
use crate::secret::zeroize_value;
use crate::secret::{AccessTokenValue, IdToken, RefreshToken};
use crate::token::{AccessToken, Deviation, ExpirySource};

/// Longest lifetime believed; larger `expires_in` values are clamped to it.
pub const MAX_LIFETIME_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// The body, classified once.
#[allow(clippy::large_enum_variant)] // short-lived, on the stack, read once
enum Body<'a> {
    /// A JSON object's fields, or a form body's pairs as string fields.
    Fields(RawFields, BodyKind),
    /// JSON, but not an object.
    NotAnObject,
    /// Anything else, with its text when it is UTF-8.
    Unparsed(Option<&'a str>, BodyKind),
}

/// The UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore
/// (and `fetch`'s `.json()` does).
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn classify<'a>(body: &'a [u8], content_type: Option<&str>) -> Body<'a> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    if body.is_empty() {
        return Body::Unparsed(None, BodyKind::Empty);
    }
    match crate::endpoints::json_fields::parse_json_body(body) {
        Some(JsonBody::Object(fields)) => return Body::Fields(fields, BodyKind::Json),
        Some(JsonBody::NotAnObject) => return Body::NotAnObject,
        None => {}
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Body::Unparsed(None, BodyKind::Binary);
    };
    let content_type = content_type.unwrap_or("").to_ascii_lowercase();
    if content_type.contains("text/html") || text.trim_start().starts_with('<') {
        return Body::Unparsed(Some(text), BodyKind::Html);
    }
    if content_type.contains("application/x-www-form-urlencoded") || text.contains('=') {
        return Body::Fields(RawFields::from_form(text.trim().as_bytes()), BodyKind::Form);
    }
    Body::Unparsed(Some(text), BodyKind::Text)
}

/// Parses a token endpoint response received at `now_ms`.
pub fn parse_token_response(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<AccessToken, ResponseError> {
    parse_token(config, response, now_ms).map_err(|e| e.without_secret(config))
}

fn parse_token(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<AccessToken, ResponseError> {
    let status = response.status;
    let content_type = response.header("content-type");
    if let Some(error) = too_large(config, response, now_ms) {
        return Err(error);
    }
    let body = classify(&response.body, content_type);
    if status != 200 && status != 201 {
        return Err(error_response(config, response, body, now_ms));
    }
    let (mut fields, body_kind) = match body {
        Body::Fields(fields, kind) => (fields, kind),
        Body::NotAnObject => {
            return Err(base_error(
                Kind::InvalidTokenResponse,
                response,
                BodyKind::Json,
                now_ms,
            ))
        }
        Body::Unparsed(_, kind) => {
            return Err(base_error(Kind::ResponseNotJson, response, kind, now_ms))
        }
    };
    let fail = |kind, fields: &mut RawFields| {
        fields.zeroize();
        Err(base_error(kind, response, body_kind, now_ms))
    };
    if fields.duplicate {
        return fail(Kind::InvalidTokenResponse, &mut fields);
    }
    if fields.error().is_some() {
        let mut error = base_error(Kind::TokenEndpointError, response, body_kind, now_ms);
        fill_rfc_fields(&mut error, &fields, config, response);
        fields.zeroize();
        return Err(error);
    }

    let mut deviations = Vec::new();
    if status == 201 {
        deviations.push(Deviation::Status201);
    }
    if body_kind == BodyKind::Form {
        deviations.push(Deviation::FormEncodedBody);
    } else if content_type.is_some_and(|ct| !contains_ignore_ascii_case(ct, "json")) {
        deviations.push(Deviation::UnexpectedContentType);
    }

    let value = match fields.access_token.take() {
        Some(Value::String(token)) if !token.is_empty() => AccessTokenValue::new(token),
        _ => return fail(Kind::MissingAccessToken, &mut fields),
    };
    // Read to check it can travel in a header.
    if !is_visible_ascii(value.expose_secret().as_bytes()) {
        return fail(Kind::InvalidAccessToken, &mut fields);
    }

    // A member the client acts on that held a number no float can hold.
    if fields.is_out_of_range("token_type") || fields.is_out_of_range("scope") {
        return fail(Kind::InvalidTokenResponse, &mut fields);
    }
    let token_type = match fields.token_type.take() {
        Some(Value::String(t)) if !t.is_empty() => t,
        None | Some(Value::Null) | Some(Value::String(_)) => {
            deviations.push(Deviation::TokenTypeMissing);
            "Bearer".to_owned()
        }
        Some(_) => return fail(Kind::InvalidTokenResponse, &mut fields),
    };
    if !token_type.bytes().all(|b| b.is_ascii_graphic()) {
        return fail(Kind::InvalidTokenResponse, &mut fields);
    }
    // RFC 6749 §7.1: a client must not use a token whose type it does not
    // understand; a DPoP-bound token is usable only with the key it is bound to.
    let usable_type = token_type.eq_ignore_ascii_case("bearer")
        || (token_type.eq_ignore_ascii_case("dpop") && config.dpop_key.is_some());
    if !usable_type {
        return fail(Kind::UnsupportedTokenType, &mut fields);
    }

    let expires_in_ms = if fields.is_out_of_range("expires_in") {
        deviations.push(Deviation::ExpiresInInvalid);
        None
    } else {
        read_expires_in(fields.expires_in.take(), &mut deviations)
    };
    let (expires_at_ms, expiry_source) = match expires_in_ms {
        Some(ms) => (now_ms.saturating_add(ms), ExpirySource::ExpiresIn),
        None => fallback_expiry(&fields.extras, &value, config, now_ms),
    };

    let scope = match fields.scope.take() {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            deviations.push(Deviation::ScopeNotString);
            let scopes: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            Some(scopes.join(" "))
        }
        Some(_) => return fail(Kind::InvalidTokenResponse, &mut fields),
    };
    let mut extras = std::mem::take(&mut fields.extras);
    let mut keep_string = |value: Option<Value>, name: &str| match value {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            extras.insert(name.to_owned(), other);
            None
        }
        None => None,
    };
    let refresh_token =
        keep_string(fields.refresh_token.take(), "refresh_token").map(RefreshToken::new);
    let id_token = keep_string(fields.id_token.take(), "id_token").map(IdToken::new);
    let refresh_in_ms = fields
        .refresh_in
        .take()
        .and_then(|v| seconds(&v))
        .map(|(secs, _)| secs.saturating_mul(1000));

    let lifetime_ms = expires_at_ms.saturating_sub(now_ms);
    let refresh_at_ms = expires_at_ms.saturating_sub(config.refresh.leeway_ms(lifetime_ms));
    Ok(AccessToken {
        value,
        token_type,
        issued_at_ms: now_ms,
        expires_at_ms,
        refresh_at_ms,
        expiry_source,
        scope,
        refresh_token,
        id_token,
        refresh_in_ms,
        server_date_ms: response.header("date").and_then(parse_http_date_ms),
        extras,
        deviations,
    })
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The checks every endpoint reply shares (size, status, RFC 6749 `error`
/// body), for the revocation, introspection and metadata endpoints. On
/// success returns the body's JSON object; a 2xx body that is not one is
/// `not_object`, or ignored when that is `None` (revocation: any 2xx is success).
pub(crate) fn check_reply(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
    not_object: Option<Kind>,
) -> Result<Option<Map<String, Value>>, ResponseError> {
    check(config, response, now_ms, not_object).map_err(|e| e.without_secret(config))
}

fn check(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
    not_object: Option<Kind>,
) -> Result<Option<Map<String, Value>>, ResponseError> {
    if let Some(error) = too_large(config, response, now_ms) {
        return Err(error);
    }
    let body = classify(&response.body, response.header("content-type"));
    if !(200..300).contains(&response.status) {
        return Err(error_response(config, response, body, now_ms));
    }
    let Some(not_object) = not_object else {
        return Ok(None);
    };
    match body {
        Body::Fields(mut fields, kind) => {
            if fields.error().is_some() {
                let mut error = base_error(Kind::TokenEndpointError, response, kind, now_ms);
                fill_rfc_fields(&mut error, &fields, config, response);
                fields.zeroize();
                return Err(error);
            }
            fields.zeroize();
            let body = response.body.strip_prefix(BOM).unwrap_or(&response.body);
            match serde_json::from_slice(body) {
                Ok(object) => Ok(Some(object)),
                // Form-encoded: not what these endpoints send.
                Err(_) => Err(base_error(not_object, response, kind, now_ms)),
            }
        }
        Body::NotAnObject => Err(base_error(not_object, response, BodyKind::Json, now_ms)),
        Body::Unparsed(_, kind) => Err(base_error(not_object, response, kind, now_ms)),
    }
}

/// Non-success status: classify, keep the RFC fields and a sanitized excerpt.
fn error_response(
    config: &ClientConfig,
    response: &HttpResponse,
    body: Body<'_>,
    now_ms: u64,
) -> ResponseError {
    let status = response.status;
    let (fields, kind, text) = match &body {
        Body::Fields(fields, kind) => (Some(fields), *kind, None),
        Body::NotAnObject => (None, BodyKind::Json, None),
        Body::Unparsed(text, kind) => (None, *kind, *text),
    };
    let has_rfc_error = fields.is_some_and(|f| f.error().is_some());
    let error_kind = if status == 429 {
        Kind::RateLimited
    } else if has_rfc_error {
        Kind::TokenEndpointError
    } else if status >= 500 {
        Kind::ServerError
    } else {
        Kind::UnexpectedStatus
    };
    let mut error = base_error(error_kind, response, kind, now_ms);
    if let Some(fields) = fields {
        fill_rfc_fields(&mut error, fields, config, response);
    }
    let secret = config.client_secret.as_ref();
    error.excerpt = match text {
        Some(text) => sanitize::excerpt(text, kind == BodyKind::Html, secret),
        None => std::str::from_utf8(&response.body).ok().and_then(|text| {
            // An error body that carries tokens anyway: never excerpt them.
            let tokens = fields.map(|f| [&f.access_token, &f.refresh_token, &f.id_token]);
            let mut text = std::borrow::Cow::Borrowed(text);
            for token in tokens.into_iter().flatten().flatten() {
                if let Some(token) = token.as_str().filter(|t| !t.is_empty()) {
                    text = std::borrow::Cow::Owned(text.replace(token, crate::secret::REDACTED));
                }
            }
            sanitize::excerpt(&text, false, secret)
        }),
    };
    error
}

/// The fields every error carries: status, challenges, retry hint, body shape.
pub(crate) fn base_error(
    kind: Kind,
    response: &HttpResponse,
    body_kind: BodyKind,
    now_ms: u64,
) -> ResponseError {
    let is_error_status = !(200..300).contains(&response.status);
    ResponseError {
        kind,
        status: response.status,
        error: None,
        error_description: None,
        error_uri: None,
        www_authenticate: parse_www_authenticate(response.headers_named("www-authenticate")),
        retry_after_ms: if is_error_status {
            retry_after_ms(response, now_ms)
        } else {
            None
        },
        content_type: response.header("content-type").map(str::to_owned),
        body_kind,
        body_len: response
            .body
            .len()
            .max(declared_length(response).unwrap_or(0)),
        excerpt: None,
        extras: Map::new(),
        dpop_nonce: None,
    }
}

/// The `Content-Length` the response declared, when it is a number.
fn declared_length(response: &HttpResponse) -> Option<usize> {
    response.header("content-length")?.trim().parse().ok()
}

/// `RESPONSE_TOO_LARGE` when the body read, or the length declared, is over
/// the limit. Hosts stop reading at limit + 1 bytes, and read nothing when
/// `Content-Length` is over it: either way the answer is the same.
fn too_large(config: &ClientConfig, response: &HttpResponse, now_ms: u64) -> Option<ResponseError> {
    let limit = config.max_response_bytes;
    let over = response.body.len() > limit || declared_length(response).is_some_and(|n| n > limit);
    over.then(|| {
        let kind = if response.body.is_empty() {
            BodyKind::Empty
        } else if std::str::from_utf8(&response.body).is_ok() {
            BodyKind::Text
        } else {
            BodyKind::Binary
        };
        base_error(Kind::ResponseTooLarge, response, kind, now_ms)
    })
}

impl ResponseError {
    /// The client secret redacted from what headers put in the error
    /// (challenges, content type); the body-derived fields already are.
    fn without_secret(mut self, config: &ClientConfig) -> Self {
        let Some(secret) = config.client_secret.as_ref() else {
            return self;
        };
        let scrub = |text: &mut String| *text = sanitize::redact(std::mem::take(text), secret);
        // Read to compare: challenge parameter names arrive lower-cased.
        let lower = secret.expose_secret().to_ascii_lowercase();
        for challenge in &mut self.www_authenticate {
            scrub(&mut challenge.scheme);
            for (name, value) in &mut challenge.params {
                if !lower.is_empty() && name.contains(&lower) {
                    *name = crate::secret::REDACTED.to_owned();
                }
                scrub(value);
            }
        }
        if let Some(content_type) = &mut self.content_type {
            scrub(content_type);
        }
        if let Some(nonce) = &mut self.dpop_nonce {
            scrub(nonce);
        }
        self
    }
}

/// Most members kept in [`ResponseError::extras`].
const MAX_ERROR_EXTRAS: usize = 32;
/// Longest member (as JSON text) kept in the extras.
const MAX_EXTRA_BYTES: usize = 2048;

fn fill_rfc_fields(
    error: &mut ResponseError,
    fields: &RawFields,
    config: &ClientConfig,
    response: &HttpResponse,
) {
    let secret = config.client_secret.as_ref();
    let text = |name: &str| fields.extras.get(name).and_then(Value::as_str);
    error.error = fields.error().map(|e| sanitize::description(e, secret));
    error.error_description = text("error_description").map(|d| sanitize::verbatim(d, secret));
    error.error_uri = text("error_uri").map(|u| sanitize::description(u, secret));
    if error.error.as_deref() == Some("use_dpop_nonce") {
        error.dpop_nonce = response
            .header("dpop-nonce")
            .filter(|n| crate::auth::dpop::is_nonce(n))
            .map(str::to_owned);
    }
    // Members that may hold a token (`access_token`, `refresh_token`,
    // `id_token`) are never kept.
    let named = [
        ("token_type", &fields.token_type),
        ("expires_in", &fields.expires_in),
        ("scope", &fields.scope),
        ("refresh_in", &fields.refresh_in),
    ];
    let named = named
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_ref()?)));
    let others = fields
        .extras
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "error" | "error_description" | "error_uri"))
        .map(|(name, value)| (name.as_str(), value));
    for (name, value) in named.chain(others) {
        if error.extras.len() >= MAX_ERROR_EXTRAS {
            break;
        }
        // A name may echo the secret too (a form body is all names).
        let echoes_secret = secret.is_some_and(|s| {
            let secret = s.expose_secret();
            !secret.is_empty() && name.contains(secret)
        });
        if name.len() > 128 || name.chars().any(char::is_control) || echoes_secret {
            continue;
        }
        if serde_json::to_string(value).map_or(true, |t| t.len() > MAX_EXTRA_BYTES) {
            continue;
        }
        error
            .extras
            .insert(name.to_owned(), sanitize_value(value, secret));
    }
}

/// A copy of a JSON value with every string sanitized like a description.
fn sanitize_value(value: &Value, secret: Option<&crate::secret::ClientSecret>) -> Value {
    match value {
        Value::String(s) => Value::String(sanitize::verbatim(s, secret)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| sanitize_value(v, secret)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), sanitize_value(v, secret)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// How a number of seconds was written.
#[derive(Clone, Copy)]
struct SecondsForm {
    was_string: bool,
    had_fraction: bool,
}

/// Whole seconds (rounded down) from a JSON number or numeric string.
fn seconds(value: &Value) -> Option<(u64, SecondsForm)> {
    let (number, was_string) = match value {
        Value::Number(n) => (n.clone(), false),
        Value::String(s) => (s.trim().parse::<serde_json::Number>().ok()?, true),
        _ => return None,
    };
    if let Some(whole) = number.as_u64() {
        return Some((
            whole,
            SecondsForm {
                was_string,
                had_fraction: false,
            },
        ));
    }
    let float = number.as_f64()?;
    if !float.is_finite() || float < 0.0 {
        return None;
    }
    let whole = float.floor();
    // `as` saturates for floats beyond u64::MAX, which the clamp then bounds.
    Some((
        whole as u64,
        SecondsForm {
            was_string,
            had_fraction: whole != float,
        },
    ))
}

/// `expires_in` in milliseconds, or `None` when absent or unusable.
fn read_expires_in(value: Option<Value>, deviations: &mut Vec<Deviation>) -> Option<u64> {
    let value = match value {
        None | Some(Value::Null) => {
            deviations.push(Deviation::ExpiresInMissing);
            return None;
        }
        Some(value) => value,
    };
    let Some((secs, form)) = seconds(&value) else {
        deviations.push(Deviation::ExpiresInInvalid);
        return None;
    };
    if form.was_string {
        deviations.push(Deviation::ExpiresInString);
    }
    if form.had_fraction {
        deviations.push(Deviation::ExpiresInFloat);
    }
    // 0 is a token stale at once, not a missing lifetime: the manager
    // spaces fetches so it cannot cause a hot loop.
    let ms = secs.saturating_mul(1000);
    if ms > MAX_LIFETIME_MS {
        deviations.push(Deviation::ExpiresInClamped);
        return Some(MAX_LIFETIME_MS);
    }
    Some(ms)
}

/// Expiry when `expires_in` says nothing: `expires_on`, then the JWT `exp`, then the default.
fn fallback_expiry(
    fields: &Map<String, Value>,
    token: &AccessTokenValue,
    config: &ClientConfig,
    now_ms: u64,
) -> (u64, ExpirySource) {
    if let Some((secs, _)) = fields.get("expires_on").and_then(seconds) {
        if secs > 0 {
            return (secs.saturating_mul(1000), ExpirySource::ExpiresOn);
        }
    }
    // Read to decode its (unverified) expiry claim.
    if let Some(exp_ms) = jwt_exp_ms(token.expose_secret()) {
        return (exp_ms, ExpirySource::JwtExp);
    }
    (
        now_ms.saturating_add(config.refresh.default_lifetime_ms),
        ExpirySource::Default,
    )
}

/// The `exp` claim of a JWS compact token, in milliseconds; `None` for anything else.
fn jwt_exp_ms(token: &str) -> Option<u64> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    parts.next()?; // a signature part must exist
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let (secs, _) = seconds(claims.get("exp")?)?;
    (secs > 0).then(|| secs.saturating_mul(1000))
}

/// `Retry-After` in milliseconds: delta-seconds, or an HTTP-date relative to
/// the server's `Date` (else to `now_ms`), never negative.
fn retry_after_ms(response: &HttpResponse, now_ms: u64) -> Option<u64> {
    let value = response.header("retry-after")?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .unwrap_or(u64::MAX / 1000)
                .saturating_mul(1000),
        );
    }
    let at_ms = parse_http_date_ms(value)?;
    let base_ms = response
        .header("date")
        .and_then(parse_http_date_ms)
        .unwrap_or(now_ms);
    Some(at_ms.saturating_sub(base_ms))
}

fn parse_http_date_ms(value: &str) -> Option<u64> {
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(since_epoch.as_millis()).ok()
}

impl RawFields {
    /// Wipes the strings of a response that will not become a token.
    fn zeroize(&mut self) {
        for value in [
            &mut self.access_token,
            &mut self.token_type,
            &mut self.expires_in,
            &mut self.scope,
            &mut self.refresh_token,
            &mut self.id_token,
            &mut self.refresh_in,
        ]
        .into_iter()
        .flatten()
        {
            zeroize_value(value);
        }
        self.extras.values_mut().for_each(zeroize_value);
    }
}
