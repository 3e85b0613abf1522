//! Config documents (what every binding hands the core) on arbitrary text:
//! never a panic, and no error ever quotes a value from the document.
#![no_main]

use ccauth::ClientConfig;
use libfuzzer_sys::fuzz_target;

fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// `document` with every string value equal to `from` replaced by `marker`.
fn replaced(document: &serde_json::Value, from: &str, marker: &str) -> serde_json::Value {
    use serde_json::Value;
    match document {
        Value::String(s) if s == from => Value::String(marker.to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(|v| replaced(v, from, marker)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), replaced(v, from, marker))).collect()),
        other => other.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Err(error) = ClientConfig::from_json(text) else {
        return;
    };
    let shown = format!("{error} {error:?}");
    let mut values = Vec::new();
    let document = serde_json::from_str::<serde_json::Value>(text).ok();
    if let Some(document) = &document {
        strings(document, &mut values);
    }
    for value in values.iter().filter(|v| v.len() >= 12) {
        // Option names may be echoed (an unknown option); values never.
        let is_name = text.contains(&format!("\"{value}\":")) || text.contains(&format!("\"{value}\" :"));
        if is_name || !shown.contains(value.as_str()) {
            continue;
        }
        // A value may also spell a word of the core's own vocabulary (an
        // option name it suggests, an auth method it names: snake_case); such
        // a word is quoted only if the same document with that value replaced
        // by another word shows the replacement.
        // (Spaces around it count for nothing: " client_secret_post" is the
        // word a list of expected values shows after its comma.)
        let word = value
            .trim()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        assert!(word, "an error quoted a value: {shown}");
        let marker: String = (0..value.len()).map(|i| if i % 2 == 0 { 'z' } else { 'q' }).collect();
        // In the text where it is spelled plainly (the order of members kept),
        // else in the parsed document.
        let quoted = serde_json::to_string(value).unwrap();
        let other = if text.contains(&quoted) {
            text.replace(&quoted, &serde_json::to_string(&marker).unwrap())
        } else {
            replaced(document.as_ref().unwrap(), value, &marker).to_string()
        };
        if let Err(again) = ClientConfig::from_json(&other) {
            let shown = format!("{again} {again:?}");
            assert!(!shown.contains(&marker), "an error quoted a value: {shown}");
        }
    }
    assert!(!error.code().is_empty() && !error.field().is_empty());
});
