//! The sans-IO token steps on a config read once: a host that sends the
//! token request itself builds it and parses the answer with a
//! [`ClientConfig`], one call per step. The free functions in `lib.rs` read
//! a JSON config document on every call and hand back objects read field by
//! field; in Python each crossing costs microseconds, so these answer with
//! everything at once.

use std::fmt;
use std::sync::Arc;

use ccauth::Error;

use crate::types::owned_headers;
use crate::{
    config_from, context, response_from, AccessToken, CcauthError, ClientConfig, Header,
    SigningInput, TokenInfo, TokenRequest,
};

/// A token request as values. `headers` and `body` carry the client's
/// credentials: send them, never log them. It prints redacted (its `Debug`
/// and `Display` are exported, so `repr`, `toString` and `description` show
/// method and URL only).
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct TokenRequestParts {
    /// Always `POST`.
    pub method: String,
    /// The token endpoint URL with any extra query parameters.
    pub url: String,
    /// Headers in the order to send them.
    pub headers: Vec<Header>,
    /// The body bytes (form or JSON).
    pub body: Vec<u8>,
}

impl fmt::Debug for TokenRequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenRequestParts {{ method: {:?}, url: {:?}, headers: [REDACTED], body: [REDACTED] }}",
            self.method, self.url
        )
    }
}

impl fmt::Display for TokenRequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<&ccauth::HttpRequest> for TokenRequestParts {
    fn from(request: &ccauth::HttpRequest) -> Self {
        Self {
            method: request.method().to_owned(),
            url: request.url().to_owned(),
            headers: owned_headers(request.headers()),
            body: request.body().to_vec(),
        }
    }
}

#[uniffi::export]
impl TokenRequest {
    /// Method, URL, headers and body at once (one call instead of four).
    pub fn parts(&self) -> TokenRequestParts {
        TokenRequestParts::from(&self.0)
    }
}

/// A request whose JWTs the host signs (a host-signed key): sign each of
/// `signing_inputs()`, in order, then `finish`. Serves the token request and,
/// from `TokenLifecycle.prepare_revocation_request` /
/// `prepare_introspection_request`, the revocation and introspection
/// requests (their client assertion). Prints redacted.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct UnsignedTokenRequest(pub(crate) ccauth::UnsignedRequest);

#[uniffi::export]
impl UnsignedTokenRequest {
    /// What the host signs, client assertion first; empty when the core signed everything.
    pub fn signing_inputs(&self) -> Vec<SigningInput> {
        self.0
            .signing_inputs()
            .into_iter()
            .map(SigningInput::from)
            .collect()
    }

    /// The request with one signature per signing input, in order
    /// (`INVALID_SIGNATURE` when one does not fit its algorithm).
    pub fn finish(&self, signatures: Vec<Vec<u8>>) -> Result<TokenRequestParts, CcauthError> {
        self.0
            .clone()
            .finish(&signatures)
            .map(|r| TokenRequestParts::from(&r))
            .map_err(|e| CcauthError::from(Error::from(e)))
    }
}

/// A parsed token with its non-secret fields (one crossing instead of two).
#[derive(uniffi::Record)]
pub struct ParsedToken {
    /// The token (prints redacted).
    pub token: Arc<AccessToken>,
    /// Its non-secret fields.
    pub info: TokenInfo,
}

#[uniffi::export]
impl ClientConfig {
    /// Reads a config document (the shared vectors' `config` object, as
    /// JSON: docs/OPTIONS.md), once, for the sans-IO steps below.
    #[uniffi::constructor]
    pub fn from_document(config_json: String) -> Result<Arc<Self>, CcauthError> {
        Ok(Arc::new(Self(config_from(&config_json)?)))
    }

    /// The token request at `now_ms`, signing what the config asks for
    /// (client assertion, DPoP proof) with 32 bytes of host randomness.
    pub fn token_request(
        &self,
        now_ms: u64,
        entropy: Vec<u8>,
        dpop_nonce: Option<String>,
    ) -> Result<TokenRequestParts, CcauthError> {
        let context = context(now_ms, &entropy, dpop_nonce.as_deref())?;
        Ok(TokenRequestParts::from(&ccauth::build_token_request_at(
            &self.0, &context,
        )))
    }

    /// The token request at `now_ms` for every kind of key: what a
    /// host-signed key signs waits in the result (`signing_inputs`), the
    /// rest is signed here with 32 bytes of host randomness.
    pub fn prepare_token_request(
        &self,
        now_ms: u64,
        entropy: Vec<u8>,
        dpop_nonce: Option<String>,
    ) -> Result<Arc<UnsignedTokenRequest>, CcauthError> {
        let context = context(now_ms, &entropy, dpop_nonce.as_deref())?;
        Ok(Arc::new(UnsignedTokenRequest(
            ccauth::prepare_token_request(&self.0, &context),
        )))
    }

    /// Parses a token endpoint response received at `now_ms` (Unix ms).
    pub fn token_response(
        &self,
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> Result<ParsedToken, CcauthError> {
        let response = response_from(status, headers, body);
        let token = ccauth::parse_token_response(&self.0, &response, now_ms)
            .map_err(|e| CcauthError::from(Error::from(e)))?;
        let token = AccessToken(Arc::new(token));
        Ok(ParsedToken {
            info: token.info(),
            token: Arc::new(token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r#"{"token_endpoint":"https://as.example.com/token","client_id":"c",
        "client_secret":"parts-secret-value","scopes":["a"]}"#;

    #[test]
    fn the_parts_are_the_request_and_print_no_credential() {
        let config = ClientConfig::from_document(DOCUMENT.into()).unwrap();
        let parts = config.token_request(1_000, vec![7; 32], None).unwrap();
        let request = ccauth::build_token_request(&config.0).unwrap();
        assert_eq!(parts.method, request.method());
        assert_eq!(parts.url, request.url());
        assert_eq!(parts.body, request.body());
        assert_eq!(parts.headers.len(), request.headers().len());
        let again = TokenRequest(request).parts();
        assert_eq!(
            (again.url, again.body),
            (parts.url.clone(), parts.body.clone())
        );
        assert!(parts.headers.iter().any(|h| h.name == "Authorization"));
        let shown = format!("{parts:?} {parts}");
        assert!(shown.contains("https://as.example.com/token"), "{shown}");
        assert!(
            !shown.contains("Basic") && !shown.contains("parts-secret"),
            "{shown}"
        );
    }

    #[test]
    fn a_ticket_carries_its_request_and_prints_no_credential() {
        let lifecycle = crate::TokenLifecycle::new(DOCUMENT.into(), 1).unwrap();
        let crate::TokenDecision::Fetch { ticket } = lifecycle.poll(1_000) else {
            panic!("a cold lifecycle fetches");
        };
        assert_eq!(ticket.request.method, "POST");
        assert!(ticket
            .request
            .headers
            .iter()
            .any(|h| h.name == "Authorization"));
        assert!(!ticket.request.body.is_empty());
        let shown = format!("{ticket:?}");
        assert!(
            !shown.contains("Basic") && !shown.contains("parts-secret"),
            "{shown}"
        );
    }

    #[test]
    fn entropy_must_be_32_bytes_and_a_bad_document_is_a_config_error() {
        let config = ClientConfig::from_document(DOCUMENT.into()).unwrap();
        assert!(matches!(
            config.token_request(1, vec![1; 31], None),
            Err(CcauthError::Config { .. })
        ));
        assert!(matches!(
            ClientConfig::from_document("{}".into()),
            Err(CcauthError::Config { .. })
        ));
    }

    #[test]
    fn token_response_carries_the_token_and_its_fields() {
        let config = ClientConfig::from_document(DOCUMENT.into()).unwrap();
        let body = br#"{"access_token":"at-1","token_type":"Bearer","expires_in":60}"#.to_vec();
        let parsed = config
            .token_response(200, vec![], body.clone(), 10_000)
            .unwrap();
        assert_eq!(parsed.token.access_token(), "at-1");
        assert_eq!(parsed.info, parsed.token.info());
        assert_eq!(parsed.info.expires_at_ms, 70_000);
        let error =
            config.token_response(400, vec![], br#"{"error":"invalid_client"}"#.to_vec(), 1);
        assert!(matches!(error, Err(CcauthError::Response { .. })));
    }
}
