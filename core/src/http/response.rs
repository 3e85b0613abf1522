//! An HTTP response as the host received it, and what its body looked like.

use std::fmt;

use zeroize::Zeroize;

/// An HTTP response as the host received it.
///
/// The body may hold a token: `Debug` shows its length only, and it is
/// zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers as received; names are matched case-insensitively.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("content_type", &self.header("content-type"))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Drop for HttpResponse {
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

/// What a response body looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// Parsed as JSON.
    Json,
    /// Parsed as `application/x-www-form-urlencoded`.
    Form,
    /// An HTML page (often from a proxy).
    Html,
    /// Other text.
    Text,
    /// No bytes.
    Empty,
    /// Not valid UTF-8.
    Binary,
}

impl BodyKind {
    /// Stable name: `json`, `form`, `html`, `text`, `empty`, `binary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Form => "form",
            Self::Html => "html",
            Self::Text => "text",
            Self::Empty => "empty",
            Self::Binary => "binary",
        }
    }
}

/// Whether every byte is visible ASCII (0x21-0x7E). Branch-free so it
/// vectorizes: tokens are long and this is on every token response.
pub(crate) fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x21) < 0x5E))
}
