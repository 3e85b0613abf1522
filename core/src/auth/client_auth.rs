//! `ClientAuth`: how the client proves who it is, as one value — the method
//! with the credential it needs, so that a method without its credential
//! (`private_key_jwt` without a key, `client_secret_post` without a secret)
//! cannot be written.

use crate::auth::key::{JwsAlgorithm, PrivateKey};
use crate::auth::method::{BasicAuthEncoding, ClientAuthMethod};
use crate::secret::ClientSecret;

/// Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523,
/// RFC 8705). `Debug` shows the method, never the secret or the key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: id and secret in `Authorization: Basic`.
    ClientSecretBasic {
        /// The client secret.
        secret: ClientSecret,
        /// How id and secret are encoded (RFC 6749 form-urlencoding by default).
        encoding: BasicAuthEncoding,
    },
    /// `client_secret_post`: id and secret in the request body.
    ClientSecretPost {
        /// The client secret.
        secret: ClientSecret,
    },
    /// `client_secret_jwt`: an assertion signed with the secret (HMAC).
    ClientSecretJwt {
        /// The client secret (the HMAC key; sent nowhere).
        secret: ClientSecret,
        /// HS256, HS384 or HS512.
        alg: JwsAlgorithm,
    },
    /// `private_key_jwt`: an assertion the core signs with the client's key.
    PrivateKeyJwt {
        /// The private key; its algorithm is the assertion's `alg`.
        key: PrivateKey,
        /// The assertion's `kid` header, when the server holds several keys
        /// (default: the JWK's own `kid`, if any).
        key_id: Option<String>,
    },
    /// `private_key_jwt` with assertions minted elsewhere (workload
    /// identity): the host hands one in per request.
    ExternalAssertion {
        /// The assertions' algorithm, as the server expects it.
        alg: JwsAlgorithm,
    },
    /// `tls_client_auth`: the host's TLS layer presents the certificate.
    TlsClientAuth,
    /// `none`: a public client, identified by `client_id` alone.
    None,
}

impl ClientAuth {
    /// `client_secret_basic` with the standard encoding.
    pub fn client_secret_basic(secret: impl Into<ClientSecret>) -> Self {
        Self::ClientSecretBasic {
            secret: secret.into(),
            encoding: BasicAuthEncoding::FormUrlEncoded,
        }
    }

    /// The registered method name this value stands for.
    pub fn method(&self) -> ClientAuthMethod {
        match self {
            Self::ClientSecretBasic { .. } => ClientAuthMethod::ClientSecretBasic,
            Self::ClientSecretPost { .. } => ClientAuthMethod::ClientSecretPost,
            Self::ClientSecretJwt { .. } => ClientAuthMethod::ClientSecretJwt,
            Self::PrivateKeyJwt { .. } | Self::ExternalAssertion { .. } => {
                ClientAuthMethod::PrivateKeyJwt
            }
            Self::TlsClientAuth => ClientAuthMethod::TlsClientAuth,
            Self::None => ClientAuthMethod::None,
        }
    }
}
