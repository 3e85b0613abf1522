//! `ccauth doctor`: fetch one token from a new provider and explain what
//! happened. The bindings' command-line tools (`npx ccauth doctor`,
//! `python -m ccauth doctor`) read arguments, the environment and files,
//! send the request with their own HTTP stack and print what this module
//! writes, so every language gives the same report.
//!
//! The steps: [`plan`] (which files to read, or the help), [`client_options`]
//! (the options, also what the libraries' `from_env` use), the host's fetch
//! with events collected, then [`report`].

mod hints;
mod options;
mod report;

pub use options::{client_options, plan, DoctorPlan};
pub use report::{report, DoctorReport};

use serde_json::Value;

use report::idx;

use crate::error::{ConfigError, ConfigErrorKind};

/// [`report`] from JSON text, for bindings: `options` an object,
/// `exchanges` an array of `{"request", "response" | "transport_error"}`,
/// `events` an array of event objects. Unreadable JSON counts as empty.
pub fn report_from_json(options: &str, exchanges: &str, events: &str, now_ms: u64) -> DoctorReport {
    let options = match serde_json::from_str(options) {
        Ok(Value::Object(members)) => members,
        _ => serde_json::Map::new(),
    };
    let list = |text: &str| match serde_json::from_str(text) {
        Ok(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    report(&options, &list(exchanges), &list(events), now_ms)
}

/// Environment variables from JSON: an object (`process.env`) or an array
/// of `[name, value]` pairs; non-string values are skipped.
pub fn env_from_json(env: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let bad = || {
        ConfigError::new(
            ConfigErrorKind::InvalidConfigDocument,
            "environment",
            "not a JSON object or an array of [name, value] pairs",
        )
    };
    match serde_json::from_str(env).map_err(|_| bad())? {
        Value::Object(members) => Ok(members
            .into_iter()
            .filter_map(|(n, v)| Some((n, v.as_str()?.to_owned())))
            .collect()),
        Value::Array(pairs) => Ok(pairs
            .iter()
            .filter_map(|p| {
                Some((
                    idx(p, 0).as_str()?.to_owned(),
                    idx(p, 1).as_str()?.to_owned(),
                ))
            })
            .collect()),
        _ => Err(bad()),
    }
}

/// Arguments from a JSON array of strings.
pub fn args_from_json(args: &str) -> Result<Vec<String>, ConfigError> {
    serde_json::from_str(args).map_err(|_| {
        ConfigError::new(
            ConfigErrorKind::InvalidConfigDocument,
            "arguments",
            "not a JSON array of strings",
        )
    })
}
