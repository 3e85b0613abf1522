//! `ccauth doctor` for the npm CLI: the core's plan, options and report
//! over JSON text (`js/cli.ts` does the IO).

use wasm_bindgen::prelude::*;

use crate::throw;

/// `{help?, config_file?, private_key_file?}`: the files the CLI reads
/// (arguments a JSON array of strings, the environment a JSON object).
#[wasm_bindgen(js_name = doctorPlan)]
pub fn doctor_plan(args_json: &str, env_json: &str) -> Result<String, JsValue> {
    let args = ccauth::doctor::args_from_json(args_json).map_err(|e| throw(&e.into()))?;
    let env = ccauth::doctor::env_from_json(env_json).map_err(|e| throw(&e.into()))?;
    ccauth::doctor::plan(&args, &env)
        .map(|plan| plan.to_json())
        .map_err(|e| throw(&e.into()))
}

/// The client options (a JSON object, config document names, snake_case)
/// from the files' text, the environment and the arguments, in that order
/// of precedence (the last wins). With no arguments: the libraries' `fromEnv`.
#[wasm_bindgen(js_name = clientOptions)]
pub fn client_options(
    args_json: &str,
    env_json: &str,
    config_file_text: Option<String>,
    private_key_text: Option<String>,
) -> Result<String, JsValue> {
    let args = ccauth::doctor::args_from_json(args_json).map_err(|e| throw(&e.into()))?;
    let env = ccauth::doctor::env_from_json(env_json).map_err(|e| throw(&e.into()))?;
    ccauth::doctor::client_options(
        &args,
        &env,
        config_file_text.as_deref(),
        private_key_text.as_deref(),
    )
    .map(|options| serde_json::Value::Object(options).to_string())
    .map_err(|e| throw(&e.into()))
}

/// `{ok, exit_code, text}`: the report on the exchanges the CLI made
/// (`[{"request", "response" | "transport_error"}]`) and the events it
/// collected (the core's snake_case objects).
#[wasm_bindgen(js_name = doctorReport)]
pub fn doctor_report(
    options_json: &str,
    exchanges_json: &str,
    events_json: &str,
    now_ms: f64,
) -> String {
    ccauth::doctor::report_from_json(options_json, exchanges_json, events_json, now_ms as u64)
        .to_json()
}
