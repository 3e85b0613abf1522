//! What the host runs against the store, and what it reports back.

/// One store command. Values are sealed entries or lease owner ids: never
/// a token or a secret in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreCommand {
    /// `GET key`; reply [`StoreReply::Value`].
    Get {
        /// The key.
        key: String,
    },
    /// `SET key value NX PX ttl_ms`; reply [`StoreReply::Done`] (`true` when set).
    SetIfAbsent {
        /// The key.
        key: String,
        /// The value.
        value: Vec<u8>,
        /// Expiry, in milliseconds.
        ttl_ms: u64,
    },
    /// `SET key value PX ttl_ms`; reply [`StoreReply::Done`].
    Set {
        /// The key.
        key: String,
        /// The value.
        value: Vec<u8>,
        /// Expiry, in milliseconds.
        ttl_ms: u64,
    },
    /// Delete `key` only while it holds `value` (Redis:
    /// `EVAL` [`DELETE_IF_EQUALS_SCRIPT`] `1 key value`; Valkey 9: `DELIFEQ`);
    /// reply [`StoreReply::Done`] (`true` when deleted).
    DeleteIfEquals {
        /// The key.
        key: String,
        /// The value it must still hold.
        value: Vec<u8>,
    },
}

impl StoreCommand {
    /// The key the command acts on.
    pub fn key(&self) -> &str {
        match self {
            Self::Get { key }
            | Self::SetIfAbsent { key, .. }
            | Self::Set { key, .. }
            | Self::DeleteIfEquals { key, .. } => key,
        }
    }
}

/// The compare-and-delete script for Redis (`EVAL script 1 key value`).
pub const DELETE_IF_EQUALS_SCRIPT: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
     return redis.call('DEL', KEYS[1]) else return 0 end";

/// What a store command gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreReply {
    /// A `GET`'s value (`None`: no such key).
    Value(Option<Vec<u8>>),
    /// Whether a conditional command took effect (`true` for a plain `SET`).
    Done(bool),
    /// The store failed, timed out or answered something unexpected: the
    /// lifecycle falls back to fetching alone, at once.
    Failed,
}

/// The store keys of one cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreKeys {
    /// The sealed token document.
    pub token: String,
    /// The fetch lease.
    pub lease: String,
}

impl StoreKeys {
    /// The keys for the cache entry named `key_id` (its SHA-256 prefix).
    pub(crate) fn for_entry(key_id: &str) -> Self {
        Self {
            token: format!("ccauth:{{{key_id}}}:token"),
            lease: format!("ccauth:{{{key_id}}}:lease"),
        }
    }
}
