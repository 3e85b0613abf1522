//! The token request, as plain data the host sends with its own HTTP stack.

use std::fmt;

use serde::ser::{SerializeMap, Serializer as _};
use zeroize::Zeroize;

use crate::config::{url_without_query, BodyFormat, ClientConfig};

/// An HTTP request for the host to send.
///
/// Header values and body may hold credentials: `Debug` shows header names
/// and the body length only, and both are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    /// The method, `POST` for token requests.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Headers in the order they should be sent. Values may be credentials.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body bytes. May hold credentials.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url_without_query(&self.url))
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Drop for HttpRequest {
    fn drop(&mut self) {
        self.body.zeroize();
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
    }
}

/// A body parameter value: `resource` may repeat.
enum ParamValue<'a> {
    One(&'a str),
    Many(&'a [String]),
}

/// Builds the client credentials token request for `config`.
///
/// Deterministic: the same config always gives the same bytes (the shared
/// vectors pin them). Infallible, because the config was validated when built.
pub fn build_token_request(config: &ClientConfig) -> HttpRequest {
    let method = config.auth_method;
    let mut params: Vec<(&str, ParamValue<'_>)> =
        Vec::with_capacity(6 + config.extra_body_params.len());
    params.push(("grant_type", ParamValue::One("client_credentials")));
    if method.sends_client_id_in_body() {
        params.push(("client_id", ParamValue::One(&config.client_id)));
    }
    if method == crate::ClientAuthMethod::ClientSecretPost {
        if let Some(secret) = &config.client_secret {
            // client_secret_post: the body is where this method carries the secret.
            params.push(("client_secret", ParamValue::One(secret.expose_secret())));
        }
    }
    if let Some(scope) = &config.scope {
        params.push(("scope", ParamValue::One(scope)));
    }
    if let Some(audience) = &config.audience {
        params.push(("audience", ParamValue::One(audience)));
    }
    match config.resources.as_slice() {
        [] => {}
        [one] => params.push(("resource", ParamValue::One(one))),
        many => params.push(("resource", ParamValue::Many(many))),
    }
    for (name, value) in &config.extra_body_params {
        params.push((name, ParamValue::One(value)));
    }

    let (content_type, body) = match config.body_format {
        BodyFormat::Form => ("application/x-www-form-urlencoded", form_body(&params)),
        BodyFormat::Json => ("application/json", json_body(&params)),
    };

    let mut headers = Vec::with_capacity(3 + config.extra_headers.len());
    headers.push(("Accept".to_owned(), config.accept.clone()));
    headers.push(("Content-Type".to_owned(), content_type.to_owned()));
    if let Some(basic) = &config.basic_authorization {
        // client_secret_basic: the header is where this method carries the secret.
        headers.push(("Authorization".to_owned(), basic.expose_secret().to_owned()));
    }
    headers.extend(config.extra_headers.iter().cloned());

    HttpRequest {
        method: "POST",
        url: config.request_url.clone(),
        headers,
        body,
    }
}

fn form_body(params: &[(&str, ParamValue<'_>)]) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(128));
    for (name, value) in params {
        match value {
            ParamValue::One(v) => {
                form.append_pair(name, v);
            }
            ParamValue::Many(values) => {
                for v in values.iter() {
                    form.append_pair(name, v);
                }
            }
        }
    }
    form.finish().into_bytes()
}

fn json_body(params: &[(&str, ParamValue<'_>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    let mut serializer = serde_json::Serializer::new(&mut out);
    // Writing strings into a Vec cannot fail; an error would only leave the body short.
    let _ = (|| -> Result<(), serde_json::Error> {
        let mut map = serializer.serialize_map(Some(params.len()))?;
        for (name, value) in params {
            match value {
                ParamValue::One(v) => map.serialize_entry(name, v)?,
                ParamValue::Many(values) => map.serialize_entry(name, values)?,
            }
        }
        map.end()
    })();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientAuthMethod;

    #[test]
    fn basic_request_has_no_secret_in_body() {
        let config = ClientConfig::builder("https://as.example.com/token", "id")
            .client_secret("pw")
            .scopes(["a", "b"])
            .build()
            .unwrap();
        let request = build_token_request(&config);
        assert_eq!(request.method(), "POST");
        assert_eq!(request.body(), b"grant_type=client_credentials&scope=a+b");
        assert_eq!(request.header("authorization"), Some("Basic aWQ6cHc="));
    }

    #[test]
    fn debug_shows_no_credentials() {
        let config = ClientConfig::builder("https://as.example.com/token", "id")
            .client_secret("pw-very-secret")
            .auth_method(ClientAuthMethod::ClientSecretPost)
            .build()
            .unwrap();
        let text = format!("{:?}", build_token_request(&config));
        assert!(!text.contains("pw-very-secret"), "{text}");
    }

    #[test]
    fn json_body_with_several_resources_uses_an_array() {
        let config = ClientConfig::builder("https://as.example.com/token", "id")
            .auth_method(ClientAuthMethod::None)
            .resource("https://a.example/")
            .resource("https://b.example/")
            .body_format(BodyFormat::Json)
            .build()
            .unwrap();
        let request = build_token_request(&config);
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"grant_type":"client_credentials","client_id":"id","resource":["https://a.example/","https://b.example/"]}"#
        );
    }
}
