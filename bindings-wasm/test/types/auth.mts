// Client authentication is a type: ClientCredentialsOptions is a union on
// `authMethod`, each method with the credential it needs and none of the
// others'. tsc checks this file against the installed package; every
// `@ts-expect-error` must meet an error (an unused one fails the compile).
import { ClientCredentials, type ClientCredentialsOptions, buildSignedTokenRequest } from "ccauth";

const tokenEndpoint = "https://as.example.com/token";
const issuer = "https://as.example.com";
const clientId = "c";
const privateKey: JsonWebKey = { kty: "EC", crv: "P-256", x: "x", y: "y", d: "d" };
const clientAssertion = async (): Promise<string> => "eyJ…";

// Each method with its credential compiles.
export const ok: ClientCredentialsOptions[] = [
  { tokenEndpoint, clientId, clientSecret: "s" },
  { tokenEndpoint, clientId, clientSecret: "s", basicAuthEncoding: "raw", scopes: ["a", "b"], resources: ["https://api.example.com"] },
  { tokenEndpoint, clientId, authMethod: "client_secret_basic", clientSecret: "s" },
  { tokenEndpoint, clientId, authMethod: "client_secret_post", clientSecret: "s" },
  { tokenEndpoint, clientId, authMethod: "client_secret_jwt", clientSecret: "s", clientAssertionAlg: "HS512" },
  { tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey, keyId: "k1", clientAssertionAlg: "ES256" },
  { tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey: "-----BEGIN PRIVATE KEY-----…" },
  { tokenEndpoint, clientId, authMethod: "private_key_jwt", clientAssertion, clientAssertionAlg: "RS256" },
  { tokenEndpoint, clientId, authMethod: "tls_client_auth" },
  { tokenEndpoint, clientId, authMethod: "none", dpop: true, proactiveRefresh: true },
];
export const discovered = ClientCredentials.discover({ issuer, clientId, clientSecret: "s", timeoutMs: 5_000 });
export const request = buildSignedTokenRequest({ tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey });

// Narrowing on the discriminant reaches the method's fields.
export function credential(o: ClientCredentialsOptions): string {
  switch (o.authMethod) {
    case "private_key_jwt":
      return o.privateKey !== undefined ? "key" : typeof o.clientAssertion;
    case "tls_client_auth":
    case "none":
      return "none";
    default:
      return o.clientSecret;
  }
}

// private_key_jwt without privateKey or clientAssertion:
// @ts-expect-error private_key_jwt needs privateKey or clientAssertion
export const e1 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "private_key_jwt" });
// @ts-expect-error a secret is no credential for private_key_jwt
export const e2 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "private_key_jwt", clientSecret: "s" });
// @ts-expect-error privateKey and clientAssertion at once
export const e3 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey, clientAssertion });
// client_secret_* without clientSecret:
// @ts-expect-error client_secret_basic needs clientSecret
export const e4 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_basic" });
// @ts-expect-error client_secret_post needs clientSecret
export const e5 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_post" });
// @ts-expect-error client_secret_jwt needs clientSecret
export const e6 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_jwt" });
// @ts-expect-error client_secret_jwt with a key instead
export const e7 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_jwt", privateKey });
// @ts-expect-error no authMethod and no secret: nothing to authenticate with
export const e8 = new ClientCredentials({ tokenEndpoint, clientId });
// Fields of another method:
// @ts-expect-error basicAuthEncoding is client_secret_basic's
export const e9 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_post", clientSecret: "s", basicAuthEncoding: "raw" });
// @ts-expect-error an asymmetric alg for client_secret_jwt
export const e10 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret_jwt", clientSecret: "s", clientAssertionAlg: "ES256" });
// @ts-expect-error an HMAC alg for private_key_jwt
export const e11 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey, clientAssertionAlg: "HS256" });
// @ts-expect-error a public client has no secret
export const e12 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "none", clientSecret: "s" });
// @ts-expect-error not a method
export const e13 = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "client_secret", clientSecret: "s" });
// Discovery takes the same union:
// @ts-expect-error private_key_jwt needs privateKey or clientAssertion
export const e14 = ClientCredentials.discover({ issuer, clientId, authMethod: "private_key_jwt" });
// The names of docs/OPTIONS.md (phase 2 renames):
// @ts-expect-error `scope` is now `scopes`
export const e15 = new ClientCredentials({ tokenEndpoint, clientId, clientSecret: "s", scope: ["a"] });
// @ts-expect-error `scopes` is a list
export const e16 = new ClientCredentials({ tokenEndpoint, clientId, clientSecret: "s", scopes: "a b" });
// @ts-expect-error `resource` is now `resources`
export const e17 = new ClientCredentials({ tokenEndpoint, clientId, clientSecret: "s", resource: "https://api.example.com" });
