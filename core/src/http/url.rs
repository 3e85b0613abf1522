//! Token endpoint URLs: just enough of RFC 3986 to validate one and append
//! query parameters, keeping the URL byte for byte as configured.
//!
//! Hand-written on purpose: a full WHATWG URL parser with IDNA tables is most
//! of the wasm binary's size, and a token endpoint needs none of it. Hosts
//! must be ASCII (use the punycode form of an internationalized name).

use std::net::{Ipv4Addr, Ipv6Addr};

/// The host part of an endpoint.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Host<'a> {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Domain(&'a str),
}

impl Host<'_> {
    /// 127.0.0.0/8, ::1, `localhost` and `*.localhost` (RFC 6761).
    pub(crate) fn is_loopback(&self) -> bool {
        match self {
            Self::Ipv4(ip) => ip.is_loopback(),
            Self::Ipv6(ip) => ip.is_loopback(),
            Self::Domain(name) => {
                let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
        }
    }
}

/// An absolute `http(s)` URL split into what the config checks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Endpoint<'a> {
    /// Lower-cased.
    pub(crate) scheme: String,
    pub(crate) host: Host<'a>,
    pub(crate) has_userinfo: bool,
    pub(crate) has_fragment: bool,
}

/// Why a URL could not be read.
pub(crate) type UrlProblem = &'static str;

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// Visible ASCII only: no spaces, controls or raw non-ASCII.
fn is_uri_text(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

/// Parses an absolute URL with an authority (`scheme://host[:port]/…`).
pub(crate) fn parse(url: &str) -> Result<Endpoint<'_>, UrlProblem> {
    if !is_uri_text(url) {
        return Err(
            "must be an ASCII URL without spaces (percent-encode the path, punycode the host)",
        );
    }
    let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
    if !is_scheme(scheme) {
        return Err("not an absolute URL");
    }
    let has_fragment = rest.contains('#');
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (has_userinfo, host_port) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (true, host_port),
        None => (false, authority),
    };
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (ip, after) = bracketed.split_once(']').ok_or("unclosed IPv6 address")?;
        let ip: Ipv6Addr = ip.parse().map_err(|_| "invalid IPv6 address")?;
        (Host::Ipv6(ip), after.strip_prefix(':'))
    } else {
        let (name, port) = match host_port.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host_port, None),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        {
            return Err("invalid host");
        }
        let host = match name.parse::<Ipv4Addr>() {
            Ok(ip) => Host::Ipv4(ip),
            Err(_) if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                return Err("invalid IPv4 address")
            }
            Err(_) => Host::Domain(name),
        };
        (host, port)
    };
    if let Some(port) = port {
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err("invalid port");
        }
    }
    Ok(Endpoint {
        scheme: scheme.to_ascii_lowercase(),
        host,
        has_userinfo,
        has_fragment,
    })
}

/// RFC 3986 absolute URI (for RFC 8707 resources): `scheme:rest`, visible ASCII.
pub(crate) fn is_absolute_uri(uri: &str) -> bool {
    is_uri_text(uri)
        && uri
            .split_once(':')
            .is_some_and(|(scheme, rest)| is_scheme(scheme) && !rest.is_empty())
}

/// `url` with `pairs` form-encoded after any query it already has.
pub(crate) fn with_query(url: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return url.to_owned();
    }
    let mut out = String::with_capacity(url.len() + 32);
    out.push_str(url);
    match url.find('?') {
        None => out.push('?'),
        Some(at) if at + 1 == url.len() => {}
        Some(_) => out.push('&'),
    }
    let start = out.len();
    let mut query = form_urlencoded::Serializer::for_suffix(out, start);
    query.extend_pairs(pairs);
    query.finish()
}

/// The URL up to its path: query values may carry credentials.
pub(crate) fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_token_endpoints_look_like() {
        let e = parse("HTTPS://as.example.com:8443/oauth2/token?x=1").unwrap();
        assert_eq!(e.scheme, "https");
        assert_eq!(e.host, Host::Domain("as.example.com"));
        assert!(parse("http://[::1]:9000/t").unwrap().host.is_loopback());
        assert!(parse("http://127.5.6.7/t").unwrap().host.is_loopback());
        assert!(parse("http://LOCALHOST./t").unwrap().host.is_loopback());
        assert!(!parse("http://127.0.0.1.evil.example/t")
            .unwrap()
            .host
            .is_loopback());
        assert!(
            parse("https://user:pw@as.example.com/t")
                .unwrap()
                .has_userinfo
        );
        assert!(parse("https://as.example.com/t#f").unwrap().has_fragment);
    }

    #[test]
    fn rejects_what_is_not_a_url() {
        for bad in [
            "not a url",
            "/oauth/token",
            "https://",
            "https://bad host/",
            "https://[::1/t",
            "https://a:99999/t",
            "https://ex\u{e4}mple.com/t",
            "https://300.1.1.1/t",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn appends_queries() {
        let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            with_query("https://a/t", &[p("a b", "c&d")]),
            "https://a/t?a+b=c%26d"
        );
        assert_eq!(
            with_query("https://a/t?x=1", &[p("y", "2")]),
            "https://a/t?x=1&y=2"
        );
        assert_eq!(
            with_query("https://a/t?", &[p("y", "2")]),
            "https://a/t?y=2"
        );
    }

    #[test]
    fn absolute_uris() {
        assert!(is_absolute_uri("urn:example:b"));
        assert!(is_absolute_uri("https://api.example.com/v1"));
        assert!(!is_absolute_uri("/api"));
        assert!(!is_absolute_uri("1abc:x"));
    }
}
