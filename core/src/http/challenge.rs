//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3).
//!
//! Hand-written: the grammar is small, and the crates that parse it are
//! server-side or unmaintained. It never fails: whatever cannot be read is
//! skipped, and every loop consumes input, so arbitrary bytes terminate.

/// One authentication challenge, e.g. `Bearer error="invalid_token"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme as sent (`Bearer`, `Basic`, `DPoP`, …).
    pub scheme: String,
    /// Parameters in order; names lower-cased, quoted values unescaped.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (lower-case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the scheme is `scheme`, compared case-insensitively.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn bump(&mut self) {
        let mut chars = self.rest.chars();
        chars.next();
        self.rest = chars.as_str();
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let end = self.rest.find(|c: char| !f(c)).unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    fn skip_ws(&mut self) {
        self.skip_while(|c| c == ' ' || c == '\t');
    }

    fn token(&mut self) -> Option<&'a str> {
        Some(self.skip_while(is_tchar)).filter(|t| !t.is_empty())
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// A quoted-string after its opening quote; tolerates a missing close.
    fn quoted(&mut self) -> String {
        let mut value = String::new();
        while let Some(c) = self.peek() {
            self.bump();
            match c {
                '"' => break,
                '\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.bump();
                    }
                }
                c => value.push(c),
            }
        }
        value
    }
}

/// Parses every challenge in the given header values.
pub fn parse_www_authenticate<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut challenges = Vec::new();
    for value in values {
        parse_one_header(value, &mut challenges);
    }
    challenges
}

fn parse_one_header(value: &str, out: &mut Vec<Challenge>) {
    let mut cur = Cursor { rest: value };
    loop {
        cur.skip_while(|c| c == ' ' || c == '\t' || c == ',');
        if cur.rest.is_empty() {
            return;
        }
        let Some(scheme) = cur.token() else {
            cur.bump(); // not a token: skip one character and resync
            continue;
        };
        let mut challenge = Challenge {
            scheme: scheme.to_owned(),
            params: Vec::new(),
        };
        loop {
            cur.skip_ws();
            let before = cur.rest;
            let Some(name) = cur.token() else { break };
            cur.skip_ws();
            if !cur.eat('=') {
                cur.rest = before; // the next challenge's scheme
                break;
            }
            cur.skip_ws();
            let value = if cur.eat('"') {
                cur.quoted()
            } else {
                // token, or the tail of a token68 (`abc==`)
                cur.skip_while(|c| is_tchar(c) || c == '=' || c == '/')
                    .to_owned()
            };
            challenge.params.push((name.to_ascii_lowercase(), value));
            cur.skip_ws();
            if !cur.eat(',') {
                break;
            }
        }
        out.push(challenge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_error_with_escapes_and_commas() {
        let got = parse_www_authenticate([
            r#"Bearer realm="api", error="invalid_token", error_description="the \"token\", expired""#,
        ]);
        assert_eq!(got.len(), 1);
        assert!(got[0].is_scheme("bearer"));
        assert_eq!(got[0].param("error"), Some("invalid_token"));
        assert_eq!(
            got[0].param("error_description"),
            Some(r#"the "token", expired"#)
        );
    }

    #[test]
    fn several_challenges_in_one_header() {
        let got = parse_www_authenticate([r#"Basic realm="as", Bearer error=invalid_token"#]);
        let schemes: Vec<&str> = got.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Basic", "Bearer"]);
        assert_eq!(got[1].param("error"), Some("invalid_token"));
    }

    #[test]
    fn garbage_terminates() {
        let got = parse_www_authenticate(["\"\"\"==,,,é\u{0}Bearer =", "", "Negotiate abc=="]);
        assert!(got.iter().any(|c| c.scheme == "Negotiate"));
    }
}
