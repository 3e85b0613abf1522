//! The lifecycle's API-call side, revocation, introspection and the
//! proactive refresh timer: what drivers used to decide themselves.

use std::sync::Arc;

use ccauth::{ApiAnswer, Error, HttpRequest};

use crate::{
    response_from, transport_error, AccessToken, CcauthError, FetchOutcome, Header, SigningInput,
    TokenLifecycle, TokenRequest, TokenTypeHint, TransportKind, UnsignedTokenRequest,
};

/// The headers for one API call, and what the core needs to see of the answer.
#[derive(Debug, uniffi::Record)]
pub struct ApiHeaders {
    /// `Authorization`, and `DPoP` for a DPoP-bound token (credentials: do not log).
    pub headers: Vec<Header>,
    /// The same headers serve every call with this token (no per-call
    /// proof): keep them with the token and clear them with it.
    pub reusable: bool,
    /// Report an answer with one of these statuses to `api_response`…
    pub report_statuses: Vec<u16>,
    /// …or with one of these headers; any other answer changes nothing.
    pub report_headers: Vec<String>,
    /// With a host-signed DPoP key: the proof to sign. `headers` then lacks
    /// `DPoP`; the host signs `signing_input()` and adds `DPoP: proof(signature)`.
    pub dpop_to_sign: Option<Arc<UnsignedDpopProof>>,
}

/// A DPoP proof waiting for the host's signature (a host-signed DPoP key).
/// Holds no secret; the finished proof is a credential for its short life.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct UnsignedDpopProof(ccauth::SigningInput);

#[uniffi::export]
impl UnsignedDpopProof {
    /// What to sign, with which algorithm and key.
    pub fn signing_input(&self) -> SigningInput {
        SigningInput::from(&self.0)
    }

    /// The `DPoP` header value made with `signature` over the signing
    /// input (DER or `r || s` for ECDSA); `INVALID_SIGNATURE` when it does not fit.
    pub fn proof(&self, signature: Vec<u8>) -> Result<String, CcauthError> {
        let jws = self
            .0
            .to_jws(&signature)
            .map_err(|e| CcauthError::from(Error::from(e)))?;
        // The host sends the proof with its API call.
        Ok(jws.as_str().to_owned())
    }
}

/// What to do after an API answered a call made with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ApiVerdict {
    /// Keep the response.
    Done,
    /// Send the call again, once, with the same token and fresh headers
    /// (the API asked for its DPoP nonce).
    RetryWithNonce,
    /// The token was dropped: get a token and send the call again, once.
    RetryWithNewToken,
}

fn request(result: Result<HttpRequest, Error>) -> Result<Arc<TokenRequest>, CcauthError> {
    result
        .map(|r| Arc::new(TokenRequest(r)))
        .map_err(CcauthError::from)
}

fn unsigned(
    result: Result<ccauth::UnsignedRequest, Error>,
) -> Result<Arc<UnsignedTokenRequest>, CcauthError> {
    result
        .map(|r| Arc::new(UnsignedTokenRequest(r)))
        .map_err(CcauthError::from)
}

#[uniffi::export]
impl TokenLifecycle {
    /// The headers for an API call with `token`: `Authorization`, and `DPoP`
    /// (a fresh proof for `method` and `url`) when the token is DPoP-bound.
    pub fn api_headers(
        &self,
        token: Arc<AccessToken>,
        method: String,
        url: String,
        now_ms: u64,
    ) -> Result<ApiHeaders, CcauthError> {
        let (manager, key) = &mut *self.lock();
        let mut headers = manager.api_headers(*key, &token.0, &method, &url, now_ms)?;
        let dpop_to_sign = headers
            .dpop_to_sign
            .take()
            .map(|input| Arc::new(UnsignedDpopProof(input)));
        Ok(ApiHeaders {
            reusable: headers.reusable() && dpop_to_sign.is_none(),
            dpop_to_sign,
            headers: headers
                .pairs()
                .into_iter()
                .map(|(name, value)| Header {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })
                .collect(),
            report_statuses: ccauth::API_ANSWER_STATUSES.to_vec(),
            report_headers: ccauth::API_ANSWER_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
        })
    }

    /// Reads an API's answer to a call made with `access_token`: keeps its
    /// `DPoP-Nonce`, and says whether to send the call again (pass
    /// `nonce_retried` once a nonce retry was made).
    pub fn api_response(
        &self,
        access_token: String,
        url: String,
        status: u16,
        www_authenticate: Option<String>,
        dpop_nonce: Option<String>,
        nonce_retried: bool,
    ) -> ApiVerdict {
        let (manager, key) = &mut *self.lock();
        let answer = ApiAnswer {
            status,
            www_authenticate: www_authenticate.as_deref(),
            dpop_nonce: dpop_nonce.as_deref(),
        };
        match manager.api_response(*key, &access_token, &url, answer, nonce_retried) {
            ccauth::ApiVerdict::RetryWithNonce => ApiVerdict::RetryWithNonce,
            ccauth::ApiVerdict::RetryWithNewToken => ApiVerdict::RetryWithNewToken,
            _ => ApiVerdict::Done,
        }
    }

    /// When a host with `proactive_refresh` should poll next (Unix ms), so the
    /// refresh starts before any caller asks; `None`: no timer now.
    pub fn proactive_refresh_at(&self) -> Option<u64> {
        let (manager, key) = &*self.lock();
        manager.proactive_refresh_at(*key)
    }

    /// The client assertion source failed for ticket `ticket_id`: one report,
    /// retried like a network failure.
    pub fn assertion_source_failed(
        &self,
        ticket_id: u64,
        message: String,
        now_ms: u64,
    ) -> FetchOutcome {
        let (manager, _) = &mut *self.lock();
        manager
            .assertion_source_failed(ticket_id.into(), &message, now_ms)
            .into()
    }

    /// The revocation request for `token` (RFC 7009) at the configured or
    /// discovered endpoint; the cached token is dropped if it is that one.
    /// A host-signed `private_key_jwt` key: `INVALID_PARAMETER`, use
    /// `prepare_revocation_request`.
    pub fn revocation_request(
        &self,
        token: String,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<Arc<TokenRequest>, CcauthError> {
        let (manager, key) = &mut *self.lock();
        request(manager.revocation_request(*key, &token, hint.map(Into::into), now_ms))
    }

    /// The revocation request for every kind of key: with a host-signed
    /// `private_key_jwt` key its client assertion waits in the result
    /// (`signing_inputs`, then `finish`); otherwise `finish(vec![])`. The
    /// cached token is dropped if it is that one.
    pub fn prepare_revocation_request(
        &self,
        token: String,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<Arc<UnsignedTokenRequest>, CcauthError> {
        let (manager, key) = &mut *self.lock();
        unsigned(manager.prepare_revocation_request(*key, &token, hint.map(Into::into), now_ms))
    }

    /// Reads the revocation endpoint's answer (any 2xx is success).
    pub fn handle_revocation_response(
        &self,
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> Result<(), CcauthError> {
        let response = response_from(status, headers, body);
        let (manager, key) = &*self.lock();
        Ok(manager.handle_revocation_response(*key, &response, now_ms)?)
    }

    /// The introspection request for `token` (RFC 7662). A host-signed
    /// `private_key_jwt` key: `INVALID_PARAMETER`, use
    /// `prepare_introspection_request`.
    pub fn introspection_request(
        &self,
        token: String,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<Arc<TokenRequest>, CcauthError> {
        let (manager, key) = &mut *self.lock();
        request(manager.introspection_request(*key, &token, hint.map(Into::into), now_ms))
    }

    /// The introspection request for every kind of key: with a host-signed
    /// `private_key_jwt` key its client assertion waits in the result
    /// (`signing_inputs`, then `finish`); otherwise `finish(vec![])`.
    pub fn prepare_introspection_request(
        &self,
        token: String,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<Arc<UnsignedTokenRequest>, CcauthError> {
        let (manager, key) = &mut *self.lock();
        unsigned(manager.prepare_introspection_request(*key, &token, hint.map(Into::into), now_ms))
    }

    /// Reads the introspection answer: its members as a JSON object (with a boolean `active`).
    pub fn handle_introspection_response(
        &self,
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> Result<String, CcauthError> {
        let response = response_from(status, headers, body);
        let (manager, key) = &*self.lock();
        let introspection = manager.handle_introspection_response(*key, &response, now_ms)?;
        Ok(serde_json::Value::Object(introspection.fields().clone()).to_string())
    }

    /// Reports that a revocation or introspection request got no response;
    /// returns the error to raise (worded and bounded by the core).
    pub fn admin_transport_error(
        &self,
        kind: TransportKind,
        message: String,
        cause: Option<String>,
        request_sent: Option<bool>,
    ) -> CcauthError {
        Error::from(transport_error(kind, &message, cause, request_sent)).into()
    }
}
