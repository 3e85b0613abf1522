//! The token request, as plain data the host sends with its own HTTP stack.

use serde::ser::{SerializeMap, Serializer as _};
use zeroize::Zeroize;

use zeroize::Zeroizing;

use crate::auth::assertion;
use crate::auth::dpop;
use crate::auth::jws::{Jws, SigningInput};
use crate::config::{BodyFormat, ClientConfig};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::http::HttpRequest;

/// A body parameter value: `resource` may repeat.
enum ParamValue<'a> {
    One(&'a str),
    Many(&'a [String]),
}

/// The per-request inputs of a token request that signs something: a client
/// assertion (`client_secret_jwt`, `private_key_jwt`) or a DPoP proof.
#[derive(Clone, Copy)]
pub struct RequestContext<'a> {
    /// The host's clock, Unix milliseconds: `iat` and `exp` come from it.
    pub now_ms: u64,
    /// Fresh random bytes from the host: the `jti` values, the PS256 salt.
    pub entropy: [u8; 32],
    /// The last `DPoP-Nonce` the token endpoint sent, if any.
    pub dpop_nonce: Option<&'a str>,
}

impl RequestContext<'_> {
    /// Checks that `bytes` are the 32 random bytes a context needs.
    pub fn entropy_from(bytes: &[u8]) -> Result<[u8; 32], ConfigError> {
        bytes.try_into().map_err(|_| {
            ConfigError::new(
                ConfigErrorKind::InvalidParameter,
                "entropy",
                "must be exactly 32 random bytes",
            )
        })
    }
}

impl std::fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("now_ms", &self.now_ms)
            .field("dpop_nonce", &self.dpop_nonce)
            .finish_non_exhaustive()
    }
}

/// Builds the client credentials token request for `config`.
///
/// Deterministic: the same config always gives the same bytes (the shared
/// vectors pin them). A config the core signs for (`client_secret_jwt`,
/// `private_key_jwt` with a key, DPoP) needs the clock and randomness: it is
/// refused here rather than sent without its assertion or proof; use
/// [`build_token_request_at`]. (With an external assertion, this is the
/// request [`add_client_assertion`] completes.)
pub fn build_token_request(config: &ClientConfig) -> Result<HttpRequest, ConfigError> {
    let signs_assertion = config.assertion.as_ref().is_some_and(|a| {
        a.key.is_some()
            || config.auth_method == crate::auth::method::ClientAuthMethod::ClientSecretJwt
    });
    if signs_assertion || config.dpop_key.is_some() {
        return Err(ConfigError::invalid_parameter(
            "context",
            "this config signs (a client assertion or a DPoP proof): build it with build_token_request_at",
        ));
    }
    Ok(build(config, None).into_request())
}

/// Builds the token request for `config` at `context.now_ms`, with a fresh
/// client assertion and DPoP proof when the config asks for them. The same
/// config and context give the same bytes (ECDSA and EdDSA signatures are
/// deterministic; `entropy` gives the `jti` values and the PS256 salt).
///
/// With an external client assertion the request goes out without one;
/// the host adds the assertion it holds with [`add_client_assertion`].
/// With a host-signed key the JWTs it signs are left out too: build such a
/// request with [`prepare_token_request`].
pub fn build_token_request_at(config: &ClientConfig, context: &RequestContext<'_>) -> HttpRequest {
    build(config, Some(context)).request
}

/// The token request for `config` at `context.now_ms`, for every kind of
/// key: the JWTs a host-signed key signs wait in the returned value
/// ([`UnsignedRequest::signing_inputs`]); the others are made here.
pub fn prepare_token_request(
    config: &ClientConfig,
    context: &RequestContext<'_>,
) -> UnsignedRequest {
    build(config, Some(context))
}

fn build(config: &ClientConfig, context: Option<&RequestContext<'_>>) -> UnsignedRequest {
    let grant = [("grant_type", "client_credentials")];
    build_for(config, &config.request_url, &grant, true, context)
}

/// A request whose client assertion or DPoP proof the host signs (a
/// host-signed key): sign each of [`signing_inputs`](Self::signing_inputs),
/// in order, then [`finish`](Self::finish). The same bytes as a request the
/// core signs, once the signatures are in.
#[derive(Debug, Clone)]
pub struct UnsignedRequest {
    /// Everything but the host-signed JWTs.
    request: HttpRequest,
    body_format: BodyFormat,
    assertion: Option<SigningInput>,
    /// The proof and the header position it goes to.
    dpop: Option<(SigningInput, usize)>,
}

impl UnsignedRequest {
    /// What the host signs, client assertion first: empty when nothing is.
    pub fn signing_inputs(&self) -> Vec<&SigningInput> {
        self.assertion
            .iter()
            .chain(self.dpop.as_ref().map(|(input, _)| input))
            .collect()
    }

    /// Whether the host has something to sign.
    pub fn needs_signatures(&self) -> bool {
        self.assertion.is_some() || self.dpop.is_some()
    }

    /// The request with one signature per signing input, in their order.
    /// A signature that does not fit its algorithm is `INVALID_SIGNATURE`.
    pub fn finish<S: AsRef<[u8]>>(self, signatures: &[S]) -> Result<HttpRequest, ConfigError> {
        let expected = usize::from(self.assertion.is_some()) + usize::from(self.dpop.is_some());
        if signatures.len() != expected {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidSignature,
                "signatures",
                "one signature per signing input, in order",
            ));
        }
        let mut signatures = signatures.iter();
        let mut request = self.request;
        // The count was checked: each input has its signature.
        let mut next = || signatures.next().map_or(&[][..], AsRef::as_ref);
        if let Some(input) = &self.assertion {
            let jwt = input.to_jws(next())?;
            append_client_assertion(self.body_format, &mut request, &jwt);
        }
        if let Some((input, at)) = &self.dpop {
            let proof = input.to_jws(next())?;
            request.insert_header(*at, "DPoP", proof.to_string());
        }
        Ok(request)
    }

    /// The request without its host-signed JWTs (never to be sent as is
    /// while [`needs_signatures`](Self::needs_signatures)).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The request as built, for a config with nothing host-signed.
    pub(crate) fn into_request(self) -> HttpRequest {
        self.request
    }
}

/// A POST to `url` with `own_params` first, then the client authentication
/// (and, for the token endpoint, `scope`, `audience`, `resource`, the extra
/// parameters and a DPoP proof).
pub(crate) fn build_for(
    config: &ClientConfig,
    url: &str,
    own_params: &[(&str, &str)],
    token_endpoint: bool,
    context: Option<&RequestContext<'_>>,
) -> UnsignedRequest {
    let assertion: Option<Jws> = match (&config.assertion, context) {
        (Some(settings), Some(c)) => assertion::sign(
            &config.client_id,
            config.client_secret.as_ref(),
            settings,
            c.now_ms,
            &c.entropy,
        ),
        _ => None,
    };
    let dpop_proof = match (&config.dpop_key, context) {
        (Some(key), Some(c)) if token_endpoint => Some(dpop::proof(
            key,
            "POST",
            &config.request_url,
            c.now_ms,
            c.dpop_nonce,
            None,
            &c.entropy,
        )),
        _ => None,
    };
    let method = config.auth_method;
    let mut params: Vec<(&str, ParamValue<'_>)> =
        Vec::with_capacity(6 + config.extra_body_params.len());
    for (name, value) in own_params {
        params.push((name, ParamValue::One(value)));
    }
    if method.sends_client_id_in_body() {
        params.push(("client_id", ParamValue::One(&config.client_id)));
    }
    if method == crate::auth::method::ClientAuthMethod::ClientSecretPost {
        if let Some(secret) = &config.client_secret {
            // client_secret_post: the body is where this method carries the secret.
            params.push(("client_secret", ParamValue::One(secret.expose_secret())));
        }
    }
    if token_endpoint {
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
    }
    let (assertion, assertion_to_sign) = match assertion {
        Some(Jws::Signed(jwt)) => (Some(jwt), None),
        Some(Jws::ToSign(input)) => (None, Some(input)),
        None => (None, None),
    };
    let (dpop_proof, dpop_to_sign): (Option<Zeroizing<String>>, _) = match dpop_proof {
        Some(Jws::Signed(jwt)) => (Some(jwt), None),
        Some(Jws::ToSign(input)) => (None, Some(input)),
        None => (None, None),
    };
    if let Some(assertion) = &assertion {
        params.push((
            "client_assertion_type",
            ParamValue::One(assertion::JWT_BEARER),
        ));
        params.push(("client_assertion", ParamValue::One(assertion)));
    }

    // RFC 7009 and RFC 7662 take forms; the JSON quirk is a token endpoint's.
    let format = if token_endpoint {
        config.body_format
    } else {
        BodyFormat::Form
    };
    let (content_type, body) = match format {
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
    if let Some(proof) = &dpop_proof {
        headers.push(("DPoP".to_owned(), proof.to_string()));
    }
    let dpop = dpop_to_sign.map(|input| (input, headers.len()));
    headers.extend(config.extra_headers.iter().cloned());

    UnsignedRequest {
        request: HttpRequest {
            method: "POST",
            url: url.to_owned(),
            headers,
            body,
        },
        body_format: format,
        assertion: assertion_to_sign,
        dpop,
    }
}

/// Adds a client assertion minted outside this client (workload identity)
/// to a token request built for a config with `external_client_assertion`.
/// The assertion is checked to be a JWT whose `exp`, if it has one, is
/// after `now_ms`: an expired assertion is never sent.
pub fn add_client_assertion(
    config: &ClientConfig,
    request: &HttpRequest,
    assertion: &str,
    now_ms: u64,
) -> Result<HttpRequest, ConfigError> {
    let invalid = |reason| {
        ConfigError::new(
            ConfigErrorKind::InvalidClientAssertion,
            "client_assertion",
            reason,
        )
    };
    let assertion = assertion.trim();
    if assertion.split('.').count() != 3
        || assertion
            .bytes()
            .any(|b| !(b.is_ascii_alphanumeric() || b"-_.=".contains(&b)))
    {
        return Err(invalid("not a compact JWT"));
    }
    if let Some(exp) = crate::auth::jws::unverified_exp(assertion) {
        if exp.saturating_mul(1000) <= now_ms {
            return Err(invalid("expired: read a fresh one from its source"));
        }
    }
    let mut request = request.clone();
    append_client_assertion(config.body_format, &mut request, assertion);
    Ok(request)
}

/// Appends `client_assertion_type` and `client_assertion` to a body the
/// core wrote: the same bytes as when they are built in.
fn append_client_assertion(format: BodyFormat, request: &mut HttpRequest, assertion: &str) {
    let added: [(&str, &str); 2] = [
        ("client_assertion_type", assertion::JWT_BEARER),
        ("client_assertion", assertion),
    ];
    match format {
        BodyFormat::Form => {
            let mut body = String::from_utf8_lossy(&request.body).into_owned();
            let mut form = form_urlencoded::Serializer::for_suffix(&mut body, 0);
            for (name, value) in added {
                form.append_pair(name, value);
            }
            form.finish();
            request.body.zeroize();
            request.body = body.into_bytes();
        }
        BodyFormat::Json => {
            // The body is a JSON object the core wrote: insert before its `}`.
            let mut body = std::mem::take(&mut request.body);
            if body.last() == Some(&b'}') {
                body.pop();
            }
            for (name, value) in added {
                body.push(b',');
                body.extend(serde_json::to_vec(name).unwrap_or_default());
                body.push(b':');
                body.extend(serde_json::to_vec(value).unwrap_or_default());
            }
            body.push(b'}');
            request.body = body;
        }
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
    use crate::auth::method::ClientAuthMethod;

    #[test]
    fn basic_request_has_no_secret_in_body() {
        let config = ClientConfig::builder("https://as.example.com/token", "id")
            .client_secret("pw")
            .scopes(["a", "b"])
            .build()
            .unwrap();
        let request = build_token_request(&config).unwrap();
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
        let text = format!("{:?}", build_token_request(&config).unwrap());
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
        let request = build_token_request(&config).unwrap();
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"grant_type":"client_credentials","client_id":"id","resource":["https://a.example/","https://b.example/"]}"#
        );
    }
}
