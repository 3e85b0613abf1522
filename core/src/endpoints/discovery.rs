//! Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0):
//! from an issuer identifier to its token endpoint and supported methods.

use crate::config::{ClientConfig, ServerMetadata};
use crate::endpoints::token_response::{base_error, check_reply};
use crate::error::{ConfigError, ConfigErrorKind, ResponseError, ResponseErrorKind};
use crate::http::url;
use crate::http::HttpRequest;
use crate::http::{BodyKind, HttpResponse};

/// Which well-known document to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataKind {
    /// RFC 8414: `/.well-known/oauth-authorization-server` inserted before the issuer's path.
    OAuth,
    /// OpenID Connect Discovery: `/.well-known/openid-configuration` appended to the issuer.
    OpenId,
}

fn invalid_issuer(reason: &'static str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidParameter, "issuer", reason)
}

/// The metadata URL of `issuer` for `kind`.
pub fn metadata_url(issuer: &str, kind: MetadataKind) -> Result<String, ConfigError> {
    let parsed = url::parse(issuer).map_err(|_| invalid_issuer("not an absolute http(s) URL"))?;
    if issuer.contains(['?', '#']) {
        return Err(invalid_issuer(
            "an issuer has no query or fragment (RFC 8414 §2)",
        ));
    }
    let _ = parsed;
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    let path_start = issuer
        .get(after_scheme..)
        .and_then(|rest| rest.find('/'))
        .map_or(issuer.len(), |i| after_scheme + i);
    let (origin, path) = issuer.split_at(path_start);
    let path = path.trim_end_matches('/');
    Ok(match kind {
        MetadataKind::OAuth => format!("{origin}/.well-known/oauth-authorization-server{path}"),
        MetadataKind::OpenId => format!("{origin}{path}/.well-known/openid-configuration"),
    })
}

/// The GET request for `issuer`'s metadata. The https rule of token
/// endpoints applies (loopback excepted, or the explicit opt-in).
pub fn build_metadata_request(
    issuer: &str,
    kind: MetadataKind,
    danger_accept_insecure_http: bool,
) -> Result<HttpRequest, ConfigError> {
    let url = metadata_url(issuer, kind)?;
    let parsed = url::parse(&url).map_err(|_| invalid_issuer("not an absolute http(s) URL"))?;
    if parsed.scheme != "https" && !parsed.host.is_loopback() && !danger_accept_insecure_http {
        return Err(ConfigError::new(
            ConfigErrorKind::InsecureEndpoint,
            "issuer",
            "http is allowed only to loopback hosts or with danger_accept_insecure_http",
        ));
    }
    Ok(HttpRequest::get(
        url,
        vec![("Accept".to_owned(), "application/json".to_owned())],
    ))
}

/// Reads a metadata response for `issuer`: a JSON object whose `issuer` is
/// exactly `issuer` (RFC 8414 §3.3, against mix-up) with a `token_endpoint`.
pub fn parse_metadata_response(
    issuer: &str,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<ServerMetadata, ResponseError> {
    // Metadata is public; any config serves for the shared checks.
    let limits = ClientConfig::metadata_limits();
    let invalid = |kind| base_error(kind, response, BodyKind::Json, now_ms);
    let fields = check_reply(
        &limits,
        response,
        now_ms,
        Some(ResponseErrorKind::InvalidServerMetadata),
    )?
    .ok_or_else(|| invalid(ResponseErrorKind::InvalidServerMetadata))?;
    let metadata = ServerMetadata::from_object(&fields)
        .ok_or_else(|| invalid(ResponseErrorKind::InvalidServerMetadata))?;
    if metadata.issuer != issuer {
        return Err(invalid(ResponseErrorKind::IssuerMismatch));
    }
    Ok(metadata)
}

/// How long discovered metadata is reused before it is fetched again.
pub const DEFAULT_METADATA_TTL_MS: u64 = 3_600_000;

/// Discovered metadata by issuer, each kept for a TTL: the host asks
/// [`get`](Self::get) before fetching and [`insert`](Self::insert)s what it
/// fetched. Sans-IO like the rest: the host passes the time.
#[derive(Debug, Clone)]
pub struct MetadataCache {
    ttl_ms: u64,
    entries: Vec<(ServerMetadata, u64)>,
}

impl MetadataCache {
    /// A cache keeping each document `ttl_ms`.
    pub fn new(ttl_ms: u64) -> Self {
        Self {
            ttl_ms,
            entries: Vec::new(),
        }
    }

    /// The metadata of `issuer`, if fetched less than the TTL before `now_ms`.
    pub fn get(&self, issuer: &str, now_ms: u64) -> Option<&ServerMetadata> {
        self.entries
            .iter()
            .find(|(m, until)| m.issuer == issuer && now_ms < *until)
            .map(|(m, _)| m)
    }

    /// Keeps `metadata` (already checked against its issuer) from `now_ms`.
    pub fn insert(&mut self, metadata: ServerMetadata, now_ms: u64) {
        self.entries
            .retain(|(m, until)| m.issuer != metadata.issuer && now_ms < *until);
        self.entries
            .push((metadata, now_ms.saturating_add(self.ttl_ms)));
    }
}

impl Default for MetadataCache {
    fn default() -> Self {
        Self::new(DEFAULT_METADATA_TTL_MS)
    }
}

/// Discovery as a sans-IO sequence: the metadata from the cache, or the
/// requests to get it (RFC 8414 first, then OpenID Connect Discovery when
/// that fails), each answer checked and the result cached.
///
/// ```
/// # use ccauth::{Discovery, DiscoveryStep, HttpResponse, MetadataCache};
/// let mut cache = MetadataCache::default();
/// let mut discovery = Discovery::new("https://as.example.com", false);
/// let DiscoveryStep::Send(request) = discovery.start(&cache, 0) else { unreachable!() };
/// assert_eq!(request.url(), "https://as.example.com/.well-known/oauth-authorization-server");
/// let reply = HttpResponse::new(404, vec![], "");
/// let DiscoveryStep::Send(request) = discovery.handle_response(&mut cache, &reply, 0) else { unreachable!() };
/// assert_eq!(request.url(), "https://as.example.com/.well-known/openid-configuration");
/// ```
#[derive(Debug, Clone)]
pub struct Discovery {
    issuer: String,
    danger_accept_insecure_http: bool,
    /// The kind of the request in flight, if any.
    asking: Option<MetadataKind>,
}

/// What a [`Discovery`] needs next.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "a step is a request to send or the result"]
pub enum DiscoveryStep {
    /// Send this GET and report the answer.
    Send(HttpRequest),
    /// The issuer's metadata, checked (and cached).
    Done(ServerMetadata),
    /// No metadata: the last answer's error (or the issuer's).
    Failed(crate::error::Error),
}

impl Discovery {
    /// Discovery of `issuer`'s metadata.
    pub fn new(issuer: impl Into<String>, danger_accept_insecure_http: bool) -> Self {
        Self {
            issuer: issuer.into(),
            danger_accept_insecure_http,
            asking: None,
        }
    }

    /// The metadata cached at `now_ms`, or the first request.
    pub fn start(&mut self, cache: &MetadataCache, now_ms: u64) -> DiscoveryStep {
        if let Some(metadata) = cache.get(&self.issuer, now_ms) {
            return DiscoveryStep::Done(metadata.clone());
        }
        self.ask(MetadataKind::OAuth)
    }

    fn ask(&mut self, kind: MetadataKind) -> DiscoveryStep {
        self.asking = Some(kind);
        match build_metadata_request(&self.issuer, kind, self.danger_accept_insecure_http) {
            Ok(request) => DiscoveryStep::Send(request),
            Err(error) => DiscoveryStep::Failed(error.into()),
        }
    }

    /// Reads the answer to the last request: the metadata (cached from
    /// `now_ms`), the next request to try, or the error.
    pub fn handle_response(
        &mut self,
        cache: &mut MetadataCache,
        response: &HttpResponse,
        now_ms: u64,
    ) -> DiscoveryStep {
        match parse_metadata_response(&self.issuer, response, now_ms) {
            Ok(metadata) => {
                cache.insert(metadata.clone(), now_ms);
                DiscoveryStep::Done(metadata)
            }
            Err(_) if self.asking == Some(MetadataKind::OAuth) => self.ask(MetadataKind::OpenId),
            Err(error) => DiscoveryStep::Failed(error.into()),
        }
    }

    /// Reports that the last request got no response: discovery fails with it.
    pub fn handle_transport_error(&mut self, error: crate::error::TransportError) -> DiscoveryStep {
        self.asking = None;
        DiscoveryStep::Failed(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_metadata_for_its_ttl_only() {
        let metadata = ServerMetadata::from_json(
            "https://as.example",
            r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t"}"#,
        )
        .unwrap();
        let mut cache = MetadataCache::new(1_000);
        assert!(cache.get("https://as.example", 0).is_none());
        cache.insert(metadata, 10);
        assert!(cache.get("https://as.example", 1_009).is_some());
        assert!(cache.get("https://as.example", 1_010).is_none());
        assert!(cache.get("https://other.example", 500).is_none());
    }

    #[test]
    fn well_known_urls_follow_both_specs() {
        let oauth = |i| metadata_url(i, MetadataKind::OAuth).unwrap();
        let oidc = |i| metadata_url(i, MetadataKind::OpenId).unwrap();
        assert_eq!(
            oauth("https://as.example"),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            oauth("https://as.example/tenant/1"),
            "https://as.example/.well-known/oauth-authorization-server/tenant/1"
        );
        assert_eq!(
            oidc("https://as.example/tenant/1/"),
            "https://as.example/tenant/1/.well-known/openid-configuration"
        );
        assert!(metadata_url("https://as.example/?x=1", MetadataKind::OAuth).is_err());
    }
}

#[cfg(test)]
mod sequence_tests {
    use super::*;

    fn metadata(issuer: &str) -> HttpResponse {
        let body = format!(r#"{{"issuer":"{issuer}","token_endpoint":"{issuer}/token"}}"#);
        HttpResponse::new(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            body,
        )
    }

    #[test]
    fn falls_back_to_openid_then_caches() {
        let issuer = "https://as.example.com/tenant";
        let mut cache = MetadataCache::default();
        let mut d = Discovery::new(issuer, false);
        let DiscoveryStep::Send(first) = d.start(&cache, 0) else {
            panic!("asks")
        };
        assert_eq!(
            first.url(),
            "https://as.example.com/.well-known/oauth-authorization-server/tenant"
        );
        let not_found = HttpResponse::new(404, vec![], "");
        let DiscoveryStep::Send(second) = d.handle_response(&mut cache, &not_found, 0) else {
            panic!("falls back")
        };
        assert_eq!(
            second.url(),
            "https://as.example.com/tenant/.well-known/openid-configuration"
        );
        let DiscoveryStep::Done(m) = d.handle_response(&mut cache, &metadata(issuer), 0) else {
            panic!("done")
        };
        assert_eq!(m.token_endpoint, "https://as.example.com/tenant/token");
        // Cached for the TTL, asked again after it.
        assert!(matches!(
            Discovery::new(issuer, false).start(&cache, DEFAULT_METADATA_TTL_MS - 1),
            DiscoveryStep::Done(_)
        ));
        assert!(matches!(
            Discovery::new(issuer, false).start(&cache, DEFAULT_METADATA_TTL_MS),
            DiscoveryStep::Send(_)
        ));
    }

    #[test]
    fn fails_with_the_last_error_after_both_kinds() {
        let mut cache = MetadataCache::default();
        let mut d = Discovery::new("https://as.example.com", false);
        let _ = d.start(&cache, 0);
        let mixup = metadata("https://evil.example.com");
        assert!(matches!(
            d.handle_response(&mut cache, &mixup, 0),
            DiscoveryStep::Send(_)
        ));
        let DiscoveryStep::Failed(e) = d.handle_response(&mut cache, &mixup, 0) else {
            panic!("fails")
        };
        assert_eq!(e.code(), "ISSUER_MISMATCH");
        assert!(matches!(
            Discovery::new("http://as.example.com", false).start(&cache, 0),
            DiscoveryStep::Failed(_)
        ));
    }
}
