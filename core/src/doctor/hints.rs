//! The usual mistakes behind a failed token request, recognised from the
//! answer and the options: one short line each on what to try.

/// What a hint is drawn from.
pub(super) struct Symptoms<'a> {
    pub(super) status: Option<u16>,
    /// The RFC 6749 `error`.
    pub(super) error: Option<&'a str>,
    pub(super) description: Option<&'a str>,
    pub(super) auth_method: &'a str,
    /// The token endpoint's host and path.
    pub(super) host: &'a str,
    pub(super) path: &'a str,
    pub(super) has_audience: bool,
    pub(super) html: bool,
    pub(super) json_body: bool,
    pub(super) transport_error: bool,
}

/// The hints that fit, most specific first.
pub(super) fn hints(s: &Symptoms<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let description = s.description.unwrap_or("").to_ascii_lowercase();
    let entra = s.host.ends_with("login.microsoftonline.com") || description.contains("aadsts");
    let auth0 = s.host.ends_with(".auth0.com");
    let okta = s.host.ends_with(".okta.com") || s.host.ends_with(".oktapreview.com");
    if s.transport_error {
        out.push(
            "The endpoint could not be reached: check the URL, DNS, the proxy settings and \
             TLS trust (a corporate proxy's certificate)."
                .into(),
        );
        return out;
    }
    match s.error {
        Some("invalid_client") => {
            let other = match s.auth_method {
                "client_secret_basic" => Some("client_secret_post"),
                "client_secret_post" => Some("client_secret_basic"),
                _ => None,
            };
            match other {
                Some(other) => out.push(format!(
                    "The server refused the client's credentials. If the id and secret are \
                     right, the client may be registered for {other}: try --auth-method {other}. \
                     Also check the secret has not expired or gained a trailing newline."
                )),
                None => out.push(
                    "The server refused the client's credentials: check that the key is the one \
                     registered for this client (its kid), the assertion's audience, and the \
                     machine's clock."
                        .into(),
                ),
            }
        }
        Some("invalid_scope") if entra => out.push(
            "Entra ID grants application permissions through `<resource>/.default`: use e.g. \
             --scope https://graph.microsoft.com/.default (one resource per token)."
                .into(),
        ),
        Some("invalid_scope") if okta && s.path.contains("/oauth2/v1/") => out.push(
            "Okta's org authorization server issues no client-credentials tokens for custom \
             scopes: use a custom authorization server, e.g. /oauth2/default/v1/token."
                .into(),
        ),
        Some("invalid_scope") => out.push(
            "The scope is not granted to this client, or misspelled (scopes are \
             case-sensitive); some servers want no scope at all for this grant."
                .into(),
        ),
        Some("access_denied") if auth0 || description.contains("audience") => out.push(
            "Auth0 needs --audience set to your API's identifier, and the application must be \
             authorized for that API (APIs → Machine to Machine Applications)."
                .into(),
        ),
        Some("unauthorized_client") => out.push(
            "The client may not use the client_credentials grant: enable it for the app \
             (Keycloak: Service accounts roles; Okta and Auth0: the Client Credentials grant \
             type)."
                .into(),
        ),
        Some("invalid_request") if s.json_body => out.push(
            "The server may want the RFC's form-encoded body: try --body-format form.".into(),
        ),
        Some("invalid_target") => out.push(
            "The resource (RFC 8707) is unknown to the server or not allowed for this client."
                .into(),
        ),
        _ => {}
    }
    if auth0 && !s.has_audience && s.error.is_some() && out.is_empty() {
        out.push("Auth0 issues API tokens only for an --audience.".into());
    }
    if s.html {
        out.push(
            "An HTML page came back, not OAuth JSON: a proxy, a firewall (WAF), a login page or \
             a wrong URL answered."
                .into(),
        );
    }
    match s.status {
        Some(404 | 405) => out.push(
            "Nothing takes token requests at this URL: check the path (the issuer's \
             /.well-known/openid-configuration lists its token_endpoint)."
                .into(),
        ),
        Some(429) => out.push(
            "Rate limited: the server meters token requests. ccauth caches tokens per process; \
             share one across processes if many start at once."
                .into(),
        ),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symptoms<'a>(error: &'a str, method: &'a str, host: &'a str) -> Symptoms<'a> {
        Symptoms {
            status: Some(400),
            error: Some(error),
            description: None,
            auth_method: method,
            host,
            path: "/token",
            has_audience: false,
            html: false,
            json_body: false,
            transport_error: false,
        }
    }

    #[test]
    fn the_usual_mistakes_get_their_hint() {
        let h = hints(&symptoms(
            "invalid_client",
            "client_secret_basic",
            "as.example",
        ));
        assert!(h[0].contains("--auth-method client_secret_post"), "{h:?}");
        let h = hints(&symptoms(
            "invalid_client",
            "client_secret_post",
            "as.example",
        ));
        assert!(h[0].contains("client_secret_basic"), "{h:?}");
        let h = hints(&symptoms(
            "invalid_scope",
            "client_secret_post",
            "login.microsoftonline.com",
        ));
        assert!(h[0].contains("/.default"), "{h:?}");
        let h = hints(&symptoms(
            "access_denied",
            "client_secret_post",
            "tenant.eu.auth0.com",
        ));
        assert!(h[0].contains("--audience"), "{h:?}");
        assert!(hints(&symptoms("server_error", "none", "as.example")).is_empty());
    }
}
