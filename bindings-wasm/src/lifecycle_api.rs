//! The lifecycle's API-call side, revocation, introspection and the
//! proactive refresh timer, for the TypeScript driver.

use ccauth::{ApiAnswer, ApiVerdict, Error, TokenTypeHint};
use wasm_bindgen::prelude::*;

use crate::wire::{
    self, to_json, ApiHeaders, CoreRequest, HeaderMap, IntrospectionFields, PreparedRequest,
    SigningInput,
};
use crate::{ms, outcome_json, response_from_lines, throw, transport_error, TokenLifecycle};

fn hint(hint: Option<String>) -> Option<TokenTypeHint> {
    match hint.as_deref() {
        Some("access_token") => Some(TokenTypeHint::AccessToken),
        Some("refresh_token") => Some(TokenTypeHint::RefreshToken),
        _ => None,
    }
}

#[wasm_bindgen]
impl TokenLifecycle {
    /// The headers for an API call with the token `accessToken` of type
    /// `tokenType`, as JSON: `{"headers": {"Authorization": …, "DPoP"?: …},
    /// "reusable", "report_statuses", "report_headers"}` (see the core's
    /// `ApiHeaders::reusable` and `API_ANSWER_STATUSES`).
    #[wasm_bindgen(js_name = apiHeaders)]
    pub fn api_headers(
        &mut self,
        access_token: &str,
        token_type: &str,
        method: &str,
        url: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let headers = self
            .manager
            .api_headers_for(self.key, access_token, token_type, method, url, ms(now_ms))
            .map_err(|e| throw(&e))?;
        Ok(to_json(&ApiHeaders {
            headers: HeaderMap(headers.pairs()),
            dpop_to_sign: headers.dpop_to_sign.as_ref().map(SigningInput::new),
            reusable: headers.reusable(),
            report_statuses: ccauth::API_ANSWER_STATUSES,
            report_headers: ccauth::API_ANSWER_HEADERS,
        }))
    }

    /// The `DPoP` header value from the host's `signature` over an
    /// `apiHeaders` answer's `dpop_to_sign.input`.
    #[wasm_bindgen(js_name = dpopProofWithSignature)]
    pub fn dpop_proof_with_signature(
        &self,
        signing_input: &str,
        signature: &[u8],
    ) -> Result<String, JsValue> {
        self.manager
            .dpop_proof_with_signature(self.key, signing_input, signature)
            // The host asked for the proof to send.
            .map(|proof| proof.expose_secret().to_owned())
            .map_err(|e| throw(&e))
    }

    /// Ticket `ticket`'s request (JSON) with the host's signatures of its
    /// `signing_inputs`, in order (`first`, `second`), and the client
    /// assertion it `needs_client_assertion`. A signature that does not fit
    /// fails the fetch and throws.
    #[wasm_bindgen(js_name = completeRequest)]
    pub fn complete_request(
        &mut self,
        ticket: f64,
        first: Option<Vec<u8>>,
        second: Option<Vec<u8>>,
        client_assertion: Option<String>,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let signatures: Vec<Vec<u8>> = first.into_iter().chain(second).collect();
        self.manager
            .complete_request(
                ms(ticket).into(),
                &signatures,
                client_assertion.as_deref(),
                ms(now_ms),
            )
            .map(|request| to_json(&CoreRequest::new(&request)))
            .map_err(|e| throw(&e))
    }

    /// The host's signer failed for ticket `ticket`: one report.
    #[wasm_bindgen(js_name = signerFailed)]
    pub fn signer_failed(&mut self, ticket: f64, message: &str, now_ms: f64) -> String {
        outcome_json(
            self.manager
                .signer_failed(ms(ticket).into(), message, ms(now_ms)),
        )
    }

    /// Takes a new config document for the same cache entry (the same
    /// endpoint, client, scopes, audience, resources): how the host hands in
    /// keys it resolved after construction (a WebCrypto key's public half).
    pub fn reconfigure(&mut self, config_json: &str) -> Result<(), JsValue> {
        let config = crate::config_from(config_json)?;
        let key = self.manager.register(config);
        if key == self.key {
            Ok(())
        } else {
            Err(throw(&ccauth::Error::from(ccauth::ConfigError::invalid_parameter(
                "config",
                "a reconfigured client keeps its endpoint, client, scopes, audience and resources",
            ))))
        }
    }

    /// Reads an API's answer to a call made with `accessToken`:
    /// `"done"`, `"retry_with_nonce"` or `"retry_with_new_token"`.
    #[wasm_bindgen(js_name = apiResponse)]
    pub fn api_response(
        &mut self,
        access_token: &str,
        url: &str,
        status: u16,
        www_authenticate: Option<String>,
        dpop_nonce: Option<String>,
        nonce_retried: bool,
    ) -> String {
        let answer = ApiAnswer {
            status,
            www_authenticate: www_authenticate.as_deref(),
            dpop_nonce: dpop_nonce.as_deref(),
        };
        match self
            .manager
            .api_response(self.key, access_token, url, answer, nonce_retried)
        {
            ApiVerdict::RetryWithNonce => wire::ApiVerdict::RetryWithNonce,
            ApiVerdict::RetryWithNewToken => wire::ApiVerdict::RetryWithNewToken,
            _ => wire::ApiVerdict::Done,
        }
        .as_str()
        .to_owned()
    }

    /// When a host with `proactive_refresh` should poll next (Unix ms), or undefined.
    #[wasm_bindgen(js_name = proactiveRefreshAt)]
    pub fn proactive_refresh_at(&self) -> Option<f64> {
        self.manager
            .proactive_refresh_at(self.key)
            .map(|t| t as f64)
    }

    /// The lifecycle events since the last drain, oldest first: a JSON array
    /// of the core's event objects (snake_case, absent fields left out).
    /// Without events, `[]` at once (nothing serialized).
    #[wasm_bindgen(js_name = drainEvents)]
    pub fn drain_events(&mut self) -> String {
        if !self.manager.has_events() {
            return "[]".to_owned();
        }
        to_json(&self.manager.drain_events())
    }

    /// Drops the events not drained (a host with no listener), unread.
    #[wasm_bindgen(js_name = clearEvents)]
    pub fn clear_events(&mut self) {
        let _dropped = self.manager.drain_events();
    }

    /// Whether to record events at all (off: none is built; those waiting go).
    #[wasm_bindgen(js_name = recordEvents)]
    pub fn record_events(&mut self, on: bool) {
        self.manager.record_events(on);
    }

    /// Whether events wait to be drained.
    #[wasm_bindgen(js_name = hasEvents)]
    pub fn has_events(&self) -> bool {
        self.manager.has_events()
    }

    /// The entry's counters and state, as the core's `TokenStats` JSON.
    pub fn stats(&self) -> String {
        self.manager
            .stats(self.key)
            .map(|stats| stats.to_json())
            .unwrap_or_else(|| "{}".to_owned())
    }

    /// Ends a cool-down or a retry's backoff: the next caller fetches at
    /// once. Whether there was one to end.
    #[wasm_bindgen(js_name = resetFailure)]
    pub fn reset_failure(&mut self, now_ms: f64) -> bool {
        self.manager.reset_failure(self.key, ms(now_ms))
    }

    /// The end of the cool-down the last failure is served from (Unix ms), or undefined.
    #[wasm_bindgen(js_name = cooldownUntilMs)]
    pub fn cooldown_until_ms(&self) -> Option<f64> {
        self.manager.cooldown_until_ms(self.key).map(|t| t as f64)
    }

    /// The client assertion source failed for ticket `ticket`: one report.
    #[wasm_bindgen(js_name = assertionSourceFailed)]
    pub fn assertion_source_failed(&mut self, ticket: f64, message: &str, now_ms: f64) -> String {
        outcome_json(
            self.manager
                .assertion_source_failed(ms(ticket).into(), message, ms(now_ms)),
        )
    }

    /// The revocation request for `token`, at the configured or discovered
    /// endpoint, with its client assertion to sign for a host-signed key;
    /// the cached token is dropped if it is that one.
    #[wasm_bindgen(js_name = revocationRequest)]
    pub fn revocation_request(
        &mut self,
        token: &str,
        token_type_hint: Option<String>,
        now_ms: f64,
    ) -> Result<AdminRequest, JsValue> {
        self.manager
            .prepare_revocation_request(self.key, token, hint(token_type_hint), ms(now_ms))
            .map(AdminRequest)
            .map_err(|e| throw(&e))
    }

    /// Reads the revocation answer (headers as for `handleResponse`); throws when it is not a 2xx.
    #[wasm_bindgen(js_name = handleRevocationResponse)]
    pub fn handle_revocation_response(
        &self,
        status: u16,
        headers: &str,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let response = response_from_lines(status, headers, body);
        self.manager
            .handle_revocation_response(self.key, &response, ms(now_ms))
            .map_err(|e| throw(&e))
    }

    /// The introspection request for `token`, with its client assertion to
    /// sign for a host-signed key.
    #[wasm_bindgen(js_name = introspectionRequest)]
    pub fn introspection_request(
        &mut self,
        token: &str,
        token_type_hint: Option<String>,
        now_ms: f64,
    ) -> Result<AdminRequest, JsValue> {
        self.manager
            .prepare_introspection_request(self.key, token, hint(token_type_hint), ms(now_ms))
            .map(AdminRequest)
            .map_err(|e| throw(&e))
    }

    /// Reads the introspection answer (headers as for `handleResponse`): its
    /// members as JSON (with a boolean `active`).
    #[wasm_bindgen(js_name = handleIntrospectionResponse)]
    pub fn handle_introspection_response(
        &self,
        status: u16,
        headers: &str,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let response = response_from_lines(status, headers, body);
        self.manager
            .handle_introspection_response(self.key, &response, ms(now_ms))
            .map(|i| to_json(&IntrospectionFields(i.fields())))
            .map_err(|e| throw(&e))
    }

    /// The error (as thrown JSON) for a revocation or introspection request
    /// that got no response, worded and bounded by the core.
    #[wasm_bindgen(js_name = adminTransportError)]
    pub fn admin_transport_error(
        &self,
        kind: &str,
        message: &str,
        cause: Option<String>,
        request_sent: Option<bool>,
    ) -> JsValue {
        throw(&Error::from(transport_error(
            kind,
            message,
            cause,
            request_sent,
        )))
    }
}

/// A revocation or introspection request, with the client assertion a
/// host-signed key signs (free it when done).
#[wasm_bindgen]
pub struct AdminRequest(ccauth::UnsignedRequest);

#[wasm_bindgen]
impl AdminRequest {
    /// `{"request", "signing_inputs"}`: the request, finished unless there
    /// is something to sign.
    pub fn prepared(&self) -> String {
        to_json(&PreparedRequest {
            request: CoreRequest::new(self.0.request()),
            signing_inputs: self
                .0
                .signing_inputs()
                .into_iter()
                .map(SigningInput::new)
                .collect(),
        })
    }

    /// The request (JSON) with the host's signature of its signing input.
    pub fn finish(&self, signature: Vec<u8>) -> Result<String, JsValue> {
        self.0
            .clone()
            .finish(&[signature])
            .map(|request| to_json(&CoreRequest::new(&request)))
            .map_err(|e| throw(&e.into()))
    }
}
