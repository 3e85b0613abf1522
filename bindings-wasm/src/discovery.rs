//! Discovery as the core's sans-IO sequence, with one metadata cache per
//! module instance (the core's TTL).

use std::cell::RefCell;

use ccauth::{DiscoveryStep, Error, MetadataCache};
use wasm_bindgen::prelude::*;

use crate::wire::{self, to_json, CoreError, CoreRequest};
use crate::{ms, response_from_lines, transport_error};

thread_local! {
    /// Every discovery of this module instance shares the cache.
    static CACHE: RefCell<MetadataCache> = RefCell::new(MetadataCache::default());
}

fn step_json(step: DiscoveryStep) -> String {
    let failed = |error: &Error| {
        to_json(&wire::DiscoveryStep::Failed {
            error: CoreError::new(error),
        })
    };
    match step {
        DiscoveryStep::Send(request) => to_json(&wire::DiscoveryStep::Send {
            request: CoreRequest::new(&request),
        }),
        DiscoveryStep::Done(metadata) => to_json(&wire::DiscoveryStep::Done {
            metadata: &metadata,
        }),
        DiscoveryStep::Failed(error) => failed(&error),
        other => failed(&Error::from(ccauth::TransportError::new(
            ccauth::TransportErrorKind::Other,
            &format!("unknown discovery step {other:?}"),
        ))),
    }
}

/// One issuer's discovery (RFC 8414, then OpenID Connect Discovery).
/// Steps are JSON: `{"step": "send", "request"}`, `{"step": "done",
/// "metadata"}` or `{"step": "failed", "error"}`.
#[wasm_bindgen]
pub struct Discovery(ccauth::Discovery);

#[wasm_bindgen]
impl Discovery {
    /// Discovery of `issuer`.
    #[wasm_bindgen(constructor)]
    pub fn new(issuer: &str, danger_accept_insecure_http: bool) -> Discovery {
        Self(ccauth::Discovery::new(issuer, danger_accept_insecure_http))
    }

    /// The cached metadata, or the first request.
    pub fn start(&mut self, now_ms: f64) -> String {
        step_json(CACHE.with(|cache| self.0.start(&cache.borrow(), ms(now_ms))))
    }

    /// Reads the answer to the last request (headers as for
    /// `TokenLifecycle.handleResponse`).
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        status: u16,
        headers: &str,
        body: Vec<u8>,
        now_ms: f64,
    ) -> String {
        let response = response_from_lines(status, headers, body);
        step_json(CACHE.with(|cache| {
            self.0
                .handle_response(&mut cache.borrow_mut(), &response, ms(now_ms))
        }))
    }

    /// The last request got no response.
    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(
        &mut self,
        kind: &str,
        message: &str,
        cause: Option<String>,
        request_sent: Option<bool>,
    ) -> String {
        let error = transport_error(kind, message, cause, request_sent);
        step_json(self.0.handle_transport_error(error))
    }
}
