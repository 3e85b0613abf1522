//! `ccauth doctor` for `python -m ccauth doctor`: the core's plan, options
//! and report (the Python module does the IO).

use crate::{CcauthError, Header};

fn pairs(env: Vec<Header>) -> Vec<(String, String)> {
    env.into_iter().map(|h| (h.name, h.value)).collect()
}

/// JSON `{help?, config_file?, private_key_file?}`: the files the CLI reads.
#[uniffi::export]
pub fn doctor_plan(args: Vec<String>, env: Vec<Header>) -> Result<String, CcauthError> {
    ccauth::doctor::plan(&args, &pairs(env))
        .map(|plan| plan.to_json())
        .map_err(|e| ccauth::Error::from(e).into())
}

/// The client options as a JSON object (config document names,
/// snake_case) from the files' text, the environment and the arguments, in
/// that order of precedence. With no arguments: the libraries' `from_env`.
#[uniffi::export]
pub fn client_options(
    args: Vec<String>,
    env: Vec<Header>,
    config_file_text: Option<String>,
    private_key_text: Option<String>,
) -> Result<String, CcauthError> {
    ccauth::doctor::client_options(
        &args,
        &pairs(env),
        config_file_text.as_deref(),
        private_key_text.as_deref(),
    )
    .map(|options| serde_json::Value::Object(options).to_string())
    .map_err(|e| ccauth::Error::from(e).into())
}

/// JSON `{ok, exit_code, text}`: the report on the exchanges made
/// (`[{"request", "response" | "transport_error"}]`) and the events collected
/// (the core's snake_case objects).
#[uniffi::export]
pub fn doctor_report(
    options_json: String,
    exchanges_json: String,
    events_json: String,
    now_ms: u64,
) -> String {
    ccauth::doctor::report_from_json(&options_json, &exchanges_json, &events_json, now_ms).to_json()
}
