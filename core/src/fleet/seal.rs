//! Entries sealed at rest: AES-256-GCM under a key derived with HKDF-SHA256
//! from the client's credential (its secret, or its private key) and an
//! optional key of the user's. A process without them learns nothing from
//! the store, and a changed, truncated or foreign entry fails to open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use crate::config::ClientConfig;
use crate::error::{ConfigError, ConfigErrorKind};

/// The first bytes of every entry: format version 1.
const MAGIC: &[u8; 4] = b"ccf1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Why a stored entry was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// Shorter than any sealed entry, or not of this format.
    Truncated,
    /// Did not authenticate: changed, or sealed under another credential.
    Tampered,
}

impl Rejected {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::Tampered => "tampered_or_foreign",
        }
    }
}

/// The sealing key of one cache entry.
pub(crate) struct SealKey(Zeroizing<[u8; 32]>);

impl SealKey {
    /// Derives the key for `config`'s entry `cache_key`. A config with no
    /// secret the core holds (a host-signed key, an external assertion,
    /// `none`, mTLS) needs `user_key`; one with DPoP cannot share (a DPoP
    /// token is bound to one process's key).
    pub(crate) fn derive(
        config: &ClientConfig,
        cache_key: &str,
        user_key: Option<&[u8]>,
    ) -> Result<Self, ConfigError> {
        if config.dpop_key.is_some() {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidKey,
                "store",
                "a DPoP-bound token is bound to one process's key: a fleet store cannot share it",
            ));
        }
        let secret_digest = config
            .assertion
            .as_ref()
            .and_then(|a| a.key.as_ref())
            .and_then(|k| k.secret_digest());
        let mut credential: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
        if let Some(secret) = &config.client_secret {
            credential.extend_from_slice(secret.expose_secret().as_bytes());
        } else if let Some(digest) = secret_digest {
            credential.extend_from_slice(&digest);
        }
        let user_key = user_key.filter(|k| !k.is_empty());
        if credential.is_empty() && user_key.is_none() {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidKey,
                "store_key",
                "this client holds no secret to seal store entries with: give a store key",
            ));
        }
        let user_key = user_key.unwrap_or_default();
        if !user_key.is_empty() && user_key.len() < 16 {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidKey,
                "store_key",
                "a store key must have at least 16 bytes",
            ));
        }
        let mut ikm: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
        for part in [credential.as_slice(), user_key] {
            ikm.extend_from_slice(&(part.len() as u64).to_be_bytes());
            ikm.extend_from_slice(part);
        }
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"ccauth fleet store v1"), &ikm);
        let mut key = Zeroizing::new([0u8; 32]);
        hk.expand(cache_key.as_bytes(), key.as_mut_slice())
            .map_err(|_| {
                ConfigError::new(
                    ConfigErrorKind::InvalidKey,
                    "store_key",
                    "key derivation failed",
                )
            })?;
        Ok(Self(key))
    }

    /// `plaintext` sealed for the store key `name` (bound to it: an entry
    /// copied to another key does not open).
    pub(crate) fn seal(&self, name: &str, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let cipher = Aes256Gcm::new(self.0.as_slice().into());
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: name.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of an entry read from `name`.
    pub(crate) fn open(&self, name: &str, entry: &[u8]) -> Result<Zeroizing<Vec<u8>>, Rejected> {
        let rest = entry
            .strip_prefix(MAGIC.as_slice())
            .ok_or(Rejected::Truncated)?;
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(Rejected::Truncated);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new(self.0.as_slice().into());
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: name.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Rejected::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> ClientConfig {
        ClientConfig::builder("https://as.example.com/token", "c")
            .client_secret(secret)
            .build()
            .unwrap()
    }

    #[test]
    fn entries_open_only_under_the_same_credential_key_and_name() {
        let key = SealKey::derive(&config("secret-one"), "ck", None).unwrap();
        let sealed = key.seal("ccauth:{a}:token", b"document", [7; 12]);
        assert_eq!(
            key.open("ccauth:{a}:token", &sealed).unwrap().as_slice(),
            b"document"
        );
        // Another name, another secret, another user key, another cache key.
        assert_eq!(
            key.open("ccauth:{b}:token", &sealed),
            Err(Rejected::Tampered)
        );
        let other = SealKey::derive(&config("secret-two"), "ck", None).unwrap();
        assert_eq!(
            other.open("ccauth:{a}:token", &sealed),
            Err(Rejected::Tampered)
        );
        let user = SealKey::derive(&config("secret-one"), "ck", Some(&[1; 32])).unwrap();
        assert_eq!(
            user.open("ccauth:{a}:token", &sealed),
            Err(Rejected::Tampered)
        );
        let cache = SealKey::derive(&config("secret-one"), "ck2", None).unwrap();
        assert_eq!(
            cache.open("ccauth:{a}:token", &sealed),
            Err(Rejected::Tampered)
        );
        // Every flipped byte and every truncation is refused.
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 1;
            assert!(key.open("ccauth:{a}:token", &changed).is_err(), "byte {i}");
            assert!(
                key.open("ccauth:{a}:token", &sealed[..i]).is_err(),
                "length {i}"
            );
        }
        // The plaintext is not in the entry.
        assert!(!sealed.windows(8).any(|w| w == b"document"));
    }

    #[test]
    fn a_client_without_a_held_secret_needs_a_store_key_and_dpop_cannot_share() {
        let none = ClientConfig::builder("https://as.example.com/token", "c")
            .auth_method(crate::auth::method::ClientAuthMethod::None)
            .build()
            .unwrap();
        let e = SealKey::derive(&none, "ck", None).err().unwrap();
        assert_eq!(e.field(), "store_key");
        assert!(SealKey::derive(&none, "ck", Some(&[9; 32])).is_ok());
        assert!(SealKey::derive(&none, "ck", Some(&[9; 8])).is_err());
    }
}
