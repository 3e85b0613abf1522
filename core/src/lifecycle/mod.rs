//! The token lifecycle: which token to serve, when to fetch, how to retry,
//! and the document that carries a token between processes.

pub(crate) mod admin;
pub(crate) mod api;
pub(crate) mod decision;
pub(crate) mod document;
pub(crate) mod events;
pub(crate) mod manager;
pub(crate) mod nonces;
pub(crate) mod retry;
#[cfg(feature = "fleet")]
pub(crate) mod shared;
pub(crate) mod stats;

#[cfg(all(
    test,
    feature = "es256",
    feature = "rsa",
    feature = "es384",
    feature = "eddsa",
    feature = "pem"
))]
mod host_signed_tests;
