//! Revocation (RFC 7009) and introspection (RFC 7662) through the lifecycle:
//! the endpoints, the client authentication and the signing randomness come
//! from the entry's config, so hosts never hold the secret-bearing config.

use crate::config::ClientConfig;
use crate::endpoints::introspection::{parse_introspection_response, Introspection};
use crate::endpoints::revocation::{
    parse_revocation_response, signed_in_core, token_admin_request, TokenTypeHint,
};
use crate::endpoints::token_request::{RequestContext, UnsignedRequest};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::http::{HttpRequest, HttpResponse};
use crate::lifecycle::decision::TokenKey;
use crate::lifecycle::events::InvalidationReason;
use crate::lifecycle::manager::TokenManager;

/// The error for an endpoint neither configured nor discovered.
fn not_set(field: &'static str) -> Error {
    ConfigError::new(
        ConfigErrorKind::InvalidParameter,
        field,
        "not set: configure it, or discover the issuer's metadata",
    )
    .into()
}

impl TokenManager {
    /// The revocation request for `token` (RFC 7009). The cached token is
    /// dropped if it is that token, so the next caller fetches a new one.
    /// With a host-signed `private_key_jwt` key, use
    /// [`prepare_revocation_request`](Self::prepare_revocation_request).
    pub fn revocation_request(
        &mut self,
        key: TokenKey,
        token: &str,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<HttpRequest, Error> {
        let unsigned = self.prepare_revocation_request(key, token, hint, now_ms)?;
        Ok(signed_in_core(unsigned, "revocation_endpoint")?)
    }

    /// The revocation request for `token`, its client assertion to sign when
    /// the key is host-signed ([`UnsignedRequest::finish`]). The cached token
    /// is dropped if it is that token.
    pub fn prepare_revocation_request(
        &mut self,
        key: TokenKey,
        token: &str,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<UnsignedRequest, Error> {
        let request = self.admin_request(
            key,
            now_ms,
            "revocation_endpoint",
            ClientConfig::revocation_endpoint,
            token,
            hint,
        )?;
        let _dropped = self.invalidate_for(key, token, None, InvalidationReason::Revoked);
        Ok(request)
    }

    /// Reads the revocation endpoint's answer: `Ok` for any 2xx.
    pub fn handle_revocation_response(
        &self,
        key: TokenKey,
        response: &HttpResponse,
        now_ms: u64,
    ) -> Result<(), Error> {
        let config = self.config(key).ok_or(Error::UnknownTokenKey)?;
        Ok(parse_revocation_response(config, response, now_ms)?)
    }

    /// The introspection request for `token` (RFC 7662). With a host-signed
    /// `private_key_jwt` key, use
    /// [`prepare_introspection_request`](Self::prepare_introspection_request).
    pub fn introspection_request(
        &mut self,
        key: TokenKey,
        token: &str,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<HttpRequest, Error> {
        let unsigned = self.prepare_introspection_request(key, token, hint, now_ms)?;
        Ok(signed_in_core(unsigned, "introspection_endpoint")?)
    }

    /// The introspection request for `token`, its client assertion to sign
    /// when the key is host-signed ([`UnsignedRequest::finish`]).
    pub fn prepare_introspection_request(
        &mut self,
        key: TokenKey,
        token: &str,
        hint: Option<TokenTypeHint>,
        now_ms: u64,
    ) -> Result<UnsignedRequest, Error> {
        self.admin_request(
            key,
            now_ms,
            "introspection_endpoint",
            ClientConfig::introspection_endpoint,
            token,
            hint,
        )
    }

    /// Reads the introspection endpoint's answer.
    pub fn handle_introspection_response(
        &self,
        key: TokenKey,
        response: &HttpResponse,
        now_ms: u64,
    ) -> Result<Introspection, Error> {
        let config = self.config(key).ok_or(Error::UnknownTokenKey)?;
        Ok(parse_introspection_response(config, response, now_ms)?)
    }

    /// A `token` request to the endpoint `endpoint` reads from the config
    /// (`field` names it when it is neither configured nor discovered),
    /// signed like the token requests: the config's client authentication,
    /// fresh randomness.
    fn admin_request(
        &mut self,
        key: TokenKey,
        now_ms: u64,
        field: &'static str,
        endpoint: fn(&ClientConfig) -> Option<&str>,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<UnsignedRequest, Error> {
        let entropy = self.next_entropy();
        let config = self.config(key).ok_or(Error::UnknownTokenKey)?;
        let context = RequestContext {
            now_ms,
            entropy,
            dpop_nonce: None,
        };
        let url = endpoint(config).ok_or_else(|| not_set(field))?;
        Ok(token_admin_request(
            config, url, field, token, hint, &context,
        )?)
    }
}
