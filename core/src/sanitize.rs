//! Turning server text into something safe to put in an error: bounded,
//! with the client secret and JWT-shaped words redacted; one line where it
//! goes into a message, line breaks kept where it is a field of its own.

use crate::secret::{ClientSecret, REDACTED};

/// Longest error excerpt, in characters.
pub(crate) const EXCERPT_CHARS: usize = 200;
/// Longest one-line server text (in a message), in characters.
pub(crate) const DESCRIPTION_CHARS: usize = 500;
/// Longest `error_description` kept verbatim, in characters.
pub(crate) const VERBATIM_CHARS: usize = 2000;

/// Collapses control characters and whitespace runs into single spaces and trims.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Drops everything between `<` and `>`, leaving a space in its place.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

fn is_jwt_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.=+/".contains(c)
}

/// Replaces every run of JWT characters that starts with `eyJ` and contains a dot.
fn redact_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        let (before, candidate) = rest.split_at(start);
        out.push_str(before);
        let len = candidate
            .find(|c: char| !is_jwt_char(c))
            .unwrap_or(candidate.len());
        let (run, after) = candidate.split_at(len);
        if run.contains('.') {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn redact_secret(text: String, secret: Option<&ClientSecret>) -> String {
    let Some(secret) = secret else { return text };
    // Read only to find and hide it in server text that may echo it.
    let secret = secret.expose_secret();
    if secret.is_empty() {
        return text;
    }
    let mut text = text.replace(secret, REDACTED);
    let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    if encoded != secret {
        text = text.replace(&encoded, REDACTED);
    }
    text
}

fn truncate_chars(mut text: String, max: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
    text
}

/// The excerpt of an error body, or `None` when nothing readable is left.
pub(crate) fn excerpt(body: &str, is_html: bool, secret: Option<&ClientSecret>) -> Option<String> {
    // The secret first, on the raw text, so no later step can split it.
    let body = redact_secret(body.to_owned(), secret);
    let text = if is_html {
        one_line(&strip_tags(&body))
    } else {
        one_line(&body)
    };
    let text = redact_jwts(&text);
    let text = truncate_chars(text, EXCERPT_CHARS);
    let text = text.trim_end();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A server-sent `error_description` made safe to display.
pub(crate) fn description(text: &str, secret: Option<&ClientSecret>) -> String {
    truncate_chars(
        one_line(&redact_secret(text.to_owned(), secret)),
        DESCRIPTION_CHARS,
    )
}

/// `text` with the client secret (as is, and form-encoded) redacted.
pub(crate) fn redact(text: String, secret: &ClientSecret) -> String {
    redact_secret(text, Some(secret))
}

/// Text already sanitized, made one bounded line for a message.
pub(crate) fn one_line_bounded(text: &str) -> String {
    truncate_chars(one_line(text), DESCRIPTION_CHARS)
}

/// A server-sent `error_description` as written (line breaks and tabs kept,
/// so support staff see what the server said), with other control
/// characters dropped (they could rewrite a terminal), the secret and
/// JWT-shaped words redacted, cut to 2000 characters.
pub(crate) fn verbatim(text: &str, secret: Option<&ClientSecret>) -> String {
    // Dropping characters can join the pieces of a secret: drop first, then redact.
    let kept: String = text
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect();
    truncate_chars(redact_jwts(&redact_secret(kept, secret)), VERBATIM_CHARS)
}

/// A short token from the host's platform (`ECONNREFUSED`, a class name):
/// only `[A-Za-z0-9_.:-]`, at most 64 characters; `None` when nothing is left.
pub(crate) fn code_word(text: &str) -> Option<String> {
    let word: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_.:-".contains(*c))
        .take(64)
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_redacts_a_secret_split_by_control_characters() {
        let secret = ClientSecret::new("s3cret");
        assert_eq!(verbatim("a s3\u{1}cret b", Some(&secret)), "a [REDACTED] b");
    }

    #[test]
    fn verbatim_keeps_line_breaks_and_drops_escapes() {
        let text = "AADSTS7000215: Invalid client secret.\r\nTrace ID: 1\u{1b}[31m eyJa.b s3cret";
        let secret = ClientSecret::new("s3cret");
        assert_eq!(
            verbatim(text, Some(&secret)),
            "AADSTS7000215: Invalid client secret.\r\nTrace ID: 1[31m [REDACTED] [REDACTED]"
        );
        assert_eq!(verbatim(&"x".repeat(3000), None).len(), VERBATIM_CHARS);
    }

    #[test]
    fn code_words_keep_only_safe_characters() {
        assert_eq!(code_word("ECONNREFUSED").as_deref(), Some("ECONNREFUSED"));
        assert_eq!(
            code_word("java.net.ConnectException").as_deref(),
            Some("java.net.ConnectException")
        );
        assert_eq!(code_word("a b\n<c>").as_deref(), Some("abc"));
        assert_eq!(code_word(" \n"), None);
        assert_eq!(code_word(&"E".repeat(100)).map(|w| w.len()), Some(64));
    }

    #[test]
    fn html_is_reduced_to_text() {
        let got = excerpt(
            "<html><body><h1>502 Bad\nGateway</h1></body></html>",
            true,
            None,
        );
        assert_eq!(got.as_deref(), Some("502 Bad Gateway"));
    }

    #[test]
    fn secrets_and_jwts_are_redacted() {
        let secret = ClientSecret::new("p w+d");
        let got = excerpt(
            "bad secret p w+d or p+w%2Bd token eyJhbGc.eyJzdWIi.sig end",
            false,
            Some(&secret),
        );
        assert_eq!(
            got.as_deref(),
            Some("bad secret [REDACTED] or [REDACTED] token [REDACTED] end")
        );
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let got = excerpt(&"é".repeat(500), false, None).unwrap();
        assert_eq!(got.chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn whitespace_only_is_none() {
        assert_eq!(excerpt(" \n\t ", false, None), None);
    }
}
