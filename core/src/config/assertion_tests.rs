//! The client assertion's header as configured: `kid` and `x5t#S256` from
//! a certificate.
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;

use crate::auth::jws::Jws;
use crate::auth::key::PrivateKey;
use crate::auth::method::ClientAuthMethod;
use crate::config::ClientConfig;

fn header(config: &ClientConfig) -> serde_json::Value {
    let settings = config.assertion.as_ref().unwrap();
    let Some(Jws::Signed(jwt)) =
        crate::auth::assertion::sign("svc", None, settings, 1_000, &[1; 32])
    else {
        panic!("an in-core key signs")
    };
    let head = jwt.split('.').next().unwrap();
    serde_json::from_slice(&B64.decode(head).unwrap()).unwrap()
}

#[test]
fn a_certificate_gives_x5t_s256_and_the_default_kid() {
    // The core hashes the DER as it is; any SEQUENCE stands in for a certificate.
    let der: Vec<u8> = [&[0x30, 0x82, 0x01, 0x00][..], &[7; 256][..]].concat();
    let thumbprint = crate::auth::assertion::certificate_thumbprint(&der);
    assert_eq!(thumbprint.len(), 43);
    let key = || PrivateKey::generate_p256(&[2; 32]).unwrap();
    let builder = || {
        ClientConfig::builder("https://as.example.com/token", "svc")
            .auth_method(ClientAuthMethod::PrivateKeyJwt)
            .private_key(key())
            .certificate(der.clone())
    };
    let h = header(&builder().build().unwrap());
    assert_eq!(h["x5t#S256"], thumbprint.as_str());
    assert_eq!(h["kid"], thumbprint.as_str());
    let h = header(&builder().key_id("k1").build().unwrap());
    assert_eq!(h["kid"], "k1");
    assert_eq!(h["x5t#S256"], thumbprint.as_str());
    // Not a DER certificate (a PEM left encoded): refused.
    let err = ClientConfig::builder("https://as.example.com/token", "svc")
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .private_key(key())
        .certificate(b"-----BEGIN CERTIFICATE-----".to_vec())
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "certificate");
}
