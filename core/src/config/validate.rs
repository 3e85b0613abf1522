//! The checks `build` runs on each option: URLs, names, scopes, headers.

use crate::auth::method::{BasicAuthEncoding, ClientAuthMethod};
use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::http::url;
use crate::secret::ClientSecret;

/// Body parameters the core sets itself; extra parameters may not overwrite them.
pub(super) const RESERVED_BODY_PARAMS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "audience",
    "resource",
    "client_assertion",
    "client_assertion_type",
    "client_assertion",
    "client_assertion_type",
];

/// Headers the core or the host's HTTP stack owns.
pub(super) const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

/// Checks the endpoint, enforces https (loopback and the explicit opt-in
/// excepted) and appends the extra query parameters.
pub(super) fn validate_endpoint(
    endpoint: &str,
    extra_query: &[(String, String)],
    danger_accept_insecure_http: bool,
) -> Result<String, ConfigError> {
    const FIELD: &str = "token_endpoint";
    let invalid = |reason| ConfigError::new(Kind::InvalidTokenEndpoint, FIELD, reason);
    let url = url::parse(endpoint).map_err(invalid)?;
    if url.has_fragment {
        return Err(invalid("must not have a #fragment"));
    }
    if url.has_userinfo {
        return Err(invalid(
            "must not carry credentials; use client_id and client_secret",
        ));
    }
    match url.scheme.as_str() {
        "https" => {}
        "http" if danger_accept_insecure_http || url.host.is_loopback() => {}
        "http" => return Err(ConfigError::new(
            Kind::InsecureEndpoint,
            FIELD,
            "must use https (http only for loopback hosts, or with danger_accept_insecure_http)",
        )),
        _ => return Err(invalid("scheme must be https")),
    }
    for (i, (name, _)) in extra_query.iter().enumerate() {
        validate_param_name(name, "extra_query_params").map_err(|e| e.at(i))?;
    }
    Ok(url::with_query(endpoint, extra_query))
}

/// A revocation or introspection endpoint, checked with the token
/// endpoint's rules (https, loopback excepted, or the insecure opt-in).
pub(crate) fn validate_other_endpoint(
    endpoint: &str,
    field: &'static str,
    danger_accept_insecure_http: bool,
) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::new(Kind::InvalidParameter, field, reason);
    let parsed = url::parse(endpoint).map_err(|_| invalid("not an absolute http(s) URL"))?;
    if parsed.scheme != "https" && !parsed.host.is_loopback() && !danger_accept_insecure_http {
        return Err(ConfigError::new(
            Kind::InsecureEndpoint,
            field,
            "http is allowed only to loopback hosts or with danger_accept_insecure_http",
        ));
    }
    Ok(())
}

pub(super) fn validate_client_id(
    client_id: &str,
    method: ClientAuthMethod,
    encoding: BasicAuthEncoding,
) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::new(Kind::InvalidClientId, "client_id", reason);
    if client_id.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if client_id.chars().any(char::is_control) {
        return Err(invalid("contains a control character"));
    }
    if method == ClientAuthMethod::ClientSecretBasic
        && encoding == BasicAuthEncoding::Raw
        && client_id.contains(':')
    {
        return Err(invalid(
            "contains `:`, which raw Basic encoding cannot carry",
        ));
    }
    Ok(())
}

pub(super) fn validate_client_secret(
    secret: Option<&ClientSecret>,
    method: ClientAuthMethod,
) -> Result<(), ConfigError> {
    const FIELD: &str = "client_secret";
    match (secret, method.uses_client_secret()) {
        (None, true) => Err(ConfigError::new(
            Kind::MissingClientSecret,
            FIELD,
            "the auth method sends a client secret and none was given",
        )),
        (Some(_), false) => Err(ConfigError::new(
            Kind::UnexpectedClientSecret,
            FIELD,
            "given, but the auth method never sends it",
        )),
        // Read only to check its characters; nothing of it is kept in the error.
        (Some(secret), true) if secret.expose_secret().chars().any(char::is_control) => {
            Err(ConfigError::new(
                Kind::InvalidClientSecret,
                FIELD,
                "contains a control character (a trailing newline from a file?)",
            ))
        }
        (Some(secret), true) if secret.expose_secret().is_empty() => Err(ConfigError::new(
            Kind::InvalidClientSecret,
            FIELD,
            "must not be empty",
        )),
        _ => Ok(()),
    }
}

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub(super) fn validate_scope(scope: &str) -> Result<(), ConfigError> {
    let valid = !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
    if valid {
        Ok(())
    } else {
        Err(ConfigError::new(
            Kind::InvalidScope,
            "scopes",
            "each scope must be non-empty printable ASCII without space, `\"` or `\\`",
        ))
    }
}

/// RFC 8707 §2: an absolute URI without a fragment.
pub(super) fn validate_resource(resource: &str) -> Result<(), ConfigError> {
    if !url::is_absolute_uri(resource) {
        return Err(ConfigError::new(
            Kind::InvalidParameter,
            "resources",
            "must be an absolute URI",
        ));
    }
    if resource.contains('#') {
        return Err(ConfigError::new(
            Kind::InvalidParameter,
            "resources",
            "must not have a #fragment",
        ));
    }
    Ok(())
}

pub(super) fn validate_param_name(name: &str, field: &'static str) -> Result<(), ConfigError> {
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(ConfigError::new(
            Kind::InvalidParameter,
            field,
            "parameter names must be non-empty without control characters",
        ));
    }
    Ok(())
}

/// RFC 9110 field names are tokens; values visible ASCII, space and tab only,
/// so nothing can split or smuggle a header.
pub(super) fn validate_header(name: &str, value: &str) -> Result<(), ConfigError> {
    const FIELD: &str = "extra_headers";
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(ConfigError::new(
            Kind::InvalidHeader,
            FIELD,
            "invalid header name",
        ));
    }
    if !value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7E).contains(&b))
    {
        return Err(ConfigError::new(
            Kind::InvalidHeader,
            FIELD,
            "header values must be visible ASCII, space or tab (no CR/LF)",
        ));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
    {
        return Err(ConfigError::new(
            Kind::ReservedHeader,
            FIELD,
            "names a header the client or the HTTP stack sets",
        ));
    }
    Ok(())
}
