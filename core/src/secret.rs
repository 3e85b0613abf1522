//! Secret values: redacted in `Debug`, no `Display`, zeroized on drop.
//!
//! Every credential and token the core holds lives in one of these newtypes, so
//! a stray `{:?}` (or a binding that turns `Debug` into `repr`/`toString`) can
//! never print it. The only way to the value is `expose_secret()`, and each call
//! site says why it needs it.

use std::fmt;

use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

/// What every secret prints instead of its value.
pub const REDACTED: &str = "[REDACTED]";

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a value; the caller's copy is not zeroized by this.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into()))
            }

            /// The secret value. Call sites say why they need it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({REDACTED})", stringify!($name))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::new)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_string!(
    /// The client secret shared with the authorization server.
    ClientSecret
);
secret_string!(
    /// An access token value, as issued.
    AccessTokenValue
);
secret_string!(
    /// A refresh token some servers return even for client credentials.
    RefreshToken
);
secret_string!(
    /// An OpenID Connect ID token, when a server returns one.
    IdToken
);
secret_string!(
    /// A ready `Authorization` header value (`Bearer <token>`).
    AuthorizationValue
);

secret_string!(
    /// A DPoP proof JWT (RFC 9449) for one request.
    DpopProof
);

/// Wipes every string in a JSON value (parsed bodies, documents, keys).
pub(crate) fn zeroize_value(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(zeroize_value),
        Value::Object(map) => map.values_mut().for_each(zeroize_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_for_every_secret_type() {
        let value = "hunter2-super-secret";
        let printed = [
            format!("{:?}", ClientSecret::new(value)),
            format!("{:?}", AccessTokenValue::new(value)),
            format!("{:?}", RefreshToken::new(value)),
            format!("{:?}", IdToken::new(value)),
            format!("{:?}", AuthorizationValue::new(value)),
        ];
        for text in printed {
            assert!(!text.contains(value), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
    }

    #[test]
    fn expose_secret_returns_the_value() {
        assert_eq!(ClientSecret::new("s").expose_secret(), "s");
    }
}
