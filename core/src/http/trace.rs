//! The server's request and trace ids, for logs and support tickets: the
//! id an operator quotes when asking a provider why a request failed.

use serde_json::{Map, Value};

use super::response::is_visible_ascii;
use super::HttpResponse;

/// Response headers that carry a request or trace id, lower-case: the
/// generic ones, then Entra ID, Okta, Auth0, AWS, Cloudflare.
pub const TRACE_HEADERS: [&str; 9] = [
    "x-request-id",
    "x-correlation-id",
    "request-id",
    "x-ms-request-id",
    "client-request-id",
    "x-okta-request-id",
    "x-auth0-requestid",
    "x-amzn-requestid",
    "cf-ray",
];

/// Error body members that carry one (Entra ID's `trace_id` and `correlation_id`).
const TRACE_MEMBERS: [&str; 3] = ["trace_id", "correlation_id", "request_id"];

/// Longest id kept; ids are short tokens, anything longer is not one.
const MAX_ID_CHARS: usize = 128;

/// `name=value` for each trace header the response has.
pub(crate) fn header_trace_ids(response: &HttpResponse) -> Vec<String> {
    TRACE_HEADERS
        .iter()
        .filter_map(|name| {
            let value = response.header(name)?.trim();
            is_id(value).then(|| format!("{name}={value}"))
        })
        .collect()
}

/// `name=value` for each trace member of an error body.
pub(crate) fn body_trace_ids(extras: &Map<String, Value>) -> Vec<String> {
    TRACE_MEMBERS
        .iter()
        .filter_map(|name| match extras.get(*name) {
            Some(Value::String(value)) if is_id(value) => Some(format!("{name}={value}")),
            _ => None,
        })
        .collect()
}

/// A short run of visible ASCII (no space): an id, never free text.
fn is_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_ID_CHARS && is_visible_ascii(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_known_headers_and_body_members_only() {
        let response = HttpResponse::new(
            400,
            vec![
                ("X-Request-Id".into(), "abc-123".into()),
                ("X-Other".into(), "nope".into()),
                ("cf-ray".into(), "has a space".into()),
            ],
            "",
        );
        assert_eq!(header_trace_ids(&response), ["x-request-id=abc-123"]);
        let mut extras = Map::new();
        extras.insert("trace_id".into(), Value::String("t-1".into()));
        extras.insert("correlation_id".into(), Value::from(7));
        extras.insert("error_codes".into(), Value::String("x".into()));
        assert_eq!(body_trace_ids(&extras), ["trace_id=t-1"]);
        extras.insert("request_id".into(), Value::String("x".repeat(129)));
        assert_eq!(body_trace_ids(&extras).len(), 1);
    }
}
