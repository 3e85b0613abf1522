//! The fleet store's steps for the TypeScript driver (`js/fleet.ts`): the
//! core's protocol (`TokenManager::store_begin` and the steps after it)
//! decides what to read, when to lease, how long to sleep and what to
//! publish; the driver runs each command on the user's store and reports
//! the reply. Entries are sealed and opened by the core, here as in every
//! binding, so a Node process reads what a Python or Kotlin one published.

use wasm_bindgen::prelude::*;

use crate::{ms, throw, TokenLifecycle};

/// One step of a ticket shared through the store (free it when read).
///
/// `kind` is a command to run (`get`, `set_if_absent`, `set`,
/// `delete_if_equals`, with `key`, `value` and `ttlMs`), `sleep` (until
/// `untilMs`, then `storeResume`), `fetch` (send the ticket's request,
/// report it, then `storeFetched`) or `done`.
#[wasm_bindgen]
pub struct StoreStep(ccauth::StoreStep);

#[wasm_bindgen]
impl StoreStep {
    /// What to do: `get`, `set_if_absent`, `set`, `delete_if_equals`, `sleep`, `fetch` or `done`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        match &self.0 {
            ccauth::StoreStep::Command(c) => match c {
                ccauth::StoreCommand::SetIfAbsent { .. } => "set_if_absent",
                ccauth::StoreCommand::Set { .. } => "set",
                ccauth::StoreCommand::DeleteIfEquals { .. } => "delete_if_equals",
                // A command added to the core later reads as a GET: it changes nothing.
                _ => "get",
            },
            ccauth::StoreStep::Sleep { .. } => "sleep",
            ccauth::StoreStep::Fetch => "fetch",
            _ => "done",
        }
        .to_owned()
    }

    /// The command's key.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> Option<String> {
        match &self.0 {
            ccauth::StoreStep::Command(c) => Some(c.key().to_owned()),
            _ => None,
        }
    }

    /// The command's value: a sealed entry or a lease owner id, never a token in clear.
    #[wasm_bindgen(getter)]
    pub fn value(&self) -> Option<Vec<u8>> {
        match &self.0 {
            ccauth::StoreStep::Command(
                ccauth::StoreCommand::SetIfAbsent { value, .. }
                | ccauth::StoreCommand::Set { value, .. }
                | ccauth::StoreCommand::DeleteIfEquals { value, .. },
            ) => Some(value.clone()),
            _ => None,
        }
    }

    /// The command's expiry (ms), for `set_if_absent` and `set`.
    #[wasm_bindgen(getter, js_name = ttlMs)]
    pub fn ttl_ms(&self) -> Option<f64> {
        match &self.0 {
            ccauth::StoreStep::Command(
                ccauth::StoreCommand::SetIfAbsent { ttl_ms, .. }
                | ccauth::StoreCommand::Set { ttl_ms, .. },
            ) => Some(*ttl_ms as f64),
            _ => None,
        }
    }

    /// When to resume after a `sleep` (Unix ms).
    #[wasm_bindgen(getter, js_name = untilMs)]
    pub fn until_ms(&self) -> Option<f64> {
        match &self.0 {
            ccauth::StoreStep::Sleep { until_ms } => Some(*until_ms as f64),
            _ => None,
        }
    }
}

/// The Redis compare-and-delete script (`EVAL script 1 key value`).
#[wasm_bindgen(js_name = deleteIfEqualsScript)]
pub fn delete_if_equals_script() -> String {
    ccauth::DELETE_IF_EQUALS_SCRIPT.to_owned()
}

#[wasm_bindgen]
impl TokenLifecycle {
    /// Shares this client's token through a store: entries sealed under a
    /// key derived from the client's secret and `storeKey` (required when
    /// the core holds no secret). Returns the store's key names, `token`
    /// then `lease`, one a line. Seed host randomness first (`seedEntropy`):
    /// it draws the lease owner id and the seals' nonces.
    #[wasm_bindgen(js_name = attachStore)]
    pub fn attach_store(&mut self, store_key: Option<Vec<u8>>) -> Result<String, JsValue> {
        self.manager
            .attach_store(self.key, store_key.as_deref())
            .map(|keys| format!("{}\n{}", keys.token, keys.lease))
            .map_err(|e| throw(&e))
    }

    /// The first store step for fetch ticket `ticket`.
    #[wasm_bindgen(js_name = storeBegin)]
    pub fn store_begin(&mut self, ticket: f64, now_ms: f64) -> StoreStep {
        StoreStep(self.manager.store_begin(ms(ticket).into(), ms(now_ms)))
    }

    /// Reports a `get`'s value (undefined: no such key).
    #[wasm_bindgen(js_name = storeValue)]
    pub fn store_value(&mut self, ticket: f64, value: Option<Vec<u8>>, now_ms: f64) -> StoreStep {
        let reply = ccauth::StoreReply::Value(value);
        StoreStep(
            self.manager
                .store_reply(ms(ticket).into(), reply, ms(now_ms)),
        )
    }

    /// Reports whether a `set_if_absent` or `delete_if_equals` took effect (`true` for a `set`).
    #[wasm_bindgen(js_name = storeDone)]
    pub fn store_done(&mut self, ticket: f64, applied: bool, now_ms: f64) -> StoreStep {
        let reply = ccauth::StoreReply::Done(applied);
        StoreStep(
            self.manager
                .store_reply(ms(ticket).into(), reply, ms(now_ms)),
        )
    }

    /// Reports that the command failed, timed out or answered something unexpected.
    #[wasm_bindgen(js_name = storeFailed)]
    pub fn store_failed(&mut self, ticket: f64, now_ms: f64) -> StoreStep {
        let reply = ccauth::StoreReply::Failed;
        StoreStep(
            self.manager
                .store_reply(ms(ticket).into(), reply, ms(now_ms)),
        )
    }

    /// After a `sleep`: the next step.
    #[wasm_bindgen(js_name = storeResume)]
    pub fn store_resume(&mut self, ticket: f64, now_ms: f64) -> StoreStep {
        StoreStep(self.manager.store_resume(ms(ticket).into(), ms(now_ms)))
    }

    /// After the ticket's request was reported: publish and release.
    #[wasm_bindgen(js_name = storeFetched)]
    pub fn store_fetched(&mut self, ticket: f64, now_ms: f64) -> StoreStep {
        StoreStep(self.manager.store_fetched(ms(ticket).into(), ms(now_ms)))
    }

    /// The commands to run now with no reply needed (after a dropped
    /// token: delete the shared entry while it still holds it), oldest first.
    #[wasm_bindgen(js_name = storeCommands)]
    pub fn store_commands(&mut self) -> Vec<StoreStep> {
        self.manager
            .store_commands(self.key)
            .into_iter()
            .map(|c| StoreStep(ccauth::StoreStep::Command(c)))
            .collect()
    }
}
