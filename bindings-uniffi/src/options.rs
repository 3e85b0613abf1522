//! The client options as generated types in every language: the
//! `ClientOptions` record and `ClientConfig` (validated when made, so a bad option fails at once, typed), the
//! `ClientAuth` enum, and the secret-holding `ClientSecret` and `PrivateKey`
//! objects. Objects, not records, wherever a secret is inside: records print
//! every field (`repr`, `toString`, `description`); these print redacted.
//! No JSON is involved: the same builder as the Rust API.

use std::sync::Arc;

use ccauth::{BasicAuthEncoding, Error, JwsAlgorithm};

use crate::{CcauthError, Header, TokenLifecycle};

/// A client secret; prints redacted.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ClientSecret(pub(crate) ccauth::ClientSecret);

#[uniffi::export]
impl ClientSecret {
    /// Wraps the secret value.
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(Self(ccauth::ClientSecret::new(value)))
    }
}

/// A private key (PEM or JWK text), parsed and checked when made; prints
/// its algorithm only.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct PrivateKey(pub(crate) ccauth::PrivateKey);

fn algorithm(
    alg: Option<String>,
    field: &'static str,
) -> Result<Option<JwsAlgorithm>, CcauthError> {
    alg.map(|name| {
        name.parse::<JwsAlgorithm>().map_err(|()| {
            Error::from(ccauth::ConfigError::invalid_parameter(
                field,
                "not a JWS algorithm this client signs with (RS256, PS256, ES256, ES384, EdDSA, HS256, HS384, HS512)",
            ))
            .into()
        })
    })
    .transpose()
}

#[uniffi::export]
impl PrivateKey {
    /// Parses a PEM (PKCS#8, SEC1, PKCS#1) or JWK private key; `alg` picks
    /// the algorithm when the key allows several (RSA: RS256 or PS256).
    #[uniffi::constructor(default(alg = None))]
    pub fn parse(text: String, alg: Option<String>) -> Result<Arc<Self>, CcauthError> {
        let alg = algorithm(alg, "private_key")?;
        let key = ccauth::PrivateKey::parse(&text, alg, "private_key").map_err(Error::from)?;
        Ok(Arc::new(Self(key)))
    }

    /// A new P-256 key (ES256: DPoP) from 32 bytes of host randomness.
    #[uniffi::constructor]
    pub fn generate_p256(entropy: Vec<u8>) -> Result<Arc<Self>, CcauthError> {
        let bytes = crate::entropy(&entropy)?;
        let key = ccauth::PrivateKey::generate_p256(&bytes).map_err(Error::from)?;
        Ok(Arc::new(Self(key)))
    }

    /// A key the host signs with (a platform key store, a KMS, an HSM):
    /// it holds no key material; the core hands each JWS signing input to
    /// the host (`FetchTicket.signing_inputs`, `ApiHeaders.dpop_to_sign`).
    /// `public_jwk` (JSON text, public members only) is required for DPoP
    /// and optional for `private_key_jwt`; `key_id` is the assertions' `kid`
    /// (default: the JWK's own `kid`).
    #[uniffi::constructor(default(public_jwk = None, key_id = None))]
    pub fn host_signed(
        alg: String,
        public_jwk: Option<String>,
        key_id: Option<String>,
    ) -> Result<Arc<Self>, CcauthError> {
        let alg = algorithm(Some(alg), "alg")?.unwrap_or(JwsAlgorithm::Es256);
        let key = ccauth::PrivateKey::host_signed(alg, public_jwk.as_deref(), key_id)
            .map_err(Error::from)?;
        Ok(Arc::new(Self(key)))
    }

    /// Whether the host signs with this key (`host_signed`).
    pub fn is_host_signed(&self) -> bool {
        self.0.is_host_signed()
    }

    /// The key's JWS algorithm, e.g. `ES256`.
    pub fn algorithm(&self) -> String {
        self.0.algorithm().as_str().to_owned()
    }
}

/// How Basic credentials are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BasicEncoding {
    /// RFC 6749 §2.3.1: form-urlencode id and secret first (the default).
    FormUrlEncoded,
    /// The raw `id:secret`, for servers that do not decode (UAA, Epic Games).
    Raw,
}

/// How the client proves who it is: the method with its credential.
#[derive(Debug, uniffi::Enum)]
pub enum ClientAuth {
    /// `client_secret_basic`: id and secret in `Authorization: Basic`.
    ClientSecretBasic {
        /// The secret.
        secret: Arc<ClientSecret>,
        /// Default: form-urlencoded (RFC 6749).
        #[uniffi(default)]
        encoding: Option<BasicEncoding>,
    },
    /// `client_secret_post`: id and secret in the body.
    ClientSecretPost {
        /// The secret.
        secret: Arc<ClientSecret>,
    },
    /// `client_secret_jwt`: an assertion signed with the secret (HMAC).
    ClientSecretJwt {
        /// The secret (the HMAC key; sent nowhere).
        secret: Arc<ClientSecret>,
        /// HS256 (default), HS384 or HS512.
        #[uniffi(default)]
        alg: Option<String>,
    },
    /// `private_key_jwt`: an assertion signed with the client's key.
    PrivateKeyJwt {
        /// The key; its algorithm is the assertion's.
        key: Arc<PrivateKey>,
        /// The assertion's `kid`, when the server holds several keys (default: the JWK's own `kid`).
        #[uniffi(default)]
        key_id: Option<String>,
    },
    /// `private_key_jwt` with assertions minted elsewhere (workload identity),
    /// handed in per request by the host's assertion source.
    ExternalAssertion {
        /// The assertions' algorithm (default RS256).
        #[uniffi(default)]
        alg: Option<String>,
    },
    /// `tls_client_auth`: the host's TLS layer presents the certificate.
    TlsClientAuth,
    /// `none`: a public client.
    None,
}

impl ClientAuth {
    fn into_core(self) -> Result<ccauth::ClientAuth, CcauthError> {
        let secret = |s: Arc<ClientSecret>| s.0.clone();
        Ok(match self {
            Self::ClientSecretBasic {
                secret: s,
                encoding,
            } => ccauth::ClientAuth::ClientSecretBasic {
                secret: secret(s),
                encoding: match encoding {
                    Some(BasicEncoding::Raw) => BasicAuthEncoding::Raw,
                    _ => BasicAuthEncoding::FormUrlEncoded,
                },
            },
            Self::ClientSecretPost { secret: s } => {
                ccauth::ClientAuth::ClientSecretPost { secret: secret(s) }
            }
            Self::ClientSecretJwt { secret: s, alg } => ccauth::ClientAuth::ClientSecretJwt {
                secret: secret(s),
                alg: algorithm(alg, "client_assertion_alg")?.unwrap_or(JwsAlgorithm::Hs256),
            },
            Self::PrivateKeyJwt { key, key_id } => ccauth::ClientAuth::PrivateKeyJwt {
                key: key.0.clone(),
                key_id,
            },
            Self::ExternalAssertion { alg } => ccauth::ClientAuth::ExternalAssertion {
                alg: algorithm(alg, "client_assertion_alg")?.unwrap_or(JwsAlgorithm::Rs256),
            },
            Self::TlsClientAuth => ccauth::ClientAuth::TlsClientAuth,
            Self::None => ccauth::ClientAuth::None,
        })
    }
}

/// How the token request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded` (RFC 6749; the default).
    Form,
    /// JSON, for servers that want it.
    Json,
}

/// When tokens are refreshed; unset members keep the core's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RefreshPolicy {
    /// Least time before expiry to refresh.
    #[uniffi(default)]
    pub min_leeway_ms: Option<u64>,
    /// Most time before expiry to refresh.
    #[uniffi(default)]
    pub max_leeway_ms: Option<u64>,
    /// Share of the lifetime to refresh ahead, between the two.
    #[uniffi(default)]
    pub leeway_percent: Option<u8>,
    /// Lifetime assumed when the server gives none.
    #[uniffi(default)]
    pub default_lifetime_ms: Option<u64>,
}

/// How failed fetches are retried; unset members keep the core's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RetryPolicy {
    /// Attempts per fetch, the first included.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// Most total waiting between attempts.
    #[uniffi(default)]
    pub max_wait_ms: Option<u64>,
    /// How long a permanent failure is served before a new attempt.
    #[uniffi(default)]
    pub failure_cooldown_ms: Option<u64>,
    /// When an unreported attempt counts as lost.
    #[uniffi(default)]
    pub attempt_timeout_ms: Option<u64>,
}

/// Every option of the core, as one record (named, defaulted arguments in
/// each language); [`ClientConfig::new`] validates it. Secrets are inside
/// objects (`ClientSecret`, `PrivateKey`), so printing it shows none.
///
/// One record rather than a constructor with an argument per option: JNA
/// corrupts structs passed on the stack on arm64 (java-native-access/jna#1736,
/// a SIGSEGV in CI's aarch64 run), and two dozen arguments do not fit in
/// registers; a record crosses as one buffer.
#[derive(Debug, uniffi::Record)]
pub struct ClientOptions {
    /// Where tokens come from (empty with discovered metadata).
    pub token_endpoint: String,
    pub client_id: String,
    /// Client authentication: the method with its credential.
    pub auth: ClientAuth,
    /// Sent space-joined as `scope`.
    #[uniffi(default)]
    pub scopes: Vec<String>,
    /// `false` leaves `scope` out of the request (the scopes still key the cache).
    #[uniffi(default)]
    pub include_scope: Option<bool>,
    /// The `audience` parameter (Auth0 and others).
    #[uniffi(default)]
    pub audience: Option<String>,
    /// RFC 8707 `resource`, repeated.
    #[uniffi(default)]
    pub resources: Vec<String>,
    #[uniffi(default)]
    pub extra_body_params: Vec<Header>,
    #[uniffi(default)]
    pub extra_query_params: Vec<Header>,
    /// More request headers (`Accept` overrides the default).
    #[uniffi(default)]
    pub extra_headers: Vec<Header>,
    #[uniffi(default)]
    pub body_format: Option<BodyFormat>,
    #[uniffi(default)]
    pub refresh: Option<RefreshPolicy>,
    #[uniffi(default)]
    pub retry: Option<RetryPolicy>,
    /// Replies over this are refused unread (`RESPONSE_TOO_LARGE`).
    #[uniffi(default)]
    pub max_response_bytes: Option<u64>,
    /// DPoP (RFC 9449): tokens bound to this key.
    #[uniffi(default)]
    pub dpop_key: Option<Arc<PrivateKey>>,
    /// The client assertions' `aud` (default: the token endpoint).
    #[uniffi(default)]
    pub assertion_audience: Option<String>,
    /// Lifetime of each client assertion, 1 s to 5 min.
    #[uniffi(default)]
    pub assertion_lifetime_ms: Option<u64>,
    /// RFC 7009 endpoint (default: the discovered one).
    #[uniffi(default)]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 endpoint (default: the discovered one).
    #[uniffi(default)]
    pub introspection_endpoint: Option<String>,
    /// Refresh on a timer at the refresh time (the driver arms it).
    #[uniffi(default)]
    pub proactive_refresh: bool,
    /// Plain http beyond loopback (test networks only).
    #[uniffi(default)]
    pub danger_accept_insecure_http: bool,
    /// With `server_metadata_json`: the issuer it was discovered for.
    #[uniffi(default)]
    pub issuer: Option<String>,
    /// Discovered metadata (`Discovery`'s result): endpoints, auth method
    /// and algorithm negotiated.
    #[uniffi(default)]
    pub server_metadata_json: Option<String>,
}

/// A validated client configuration: every option of the core, checked when
/// made (a bad one raises a `CcauthError.Config` naming it). Prints redacted.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ClientConfig(pub(crate) ccauth::ClientConfig);

#[uniffi::export]
impl ClientConfig {
    /// Validates `options`; only `token_endpoint` (empty with discovered
    /// metadata), `client_id` and `auth` are required. Durations are milliseconds.
    #[uniffi::constructor]
    pub fn new(options: ClientOptions) -> Result<Arc<Self>, CcauthError> {
        let ClientOptions {
            token_endpoint,
            client_id,
            auth,
            scopes,
            include_scope,
            audience,
            resources,
            extra_body_params,
            extra_query_params,
            extra_headers,
            body_format,
            refresh,
            retry,
            max_response_bytes,
            dpop_key,
            assertion_audience,
            assertion_lifetime_ms,
            revocation_endpoint,
            introspection_endpoint,
            proactive_refresh,
            danger_accept_insecure_http,
            issuer,
            server_metadata_json,
        } = options;
        let mut b = ccauth::ClientConfig::builder(token_endpoint, client_id)
            .client_auth(auth.into_core()?)
            .scopes(scopes)
            .proactive_refresh(proactive_refresh)
            .danger_accept_insecure_http(danger_accept_insecure_http);
        if let Some(include) = include_scope {
            b = b.include_scope(include);
        }
        if let Some(audience) = audience {
            b = b.audience(audience);
        }
        for resource in resources {
            b = b.resource(resource);
        }
        for p in extra_body_params {
            b = b.extra_body_param(p.name, p.value);
        }
        for p in extra_query_params {
            b = b.extra_query_param(p.name, p.value);
        }
        for h in extra_headers {
            b = b.extra_header(h.name, h.value);
        }
        if let Some(format) = body_format {
            b = b.body_format(match format {
                BodyFormat::Form => ccauth::BodyFormat::Form,
                BodyFormat::Json => ccauth::BodyFormat::Json,
            });
        }
        if let Some(r) = refresh {
            let d = ccauth::RefreshPolicy::default();
            b = b.refresh_policy(ccauth::RefreshPolicy {
                min_leeway_ms: r.min_leeway_ms.unwrap_or(d.min_leeway_ms),
                max_leeway_ms: r.max_leeway_ms.unwrap_or(d.max_leeway_ms),
                leeway_percent: r.leeway_percent.unwrap_or(d.leeway_percent),
                default_lifetime_ms: r.default_lifetime_ms.unwrap_or(d.default_lifetime_ms),
            });
        }
        if let Some(r) = retry {
            let d = ccauth::RetryPolicy::default();
            b = b.retry_policy(ccauth::RetryPolicy {
                max_attempts: r.max_attempts.unwrap_or(d.max_attempts),
                max_wait_ms: r.max_wait_ms.unwrap_or(d.max_wait_ms),
                failure_cooldown_ms: r.failure_cooldown_ms.unwrap_or(d.failure_cooldown_ms),
                attempt_timeout_ms: r.attempt_timeout_ms.unwrap_or(d.attempt_timeout_ms),
            });
        }
        if let Some(limit) = max_response_bytes {
            b = b.max_response_bytes(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        if let Some(key) = dpop_key {
            b = b.dpop_key(key.0.clone());
        }
        if let Some(aud) = assertion_audience {
            b = b.assertion_audience(aud);
        }
        if let Some(lifetime) = assertion_lifetime_ms {
            b = b.assertion_lifetime_ms(lifetime);
        }
        if let Some(url) = revocation_endpoint {
            b = b.revocation_endpoint(url);
        }
        if let Some(url) = introspection_endpoint {
            b = b.introspection_endpoint(url);
        }
        match (issuer, server_metadata_json) {
            (Some(issuer), Some(json)) => {
                let metadata =
                    ccauth::ServerMetadata::from_json(&issuer, &json).map_err(Error::from)?;
                b = b.server_metadata(metadata);
            }
            (None, Some(_)) => {
                return Err(Error::from(ccauth::ConfigError::invalid_parameter(
                    "issuer",
                    "server_metadata needs the issuer it was fetched for",
                ))
                .into())
            }
            _ => {}
        }
        Ok(Arc::new(Self(b.build().map_err(Error::from)?)))
    }

    /// The cache key: endpoint, client id, method, scopes, audience,
    /// resources (no secret).
    pub fn cache_key(&self) -> String {
        let (manager, key) = ccauth::TokenManager::with_config(self.0.clone(), 0);
        manager.cache_key(key).unwrap_or_default().to_owned()
    }

    /// The most body bytes hosts read from the token endpoint.
    pub fn max_response_bytes(&self) -> u64 {
        self.0.max_response_bytes() as u64
    }
}

#[uniffi::export]
impl TokenLifecycle {
    /// A lifecycle for a validated config; `seed` drives the refresh jitter.
    #[uniffi::constructor]
    pub fn with_config(config: Arc<ClientConfig>, seed: u64) -> Arc<Self> {
        Self::from_core(config.0.clone(), seed)
    }
}

/// Options with every optional member unset, for tests.
#[cfg(test)]
pub(crate) fn test_options(auth: ClientAuth) -> ClientOptions {
    tests::options(auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn options(auth: ClientAuth) -> ClientOptions {
        ClientOptions {
            token_endpoint: "https://as.example.com/token".into(),
            client_id: "c".into(),
            auth,
            scopes: vec![],
            include_scope: None,
            audience: None,
            resources: vec![],
            extra_body_params: vec![],
            extra_query_params: vec![],
            extra_headers: vec![],
            body_format: None,
            refresh: None,
            retry: None,
            max_response_bytes: None,
            dpop_key: None,
            assertion_audience: None,
            assertion_lifetime_ms: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            proactive_refresh: false,
            danger_accept_insecure_http: false,
            issuer: None,
            server_metadata_json: None,
        }
    }

    fn config(auth: ClientAuth) -> Result<Arc<ClientConfig>, CcauthError> {
        ClientConfig::new(ClientOptions {
            scopes: vec!["a".into(), "b".into()],
            audience: Some("https://api".into()),
            revocation_endpoint: Some("https://as.example.com/revoke".into()),
            proactive_refresh: true,
            ..options(auth)
        })
    }

    #[test]
    fn printed_options_show_no_secret() {
        let shown = format!(
            "{:?}",
            options(ClientAuth::ClientSecretPost {
                secret: ClientSecret::new("printed-secret-value".into()),
            })
        );
        assert!(
            shown.contains("as.example.com") && !shown.contains("printed-secret-value"),
            "{shown}"
        );
    }

    #[test]
    fn typed_options_build_the_config_the_document_describes() {
        let typed = config(ClientAuth::ClientSecretPost {
            secret: ClientSecret::new("typed-secret-value".into()),
        })
        .unwrap();
        let document = ccauth::ClientConfig::from_json(
            r#"{"token_endpoint":"https://as.example.com/token","client_id":"c","client_secret":"typed-secret-value",
                "auth_method":"client_secret_post","scopes":["a","b"],"audience":"https://api",
                "revocation_endpoint":"https://as.example.com/revoke","proactive_refresh":true}"#,
        )
        .unwrap();
        assert_eq!(format!("{:?}", typed.0), format!("{document:?}"));
        assert!(!format!("{typed:?}").contains("typed-secret-value"));
    }

    #[test]
    fn bad_options_fail_when_made_naming_the_option() {
        let short = config(ClientAuth::ClientSecretJwt {
            secret: ClientSecret::new("short".into()),
            alg: Some("HS512".into()),
        });
        let Err(CcauthError::Config { info }) = short else {
            panic!("a short HMAC secret must be refused")
        };
        assert_eq!(info.field.as_deref(), Some("client_secret"));
        let Err(CcauthError::Config { info }) = PrivateKey::parse("not a key".into(), None) else {
            panic!("garbage is not a key")
        };
        assert_eq!(info.field.as_deref(), Some("private_key"));
        let Err(CcauthError::Config { info }) = config(ClientAuth::ExternalAssertion {
            alg: Some("none".into()),
        }) else {
            panic!("alg none is refused")
        };
        assert_eq!(info.field.as_deref(), Some("client_assertion_alg"));
    }

    #[test]
    fn keys_print_their_algorithm_only() {
        let key = PrivateKey::generate_p256(vec![9; 32]).unwrap();
        assert_eq!(key.algorithm(), "ES256");
        let shown = format!("{key:?}");
        assert!(
            shown.contains("ES256") && shown.contains("REDACTED"),
            "{shown}"
        );
    }
}
