//! Gets a token from the local authorization server with `client_secret_basic`
//! and `client_secret_post`, calls the protected API with each, and shows the
//! typed error a wrong secret gives. Run by `make demo`.
#![allow(clippy::result_large_err)] // errors are the cold path of an example

use ccauth::{ClientAuthMethod, ClientConfig};
use ccauth_example::{agent, call_api, fetch_token, DriverError, SharedTokens};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set; run via scripts/with-auth-server.sh"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token_endpoint = env("CCAUTH_TOKEN_ENDPOINT");
    let api = env("CCAUTH_API_URL");
    let agent = agent();

    for (client_id, secret, method) in [
        (
            "ccauth-basic",
            "s3cr3t+/:%&= \"~*",
            ClientAuthMethod::ClientSecretBasic,
        ),
        (
            "ccauth-post",
            "post-secret-0123456789",
            ClientAuthMethod::ClientSecretPost,
        ),
    ] {
        let config = ClientConfig::builder(&token_endpoint, client_id)
            .client_secret(secret)
            .auth_method(method)
            .scope("api.read")
            .build()?;
        let token = fetch_token(&agent, &config)?;
        let (status, body) = call_api(&agent, &api, &token)?;
        println!(
            "[rust] {method}: got a {} token for `{}`, valid {} s; API answered {status} {body}",
            token.token_type(),
            token.scope().unwrap_or("(as requested)"),
            (token.expires_at_ms() - token.issued_at_ms()) / 1000,
        );
    }

    // The lifecycle: 50 threads share one cached token and one fetch.
    let config = ClientConfig::builder(&token_endpoint, "ccauth-post")
        .client_secret("post-secret-0123456789")
        .auth_method(ClientAuthMethod::ClientSecretPost)
        .scope("api.write")
        .build()?;
    // Lifecycle events as log lines (tokens appear as a SHA-256 prefix only).
    let log = |event: &ccauth::LifecycleEvent| eprintln!("[rust] ccauth {}", event.to_json());
    let tokens = SharedTokens::with_listener(config, agent.clone(), Some(Box::new(log)));
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let tokens = tokens.clone();
            std::thread::spawn(move || tokens.token().map(|t| t.expires_at_ms()))
        })
        .collect();
    let mut expiries = std::collections::BTreeSet::new();
    for thread in threads {
        expiries.insert(thread.join().map_err(|_| "thread panicked")??);
    }
    println!(
        "[rust] 50 threads asked at once and got {} token(s) between them",
        expiries.len()
    );

    let wrong = ClientConfig::builder(&token_endpoint, "ccauth-post")
        .client_secret("not-the-secret")
        .auth_method(ClientAuthMethod::ClientSecretPost)
        .build()?;
    match fetch_token(&agent, &wrong) {
        Err(DriverError::Token(error)) => println!(
            "[rust] wrong secret: {} (error={:?})",
            error.code(),
            error.error()
        ),
        other => return Err(format!("wrong secret was not rejected: {other:?}").into()),
    }
    Ok(())
}
