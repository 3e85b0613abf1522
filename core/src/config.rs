//! `ClientConfig`: everything needed to ask one token endpoint for tokens,
//! validated once, up front, so request building cannot fail later.

use std::fmt;

use crate::client_auth::{self, BasicAuthEncoding, ClientAuthMethod};
use crate::discovery::ServerMetadata;
use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::secret::{AuthorizationValue, ClientSecret};
use crate::signing_key::{JwsAlgorithm, PrivateKey};

/// How the token request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 specifies.
    #[default]
    Form,
    /// `application/json`, for the servers that take only that.
    Json,
}

/// When a cached token is refreshed.
///
/// The leeway before expiry scales with the token's lifetime:
/// `leeway = min(max(lifetime × leeway_percent / 100, min_leeway_ms), max_leeway_ms, lifetime / 2)`.
/// With the defaults a 24 h or 1 h token is refreshed 5 min early, a 60 s
/// token 30 s early (some APIs reject tokens within 30 s of expiry), a 10 s
/// token 5 s early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Smallest leeway, unless the token lives less than twice this.
    pub min_leeway_ms: u64,
    /// Largest leeway.
    pub max_leeway_ms: u64,
    /// Leeway as a share of the lifetime, 0 to 50.
    pub leeway_percent: u8,
    /// Lifetime assumed when the server states none (no `expires_in`, no JWT `exp`).
    pub default_lifetime_ms: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            min_leeway_ms: 30_000,
            max_leeway_ms: 300_000,
            leeway_percent: 10,
            default_lifetime_ms: 3_600_000,
        }
    }
}

impl RefreshPolicy {
    /// The leeway for a token that lives `lifetime_ms`.
    pub fn leeway_ms(&self, lifetime_ms: u64) -> u64 {
        let scaled = lifetime_ms / 100 * u64::from(self.leeway_percent)
            + lifetime_ms % 100 * u64::from(self.leeway_percent) / 100;
        scaled
            .max(self.min_leeway_ms)
            .min(self.max_leeway_ms)
            .min(lifetime_ms / 2)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |reason| Err(ConfigError::new(Kind::InvalidPolicy, "refresh", reason));
        if self.leeway_percent > 50 {
            return invalid("leeway_percent must be between 0 and 50");
        }
        if self.min_leeway_ms > self.max_leeway_ms {
            return invalid("min_leeway_ms must not exceed max_leeway_ms");
        }
        if self.default_lifetime_ms == 0 {
            return invalid("default_lifetime_ms must be positive");
        }
        Ok(())
    }
}

/// How often and how long a failed token request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3).
    pub max_attempts: u32,
    /// Longest total time spent waiting between attempts (default 60 s).
    pub max_wait_ms: u64,
    /// After a permanent failure (`invalid_client`, …), how long every ask
    /// gets that error before the next fetch is tried (default 30 s), so a
    /// fleet with a bad secret does not hammer the server.
    pub failure_cooldown_ms: u64,
    /// How long a fetch may stay unreported before another caller is given a
    /// new ticket (default 30 s); hosts should time out their requests sooner.
    pub attempt_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_wait_ms: 60_000,
            failure_cooldown_ms: 30_000,
            attempt_timeout_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.max_attempts == 0 || self.max_attempts > 20 {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "retry",
                "max_attempts must be between 1 and 20",
            ));
        }
        if self.attempt_timeout_ms == 0 {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "retry",
                "attempt_timeout_ms must be positive",
            ));
        }
        Ok(())
    }
}

/// Default limit on a token response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Body parameters the core sets itself; extra parameters may not overwrite them.
const RESERVED_BODY_PARAMS: &[&str] = &[
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
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

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
}

/// How client assertions are made (RFC 7523).
#[derive(Clone, Debug)]
pub(crate) struct AssertionConfig {
    pub(crate) alg: JwsAlgorithm,
    /// `None` for an assertion the host supplies per request.
    pub(crate) key: Option<PrivateKey>,
    pub(crate) key_id: Option<String>,
    pub(crate) audience: String,
    pub(crate) lifetime_ms: u64,
}

/// The default lifetime of a client assertion: short, since each is used once.
pub const DEFAULT_ASSERTION_LIFETIME_MS: u64 = 60_000;

impl ClientConfig {
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
            .field("request_url", &url_without_query(&self.request_url))
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
            .finish()
    }
}

/// The URL up to its path: query values may carry credentials.
pub(crate) fn url_without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

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
    private_key: Option<PrivateKey>,
    client_assertion_alg: Option<JwsAlgorithm>,
    external_client_assertion: bool,
    key_id: Option<String>,
    assertion_audience: Option<String>,
    assertion_lifetime_ms: u64,
    dpop_key: Option<PrivateKey>,
    auth_method_explicit: bool,
    metadata: Option<ServerMetadata>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("token_endpoint", &url_without_query(&self.token_endpoint))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .finish_non_exhaustive()
    }
}

impl ClientConfigBuilder {
    fn new(token_endpoint: String, client_id: String) -> Self {
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
            private_key: None,
            client_assertion_alg: None,
            external_client_assertion: false,
            key_id: None,
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
                client_auth::basic_authorization(&self.client_id, secret, self.basic_auth_encoding),
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
        })
    }

    fn apply_metadata(&mut self, metadata: &ServerMetadata) -> Result<(), ConfigError> {
        if self.token_endpoint.is_empty() {
            self.token_endpoint = metadata.token_endpoint.clone();
        }
        if self.assertion_audience.is_none() {
            self.assertion_audience = Some(metadata.issuer.clone());
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
            if self.private_key.is_some() {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "private_key",
                    "given, but the auth method is not private_key_jwt",
                ));
            }
            return Ok(None);
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
            None => url_without_query(request_url).to_owned(),
        };
        let (alg, key) = if method == ClientAuthMethod::ClientSecretJwt {
            let alg = self.client_assertion_alg.unwrap_or(JwsAlgorithm::Hs256);
            if let Some(secret) = &self.client_secret {
                // Read only to check its length against the algorithm.
                crate::signing_key::check_hmac_secret(alg, secret.expose_secret())?;
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
            audience,
            lifetime_ms: self.assertion_lifetime_ms,
        }))
    }
}

/// Checks the endpoint, enforces https (loopback and the explicit opt-in
/// excepted) and appends the extra query parameters.
fn validate_endpoint(
    endpoint: &str,
    extra_query: &[(String, String)],
    danger_accept_insecure_http: bool,
) -> Result<String, ConfigError> {
    const FIELD: &str = "token_endpoint";
    let invalid = |reason| ConfigError::new(Kind::InvalidTokenEndpoint, FIELD, reason);
    let url = crate::endpoint::parse(endpoint).map_err(invalid)?;
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
    Ok(crate::endpoint::with_query(endpoint, extra_query))
}

fn validate_client_id(
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

fn validate_client_secret(
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
fn validate_scope(scope: &str) -> Result<(), ConfigError> {
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
fn validate_resource(resource: &str) -> Result<(), ConfigError> {
    if !crate::endpoint::is_absolute_uri(resource) {
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

fn validate_param_name(name: &str, field: &'static str) -> Result<(), ConfigError> {
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
fn validate_header(name: &str, value: &str) -> Result<(), ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
