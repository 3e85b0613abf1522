//! `ClientConfig`: everything needed to ask one token endpoint for tokens,
//! validated once, up front, so request building cannot fail later.

use std::fmt;

use crate::auth::assertion::AssertionConfig;
use crate::auth::method::ClientAuthMethod;
use crate::http::url::without_query;
mod builder;
mod document;
mod metadata;
mod policy;
mod validate;

pub(crate) use validate::validate_other_endpoint;

pub use builder::ClientConfigBuilder;
pub use policy::{BodyFormat, RefreshPolicy, RetryPolicy, DEFAULT_MAX_RESPONSE_BYTES};

pub use metadata::ServerMetadata;

use crate::auth::key::PrivateKey;
use crate::secret::{AuthorizationValue, ClientSecret};

/// A validated client configuration for one token endpoint.
///
/// ```
/// use ccauth::{ClientConfig, ClientAuthMethod};
/// let config = ClientConfig::builder("https://as.example.com/oauth/token", "my-client")
///     .client_secret("s3cret")
///     .scope("api.read")
///     .build()?;
/// assert_eq!(config.auth_method(), ClientAuthMethod::ClientSecretBasic);
/// # Ok::<(), ccauth::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) request_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) auth_method: ClientAuthMethod,
    /// Precomputed `Basic …` value, when the method is `client_secret_basic`.
    pub(crate) basic_authorization: Option<AuthorizationValue>,
    pub(crate) scope: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) resources: Vec<String>,
    pub(crate) extra_body_params: Vec<(String, String)>,
    pub(crate) extra_headers: Vec<(String, String)>,
    pub(crate) accept: String,
    pub(crate) body_format: BodyFormat,
    pub(crate) refresh: RefreshPolicy,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    /// The JWT client authentication settings, for the two JWT methods.
    pub(crate) assertion: Option<AssertionConfig>,
    /// The DPoP key, when tokens are to be sender-constrained (RFC 9449).
    pub(crate) dpop_key: Option<PrivateKey>,
    /// The explicit opt-in to plain http beyond loopback (for other endpoints too).
    pub(crate) danger_accept_insecure_http: bool,
    /// RFC 7009 endpoint, set or discovered.
    pub(crate) revocation_endpoint: Option<String>,
    /// RFC 7662 endpoint, set or discovered.
    pub(crate) introspection_endpoint: Option<String>,
    /// Whether the host refreshes on a timer, before any caller asks.
    pub(crate) proactive_refresh: bool,
}

/// The default lifetime of a client assertion: short, since each is used once.
pub const DEFAULT_ASSERTION_LIFETIME_MS: u64 = 60_000;

impl ClientConfig {
    /// Whether a token request signs something (a client assertion, a DPoP
    /// proof), and so needs the request context's entropy.
    pub(crate) fn token_request_signs(&self) -> bool {
        self.assertion.is_some() || self.dpop_key.is_some()
    }

    /// The response limits used for public documents (metadata): the
    /// defaults, with no secret to redact.
    pub(crate) fn metadata_limits() -> ClientConfig {
        ClientConfig {
            request_url: String::new(),
            client_id: String::new(),
            client_secret: None,
            auth_method: ClientAuthMethod::None,
            basic_authorization: None,
            scope: None,
            audience: None,
            resources: Vec::new(),
            extra_body_params: Vec::new(),
            extra_headers: Vec::new(),
            accept: String::new(),
            body_format: BodyFormat::Form,
            refresh: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            assertion: None,
            dpop_key: None,
            danger_accept_insecure_http: false,
            revocation_endpoint: None,
            introspection_endpoint: None,
            proactive_refresh: false,
        }
    }

    /// Starts a configuration for `client_id` at `token_endpoint`.
    pub fn builder(
        token_endpoint: impl Into<String>,
        client_id: impl Into<String>,
    ) -> ClientConfigBuilder {
        ClientConfigBuilder::new(token_endpoint.into(), client_id.into())
    }

    /// The URL the token request goes to (extra query parameters included).
    pub fn request_url(&self) -> &str {
        &self.request_url
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client authentication method.
    pub fn auth_method(&self) -> ClientAuthMethod {
        self.auth_method
    }

    /// The client secret, if any.
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// The `scope` value sent (space-joined), or `None` when scope is left out.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The revocation endpoint, set or discovered.
    pub fn revocation_endpoint(&self) -> Option<&str> {
        self.revocation_endpoint.as_deref()
    }

    /// The introspection endpoint, set or discovered.
    pub fn introspection_endpoint(&self) -> Option<&str> {
        self.introspection_endpoint.as_deref()
    }

    /// Whether the host should refresh on a timer, before any caller asks.
    pub fn proactive_refresh(&self) -> bool {
        self.proactive_refresh
    }

    /// The refresh policy.
    pub fn refresh_policy(&self) -> &RefreshPolicy {
        &self.refresh
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The body format.
    pub fn body_format(&self) -> BodyFormat {
        self.body_format
    }

    /// Largest token response body accepted, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }
}

impl fmt::Debug for ClientConfig {
    // Hand-written: extra parameter and header values may be credentials too,
    // so only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |pairs: &[(String, String)]| -> Vec<String> {
            pairs.iter().map(|(name, _)| name.clone()).collect()
        };
        f.debug_struct("ClientConfig")
            .field("request_url", &without_query(&self.request_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .field("scope", &self.scope)
            .field("audience", &self.audience)
            .field("resources", &self.resources)
            .field("extra_body_params", &names(&self.extra_body_params))
            .field("extra_headers", &names(&self.extra_headers))
            .field("body_format", &self.body_format)
            .field("refresh", &self.refresh)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "revocation_endpoint",
                &self.revocation_endpoint.as_deref().map(without_query),
            )
            .field(
                "introspection_endpoint",
                &self.introspection_endpoint.as_deref().map(without_query),
            )
            .field("proactive_refresh", &self.proactive_refresh)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::client_auth::ClientAuth;
    use crate::auth::key::JwsAlgorithm;
    use crate::auth::method::BasicAuthEncoding;

    #[test]
    fn client_auth_is_the_flat_settings_in_one_value() {
        let flat = ClientConfig::builder("https://as.example.com/t", "c")
            .auth_method(ClientAuthMethod::ClientSecretJwt)
            .client_secret("0123456789abcdef0123456789abcdef0123456789abcdef")
            .client_assertion_alg(JwsAlgorithm::Hs384)
            .build()
            .unwrap();
        // Earlier flat settings are replaced, not mixed in.
        let typed = ClientConfig::builder("https://as.example.com/t", "c")
            .client_secret("stale")
            .basic_auth_encoding(BasicAuthEncoding::Raw)
            .client_auth(ClientAuth::ClientSecretJwt {
                secret: "0123456789abcdef0123456789abcdef0123456789abcdef".into(),
                alg: JwsAlgorithm::Hs384,
            })
            .build()
            .unwrap();
        assert_eq!(format!("{flat:?}"), format!("{typed:?}"));
        let public = ClientConfig::builder("https://as.example.com/t", "c")
            .client_secret("stale")
            .client_auth(ClientAuth::None)
            .build()
            .unwrap();
        assert_eq!(public.auth_method(), ClientAuthMethod::None);
        assert!(public.client_secret().is_none());
        let basic = ClientAuth::client_secret_basic("s");
        assert!(!format!("{basic:?}").contains("\"s\""));
    }

    #[test]
    fn leeway_scales_with_lifetime() {
        let policy = RefreshPolicy::default();
        assert_eq!(policy.leeway_ms(86_400_000), 300_000);
        assert_eq!(policy.leeway_ms(3_600_000), 300_000);
        assert_eq!(policy.leeway_ms(600_000), 60_000);
        assert_eq!(policy.leeway_ms(60_000), 30_000);
        assert_eq!(policy.leeway_ms(10_000), 5_000);
        assert_eq!(policy.leeway_ms(0), 0);
        assert_eq!(policy.leeway_ms(u64::MAX), 300_000);
    }

    #[test]
    fn loopback_hosts_may_use_http() {
        for url in [
            "http://127.0.0.1:8080/t",
            "http://127.9.9.9/t",
            "http://[::1]/t",
            "http://localhost/t",
            "http://api.localhost/t",
        ] {
            assert!(
                ClientConfig::builder(url, "c")
                    .client_secret("s")
                    .build()
                    .is_ok(),
                "{url}"
            );
        }
        let err = ClientConfig::builder("http://127.0.0.1.example.com/t", "c")
            .client_secret("s")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "INSECURE_ENDPOINT");
    }

    #[test]
    fn debug_hides_secret_and_extra_values() {
        let config = ClientConfig::builder("https://as.example.com/t?key=q-secret", "c")
            .client_secret("the-secret")
            .extra_body_param("api_key", "body-secret")
            .extra_header("X-Api-Key", "header-secret")
            .build()
            .unwrap();
        let text = format!("{config:?}");
        for secret in ["the-secret", "body-secret", "header-secret", "q-secret"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn error_message_never_echoes_the_secret() {
        let err = ClientConfig::builder("https://as.example.com/t", "c")
            .client_secret("leaky-secret\n")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_CLIENT_SECRET");
        assert!(!err.to_string().contains("leaky-secret"));
        assert!(!format!("{err:?}").contains("leaky-secret"));
    }
}

#[cfg(all(test, feature = "es256"))]
mod assertion_tests;
