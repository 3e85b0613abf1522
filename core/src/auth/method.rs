//! Client authentication methods (RFC 6749 §2.3, RFC 8705) and the Basic
//! credential encoding of RFC 6749 §2.3.1.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use zeroize::Zeroizing;

use crate::secret::{AuthorizationValue, ClientSecret};

/// How the client proves its identity at the token endpoint.
///
/// Names follow the IANA "OAuth Token Endpoint Authentication Methods"
/// registry. The method is a plain tag; credentials are set on the config
/// builder, so `client_secret_jwt` and `private_key_jwt` (RFC 7523) join as two
/// more tags, with their keys given beside the secret (the enum is
/// `#[non_exhaustive]` for that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (the RFC 6749 default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// Mutual TLS (RFC 8705): the host presents the certificate; the body carries `client_id`.
    TlsClientAuth,
    /// A public client: `client_id` in the body, no credential.
    None,
    /// A JWT signed with the client secret (HMAC), RFC 7523 §2.2.
    ClientSecretJwt,
    /// A JWT signed with the client's private key, RFC 7523 §2.2; or one
    /// minted elsewhere (workload identity) and handed in by the host.
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    /// The registered name, e.g. `client_secret_basic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::TlsClientAuth => "tls_client_auth",
            Self::None => "none",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Whether this method sends a client secret.
    pub fn uses_client_secret(self) -> bool {
        matches!(
            self,
            Self::ClientSecretBasic | Self::ClientSecretPost | Self::ClientSecretJwt
        )
    }

    /// Whether this method sends a signed client assertion.
    pub fn uses_client_assertion(self) -> bool {
        matches!(self, Self::ClientSecretJwt | Self::PrivateKeyJwt)
    }

    /// Whether `client_id` goes into the body (every method but Basic).
    pub(crate) fn sends_client_id_in_body(self) -> bool {
        !matches!(self, Self::ClientSecretBasic)
    }
}

impl fmt::Display for ClientAuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An auth method name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown client authentication method")]
pub struct UnknownAuthMethod;

impl FromStr for ClientAuthMethod {
    type Err = UnknownAuthMethod;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "client_secret_basic" => Ok(Self::ClientSecretBasic),
            "client_secret_post" => Ok(Self::ClientSecretPost),
            "tls_client_auth" => Ok(Self::TlsClientAuth),
            "none" => Ok(Self::None),
            "client_secret_jwt" => Ok(Self::ClientSecretJwt),
            "private_key_jwt" => Ok(Self::PrivateKeyJwt),
            _ => Err(UnknownAuthMethod),
        }
    }
}

/// How id and secret are turned into Basic credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasicAuthEncoding {
    /// RFC 6749 §2.3.1: form-urlencode id and secret, then Base64 `id:secret`.
    #[default]
    FormUrlEncoded,
    /// Base64 of the raw `id:secret`, for servers that do not decode (Cloud Foundry UAA, Epic Games).
    Raw,
}

/// The `Authorization` value for `client_secret_basic`.
pub(crate) fn basic_authorization(
    client_id: &str,
    secret: &ClientSecret,
    encoding: BasicAuthEncoding,
) -> AuthorizationValue {
    // The secret is needed here to build the one header that carries it.
    let secret = secret.expose_secret();
    let credentials = Zeroizing::new(match encoding {
        BasicAuthEncoding::FormUrlEncoded => {
            let mut joined = String::with_capacity(client_id.len() + secret.len() + 8);
            joined.extend(form_urlencoded::byte_serialize(client_id.as_bytes()));
            joined.push(':');
            joined.extend(form_urlencoded::byte_serialize(secret.as_bytes()));
            joined
        }
        BasicAuthEncoding::Raw => format!("{client_id}:{secret}"),
    });
    let mut value = String::with_capacity(6 + credentials.len() * 4 / 3 + 4);
    value.push_str("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(credentials.as_bytes(), &mut value);
    AuthorizationValue::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(header: &AuthorizationValue) -> String {
        let b64 = header.expose_secret().strip_prefix("Basic ").unwrap();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn rfc6749_encodes_before_base64() {
        let header = basic_authorization(
            "my client",
            &ClientSecret::new("a+b/c:d%e&f=g h\"ü"),
            BasicAuthEncoding::FormUrlEncoded,
        );
        assert_eq!(
            decode(&header),
            "my+client:a%2Bb%2Fc%3Ad%25e%26f%3Dg+h%22%C3%BC"
        );
    }

    #[test]
    fn raw_encoding_keeps_the_bytes() {
        let header = basic_authorization(
            "id",
            &ClientSecret::new("p@ss:w+rd"),
            BasicAuthEncoding::Raw,
        );
        assert_eq!(decode(&header), "id:p@ss:w+rd");
    }

    #[test]
    fn names_round_trip() {
        for method in [
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::ClientSecretPost,
            ClientAuthMethod::TlsClientAuth,
            ClientAuthMethod::None,
            ClientAuthMethod::ClientSecretJwt,
            ClientAuthMethod::PrivateKeyJwt,
        ] {
            assert_eq!(method.as_str().parse::<ClientAuthMethod>(), Ok(method));
        }
        assert!("private_key_jwt_typo".parse::<ClientAuthMethod>().is_err());
    }
}
