//! Client options from the command line, the environment and a JSON file:
//! what `ccauth doctor` runs with, and what the libraries' `from_env` read.
//!
//! Sans-IO: the host passes its arguments and environment, reads the files
//! the [`DoctorPlan`] names, and passes their text back. Flags win over
//! environment variables, which win over the file.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ConfigError, ConfigErrorKind};

/// How an option's text becomes a config document member.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One string.
    Text,
    /// Space-separated words (a repeated flag adds more).
    Words,
    /// The flag names a file the host reads; the variable holds the text.
    KeyFile,
}

/// (flag, environment variable, config document member, kind).
const OPTIONS: [(&str, &str, &str, Kind); 12] = [
    (
        "token-endpoint",
        "CCAUTH_TOKEN_ENDPOINT",
        "token_endpoint",
        Kind::Text,
    ),
    ("issuer", "CCAUTH_ISSUER", "issuer", Kind::Text),
    ("client-id", "CCAUTH_CLIENT_ID", "client_id", Kind::Text),
    (
        "client-secret",
        "CCAUTH_CLIENT_SECRET",
        "client_secret",
        Kind::Text,
    ),
    (
        "auth-method",
        "CCAUTH_AUTH_METHOD",
        "auth_method",
        Kind::Text,
    ),
    ("scope", "CCAUTH_SCOPE", "scopes", Kind::Words),
    ("audience", "CCAUTH_AUDIENCE", "audience", Kind::Text),
    ("resource", "CCAUTH_RESOURCE", "resources", Kind::Words),
    (
        "private-key-file",
        "CCAUTH_PRIVATE_KEY",
        "private_key",
        Kind::KeyFile,
    ),
    ("key-id", "CCAUTH_KEY_ID", "key_id", Kind::Text),
    (
        "client-assertion-alg",
        "CCAUTH_CLIENT_ASSERTION_ALG",
        "client_assertion_alg",
        Kind::Text,
    ),
    (
        "body-format",
        "CCAUTH_BODY_FORMAT",
        "body_format",
        Kind::Text,
    ),
];

/// The flag and variable naming a JSON config document file.
const CONFIG_FLAG: &str = "config";
const CONFIG_VAR: &str = "CCAUTH_CONFIG_FILE";
/// The variable naming a private key file (`CCAUTH_PRIVATE_KEY` holds the text).
const KEY_FILE_VAR: &str = "CCAUTH_PRIVATE_KEY_FILE";

/// What the host does before building the options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DoctorPlan {
    /// Print this and exit 0 (`--help`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Read this JSON config document and pass its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_file: Option<String>,
    /// Read this private key (PEM or JWK) and pass its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<String>,
}

impl DoctorPlan {
    /// The plan as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn bad(field: &str, reason: &str) -> ConfigError {
    ConfigError::named(
        ConfigErrorKind::InvalidConfigDocument,
        field.to_owned(),
        reason.to_owned(),
    )
}

/// `--name value` and `--name=value` pairs, without a leading `doctor`.
fn flags(args: &[String]) -> Result<(Vec<(String, String)>, bool), ConfigError> {
    let mut out = Vec::new();
    let mut help = false;
    let mut rest = args
        .iter()
        .enumerate()
        .skip_while(|(_, a)| a.as_str() == "doctor");
    while let Some((position, arg)) = rest.next() {
        if arg == "--help" || arg == "-h" {
            help = true;
            continue;
        }
        let Some(flag) = arg.strip_prefix("--") else {
            // Not echoed: it may be a secret typed in the wrong place.
            return Err(bad(
                "arguments",
                &format!("argument {} is not a --flag", position + 1),
            ));
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => {
                let value = rest
                    .next()
                    .map(|(_, v)| v)
                    .ok_or_else(|| bad("arguments", &format!("--{} needs a value", shown(flag))))?;
                (flag.to_owned(), value.clone())
            }
        };
        let known = name == CONFIG_FLAG || OPTIONS.iter().any(|(f, ..)| *f == name);
        if !known {
            let names = OPTIONS.iter().map(|(f, ..)| *f).chain([CONFIG_FLAG]);
            return Err(bad(
                "arguments",
                &format!(
                    "unknown flag --{}{}",
                    shown(&name),
                    suggestion(&name, names, "--")
                ),
            ));
        }
        out.push((name, value));
    }
    Ok((out, help))
}

/// A flag or variable name as shown in an error: bounded, one line.
fn shown(text: &str) -> String {
    let start: String = text.chars().take(24).filter(|c| !c.is_control()).collect();
    if start.len() < text.len() {
        format!("{start}…")
    } else {
        start
    }
}

fn suggestion<'a>(name: &str, names: impl Iterator<Item = &'a str>, prefix: &str) -> String {
    names
        .map(|n| (strsim::levenshtein(name, n), n))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| format!("; did you mean {prefix}{n}?"))
        .unwrap_or_default()
}

/// The `CCAUTH_*` variables that are set and not empty; a name close to a
/// known one is a typo and an error (an unrelated `CCAUTH_*` is ignored).
fn variables(env: &[(String, String)]) -> Result<Vec<(&str, &str)>, ConfigError> {
    let known = || {
        OPTIONS
            .iter()
            .map(|(_, v, ..)| *v)
            .chain([CONFIG_VAR, KEY_FILE_VAR])
    };
    let mut out = Vec::new();
    for (name, value) in env {
        if !name.starts_with("CCAUTH_") || value.trim().is_empty() {
            continue;
        }
        if known().any(|k| k == name) {
            out.push((name.as_str(), value.as_str()));
        } else {
            let hint = suggestion(name, known(), "");
            if !hint.is_empty() {
                return Err(bad(
                    "environment",
                    &format!("{} is not a ccauth variable{hint}", shown(name)),
                ));
            }
        }
    }
    Ok(out)
}

/// Which files the host must read, or the help text.
pub fn plan(args: &[String], env: &[(String, String)]) -> Result<DoctorPlan, ConfigError> {
    let (flags, help) = flags(args)?;
    if help {
        return Ok(DoctorPlan {
            help: Some(help_text()),
            ..DoctorPlan::default()
        });
    }
    let vars = variables(env)?;
    let flag = |name: &str| {
        flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let var = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let key_text_set = var("CCAUTH_PRIVATE_KEY").is_some();
    Ok(DoctorPlan {
        help: None,
        config_file: flag(CONFIG_FLAG).or_else(|| var(CONFIG_VAR)),
        private_key_file: flag("private-key-file")
            .or_else(|| (!key_text_set).then(|| var(KEY_FILE_VAR)).flatten()),
    })
}

/// The client options (config document members, snake_case) from the
/// config file's text, then the environment, then the flags; the private
/// key file's text, when the plan named one.
pub fn client_options(
    args: &[String],
    env: &[(String, String)],
    config_file_text: Option<&str>,
    private_key_text: Option<&str>,
) -> Result<Map<String, Value>, ConfigError> {
    let (flags, _) = flags(args)?;
    let vars = variables(env)?;
    let mut options = match config_file_text {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(members)) => members,
            _ => return Err(bad("config_file", "the config file is not a JSON object")),
        },
        None => Map::new(),
    };
    for (_, var, member, kind) in OPTIONS {
        if let Some((_, value)) = vars.iter().find(|(n, _)| *n == var) {
            options.insert(member.to_owned(), value_of(kind, &[value]));
        }
    }
    for (flag, _, member, kind) in OPTIONS {
        let given: Vec<&str> = flags
            .iter()
            .filter(|(n, _)| n == flag)
            .map(|(_, v)| v.as_str())
            .collect();
        if kind == Kind::KeyFile || given.is_empty() {
            continue;
        }
        let value = match kind {
            Kind::Words => value_of(kind, &given),
            _ => value_of(kind, given.get(given.len() - 1..).unwrap_or_default()),
        };
        options.insert(member.to_owned(), value);
    }
    if let Some(text) = private_key_text {
        options.insert("private_key".to_owned(), key_value(text));
    }
    if let Some(Value::String(text)) = options.get("private_key") {
        let value = key_value(text);
        options.insert("private_key".to_owned(), value);
    }
    Ok(options)
}

fn value_of(kind: Kind, given: &[&str]) -> Value {
    match kind {
        Kind::Words => Value::Array(
            given
                .iter()
                .flat_map(|v| v.split_whitespace())
                .map(|w| Value::String(w.to_owned()))
                .collect(),
        ),
        Kind::KeyFile => key_value(given.last().copied().unwrap_or_default()),
        Kind::Text => Value::String(given.last().copied().unwrap_or_default().trim().to_owned()),
    }
}

/// A key's text: a JWK object when it is JSON, else the PEM string.
fn key_value(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(jwk @ Value::Object(_)) => jwk,
        _ => Value::String(text.trim().to_owned()),
    }
}

fn help_text() -> String {
    let mut text = String::from(
        "ccauth doctor: fetch one token and explain what happened\n\n\
         Options (flag, or environment variable):\n",
    );
    for (flag, var, _, kind) in OPTIONS {
        let value = match kind {
            Kind::Words => "WORDS",
            Kind::KeyFile => "FILE",
            Kind::Text => "VALUE",
        };
        let env = if kind == Kind::KeyFile {
            format!("{var} (the key) or {KEY_FILE_VAR}")
        } else {
            var.to_owned()
        };
        text.push_str(&format!("  --{flag} {value:<6} {env}\n"));
    }
    text.push_str(&format!(
        "  --{CONFIG_FLAG} FILE    {CONFIG_VAR}: a JSON config document (snake_case members)\n\n\
         Flags win over variables, variables over the file. Prefer the variable for\n\
         the client secret: a command line is visible to other users of the machine.\n\
         Exit code: 0 when a token came back, 1 when not, 2 for bad options.\n"
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    fn env(e: &[(&str, &str)]) -> Vec<(String, String)> {
        e.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn flags_win_over_variables_over_the_file() {
        let file = r#"{"token_endpoint":"https://file.example/token","client_id":"from-file","scopes":["a"]}"#;
        let options = client_options(
            &args(&[
                "doctor",
                "--client-id",
                "from-flag",
                "--scope=x",
                "--scope",
                "y z",
            ]),
            &env(&[
                ("CCAUTH_CLIENT_ID", "from-env"),
                ("CCAUTH_AUDIENCE", "api"),
                ("HOME", "/root"),
            ]),
            Some(file),
            None,
        )
        .unwrap();
        assert_eq!(options["client_id"], "from-flag");
        assert_eq!(options["token_endpoint"], "https://file.example/token");
        assert_eq!(options["audience"], "api");
        assert_eq!(options["scopes"], serde_json::json!(["x", "y", "z"]));
    }

    #[test]
    fn typos_are_named_with_a_suggestion_and_unrelated_variables_ignored() {
        let e = plan(&args(&["--client-idd", "x"]), &[]).unwrap_err();
        assert!(e.reason().contains("did you mean --client-id?"), "{e}");
        let e = plan(&[], &env(&[("CCAUTH_CLIENTID", "x")])).unwrap_err();
        assert!(e.reason().contains("did you mean CCAUTH_CLIENT_ID?"), "{e}");
        assert!(plan(&[], &env(&[("CCAUTH_BENCH_RUNS", "3")])).is_ok());
        let e = plan(&args(&["--client-secret"]), &[]).unwrap_err();
        assert!(e.reason().contains("needs a value"), "{e}");
    }

    #[test]
    fn the_plan_names_the_files_to_read_and_keys_become_jwks_or_pem() {
        let p = plan(
            &args(&["--private-key-file", "/k.pem"]),
            &env(&[("CCAUTH_CONFIG_FILE", "/c.json")]),
        )
        .unwrap();
        assert_eq!(p.config_file.as_deref(), Some("/c.json"));
        assert_eq!(p.private_key_file.as_deref(), Some("/k.pem"));
        assert!(plan(&args(&["--help"]), &[])
            .unwrap()
            .help
            .unwrap()
            .contains("CCAUTH_CLIENT_SECRET"));
        let o = client_options(&[], &[], None, Some(r#"{"kty":"EC","crv":"P-256"}"#)).unwrap();
        assert!(o["private_key"].is_object());
        let o = client_options(
            &[],
            &env(&[("CCAUTH_PRIVATE_KEY", "-----BEGIN…\n")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(o["private_key"], "-----BEGIN…");
    }
}
