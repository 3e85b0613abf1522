//! The fleet store on Redis with the `redis` crate: runs the core's store
//! commands, one round trip each, with short timeouts. Any failure is a
//! `StoreReply::Failed` (the lifecycle then fetches alone): Redis is never
//! a reason to fail a caller.

use std::time::Duration;

use ccauth::{StoreCommand, StoreReply, DELETE_IF_EQUALS_SCRIPT};

/// How long one command may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_millis(500);

/// A connection to one Redis (or Valkey), reopened after a failure.
pub struct RedisStore {
    client: redis::Client,
    connection: Option<redis::Connection>,
}

impl RedisStore {
    /// A store at `url` (`redis://127.0.0.1:6379/0`); connects on first use.
    pub fn open(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: None,
        })
    }

    /// Runs `command`; `Failed` for any error or timeout.
    pub fn run(&mut self, command: &StoreCommand) -> StoreReply {
        match self.try_run(command) {
            Ok(reply) => reply,
            Err(_) => {
                // The next command reconnects.
                self.connection = None;
                StoreReply::Failed
            }
        }
    }

    fn try_run(&mut self, command: &StoreCommand) -> redis::RedisResult<StoreReply> {
        if self.connection.is_none() {
            let connection = self.client.get_connection_with_timeout(TIMEOUT)?;
            connection.set_read_timeout(Some(TIMEOUT))?;
            connection.set_write_timeout(Some(TIMEOUT))?;
            self.connection = Some(connection);
        }
        let Some(connection) = self.connection.as_mut() else {
            return Ok(StoreReply::Failed);
        };
        Ok(match command {
            StoreCommand::Get { key } => {
                let value: Option<Vec<u8>> = redis::cmd("GET").arg(key).query(connection)?;
                StoreReply::Value(value)
            }
            StoreCommand::SetIfAbsent { key, value, ttl_ms } => {
                let set: Option<String> = redis::cmd("SET")
                    .arg(key)
                    .arg(value.as_slice())
                    .arg("NX")
                    .arg("PX")
                    .arg(*ttl_ms)
                    .query(connection)?;
                StoreReply::Done(set.is_some())
            }
            StoreCommand::Set { key, value, ttl_ms } => {
                let _: String = redis::cmd("SET")
                    .arg(key)
                    .arg(value.as_slice())
                    .arg("PX")
                    .arg(*ttl_ms)
                    .query(connection)?;
                StoreReply::Done(true)
            }
            StoreCommand::DeleteIfEquals { key, value } => {
                let deleted: i64 = redis::cmd("EVAL")
                    .arg(DELETE_IF_EQUALS_SCRIPT)
                    .arg(1)
                    .arg(key)
                    .arg(value.as_slice())
                    .query(connection)?;
                StoreReply::Done(deleted == 1)
            }
            // A command this adapter does not know: the store cannot help.
            _ => StoreReply::Failed,
        })
    }
}
