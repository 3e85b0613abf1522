//! JWS signing keys and algorithms (RFC 7518, RFC 8037) for client
//! assertions and DPoP proofs.
//!
//! Two kinds of key. An in-core key is signed with by the RustCrypto crates
//! (`hmac`, `p256`, `p384`, `ed25519-dalek`, `rsa`; nothing here is
//! hand-rolled crypto), read from a JWK or a PEM (PKCS#8; PKCS#1 for RSA) and
//! checked against the algorithm when the config is built, so a wrong key
//! fails early with a config error, never at signing time. A host-signed key
//! ([`PrivateKey::host_signed`]) stays where it lives (WebCrypto, a key
//! store, a KMS): the core knows its algorithm and public half, and hands
//! the host each signing input to sign.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::secret::REDACTED;

/// A JWS `alg` this client signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// HMAC with SHA-256 (`client_secret_jwt`).
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 and a 32-byte salt.
    Ps256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

impl JwsAlgorithm {
    /// The registered name, e.g. `ES256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Whether this is an HMAC algorithm (keyed with the client secret).
    pub fn is_symmetric(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }

    /// Whether this build signs with it in the core (ES256, RSA, ES384 and
    /// EdDSA are cargo features); host-signed keys take every asymmetric one.
    // A match, not `matches!`: with every feature off the arms read `false`,
    // and clippy's suggestion would hide which feature each one needs.
    #[allow(clippy::match_like_matches_macro)]
    pub fn is_supported(self) -> bool {
        match self {
            Self::Rs256 | Self::Ps256 => cfg!(feature = "rsa"),
            Self::Es256 => cfg!(feature = "es256"),
            Self::Es384 => cfg!(feature = "es384"),
            Self::EdDsa => cfg!(feature = "eddsa"),
            _ => true,
        }
    }

    /// The smallest HMAC key RFC 7518 §3.2 allows: the hash's output size.
    fn min_hmac_key_len(self) -> usize {
        match self {
            Self::Hs384 => 48,
            Self::Hs512 => 64,
            _ => 32,
        }
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JwsAlgorithm {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Ok(match name {
            "HS256" => Self::Hs256,
            "HS384" => Self::Hs384,
            "HS512" => Self::Hs512,
            "RS256" => Self::Rs256,
            "PS256" => Self::Ps256,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "EdDSA" => Self::EdDsa,
            _ => return Err(()),
        })
    }
}

/// An asymmetric private key with its algorithm: a secret, redacted in
/// `Debug` and zeroized on drop (each crate's key type zeroizes itself).
#[derive(Clone)]
pub struct PrivateKey {
    alg: JwsAlgorithm,
    key: KeyMaterial,
    /// What is known of the key besides its material, behind one pointer
    /// (keeps `ClientAuth`'s variants close in size).
    about: std::sync::Arc<KeyAbout>,
}

struct KeyAbout {
    /// Computed once: deriving the public point costs a scalar multiplication,
    /// and every DPoP proof carries it.
    public_jwk: String,
    /// The JWK's own `kid`, the default `kid` of what this key signs.
    kid: Option<String>,
}

#[derive(Clone)]
enum KeyMaterial {
    /// The host signs: the core holds no key material.
    Host {
        /// An RSA key's modulus size in bytes, when its public half is known.
        modulus_len: Option<usize>,
    },
    #[cfg(feature = "rsa")]
    Rsa(Box<rsa::RsaPrivateKey>),
    #[cfg(feature = "es256")]
    P256(p256::ecdsa::SigningKey),
    #[cfg(feature = "es384")]
    P384(p384::ecdsa::SigningKey),
    #[cfg(feature = "eddsa")]
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host_signed() {
            write!(f, "PrivateKey({}, host-signed)", self.alg)
        } else {
            write!(f, "PrivateKey({}, {REDACTED})", self.alg)
        }
    }
}

fn key_error(field: &'static str, reason: &'static str) -> ConfigError {
    ConfigError::new(Kind::InvalidKey, field, reason)
}

impl PrivateKey {
    /// Reads `text` (a JWK object or a PEM) as a key for `alg`; `alg` may be
    /// left to the JWK's `alg` or the key type (RSA → RS256, P-256 → ES256,
    /// P-384 → ES384, Ed25519 → EdDSA). `field` names the config field in errors.
    pub fn parse(
        text: &str,
        alg: Option<JwsAlgorithm>,
        field: &'static str,
    ) -> Result<Self, ConfigError> {
        let text = text.trim();
        let key = if text.starts_with('{') {
            let jwk = Jwk::from_json(text)
                .ok_or_else(|| key_error(field, "not a JWK object (kty, crv, d, …)"))?;
            let jwk_alg = match jwk.alg.as_deref() {
                Some(name) => Some(
                    name.parse::<JwsAlgorithm>()
                        .map_err(|()| key_error(field, "the JWK names an unsupported alg"))?,
                ),
                None => None,
            };
            if let (Some(given), Some(named)) = (alg, jwk_alg) {
                if given != named {
                    return Err(key_error(
                        field,
                        "the JWK's alg differs from the configured one",
                    ));
                }
            }
            let kid = jwk.kid.clone();
            let material = jwk.into_material(field)?;
            return Self::checked(material, alg.or(jwk_alg), field).map(|key| key.with_kid(kid));
        } else if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(key_error(
                field,
                "an encrypted PEM: decrypt it first (PKCS#8 without a passphrase)",
            ));
        } else if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            return Err(key_error(
                field,
                "a public key: signing needs the private key",
            ));
        } else if text.starts_with("-----BEGIN") {
            pem_material(text, alg, field)?
        } else {
            return Err(key_error(field, "neither a JWK object nor a PEM"));
        };
        Self::checked(key, alg, field)
    }

    #[cfg_attr(
        not(any(
            feature = "es256",
            feature = "rsa",
            feature = "es384",
            feature = "eddsa"
        )),
        allow(unreachable_code, unused_variables)
    )]
    fn checked(
        key: KeyMaterial,
        alg: Option<JwsAlgorithm>,
        field: &'static str,
    ) -> Result<Self, ConfigError> {
        if alg.is_some_and(|a| !a.is_supported()) {
            return Err(key_error(field, "this build signs with the algorithm only through a host-signed key (cargo features es256, rsa, es384, eddsa)"));
        }
        let default = match &key {
            KeyMaterial::Host { .. } => return Err(key_error(field, "not a key the core holds")),
            #[cfg(feature = "rsa")]
            KeyMaterial::Rsa(_) => JwsAlgorithm::Rs256,
            #[cfg(feature = "es256")]
            KeyMaterial::P256(_) => JwsAlgorithm::Es256,
            #[cfg(feature = "es384")]
            KeyMaterial::P384(_) => JwsAlgorithm::Es384,
            #[cfg(feature = "eddsa")]
            KeyMaterial::Ed25519(_) => JwsAlgorithm::EdDsa,
        };
        let alg = alg.unwrap_or(default);
        let fits = match (&key, alg) {
            #[cfg(feature = "rsa")]
            (KeyMaterial::Rsa(_), JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256) => true,
            #[cfg(feature = "es256")]
            (KeyMaterial::P256(_), JwsAlgorithm::Es256) => true,
            #[cfg(feature = "es384")]
            (KeyMaterial::P384(_), JwsAlgorithm::Es384) => true,
            #[cfg(feature = "eddsa")]
            (KeyMaterial::Ed25519(_), JwsAlgorithm::EdDsa) => true,
            _ => false,
        };
        if !fits {
            return Err(key_error(
                field,
                "the key type does not fit the algorithm (RS256/PS256: RSA, ES256: P-256, ES384: P-384, EdDSA: Ed25519)",
            ));
        }
        Ok(Self::new(alg, key))
    }

    fn new(alg: JwsAlgorithm, key: KeyMaterial) -> Self {
        let public_jwk = public_jwk_of(&key);
        Self {
            alg,
            key,
            about: std::sync::Arc::new(KeyAbout {
                public_jwk,
                kid: None,
            }),
        }
    }

    fn with_kid(self, kid: Option<String>) -> Self {
        let public_jwk = self.about.public_jwk.clone();
        Self {
            about: std::sync::Arc::new(KeyAbout { public_jwk, kid }),
            ..self
        }
    }

    /// The `kid` of the JWK this key was read from (none for a PEM or a
    /// generated key): a client assertion's `kid` unless one is configured.
    pub fn key_id(&self) -> Option<&str> {
        self.about.kid.as_deref()
    }

    /// A key the host signs with (WebCrypto, a platform key store, a KMS,
    /// an HSM): the core builds each JWS signing input and the host returns
    /// the signature ([`SigningInput`](crate::SigningInput)).
    ///
    /// `public_jwk` is the public half as a JWK: needed for DPoP (the proof
    /// carries it), optional for `private_key_jwt`. It must fit `alg` and
    /// hold no private member. `kid` is the default `kid` of client
    /// assertions; without it, the JWK's own `kid` is.
    pub fn host_signed(
        alg: JwsAlgorithm,
        public_jwk: Option<&str>,
        kid: Option<String>,
    ) -> Result<Self, ConfigError> {
        let field = "public_jwk";
        if alg.is_symmetric() {
            return Err(key_error(
                "alg",
                "a host-signed key is asymmetric (RS256, PS256, ES256, ES384, EdDSA)",
            ));
        }
        let (public_jwk, jwk_kid, modulus_len) = match public_jwk {
            Some(text) => {
                use crate::auth::public_jwk::{canonical, KeyShape};
                let shape = match alg {
                    JwsAlgorithm::Es384 => KeyShape::Ec {
                        crv: "P-384",
                        size: 48,
                    },
                    JwsAlgorithm::EdDsa => KeyShape::Ed25519,
                    JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256 => KeyShape::Rsa,
                    _ => KeyShape::Ec {
                        crv: "P-256",
                        size: 32,
                    },
                };
                canonical(text, alg.as_str(), shape, field)?
            }
            None => (String::new(), None, None),
        };
        if let Some(kid) = &kid {
            if kid.is_empty() || kid.chars().any(char::is_control) {
                return Err(key_error(
                    "key_id",
                    "must be non-empty without control characters",
                ));
            }
        }
        Ok(Self {
            alg,
            key: KeyMaterial::Host { modulus_len },
            about: std::sync::Arc::new(KeyAbout {
                public_jwk,
                kid: kid.or(jwk_kid),
            }),
        })
    }

    /// Whether the host signs with this key ([`PrivateKey::host_signed`]).
    pub fn is_host_signed(&self) -> bool {
        matches!(self.key, KeyMaterial::Host { .. })
    }

    /// SHA-256 of the private key material: what a store's sealing key is
    /// derived from. `None` for a host-signed key (the core holds none).
    #[cfg(feature = "fleet")]
    pub(crate) fn secret_digest(&self) -> Option<[u8; 32]> {
        use sha2::Digest as _;
        let bytes: zeroize::Zeroizing<Vec<u8>> = match &self.key {
            KeyMaterial::Host { .. } => None,
            #[cfg(feature = "rsa")]
            KeyMaterial::Rsa(key) => {
                use rsa::traits::PrivateKeyParts as _;
                Some(zeroize::Zeroizing::new(key.d().to_bytes_be()))
            }
            #[cfg(feature = "es256")]
            KeyMaterial::P256(key) => Some(zeroize::Zeroizing::new(key.to_bytes().to_vec())),
            #[cfg(feature = "es384")]
            KeyMaterial::P384(key) => Some(zeroize::Zeroizing::new(key.to_bytes().to_vec())),
            #[cfg(feature = "eddsa")]
            KeyMaterial::Ed25519(key) => Some(zeroize::Zeroizing::new(key.to_bytes().to_vec())),
        }?;
        Some(sha2::Sha256::digest(bytes.as_slice()).into())
    }

    /// Whether the public half is known (a host-signed key may come without it).
    pub fn has_public_jwk(&self) -> bool {
        !self.about.public_jwk.is_empty()
    }

    /// An RSA host-signed key's modulus size, for checking its signatures.
    pub(crate) fn modulus_len(&self) -> Option<usize> {
        match self.key {
            KeyMaterial::Host { modulus_len } => modulus_len,
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// A P-256 key from 32 bytes of the host's cryptographic randomness
    /// (for a DPoP key the host does not provide).
    #[cfg(feature = "es256")]
    pub fn generate_p256(entropy: &[u8; 32]) -> Result<Self, ConfigError> {
        let secret = p256::SecretKey::from_slice(entropy).map_err(|_| {
            key_error(
                "dpop_key",
                "the random bytes are not a valid P-256 scalar; draw again",
            )
        })?;
        Ok(Self::new(
            JwsAlgorithm::Es256,
            KeyMaterial::P256(secret.into()),
        ))
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The public key as a JWK object (members in RFC 7638 order, so the
    /// same text also serves the thumbprint).
    pub fn public_jwk(&self) -> String {
        self.about.public_jwk.clone()
    }

    /// The private key as a JWK, for a host that persists a generated key.
    /// The value is a secret; callers keep it out of logs.
    pub fn private_jwk(&self) -> Zeroizing<String> {
        let public = self.public_jwk();
        let d: Option<String> = match &self.key {
            KeyMaterial::Host { .. } => None,
            #[cfg(feature = "rsa")]
            KeyMaterial::Rsa(_) => None,
            #[cfg(feature = "es256")]
            KeyMaterial::P256(key) => Some(B64.encode(key.to_bytes())),
            #[cfg(feature = "es384")]
            KeyMaterial::P384(key) => Some(B64.encode(key.to_bytes())),
            #[cfg(feature = "eddsa")]
            KeyMaterial::Ed25519(key) => Some(B64.encode(key.to_bytes())),
        };
        let mut out = Zeroizing::new(String::new());
        if let (Some(d), Some(body)) = (d.map(Zeroizing::new), public.strip_prefix('{')) {
            out.push_str(r#"{"alg":""#);
            out.push_str(self.alg.as_str());
            out.push_str(r#"","d":""#);
            out.push_str(&d);
            out.push_str("\",");
            out.push_str(body);
        }
        out
    }

    /// The JWS signature over `input`, or `None` for a host-signed key.
    /// ECDSA (RFC 6979), EdDSA and PKCS#1 v1.5 are deterministic; `entropy`
    /// seeds the PS256 salt and the RSA blinding.
    #[cfg_attr(
        not(any(
            feature = "es256",
            feature = "rsa",
            feature = "es384",
            feature = "eddsa"
        )),
        allow(unreachable_code, unused_variables)
    )]
    pub(crate) fn sign(&self, input: &[u8], entropy: &[u8; 32]) -> Option<Vec<u8>> {
        let _ = (input, entropy);
        Some(match &self.key {
            KeyMaterial::Host { .. } => return None,
            #[cfg(feature = "rsa")]
            KeyMaterial::Rsa(key) => {
                use rand_chacha::rand_core::SeedableRng as _;
                use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
                let mut rng = rand_chacha::ChaCha20Rng::from_seed(*entropy);
                let rng = &mut rng;
                let key = (**key).clone();
                if self.alg == JwsAlgorithm::Ps256 {
                    rsa::pss::BlindedSigningKey::<sha2::Sha256>::new(key)
                        .sign_with_rng(rng, input)
                        .to_vec()
                } else {
                    rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
                        .sign_with_rng(rng, input)
                        .to_vec()
                }
            }
            #[cfg(feature = "es256")]
            KeyMaterial::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(input);
                signature.to_bytes().to_vec()
            }
            #[cfg(feature = "es384")]
            KeyMaterial::P384(key) => {
                use p384::ecdsa::signature::Signer as _;
                let signature: p384::ecdsa::Signature = key.sign(input);
                signature.to_bytes().to_vec()
            }
            #[cfg(feature = "eddsa")]
            KeyMaterial::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(input).to_bytes().to_vec()
            }
        })
    }
}

/// The public half as a JWK (members in RFC 7638 order).
fn public_jwk_of(key: &KeyMaterial) -> String {
    match key {
        KeyMaterial::Host { .. } => String::new(),
        #[cfg(feature = "rsa")]
        KeyMaterial::Rsa(key) => {
            use rsa::traits::PublicKeyParts as _;
            format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                B64.encode(key.e().to_bytes_be()),
                B64.encode(key.n().to_bytes_be())
            )
        }
        #[cfg(feature = "es256")]
        KeyMaterial::P256(key) => {
            let point = key.verifying_key().to_encoded_point(false);
            ec_jwk(
                "P-256",
                point.x().map(|x| x.as_slice()),
                point.y().map(|y| y.as_slice()),
            )
        }
        #[cfg(feature = "es384")]
        KeyMaterial::P384(key) => {
            let point = key.verifying_key().to_encoded_point(false);
            ec_jwk(
                "P-384",
                point.x().map(|x| x.as_slice()),
                point.y().map(|y| y.as_slice()),
            )
        }
        #[cfg(feature = "eddsa")]
        KeyMaterial::Ed25519(key) => format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            B64.encode(key.verifying_key().as_bytes())
        ),
    }
}

#[cfg(any(feature = "es256", feature = "es384"))]
fn ec_jwk(crv: &str, x: Option<&[u8]>, y: Option<&[u8]>) -> String {
    format!(
        r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#,
        B64.encode(x.unwrap_or_default()),
        B64.encode(y.unwrap_or_default())
    )
}

/// HMAC over `input` keyed with `secret` (`client_secret_jwt`).
pub(crate) fn hmac_sign(alg: JwsAlgorithm, secret: &[u8], input: &[u8]) -> Vec<u8> {
    use hmac::{Mac as _, SimpleHmac};
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    fn mac<D: hmac::digest::Digest + hmac::digest::core_api::BlockSizeUser>(
        secret: &[u8],
        input: &[u8],
    ) -> Vec<u8> {
        match SimpleHmac::<D>::new_from_slice(secret) {
            Ok(mut m) => {
                m.update(input);
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match alg {
        JwsAlgorithm::Hs384 => mac::<sha2::Sha384>(secret, input),
        JwsAlgorithm::Hs512 => mac::<sha2::Sha512>(secret, input),
        _ => mac::<sha2::Sha256>(secret, input),
    }
}

/// Checks that a client secret is long enough to key `alg` (RFC 7518 §3.2).
pub(crate) fn check_hmac_secret(alg: JwsAlgorithm, secret: &str) -> Result<(), ConfigError> {
    if !alg.is_symmetric() {
        return Err(ConfigError::new(
            Kind::InvalidParameter,
            "client_assertion_alg",
            "client_secret_jwt signs with HS256, HS384 or HS512",
        ));
    }
    if secret.len() < alg.min_hmac_key_len() {
        return Err(key_error(
            "client_secret",
            "too short to key this HMAC (RFC 7518 §3.2: at least the hash size: 32 bytes for HS256, 48 for HS384, 64 for HS512)",
        ));
    }
    Ok(())
}

/// The private JWK members this client reads. Values are secrets: the
/// struct is zeroized on drop and never printed.
#[derive(zeroize::ZeroizeOnDrop, zeroize::Zeroize)]
struct Jwk {
    kid: Option<String>,
    kty: Option<String>,
    crv: Option<String>,
    alg: Option<String>,
    d: Option<String>,
    n: Option<String>,
    e: Option<String>,
    p: Option<String>,
    q: Option<String>,
}

impl Jwk {
    /// Read through `serde_json::Value` (shared with the rest of the core,
    /// which keeps the wasm small); the `Value` is zeroized after.
    fn from_json(text: &str) -> Option<Self> {
        let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
        let member = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let jwk = Self {
            kid: member("kid"),
            kty: member("kty"),
            crv: member("crv"),
            alg: member("alg"),
            d: member("d"),
            n: member("n"),
            e: member("e"),
            p: member("p"),
            q: member("q"),
        };
        crate::secret::zeroize_value(&mut value);
        jwk.kty.is_some().then_some(jwk)
    }
}

#[cfg_attr(
    not(any(
        feature = "es256",
        feature = "rsa",
        feature = "es384",
        feature = "eddsa"
    )),
    allow(dead_code)
)]
fn b64_field(
    value: Option<&String>,
    field: &'static str,
) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let value = value.ok_or_else(|| {
        key_error(
            field,
            "the JWK lacks a member this key type needs (private keys need d)",
        )
    })?;
    B64.decode(value.trim_end_matches('='))
        .map(Zeroizing::new)
        .map_err(|_| key_error(field, "a JWK member is not base64url"))
}

impl Jwk {
    #[cfg_attr(
        not(any(
            feature = "es256",
            feature = "rsa",
            feature = "es384",
            feature = "eddsa"
        )),
        allow(unreachable_code, unused_variables)
    )]
    fn into_material(self, field: &'static str) -> Result<KeyMaterial, ConfigError> {
        let bad = || key_error(field, "the JWK's key bytes are not a valid key of its type");
        match (self.kty.as_deref().unwrap_or_default(), self.crv.as_deref()) {
            #[cfg(feature = "es256")]
            ("EC", Some("P-256")) => {
                let d = b64_field(self.d.as_ref(), field)?;
                let key = p256::SecretKey::from_slice(&d).map_err(|_| bad())?;
                Ok(KeyMaterial::P256(key.into()))
            }
            #[cfg(feature = "es384")]
            ("EC", Some("P-384")) => {
                let d = b64_field(self.d.as_ref(), field)?;
                let key = p384::SecretKey::from_slice(&d).map_err(|_| bad())?;
                Ok(KeyMaterial::P384(key.into()))
            }
            #[cfg(feature = "eddsa")]
            ("OKP", Some("Ed25519")) => {
                let d = b64_field(self.d.as_ref(), field)?;
                let bytes: [u8; 32] = d.as_slice().try_into().map_err(|_| bad())?;
                let key = ed25519_dalek::SigningKey::from_bytes(&bytes);
                let mut bytes = bytes;
                zeroize::Zeroize::zeroize(&mut bytes);
                Ok(KeyMaterial::Ed25519(Box::new(key)))
            }
            #[cfg(feature = "rsa")]
            ("RSA", _) => {
                use rsa::BigUint;
                let int = |v: Option<&String>| -> Result<BigUint, ConfigError> {
                    Ok(BigUint::from_bytes_be(&b64_field(v, field)?))
                };
                let key = rsa::RsaPrivateKey::from_components(
                    int(self.n.as_ref())?,
                    int(self.e.as_ref())?,
                    int(self.d.as_ref())?,
                    vec![int(self.p.as_ref())?, int(self.q.as_ref())?],
                )
                .map_err(|_| bad())?;
                rsa_checked(key, field)
            }
            // Reached for the key types this build leaves out.
            #[allow(unreachable_patterns)]
            ("RSA" | "EC" | "OKP", _) => Err(unsupported_here(field)),
            _ => Err(key_error(
                field,
                "unsupported JWK key type (RSA, EC P-256/P-384, OKP Ed25519)",
            )),
        }
    }
}

/// A key type this build was compiled without.
fn unsupported_here(field: &'static str) -> ConfigError {
    key_error(field, "this build signs with this key type only as a host-signed key (cargo features es256, rsa, es384, eddsa)")
}

#[cfg(feature = "rsa")]
fn rsa_checked(key: rsa::RsaPrivateKey, field: &'static str) -> Result<KeyMaterial, ConfigError> {
    use rsa::traits::PublicKeyParts as _;
    if key.size() < 256 {
        return Err(key_error(field, "RSA keys must be at least 2048 bits"));
    }
    key.validate()
        .map_err(|_| key_error(field, "the RSA key is inconsistent"))?;
    Ok(KeyMaterial::Rsa(Box::new(key)))
}

#[cfg(not(feature = "pem"))]
fn pem_material(
    _text: &str,
    _alg: Option<JwsAlgorithm>,
    field: &'static str,
) -> Result<KeyMaterial, ConfigError> {
    Err(key_error(
        field,
        "this build reads keys as JWK only (cargo feature pem)",
    ))
}

#[cfg(feature = "pem")]
fn pem_material(
    text: &str,
    alg: Option<JwsAlgorithm>,
    field: &'static str,
) -> Result<KeyMaterial, ConfigError> {
    use p256::pkcs8::DecodePrivateKey as _;
    if text.starts_with("-----BEGIN EC PRIVATE KEY-----") {
        return Err(key_error(
            field,
            "a SEC1 EC key: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
        ));
    }
    #[cfg(feature = "rsa")]
    if text.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(text)
            .map_err(|_| key_error(field, "not a valid PKCS#1 RSA private key"))?;
        return rsa_checked(key, field);
    }
    if !text.starts_with("-----BEGIN PRIVATE KEY-----") {
        return Err(key_error(
            field,
            "an unsupported PEM type (PKCS#8 PRIVATE KEY expected)",
        ));
    }
    // A PKCS#8 document names its key type; try the one the algorithm expects first.
    let order: &[JwsAlgorithm] = match alg {
        Some(a) => &[a][..],
        None => &[
            JwsAlgorithm::Es256,
            JwsAlgorithm::Es384,
            JwsAlgorithm::EdDsa,
            JwsAlgorithm::Rs256,
        ][..],
    };
    for alg in order {
        let found = match alg {
            JwsAlgorithm::Es256 => p256::ecdsa::SigningKey::from_pkcs8_pem(text)
                .ok()
                .map(KeyMaterial::P256),
            #[cfg(feature = "es384")]
            JwsAlgorithm::Es384 => p384::ecdsa::SigningKey::from_pkcs8_pem(text)
                .ok()
                .map(KeyMaterial::P384),
            #[cfg(feature = "eddsa")]
            JwsAlgorithm::EdDsa => ed25519_dalek::SigningKey::from_pkcs8_pem(text)
                .ok()
                .map(|k| KeyMaterial::Ed25519(Box::new(k))),
            #[cfg(feature = "rsa")]
            JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256 => {
                match rsa::RsaPrivateKey::from_pkcs8_pem(text) {
                    Ok(key) => Some(rsa_checked(key, field)?),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        if let Some(found) = found {
            return Ok(found);
        }
    }
    Err(key_error(
        field,
        "the PEM is not a private key of the algorithm's type (or not a supported type)",
    ))
}

#[cfg(all(test, feature = "es256"))]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_material() {
        let key = PrivateKey::generate_p256(&[7; 32]).unwrap();
        let text = format!("{key:?}");
        assert_eq!(text, "PrivateKey(ES256, [REDACTED])");
    }

    #[test]
    fn a_generated_key_round_trips_through_its_private_jwk() {
        let key = PrivateKey::generate_p256(&[9; 32]).unwrap();
        let again = PrivateKey::parse(&key.private_jwk(), None, "dpop_key").unwrap();
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert_eq!(again.algorithm(), JwsAlgorithm::Es256);
    }

    #[test]
    fn wrong_inputs_are_config_errors() {
        let cases = [
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                "public key",
            ),
            ("not a key", "neither"),
            (r#"{"kty":"EC","crv":"P-256"}"#, "lacks"),
            (r#"{"kty":"oct","k":"AAAA"}"#, "unsupported JWK"),
        ];
        for (text, why) in cases {
            let err = PrivateKey::parse(text, None, "private_key").unwrap_err();
            assert_eq!(err.code(), "INVALID_KEY");
            assert!(err.to_string().contains(why), "{err}");
        }
        let p256 = PrivateKey::generate_p256(&[3; 32]).unwrap().private_jwk();
        let err = PrivateKey::parse(&p256, Some(JwsAlgorithm::EdDsa), "private_key").unwrap_err();
        assert!(
            err.to_string().contains("differs") || err.to_string().contains("does not fit"),
            "{err}"
        );
    }

    #[test]
    fn hmac_keys_shorter_than_the_hash_are_refused() {
        assert!(check_hmac_secret(JwsAlgorithm::Hs256, &"x".repeat(31)).is_err());
        assert!(check_hmac_secret(JwsAlgorithm::Hs256, &"x".repeat(32)).is_ok());
        assert!(check_hmac_secret(JwsAlgorithm::Hs512, &"x".repeat(63)).is_err());
    }
}
