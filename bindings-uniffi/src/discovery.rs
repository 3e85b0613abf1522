//! Discovery as the core's sans-IO sequence, with one metadata cache per
//! process (the core's TTL): hosts send the requests it hands out.

use std::sync::{Arc, Mutex, OnceLock};

use ccauth::{Error, MetadataCache};

use crate::{response_from, transport_error, ErrorInfo, Header, TokenRequest, TransportKind};

/// Every discovery of this process shares the cache.
fn cache() -> &'static Mutex<MetadataCache> {
    static CACHE: OnceLock<Mutex<MetadataCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(MetadataCache::default()))
}

/// What a discovery needs next.
#[derive(uniffi::Enum)]
pub enum DiscoveryStep {
    /// Send this GET and report the answer.
    Send {
        /// The metadata request.
        request: Arc<TokenRequest>,
    },
    /// The metadata, checked: pass `metadata_json` and the issuer to the config.
    Done {
        /// The metadata members the client uses, as JSON.
        metadata_json: String,
    },
    /// No metadata.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
}

impl From<ccauth::DiscoveryStep> for DiscoveryStep {
    fn from(step: ccauth::DiscoveryStep) -> Self {
        match step {
            ccauth::DiscoveryStep::Send(request) => Self::Send {
                request: Arc::new(TokenRequest(request)),
            },
            ccauth::DiscoveryStep::Done(metadata) => Self::Done {
                metadata_json: metadata.to_json(),
            },
            ccauth::DiscoveryStep::Failed(error) => Self::Failed {
                error: ErrorInfo::from(&error),
            },
            other => Self::Failed {
                error: ErrorInfo::from(&Error::from(ccauth::TransportError::new(
                    ccauth::TransportErrorKind::Other,
                    &format!("unknown discovery step {other:?}"),
                ))),
            },
        }
    }
}

/// One issuer's discovery: RFC 8414 metadata, then OpenID Connect
/// Discovery when that fails; cached per process for the core's TTL.
#[derive(uniffi::Object)]
pub struct Discovery(Mutex<ccauth::Discovery>);

impl Discovery {
    fn lock(&self) -> std::sync::MutexGuard<'_, ccauth::Discovery> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl Discovery {
    /// Discovery of `issuer`.
    #[uniffi::constructor]
    pub fn new(issuer: String, danger_accept_insecure_http: bool) -> Arc<Self> {
        Arc::new(Self(Mutex::new(ccauth::Discovery::new(
            issuer,
            danger_accept_insecure_http,
        ))))
    }

    /// The cached metadata, or the first request.
    pub fn start(&self, now_ms: u64) -> DiscoveryStep {
        let cache = cache().lock().unwrap_or_else(|p| p.into_inner());
        self.lock().start(&cache, now_ms).into()
    }

    /// Reads the answer to the last request.
    pub fn handle_response(
        &self,
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> DiscoveryStep {
        let response = response_from(status, headers, body);
        let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
        self.lock()
            .handle_response(&mut cache, &response, now_ms)
            .into()
    }

    /// The last request got no response.
    pub fn handle_transport_error(
        &self,
        kind: TransportKind,
        message: String,
        cause: Option<String>,
        request_sent: Option<bool>,
    ) -> DiscoveryStep {
        let error = transport_error(kind, &message, cause, request_sent);
        self.lock().handle_transport_error(error).into()
    }
}
