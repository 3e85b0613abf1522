//! A fleet shares one token through a store (Redis, Valkey): the commands
//! and the sealing, sans-IO. The protocol that sequences them lives with
//! the lifecycle (`TokenManager::store_begin` and friends); hosts run each
//! [`StoreCommand`] with their own client and report a [`StoreReply`].
//!
//! Keys: `ccauth:{<id>}:token` holds the sealed token document, expiring
//! with the token; `ccauth:{<id>}:lease` names the process fetching it,
//! expiring after the attempt timeout. `<id>` is the cache key's SHA-256
//! prefix (no client id in clear); the braces are a Redis Cluster hash tag,
//! so both keys of a cache key live in one slot and every command is one a
//! cluster accepts.

mod command;
mod seal;

pub use command::{StoreCommand, StoreKeys, StoreReply, DELETE_IF_EQUALS_SCRIPT};
pub(crate) use seal::{Rejected, SealKey};
