//! The DPoP nonces resource servers sent (RFC 9449 §9), kept per origin
//! for their next proofs.

use crate::auth::dpop::is_nonce;

/// How many resource servers' DPoP nonces are remembered.
const MAX_API_NONCES: usize = 32;

/// DPoP nonces of resource servers (RFC 9449 §9), by origin, newest last.
#[derive(Debug, Default)]
pub(crate) struct ApiNonces(Vec<(String, String)>);

impl ApiNonces {
    /// The last nonce the origin of `url` sent.
    pub(crate) fn get(&self, url: &str) -> Option<&str> {
        let origin = origin(url);
        self.0
            .iter()
            .rev()
            .find(|(o, _)| o == origin)
            .map(|(_, n)| n.as_str())
    }

    pub(crate) fn remember(&mut self, url: &str, nonce: &str) -> bool {
        if !is_nonce(nonce) {
            return false;
        }
        let origin = origin(url).to_owned();
        self.0.retain(|(o, _)| *o != origin);
        if self.0.len() >= MAX_API_NONCES {
            self.0.remove(0);
        }
        self.0.push((origin, nonce.to_owned()));
        true
    }
}

/// The scheme and authority of `url`: nonces are kept per origin.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(after_scheme..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| after_scheme + i);
    url.get(..end).unwrap_or(url)
}
