//! `ClientConfigBuilder`: options in, a validated [`ClientConfig`] out; the
//! discovered metadata is applied here (auth method and algorithm negotiation).

use std::fmt;

use super::validate::{
    validate_client_id, validate_client_secret, validate_endpoint, validate_header,
    validate_other_endpoint, validate_param_name, validate_resource, validate_scope,
    RESERVED_BODY_PARAMS,
};
use super::{BodyFormat, ClientConfig, RefreshPolicy, RetryPolicy, ServerMetadata};
use super::{DEFAULT_ASSERTION_LIFETIME_MS, DEFAULT_MAX_RESPONSE_BYTES};
use crate::auth::assertion::AssertionConfig;
use crate::auth::client_auth::ClientAuth;
use crate::auth::key::{JwsAlgorithm, PrivateKey};
use crate::auth::method::{self, BasicAuthEncoding, ClientAuthMethod};
use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::http::url::without_query;
use crate::secret::ClientSecret;

/// Builds a [`ClientConfig`]; [`build`](Self::build) validates everything.
#[derive(Clone)]
pub struct ClientConfigBuilder {
    token_endpoint: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    auth_method: ClientAuthMethod,
    basic_auth_encoding: BasicAuthEncoding,
    scopes: Vec<String>,
    include_scope: bool,
    audience: Option<String>,
    resources: Vec<String>,
    extra_body_params: Vec<(String, String)>,
    extra_query_params: Vec<(String, String)>,
    extra_headers: Vec<(String, String)>,
    body_format: BodyFormat,
    refresh: RefreshPolicy,
    retry: RetryPolicy,
    max_response_bytes: usize,
    danger_accept_insecure_http: bool,
    revocation_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    proactive_refresh: bool,
    private_key: Option<PrivateKey>,
    client_assertion_alg: Option<JwsAlgorithm>,
    external_client_assertion: bool,
    key_id: Option<String>,
    certificate: Option<Vec<u8>>,
    assertion_audience: Option<String>,
    assertion_lifetime_ms: u64,
    dpop_key: Option<PrivateKey>,
    auth_method_explicit: bool,
    metadata: Option<ServerMetadata>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("token_endpoint", &without_query(&self.token_endpoint))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .finish_non_exhaustive()
    }
}

impl ClientConfigBuilder {
    pub(super) fn new(token_endpoint: String, client_id: String) -> Self {
        Self {
            token_endpoint,
            client_id,
            client_secret: None,
            auth_method: ClientAuthMethod::default(),
            basic_auth_encoding: BasicAuthEncoding::default(),
            scopes: Vec::new(),
            include_scope: true,
            audience: None,
            resources: Vec::new(),
            extra_body_params: Vec::new(),
            extra_query_params: Vec::new(),
            extra_headers: Vec::new(),
            body_format: BodyFormat::default(),
            refresh: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            danger_accept_insecure_http: false,
            revocation_endpoint: None,
            introspection_endpoint: None,
            proactive_refresh: false,
            private_key: None,
            client_assertion_alg: None,
            external_client_assertion: false,
            key_id: None,
            certificate: None,
            assertion_audience: None,
            assertion_lifetime_ms: DEFAULT_ASSERTION_LIFETIME_MS,
            dpop_key: None,
            auth_method_explicit: false,
            metadata: None,
        }
    }

    /// Takes what discovery found (RFC 8414): the token endpoint when none
    /// was given, the auth method when none was set (the first the server
    /// supports of those the credentials allow), the assertion `alg` for
    /// `client_secret_jwt`, and the issuer as the assertions' `aud`.
    pub fn server_metadata(mut self, metadata: ServerMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Whether a `private_key` was set (for the config document's checks).
    pub(crate) fn has_private_key(&self) -> bool {
        self.private_key.is_some()
    }

    /// Whether a `dpop_key` was set.
    pub(crate) fn has_dpop_key(&self) -> bool {
        self.dpop_key.is_some()
    }

    /// The private key for `private_key_jwt` (see [`PrivateKey::parse`]).
    pub fn private_key(mut self, key: PrivateKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The assertion's `alg` for `client_secret_jwt` (default HS256); for
    /// `private_key_jwt` the key's own algorithm is used.
    pub fn client_assertion_alg(mut self, alg: JwsAlgorithm) -> Self {
        self.client_assertion_alg = Some(alg);
        self
    }

    /// `private_key_jwt` with an assertion minted elsewhere (a Kubernetes
    /// service-account token, a cloud federated credential): the host hands
    /// it in for each token request ([`crate::add_client_assertion`]).
    pub fn external_client_assertion(mut self, external: bool) -> Self {
        self.external_client_assertion = external;
        self
    }

    /// The X.509 certificate (DER) of the `private_key_jwt` key, for servers
    /// that identify the key by it (Microsoft Entra ID): its SHA-256
    /// thumbprint goes in the assertion's `x5t#S256` header and is its `kid`
    /// unless `key_id` is set.
    pub fn certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.certificate = Some(der.into());
        self
    }

    /// The `kid` header of the client assertions.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// The assertion's `aud` (default: the token endpoint URL; the issuer
    /// identifier is the other value servers accept).
    pub fn assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.assertion_audience = Some(audience.into());
        self
    }

    /// How long each client assertion is valid (`exp - iat`), 1 s to 5 min.
    pub fn assertion_lifetime_ms(mut self, lifetime_ms: u64) -> Self {
        self.assertion_lifetime_ms = lifetime_ms;
        self
    }

    /// Sender-constrains tokens with DPoP (RFC 9449), proving with `key`.
    pub fn dpop_key(mut self, key: PrivateKey) -> Self {
        self.dpop_key = Some(key);
        self
    }

    /// The client secret (for `client_secret_basic` and `client_secret_post`).
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Client authentication as one value: the method with its credential.
    /// Replaces whatever `client_secret`, `auth_method`, `private_key`,
    /// `key_id`, `client_assertion_alg`, `basic_auth_encoding` and
    /// `external_client_assertion` set before (assertion audience and
    /// lifetime are kept).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth_method_explicit = true;
        self.auth_method = auth.method();
        self.client_secret = None;
        self.private_key = None;
        self.key_id = None;
        self.client_assertion_alg = None;
        self.external_client_assertion = false;
        self.basic_auth_encoding = BasicAuthEncoding::default();
        match auth {
            ClientAuth::ClientSecretBasic { secret, encoding } => {
                self.client_secret = Some(secret);
                self.basic_auth_encoding = encoding;
            }
            ClientAuth::ClientSecretPost { secret } => self.client_secret = Some(secret),
            ClientAuth::ClientSecretJwt { secret, alg } => {
                self.client_secret = Some(secret);
                self.client_assertion_alg = Some(alg);
            }
            ClientAuth::PrivateKeyJwt { key, key_id } => {
                self.private_key = Some(key);
                self.key_id = key_id;
            }
            ClientAuth::ExternalAssertion { alg } => {
                self.external_client_assertion = true;
                self.client_assertion_alg = Some(alg);
            }
            ClientAuth::TlsClientAuth | ClientAuth::None => {}
        }
        self
    }

    /// The client authentication method (default `client_secret_basic`).
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method_explicit = true;
        self.auth_method = method;
        self
    }

    /// How Basic credentials are encoded (default: form-urlencoded first, per RFC 6749 §2.3.1).
    pub fn basic_auth_encoding(mut self, encoding: BasicAuthEncoding) -> Self {
        self.basic_auth_encoding = encoding;
        self
    }

    /// Adds one scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds several scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// `false` leaves `scope` out of the request even when scopes are set (default `true`).
    pub fn include_scope(mut self, include: bool) -> Self {
        self.include_scope = include;
        self
    }

    /// The `audience` parameter (Auth0 and others).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Adds a `resource` indicator (RFC 8707), an absolute URI.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds a body parameter sent after the standard ones.
    pub fn extra_body_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_body_params.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter to the token URL (after any query it already has).
    pub fn extra_query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_query_params.push((name.into(), value.into()));
        self
    }

    /// Adds a request header; an `Accept` header replaces the default one.
    pub fn extra_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// The body format (default form-urlencoded).
    pub fn body_format(mut self, format: BodyFormat) -> Self {
        self.body_format = format;
        self
    }

    /// When to refresh.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.refresh = policy;
        self
    }

    /// How to retry.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest reply body accepted (default 1 MiB; at least 1). Drivers stop
    /// reading at this + 1 bytes.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows plain `http` to a non-loopback token endpoint. Sends the client
    /// credentials in clear text: for closed test networks only.
    pub fn danger_accept_insecure_http(mut self, accept: bool) -> Self {
        self.danger_accept_insecure_http = accept;
        self
    }

    /// The revocation endpoint (RFC 7009); discovery fills it in when unset.
    pub fn revocation_endpoint(mut self, url: impl Into<String>) -> Self {
        self.revocation_endpoint = Some(url.into());
        self
    }

    /// The introspection endpoint (RFC 7662); discovery fills it in when unset.
    pub fn introspection_endpoint(mut self, url: impl Into<String>) -> Self {
        self.introspection_endpoint = Some(url.into());
        self
    }

    /// Asks the host to refresh on a timer at the refresh time, so that an
    /// idle service's next call never waits for a fetch (see
    /// [`TokenManager::proactive_refresh_at`](crate::TokenManager::proactive_refresh_at)).
    pub fn proactive_refresh(mut self, proactive: bool) -> Self {
        self.proactive_refresh = proactive;
        self
    }

    /// Validates everything and returns the configuration.
    pub fn build(mut self) -> Result<ClientConfig, ConfigError> {
        if let Some(metadata) = self.metadata.take() {
            self.apply_metadata(&metadata)?;
        }
        let request_url = validate_endpoint(
            &self.token_endpoint,
            &self.extra_query_params,
            self.danger_accept_insecure_http,
        )?;
        for (url, field) in [
            (&self.revocation_endpoint, "revocation_endpoint"),
            (&self.introspection_endpoint, "introspection_endpoint"),
        ] {
            if let Some(url) = url {
                validate_other_endpoint(url, field, self.danger_accept_insecure_http)?;
            }
        }
        validate_client_id(&self.client_id, self.auth_method, self.basic_auth_encoding)?;
        validate_client_secret(self.client_secret.as_ref(), self.auth_method)?;
        for (i, scope) in self.scopes.iter().enumerate() {
            validate_scope(scope).map_err(|e| e.at(i))?;
        }
        if let Some(audience) = &self.audience {
            if audience.is_empty() || audience.chars().any(char::is_control) {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "audience",
                    "must be non-empty without control characters",
                ));
            }
        }
        for (i, resource) in self.resources.iter().enumerate() {
            validate_resource(resource).map_err(|e| e.at(i))?;
        }
        for (i, (name, _)) in self.extra_body_params.iter().enumerate() {
            validate_param_name(name, "extra_body_params").map_err(|e| e.at(i))?;
            if RESERVED_BODY_PARAMS.contains(&name.as_str()) {
                return Err(ConfigError::new(
                    Kind::ReservedParameter,
                    "extra_body_params",
                    "names a parameter the client sets itself; use the dedicated option",
                )
                .at(i));
            }
        }
        let assertion = self.assertion_config(&request_url)?;
        let mut accept = String::from("application/json");
        let mut extra_headers = Vec::with_capacity(self.extra_headers.len());
        for (i, (name, value)) in self.extra_headers.into_iter().enumerate() {
            validate_header(&name, &value).map_err(|e| e.at(i))?;
            if name.eq_ignore_ascii_case("accept") {
                accept = value;
            } else {
                extra_headers.push((name, value));
            }
        }
        self.refresh.validate()?;
        self.retry.validate()?;
        if let Some(key) = &self.dpop_key {
            if key.algorithm().is_symmetric() {
                return Err(ConfigError::new(
                    Kind::InvalidKey,
                    "dpop_key",
                    "DPoP needs an asymmetric key",
                ));
            }
            if !key.has_public_jwk() {
                return Err(ConfigError::new(
                    Kind::InvalidKey,
                    "dpop_key",
                    "a host-signed DPoP key needs its public JWK (every proof carries it)",
                ));
            }
        }

        // A limit of 0 would refuse every reply: a mistake, not a policy.
        if self.max_response_bytes == 0 {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "max_response_bytes",
                "must be at least 1",
            ));
        }

        let basic_authorization = match (self.auth_method, &self.client_secret) {
            (ClientAuthMethod::ClientSecretBasic, Some(secret)) => Some(
                method::basic_authorization(&self.client_id, secret, self.basic_auth_encoding),
            ),
            _ => None,
        };
        let scope = (self.include_scope && !self.scopes.is_empty()).then(|| self.scopes.join(" "));
        Ok(ClientConfig {
            request_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            auth_method: self.auth_method,
            basic_authorization,
            scope,
            audience: self.audience,
            resources: self.resources,
            extra_body_params: self.extra_body_params,
            extra_headers,
            accept,
            body_format: self.body_format,
            refresh: self.refresh,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            assertion,
            dpop_key: self.dpop_key,
            danger_accept_insecure_http: self.danger_accept_insecure_http,
            revocation_endpoint: self.revocation_endpoint,
            introspection_endpoint: self.introspection_endpoint,
            proactive_refresh: self.proactive_refresh,
        })
    }

    fn apply_metadata(&mut self, metadata: &ServerMetadata) -> Result<(), ConfigError> {
        if self.token_endpoint.is_empty() {
            self.token_endpoint = metadata.token_endpoint.clone();
        }
        if self.assertion_audience.is_none() {
            self.assertion_audience = Some(metadata.issuer.clone());
        }
        if self.revocation_endpoint.is_none() {
            self.revocation_endpoint
                .clone_from(&metadata.revocation_endpoint);
        }
        if self.introspection_endpoint.is_none() {
            self.introspection_endpoint
                .clone_from(&metadata.introspection_endpoint);
        }
        if !self.auth_method_explicit {
            let candidates: &[ClientAuthMethod] =
                if self.private_key.is_some() || self.external_client_assertion {
                    &[ClientAuthMethod::PrivateKeyJwt]
                } else if self.client_secret.is_some() {
                    &[
                        ClientAuthMethod::ClientSecretBasic,
                        ClientAuthMethod::ClientSecretPost,
                        ClientAuthMethod::ClientSecretJwt,
                    ]
                } else {
                    &[ClientAuthMethod::TlsClientAuth, ClientAuthMethod::None]
                };
            self.auth_method = candidates
                .iter()
                .copied()
                .find(|m| metadata.supports_auth_method(m.as_str()))
                .ok_or_else(|| {
                    ConfigError::new(
                        Kind::InvalidParameter,
                        "auth_method",
                        "the server supports none of the auth methods these credentials allow",
                    )
                })?;
        }
        match self.auth_method {
            ClientAuthMethod::ClientSecretJwt if self.client_assertion_alg.is_none() => {
                let hmac = [
                    JwsAlgorithm::Hs256,
                    JwsAlgorithm::Hs384,
                    JwsAlgorithm::Hs512,
                ];
                if let Some(alg) = hmac
                    .into_iter()
                    .find(|a| metadata.supports_signing_alg(a.as_str()) != Some(false))
                {
                    self.client_assertion_alg = Some(alg);
                }
            }
            ClientAuthMethod::PrivateKeyJwt => {
                let alg = self
                    .private_key
                    .as_ref()
                    .map(PrivateKey::algorithm)
                    .or(self.client_assertion_alg);
                if let Some(alg) = alg {
                    if metadata.supports_signing_alg(alg.as_str()) == Some(false) {
                        return Err(ConfigError::new(
                            Kind::InvalidKey,
                            "private_key",
                            "the server does not accept this key's algorithm for client assertions",
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn assertion_config(&self, request_url: &str) -> Result<Option<AssertionConfig>, ConfigError> {
        let method = self.auth_method;
        if !method.uses_client_assertion() {
            if self.external_client_assertion {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "external_client_assertion",
                    "only with private_key_jwt",
                ));
            }
            if self.private_key.is_some() || self.certificate.is_some() {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    if self.private_key.is_some() {
                        "private_key"
                    } else {
                        "certificate"
                    },
                    "given, but the auth method is not private_key_jwt",
                ));
            }
            return Ok(None);
        }
        // A DER certificate is a SEQUENCE: anything else is a mistake (a PEM
        // not decoded, the key instead of the certificate).
        if self
            .certificate
            .as_ref()
            .is_some_and(|der| der.first() != Some(&0x30) || der.len() < 64)
        {
            return Err(ConfigError::new(
                Kind::InvalidKey,
                "certificate",
                "not a DER X.509 certificate",
            ));
        }
        if !(1_000..=300_000).contains(&self.assertion_lifetime_ms) {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "assertion_lifetime_ms",
                "must be between 1 s and 5 min",
            ));
        }
        if let Some(kid) = &self.key_id {
            if kid.is_empty() || kid.chars().any(char::is_control) {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "key_id",
                    "must be non-empty without control characters",
                ));
            }
        }
        let audience = match &self.assertion_audience {
            Some(aud) if aud.is_empty() || aud.chars().any(char::is_control) => {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "assertion_audience",
                    "must be non-empty without control characters",
                ));
            }
            Some(aud) => aud.clone(),
            None => without_query(request_url).to_owned(),
        };
        let (alg, key) = if method == ClientAuthMethod::ClientSecretJwt {
            let alg = self.client_assertion_alg.unwrap_or(JwsAlgorithm::Hs256);
            if let Some(secret) = &self.client_secret {
                // Read only to check its length against the algorithm.
                crate::auth::key::check_hmac_secret(alg, secret.expose_secret())?;
            }
            (alg, None)
        } else if self.external_client_assertion {
            if self.private_key.is_some() {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "private_key",
                    "given with external_client_assertion: the host supplies the assertion",
                ));
            }
            (
                self.client_assertion_alg.unwrap_or(JwsAlgorithm::Rs256),
                None,
            )
        } else {
            let key = self.private_key.clone().ok_or_else(|| {
                ConfigError::new(
                    Kind::InvalidKey,
                    "private_key",
                    "private_key_jwt needs a private key (or external_client_assertion)",
                )
            })?;
            if let Some(alg) = self.client_assertion_alg {
                if alg != key.algorithm() {
                    return Err(ConfigError::new(
                        Kind::InvalidKey,
                        "client_assertion_alg",
                        "differs from the private key's algorithm",
                    ));
                }
            }
            (key.algorithm(), Some(key))
        };
        Ok(Some(AssertionConfig {
            alg,
            key,
            key_id: self.key_id.clone(),
            x5t_s256: self
                .certificate
                .as_deref()
                .map(crate::auth::assertion::certificate_thumbprint),
            audience,
            lifetime_ms: self.assertion_lifetime_ms,
        }))
    }
}
