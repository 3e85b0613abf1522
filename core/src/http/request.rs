//! An HTTP request for the host to send: plain data, zeroized on drop.

use std::fmt;

use zeroize::Zeroize;

use crate::http::url::without_query;

/// An HTTP request for the host to send.
///
/// Header values and body may hold credentials: `Debug` shows header names
/// and the body length only, and both are zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    pub(crate) fn get(url: String, headers: Vec<(String, String)>) -> Self {
        Self {
            method: "GET",
            url,
            headers,
            body: Vec::new(),
        }
    }

    /// The method: `POST`, or `GET` for metadata.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Headers in the order they should be sent. Values may be credentials.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Inserts a header at position `at` (or last, if there are fewer).
    pub(crate) fn insert_header(&mut self, at: usize, name: &str, value: String) {
        let at = at.min(self.headers.len());
        self.headers.insert(at, (name.to_owned(), value));
    }

    /// The body bytes. May hold credentials.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &without_query(&self.url))
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Drop for HttpRequest {
    fn drop(&mut self) {
        self.body.zeroize();
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
    }
}
