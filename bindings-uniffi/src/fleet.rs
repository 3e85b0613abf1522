//! A fleet shares one token through a store (Redis, Valkey): the core's
//! store protocol for UniFFI hosts, which run each command with their own
//! client (redis-py, Lettuce, …) and report the reply.

use crate::{CcauthError, TokenLifecycle};

/// One store command to run (values are sealed entries or lease owner ids,
/// never a token in clear).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StoreCommand {
    /// `GET key`; reply `StoreReply::Value`.
    Get {
        /// The key.
        key: String,
    },
    /// `SET key value NX PX ttl_ms`; reply `StoreReply::Done(set)`.
    SetIfAbsent {
        /// The key.
        key: String,
        /// The value.
        value: Vec<u8>,
        /// Expiry in ms.
        ttl_ms: u64,
    },
    /// `SET key value PX ttl_ms`; reply `StoreReply::Done(true)`.
    Set {
        /// The key.
        key: String,
        /// The value.
        value: Vec<u8>,
        /// Expiry in ms.
        ttl_ms: u64,
    },
    /// Delete `key` only while it holds `value` (`EVAL` of
    /// `delete_if_equals_script()` with 1 key); reply `StoreReply::Done(deleted)`.
    DeleteIfEquals {
        /// The key.
        key: String,
        /// The value it must hold.
        value: Vec<u8>,
    },
}

impl From<ccauth::StoreCommand> for StoreCommand {
    fn from(c: ccauth::StoreCommand) -> Self {
        match c {
            ccauth::StoreCommand::Get { key } => Self::Get { key },
            ccauth::StoreCommand::SetIfAbsent { key, value, ttl_ms } => {
                Self::SetIfAbsent { key, value, ttl_ms }
            }
            ccauth::StoreCommand::Set { key, value, ttl_ms } => Self::Set { key, value, ttl_ms },
            ccauth::StoreCommand::DeleteIfEquals { key, value } => {
                Self::DeleteIfEquals { key, value }
            }
            // A command added to the core later: a read, which changes nothing.
            other => Self::Get {
                key: other.key().to_owned(),
            },
        }
    }
}

/// What a store command gave.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StoreReply {
    /// A `GET`'s value (none: no such key).
    Value {
        /// The value.
        value: Option<Vec<u8>>,
    },
    /// Whether a conditional command took effect.
    Done {
        /// Set or deleted.
        applied: bool,
    },
    /// The store failed, timed out or answered something unexpected.
    Failed,
}

impl From<StoreReply> for ccauth::StoreReply {
    fn from(r: StoreReply) -> Self {
        match r {
            StoreReply::Value { value } => Self::Value(value),
            StoreReply::Done { applied } => Self::Done(applied),
            StoreReply::Failed => Self::Failed,
        }
    }
}

/// What the host does next for a ticket shared through the store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StoreStep {
    /// Run the command, then `store_reply`.
    Command {
        /// The command.
        command: StoreCommand,
    },
    /// Sleep until `until_ms`, then `store_resume`.
    Sleep {
        /// When to resume (Unix ms).
        until_ms: u64,
    },
    /// Send the ticket's request, report it, then `store_fetched`.
    Fetch,
    /// Nothing more for this ticket.
    Done,
}

impl From<ccauth::StoreStep> for StoreStep {
    fn from(s: ccauth::StoreStep) -> Self {
        match s {
            ccauth::StoreStep::Command(c) => Self::Command { command: c.into() },
            ccauth::StoreStep::Sleep { until_ms } => Self::Sleep { until_ms },
            ccauth::StoreStep::Fetch => Self::Fetch,
            _ => Self::Done,
        }
    }
}

/// The store keys of one client (`{…}` is a Redis Cluster hash tag).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreKeys {
    /// The sealed token entry.
    pub token: String,
    /// The fetch lease.
    pub lease: String,
}

/// The Redis compare-and-delete script (`EVAL script 1 key value`).
#[uniffi::export]
pub fn delete_if_equals_script() -> String {
    ccauth::DELETE_IF_EQUALS_SCRIPT.to_owned()
}

#[uniffi::export]
impl TokenLifecycle {
    /// Shares this client's token through a store; entries are sealed under
    /// a key derived from the client's secret or private key and
    /// `store_key` (required when the core holds no secret).
    pub fn attach_store(&self, store_key: Option<Vec<u8>>) -> Result<StoreKeys, CcauthError> {
        let (manager, key) = &mut *self.lock();
        let keys = manager.attach_store(*key, store_key.as_deref())?;
        Ok(StoreKeys {
            token: keys.token,
            lease: keys.lease,
        })
    }

    /// The first store step for fetch ticket `ticket_id`.
    pub fn store_begin(&self, ticket_id: u64, now_ms: u64) -> StoreStep {
        let (manager, _) = &mut *self.lock();
        manager.store_begin(ticket_id.into(), now_ms).into()
    }

    /// Reports the reply to the last store command of `ticket_id`.
    pub fn store_reply(&self, ticket_id: u64, reply: StoreReply, now_ms: u64) -> StoreStep {
        let (manager, _) = &mut *self.lock();
        manager
            .store_reply(ticket_id.into(), reply.into(), now_ms)
            .into()
    }

    /// After a `Sleep`: the next step.
    pub fn store_resume(&self, ticket_id: u64, now_ms: u64) -> StoreStep {
        let (manager, _) = &mut *self.lock();
        manager.store_resume(ticket_id.into(), now_ms).into()
    }

    /// After the ticket's outcome was reported: publish and release.
    pub fn store_fetched(&self, ticket_id: u64, now_ms: u64) -> StoreStep {
        let (manager, _) = &mut *self.lock();
        manager.store_fetched(ticket_id.into(), now_ms).into()
    }

    /// Commands to run now, replies ignored (after a 401 dropped a shared token).
    pub fn store_commands(&self) -> Vec<StoreCommand> {
        let (manager, key) = &mut *self.lock();
        manager
            .store_commands(*key)
            .into_iter()
            .map(StoreCommand::from)
            .collect()
    }
}
