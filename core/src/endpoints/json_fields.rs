//! One pass from body bytes to the token response's fields.
//!
//! The known fields are picked out while the JSON is read, so the hot path
//! neither builds nor searches a map for them; everything else lands in
//! `extras` as sent. Values stay `serde_json::Value` because real servers
//! send numbers as strings and the like: the lenient reading is done later.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The fields of a token or error response body.
#[derive(Default)]
pub(crate) struct RawFields {
    pub(crate) access_token: Option<Value>,
    pub(crate) token_type: Option<Value>,
    pub(crate) expires_in: Option<Value>,
    pub(crate) scope: Option<Value>,
    pub(crate) refresh_token: Option<Value>,
    pub(crate) id_token: Option<Value>,
    pub(crate) refresh_in: Option<Value>,
    /// Every other field, `error`/`error_description`/`error_uri` included.
    pub(crate) extras: Map<String, Value>,
    /// A member the client acts on (`access_token`, `token_type`,
    /// `expires_in`, `error`) came more than once: parsers that keep the
    /// first and parsers that keep the last would disagree on the token.
    pub(crate) duplicate: bool,
    /// Members holding a number no float can hold (`1e400`): a known one
    /// is left unset, another is kept in `extras` as its text.
    pub(crate) out_of_range: Vec<String>,
}

impl RawFields {
    /// Routes one field to its slot.
    pub(crate) fn insert(&mut self, name: Key, value: Value) {
        let slot = match name {
            Key::AccessToken | Key::TokenType | Key::ExpiresIn => {
                let slot = match name {
                    Key::AccessToken => &mut self.access_token,
                    Key::TokenType => &mut self.token_type,
                    _ => &mut self.expires_in,
                };
                self.duplicate |= slot.is_some();
                slot
            }
            Key::Scope => &mut self.scope,
            Key::RefreshToken => &mut self.refresh_token,
            Key::IdToken => &mut self.id_token,
            Key::RefreshIn => &mut self.refresh_in,
            Key::Other(name) => {
                let is_error = name == "error";
                if let Some(mut earlier) = self.extras.insert(name, value) {
                    crate::secret::zeroize_value(&mut earlier);
                    self.duplicate |= is_error;
                }
                return;
            }
        };
        if let Some(mut earlier) = slot.replace(value) {
            crate::secret::zeroize_value(&mut earlier);
        }
    }

    /// From form-encoded pairs: every value a string.
    pub(crate) fn from_form(body: &[u8]) -> Self {
        let mut fields = Self::default();
        for (name, value) in form_urlencoded::parse(body) {
            fields.insert(Key::from_name(&name), Value::String(value.into_owned()));
        }
        fields
    }

    /// Whether member `name` held a number no float can hold.
    pub(crate) fn is_out_of_range(&self, name: &str) -> bool {
        self.out_of_range.iter().any(|n| n == name)
    }

    /// The RFC 6749 `error` value, when it is a non-empty string (its
    /// grammar is `1*NQSCHAR`: an empty `error` beside a token is no error).
    pub(crate) fn error(&self) -> Option<&str> {
        self.extras
            .get("error")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
    }
}

/// A field name, allocated only when it is not a known one.
pub(crate) enum Key {
    AccessToken,
    TokenType,
    ExpiresIn,
    Scope,
    RefreshToken,
    IdToken,
    RefreshIn,
    Other(String),
}

impl Key {
    pub(crate) fn from_name(name: &str) -> Self {
        match name {
            "access_token" => Self::AccessToken,
            "token_type" => Self::TokenType,
            "expires_in" => Self::ExpiresIn,
            "scope" => Self::Scope,
            "refresh_token" => Self::RefreshToken,
            "id_token" => Self::IdToken,
            "refresh_in" => Self::RefreshIn,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(Key::from_name(name))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Parses a JSON body. serde_json refuses a whole document for one number
/// no float can hold (`1e400`); such a body is read again member by member
/// (the slow path, only then), and only the members holding one lose their
/// value, so one odd member does not throw a token away.
pub(crate) fn parse_json_body(body: &[u8]) -> Option<JsonBody> {
    match serde_json::from_slice::<JsonBody>(body) {
        Ok(parsed) => Some(parsed),
        Err(error) if error.to_string().starts_with("number out of range") => {
            serde_json::from_slice::<Lenient>(body).ok().map(|l| l.0)
        }
        Err(_) => None,
    }
}

/// A JSON body whose member values are read as raw text first.
struct Lenient(JsonBody);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = JsonBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonBody, A::Error> {
        let mut fields = RawFields::default();
        while let Some(name) = map.next_key::<String>()? {
            // Raw text is checked for syntax only, never turned into numbers.
            let raw = map.next_value::<&serde_json::value::RawValue>()?;
            let key = Key::from_name(&name);
            match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => fields.insert(key, value),
                Err(_) => {
                    if let Key::Other(other) = key {
                        fields.insert(Key::Other(other), Value::String(raw.get().to_owned()));
                    }
                    fields.out_of_range.push(name);
                }
            }
        }
        Ok(JsonBody::Object(fields))
    }
}

/// A JSON body: an object's fields, or the fact that it was something else.
#[allow(clippy::large_enum_variant)] // short-lived, on the stack, read once
pub(crate) enum JsonBody {
    Object(RawFields),
    NotAnObject,
}

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = JsonBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonBody, A::Error> {
        let mut fields = RawFields::default();
        while let Some(key) = map.next_key::<Key>()? {
            let value = map.next_value::<Value>()?;
            fields.insert(key, value);
        }
        Ok(JsonBody::Object(fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonBody, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(JsonBody::NotAnObject)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonBody, E> {
        Ok(JsonBody::NotAnObject)
    }
}
