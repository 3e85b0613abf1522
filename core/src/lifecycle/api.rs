//! The API-call side of the lifecycle: the headers for a call with the
//! token (`Authorization`, and a DPoP proof for a DPoP-bound token), and what
//! the API's answer means: a nonce to retry with, a token to drop and replace.

use crate::auth::jws::{Jws, SigningInput, SigningPurpose};
use crate::error::{ConfigError, Error};
use crate::http::challenge::parse_www_authenticate;
use crate::lifecycle::decision::TokenKey;
use crate::lifecycle::events::InvalidationReason;
use crate::lifecycle::manager::{condemns, TokenManager};
use crate::secret::{AuthorizationValue, DpopProof};
use crate::token::{authorization_value, AccessToken};

/// The headers for one API call with a token.
#[derive(Debug, Clone)]
pub struct ApiHeaders {
    /// `Authorization`: `Bearer <token>` or `DPoP <token>`.
    pub authorization: AuthorizationValue,
    /// `DPoP`: a fresh proof for this method and URL, for a DPoP-bound token.
    pub dpop: Option<DpopProof>,
    /// The proof to sign instead, with a host-signed DPoP key: the host
    /// signs it and [`with_dpop_signature`](Self::with_dpop_signature) adds it.
    pub dpop_to_sign: Option<SigningInput>,
}

/// The statuses whose answer [`TokenManager::api_response`] must read; for
/// any other, with no [`API_ANSWER_HEADERS`] header, it answers `Done` and
/// changes nothing, so hosts may skip the call.
pub const API_ANSWER_STATUSES: &[u16] = &[401];

/// The headers that make an answer worth reporting whatever its status.
pub const API_ANSWER_HEADERS: &[&str] = &["DPoP-Nonce"];

impl ApiHeaders {
    /// Whether the same headers serve every call with this token (no DPoP
    /// proof, which is made per call): hosts may keep them with the token.
    pub fn reusable(&self) -> bool {
        self.dpop.is_none() && self.dpop_to_sign.is_none()
    }

    /// These headers with the DPoP proof made from the host's `signature`
    /// over [`dpop_to_sign`](Self::dpop_to_sign) (DER or `r || s` for ECDSA).
    pub fn with_dpop_signature(mut self, signature: &[u8]) -> Result<Self, ConfigError> {
        let input = self.dpop_to_sign.take().ok_or_else(|| {
            ConfigError::new(
                crate::error::ConfigErrorKind::InvalidSignature,
                "signature",
                "these headers have no proof to sign",
            )
        })?;
        self.dpop = Some(DpopProof::new(input.to_jws(signature)?.as_str()));
        Ok(self)
    }

    /// As `(name, value)` pairs, in the order to send them. Values are credentials.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        // Exposed: these are the headers the host sends.
        let mut pairs = vec![("Authorization", self.authorization.expose_secret())];
        if let Some(proof) = &self.dpop {
            pairs.push(("DPoP", proof.expose_secret()));
        }
        pairs
    }
}

/// What an API answered, as far as the token is concerned.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiAnswer<'a> {
    /// The status code.
    pub status: u16,
    /// The `WWW-Authenticate` header (several joined with `, `).
    pub www_authenticate: Option<&'a str>,
    /// The `DPoP-Nonce` header.
    pub dpop_nonce: Option<&'a str>,
}

/// What to do after an API answered a call made with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "the verdict says whether to send the call again"]
pub enum ApiVerdict {
    /// Keep the response.
    Done,
    /// The API wants its DPoP nonce in the proof (RFC 9449 §9): send the call
    /// again, once, with the same token and fresh headers.
    RetryWithNonce,
    /// The token was rejected and dropped: get a token and send the call again, once.
    RetryWithNewToken,
}

impl TokenManager {
    /// The headers for an API call with `token` (from this manager): its
    /// `Authorization` and, when it is DPoP-bound, a fresh proof for `method`
    /// and `url` with the token's hash and the API's last nonce.
    pub fn api_headers(
        &mut self,
        key: TokenKey,
        token: &AccessToken,
        method: &str,
        url: &str,
        now_ms: u64,
    ) -> Result<ApiHeaders, Error> {
        // Read to put in the headers, the one place the token goes.
        let value = token.value().expose_secret();
        self.api_headers_for(key, value, token.token_type(), method, url, now_ms)
    }

    /// [`api_headers`](Self::api_headers) for a host that keeps the token
    /// as its value and `token_type` (the wasm binding).
    pub fn api_headers_for(
        &mut self,
        key: TokenKey,
        access_token: &str,
        token_type: &str,
        method: &str,
        url: &str,
        now_ms: u64,
    ) -> Result<ApiHeaders, Error> {
        let authorization = authorization_value(token_type, access_token);
        let (dpop, dpop_to_sign) = if token_type.eq_ignore_ascii_case("dpop") {
            // Hashed into the proof's `ath`.
            match self.dpop_jws(key, access_token, method, url, now_ms)? {
                Some(Jws::Signed(proof)) => (Some(DpopProof::new(proof.as_str())), None),
                Some(Jws::ToSign(input)) => (None, Some(input)),
                None => (None, None),
            }
        } else {
            (None, None)
        };
        Ok(ApiHeaders {
            authorization,
            dpop,
            dpop_to_sign,
        })
    }

    /// Reads an API's answer to a call made with `access_token`: keeps a
    /// `DPoP-Nonce` it sent, and on a 401 decides between a retry with that
    /// nonce (`use_dpop_nonce`, unless `nonce_retried` already), a retry with
    /// a new token (`invalid_token`, or no error code: the token is dropped if
    /// it is the cached one; one this entry already dropped or replaced — many
    /// calls in flight with it — is retried too), or keeping the response
    /// (`insufficient_scope` and other errors: a new token would not help; a
    /// token this entry never held).
    pub fn api_response(
        &mut self,
        key: TokenKey,
        access_token: &str,
        url: &str,
        answer: ApiAnswer<'_>,
        nonce_retried: bool,
    ) -> ApiVerdict {
        let ApiAnswer {
            status,
            www_authenticate,
            dpop_nonce,
        } = answer;
        let nonce_taken = dpop_nonce.is_some_and(|n| self.api_nonces.remember(url, n));
        if status != 401 {
            return ApiVerdict::Done;
        }
        let wants_nonce = www_authenticate.is_some_and(|header| {
            parse_www_authenticate([header])
                .iter()
                .any(|c| c.param("error") == Some("use_dpop_nonce"))
        });
        if wants_nonce && nonce_taken && !nonce_retried {
            return ApiVerdict::RetryWithNonce;
        }
        // The cached token is dropped; a token dropped or replaced before
        // (a call still in flight with it) is simply sent again with the
        // current one. A token this entry never held is not ours to judge.
        let dropped = self.invalidate_for(
            key,
            access_token,
            www_authenticate,
            InvalidationReason::Api401,
        );
        if dropped || (condemns(www_authenticate) && self.is_retired(key, access_token)) {
            ApiVerdict::RetryWithNewToken
        } else {
            ApiVerdict::Done
        }
    }

    /// The `DPoP` header for an API call with `access_token` (RFC 9449 §7): a
    /// proof for `method` `url` at `now_ms` carrying the token's hash (`ath`)
    /// and the resource server's last nonce. `None` when the config does not use DPoP.
    /// The token goes in `Authorization: DPoP <token>`
    /// ([`AccessToken::authorization_header`]). A host-signed key's proof
    /// comes from [`api_headers`](Self::api_headers) (`dpop_to_sign`).
    pub fn dpop_proof(
        &mut self,
        key: TokenKey,
        access_token: &str,
        method: &str,
        url: &str,
        now_ms: u64,
    ) -> Result<Option<crate::secret::DpopProof>, Error> {
        match self.dpop_jws(key, access_token, method, url, now_ms)? {
            Some(Jws::Signed(proof)) => Ok(Some(DpopProof::new(proof.as_str()))),
            Some(Jws::ToSign(_)) => Err(ConfigError::invalid_parameter(
                "dpop_key",
                "a host-signed key: its proofs come from api_headers (dpop_to_sign)",
            )
            .into()),
            None => Ok(None),
        }
    }

    /// The DPoP proof from a host's `signature` over `signing_input`, the
    /// text of an [`ApiHeaders::dpop_to_sign`] this manager made for `key`
    /// (for hosts that hand the input across a boundary as text).
    pub fn dpop_proof_with_signature(
        &self,
        key: TokenKey,
        signing_input: &str,
        signature: &[u8],
    ) -> Result<DpopProof, Error> {
        let config = self.config(key).ok_or(Error::UnknownTokenKey)?;
        let dpop_key = config.dpop_key.as_ref().ok_or_else(|| {
            ConfigError::invalid_parameter("dpop_key", "this config has no DPoP key")
        })?;
        let input = SigningInput::for_key(SigningPurpose::DpopProof, dpop_key, signing_input);
        Ok(DpopProof::new(input.to_jws(signature)?.as_str()))
    }

    fn dpop_jws(
        &mut self,
        key: TokenKey,
        access_token: &str,
        method: &str,
        url: &str,
        now_ms: u64,
    ) -> Result<Option<Jws>, Error> {
        let entropy = self.next_entropy();
        let config = self.config(key).ok_or(Error::UnknownTokenKey)?;
        let Some(dpop_key) = &config.dpop_key else {
            return Ok(None);
        };
        let nonce = self.api_nonces.get(url);
        // The token is hashed into `ath`; it is not copied anywhere.
        Ok(Some(crate::auth::dpop::proof(
            dpop_key,
            method,
            url,
            now_ms,
            nonce,
            Some(access_token),
            &entropy,
        )))
    }

    /// Remembers the `DPoP-Nonce` a resource server at `url` sent (on any
    /// response, including a 401 `use_dpop_nonce`), for its next proofs.
    /// Returns whether it was taken (a malformed nonce is ignored).
    pub fn remember_dpop_nonce(&mut self, url: &str, nonce: &str) -> bool {
        self.api_nonces.remember(url, nonce)
    }
}

#[cfg(all(test, feature = "es256"))]
mod tests {
    use super::*;
    use crate::auth::key::PrivateKey;
    use crate::config::ClientConfig;
    use crate::http::HttpResponse;
    use crate::lifecycle::decision::{FetchOutcome, TokenDecision};

    const T0: u64 = 1_700_000_000_000;

    fn manager_with_token(dpop: bool, token_type: &str) -> (TokenManager, TokenKey) {
        let mut b = ClientConfig::builder("https://as.example.com/token", "c").client_secret("s");
        if dpop {
            b = b.dpop_key(PrivateKey::generate_p256(&[5; 32]).unwrap());
        }
        let (mut m, key) = TokenManager::with_config(b.build().unwrap(), 1);
        let TokenDecision::Fetch(ticket) = m.poll(key, T0).unwrap() else {
            panic!("first poll fetches")
        };
        let body =
            format!(r#"{{"access_token":"tok-1","token_type":"{token_type}","expires_in":60}}"#);
        let reply = HttpResponse::new(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            body,
        );
        assert!(matches!(
            m.handle_response(ticket.id(), &reply, T0),
            FetchOutcome::Token(_)
        ));
        (m, key)
    }

    #[test]
    fn bearer_tokens_get_authorization_only() {
        let (mut m, key) = manager_with_token(false, "bearer");
        let token = m.cached_token(key).unwrap();
        let headers = m
            .api_headers(key, &token, "GET", "https://api/x", T0)
            .unwrap();
        assert_eq!(headers.pairs(), vec![("Authorization", "Bearer tok-1")]);
    }

    #[test]
    fn dpop_tokens_get_a_proof_with_the_api_nonce() {
        let (mut m, key) = manager_with_token(true, "DPoP");
        let token = m.cached_token(key).unwrap();
        let url = "https://api.example.com/items?x=1";
        assert_eq!(
            m.api_response(
                key,
                "tok-1",
                url,
                ApiAnswer {
                    status: 401,
                    www_authenticate: Some(r#"DPoP error="use_dpop_nonce""#),
                    dpop_nonce: Some("n-1"),
                },
                false
            ),
            ApiVerdict::RetryWithNonce
        );
        let headers = m.api_headers(key, &token, "POST", url, T0).unwrap();
        let pairs = headers.pairs();
        assert_eq!(pairs.first(), Some(&("Authorization", "DPoP tok-1")));
        let (name, proof) = pairs.get(1).copied().unwrap();
        assert_eq!(name, "DPoP");
        let claims = proof.split('.').nth(1).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["nonce"], "n-1");
        assert!(claims["ath"].is_string());
        assert!(!format!("{headers:?}").contains("tok-1"));
    }
}
