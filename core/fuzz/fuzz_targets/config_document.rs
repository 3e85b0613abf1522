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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Err(error) = ClientConfig::from_json(text) else {
        return;
    };
    let shown = format!("{error} {error:?}");
    let mut values = Vec::new();
    if let Ok(document) = serde_json::from_str::<serde_json::Value>(text) {
        strings(&document, &mut values);
    }
    for value in values.iter().filter(|v| v.len() >= 12) {
        // Option names may be echoed (an unknown option); values never.
        let is_name = text.contains(&format!("\"{value}\":")) || text.contains(&format!("\"{value}\" :"));
        assert!(is_name || !shown.contains(value.as_str()), "an error quoted a value: {shown}");
    }
    assert!(!error.code().is_empty() && !error.field().is_empty());
});
