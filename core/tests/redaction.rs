//! Every public type that can hold a secret or a token keeps it out of its
//! Debug and Display text.

use ccauth::{
    build_token_request, parse_token_response, AccessTokenValue, AuthorizationValue,
    ClientAuthMethod, ClientConfig, ClientSecret, Error, HttpResponse, IdToken, RefreshToken,
};

const SECRET: &str = "client-secret-DO-NOT-PRINT";
const TOKEN: &str = "access-token-DO-NOT-PRINT";
const REFRESH: &str = "refresh-token-DO-NOT-PRINT";
const ID_TOKEN: &str = "id-token-DO-NOT-PRINT";
const EXTRA: &str = "extra-value-DO-NOT-PRINT";

fn assert_clean(what: &str, text: &str) {
    for needle in [SECRET, TOKEN, REFRESH, ID_TOKEN, EXTRA, "DO-NOT-PRINT"] {
        assert!(!text.contains(needle), "{what} shows `{needle}`: {text}");
    }
}

fn config(method: ClientAuthMethod) -> ClientConfig {
    ClientConfig::builder(
        "https://as.example.com/token?api_key=extra-value-DO-NOT-PRINT",
        "client",
    )
    .client_secret(SECRET)
    .auth_method(method)
    .extra_body_param("api_key", EXTRA)
    .extra_header("X-Api-Key", EXTRA)
    .build()
    .unwrap()
}

#[test]
fn secret_newtypes() {
    assert_clean("ClientSecret", &format!("{:?}", ClientSecret::new(SECRET)));
    assert_clean(
        "AccessTokenValue",
        &format!("{:?}", AccessTokenValue::new(TOKEN)),
    );
    assert_clean("RefreshToken", &format!("{:?}", RefreshToken::new(REFRESH)));
    assert_clean("IdToken", &format!("{:?}", IdToken::new(ID_TOKEN)));
    assert_clean(
        "AuthorizationValue",
        &format!("{:?}", AuthorizationValue::new(format!("Bearer {TOKEN}"))),
    );
}

#[test]
fn config_builder_and_request() {
    let builder =
        ClientConfig::builder("https://as.example.com/token", "client").client_secret(SECRET);
    assert_clean("ClientConfigBuilder", &format!("{builder:?}"));
    for method in [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
    ] {
        let config = config(method);
        assert_clean("ClientConfig", &format!("{config:?}"));
        let request = build_token_request(&config).unwrap();
        assert_clean("HttpRequest", &format!("{request:?}"));
    }
}

#[test]
fn response_token_and_errors() {
    let body = format!(
        r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":60,"refresh_token":"{REFRESH}","id_token":"{ID_TOKEN}","custom":"{EXTRA}"}}"#
    );
    let response = HttpResponse::new(200, vec![], body.clone());
    assert_clean("HttpResponse", &format!("{response:?}"));
    let token =
        parse_token_response(&config(ClientAuthMethod::ClientSecretBasic), &response, 0).unwrap();
    assert_clean("AccessToken", &format!("{token:?}"));
    assert_clean(
        "AuthorizationValue",
        &format!("{:?}", token.authorization_header()),
    );

    // A 200 that is not quite a token still holds one: the error must not show it.
    for broken in [
        format!(r#"{{"access_token":"{TOKEN}","token_type":7}}"#),
        format!(r#"{{"access_token":"{TOKEN} x"}}"#),
        format!(r#"{{"access_token":"{TOKEN}","error":"invalid_request"}}"#),
        format!(r#"[{{"access_token":"{TOKEN}"}}]"#),
        format!("access_token={TOKEN}&token_type=7&error"),
    ] {
        let err = parse_token_response(
            &config(ClientAuthMethod::ClientSecretBasic),
            &HttpResponse::new(200, vec![], broken),
            0,
        )
        .unwrap_err();
        assert_clean("ResponseError", &format!("{err} {err:?}"));
        let err = Error::from(err);
        assert_clean("Error", &format!("{err} {err:?}"));
    }

    // An error page that echoes the secret and the token shows neither.
    let echo = format!("<html><body>bad client {SECRET} for token {TOKEN}</body></html>");
    let err = parse_token_response(
        &config(ClientAuthMethod::ClientSecretPost),
        &HttpResponse::new(400, vec![("Content-Type".into(), "text/html".into())], echo),
        0,
    )
    .unwrap_err();
    let text = format!("{err} {err:?} {:?}", err.excerpt());
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn config_errors() {
    let err = ClientConfig::builder("http://as.example.com/token", "client")
        .client_secret(SECRET)
        .build()
        .unwrap_err();
    assert_clean("ConfigError", &format!("{err} {err:?}"));
    let err = ClientConfig::builder("https://as.example.com/token", "client")
        .client_secret(format!("{SECRET}\n"))
        .build()
        .unwrap_err();
    assert_clean("ConfigError", &format!("{err} {err:?}"));
}

/// A server that echoes the secret in headers (a challenge, the content
/// type) or in error members: the error never carries it. Found by fuzzing.
#[test]
fn a_secret_echoed_in_headers_or_error_members_is_redacted() {
    let config = config(ClientAuthMethod::ClientSecretBasic);
    let response = HttpResponse::new(
        401,
        vec![
            (
                "WWW-Authenticate".into(),
                format!(r#"Basic realm="{SECRET}", {SECRET}=x"#),
            ),
            (
                "Content-Type".into(),
                format!("application/json; x={SECRET}"),
            ),
        ],
        format!(
            r#"{{"error":"invalid_client","error_description":"bad {SECRET}","hint":["{SECRET}"],"access_token":"{TOKEN}"}}"#
        ),
    );
    let error = parse_token_response(&config, &response, 0).unwrap_err();
    assert_eq!(error.code(), "TOKEN_ENDPOINT_ERROR");
    assert_clean("ResponseError", &format!("{error} {error:?}"));
    assert_eq!(error.extras()["hint"], serde_json::json!(["[REDACTED]"]));
}

/// A form-encoded error body is all names: a name holding the secret is
/// dropped from the extras. Found by fuzzing.
#[test]
fn a_secret_as_a_member_name_is_not_kept() {
    let config = config(ClientAuthMethod::ClientSecretBasic);
    let response = HttpResponse::new(
        503,
        vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        format!("error=temporarily_unavailable&{SECRET}x=1"),
    );
    let error = parse_token_response(&config, &response, 0).unwrap_err();
    assert_clean("ResponseError", &format!("{error} {error:?}"));
    assert!(error.extras().is_empty());
}
