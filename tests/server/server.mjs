// A real authorization server for ccauth's integration tests and demos:
// node-oidc-provider (a certified OpenID provider) on 127.0.0.1, plus a small
// protected API and a token-request counter on the same port, and a hostile
// endpoint streaming oversized token responses (oversized.mjs).
//
//   node server.mjs [--port 0] [--short-ttl 5] [--max-seconds 900]
//
// Prints one JSON line when ready: {"issuer","token_endpoint","api","stats","oversized"}.
// Stops by itself after --max-seconds, when stdin closes, or on SIGTERM/SIGINT.
// Never prints a secret or a token.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

import { oversized } from './oversized.mjs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'short-ttl': { type: 'string', default: '5' },
    'max-seconds': { type: 'string', default: '900' },
  },
});
const SHORT_TTL = Number(args['short-ttl']);
const RESOURCE = 'urn:ccauth:api';
const SCOPES = 'api.read api.write';

const CLIENTS = [
  // Every character RFC 6749 §2.3.1 encoding must get right is in this secret.
  { client_id: 'ccauth-basic', client_secret: 's3cr3t+/:%&= "~*', token_endpoint_auth_method: 'client_secret_basic' },
  { client_id: 'ccauth-post', client_secret: 'post-secret-0123456789', token_endpoint_auth_method: 'client_secret_post' },
  { client_id: 'ccauth-short', client_secret: 'short-secret-0123456789', token_endpoint_auth_method: 'client_secret_basic' },
  // JWT client authentication (RFC 7523): the public halves of the test keys
  // in tests/vectors/keys; the client holds the private ones.
  { client_id: 'ccauth-secret-jwt', client_secret: 'jwt-secret-0123456789-0123456789-abcdef', token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' },
  ...[['rs256', 'rsa', 'RS256'], ['es256', 'p256', 'ES256'], ['eddsa', 'ed25519', 'EdDSA']].map(([name, file, alg]) => ({
    client_id: `ccauth-${name}`,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: alg,
    jwks: { keys: [{ ...publicJwk(file), kid: `${name}-1` }] },
  })),
  // DPoP-bound tokens (RFC 9449); revocable and introspectable (opaque tokens).
  { client_id: 'ccauth-dpop', client_secret: 'dpop-secret-0123456789', token_endpoint_auth_method: 'client_secret_basic' },
].map((client) => ({ ...client, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }));
// Opaque tokens can be revoked and introspected; JWT access tokens cannot.
const OPAQUE = new Set(['ccauth-secret-jwt', 'ccauth-es256', 'ccauth-dpop']);

function publicJwk(file) {
  const url = new URL(`../vectors/keys/${file}.pub.pem`, import.meta.url);
  const { kty, crv, x, y, n, e } = crypto.createPublicKey(fs.readFileSync(url)).export({ format: 'jwk' });
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined));
}

// Signing keys are made at start: nothing secret is committed.
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'ccauth-test' };
const publicJwks = jose.createLocalJWKSet({
  keys: [{ kty: signingJwk.kty, n: signingJwk.n, e: signingJwk.e, alg: 'RS256', use: 'sig', kid: signingJwk.kid }],
});

const server = http.createServer();
const apiNonce = crypto.randomBytes(16).toString('base64url');
await new Promise((resolve) => server.listen(Number(args.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: CLIENTS,
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['ccauth-test-cookie-key'] },
  enabledJWA: {
    clientAuthSigningAlgValues: ['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'],
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: SCOPES,
        audience: RESOURCE,
        accessTokenFormat: OPAQUE.has(client.clientId) ? 'opaque' : 'jwt',
        accessTokenTTL: client.clientId === 'ccauth-short' ? SHORT_TTL : 300,
      }),
    },
  },
});
provider.on('server_error', (ctx, error) => console.error('oidc-provider server_error:', error.message));

const stats = { token_requests: 0, token_requests_by_client: {} };
const countFor = (ctx) => {
  const id = ctx.oidc?.client?.clientId ?? 'unknown';
  stats.token_requests_by_client[id] = (stats.token_requests_by_client[id] ?? 0) + 1;
};
provider.on('grant.success', countFor);
provider.on('grant.error', countFor);

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** The claims of an opaque token the provider issued and still holds, else null. */
async function opaqueClaims(token) {
  const stored = await provider.ClientCredentials.find(token);
  if (!stored || stored.isExpired) return null;
  return { client_id: stored.clientId, scope: stored.scope, jkt: stored.jkt };
}

/** RFC 9449 §7: the DPoP proof of an API call, checked for real (or a reason). */
async function checkDpop(req, token, jkt) {
  const proof = req.headers.dpop;
  if (typeof proof !== 'string') return 'no DPoP proof';
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'EdDSA', 'Ed25519'] });
    if (payload.htm !== req.method || payload.htu !== `${issuer}${new URL(req.url, issuer).pathname}`) return 'htm/htu mismatch';
    const ath = crypto.createHash('sha256').update(token).digest('base64url');
    if (payload.ath !== ath) return 'ath mismatch';
    if ((await jose.calculateJwkThumbprint(protectedHeader.jwk)) !== jkt) return 'key is not the one the token is bound to';
    if (payload.nonce !== apiNonce) return 'use_dpop_nonce';
  } catch {
    return 'invalid DPoP proof';
  }
  return null;
}

/**
 * GET /api/hello: a resource server that checks the token for real: JWT
 * access tokens by signature, opaque ones with the provider; a DPoP-bound
 * token needs `Authorization: DPoP` and a proof with this API's nonce.
 */
async function api(req, res) {
  const match = /^(bearer|dpop)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const scheme = match?.[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const refuse = (description, error = 'invalid_token', headers = {}) =>
    json(res, 401, { error }, {
      'www-authenticate': `${scheme} realm="ccauth-test", error="${error}", error_description="${description}"`,
      ...headers,
    });
  if (!match) return refuse('no bearer token');
  const token = match[2];
  let claims;
  try {
    claims = token.split('.').length === 3
      ? (await jose.jwtVerify(token, publicJwks, { issuer, audience: RESOURCE })).payload
      : await opaqueClaims(token);
  } catch {
    claims = null;
  }
  if (!claims) return refuse('the access token is invalid, revoked or expired');
  if (claims.jkt || claims.cnf?.jkt) {
    if (scheme !== 'DPoP') return refuse('the token is DPoP-bound');
    const problem = await checkDpop(req, token, claims.jkt ?? claims.cnf.jkt);
    if (problem === 'use_dpop_nonce') return refuse('send the nonce', 'use_dpop_nonce', { 'dpop-nonce': apiNonce });
    if (problem) return refuse(problem, 'invalid_dpop_proof');
    res.setHeader('dpop-nonce', apiNonce);
  }
  const scope = String(claims.scope ?? '');
  if (!scope.split(' ').includes('api.read')) {
    return json(res, 403, { error: 'insufficient_scope' }, {
      'www-authenticate': 'Bearer realm="ccauth-test", error="insufficient_scope", scope="api.read"',
    });
  }
  return json(res, 200, { ok: true, client_id: claims.client_id, scope, dpop: Boolean(claims.jkt || claims.cnf?.jkt) });
}

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  const path = url.pathname;
  if (oversized(req, res, url)) return;
  if (req.method === 'POST' && path === '/token') stats.token_requests += 1;
  if (path === '/api/hello' && req.method === 'GET') return void api(req, res);
  if (path === '/stats' && req.method === 'GET') return json(res, 200, stats);
  if (path === '/stats/reset' && req.method === 'POST') {
    stats.token_requests = 0;
    stats.token_requests_by_client = {};
    return json(res, 200, stats);
  }
  return providerCallback(req, res);
});

const stop = () => {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
setTimeout(stop, Number(args['max-seconds']) * 1000).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
// Test harnesses read the ready line and close the pipe: later output must not kill the server.
process.stdout.on('error', () => {});

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
process.stdout.write(
  `${JSON.stringify({
    issuer,
    token_endpoint: discovery.token_endpoint,
    revocation_endpoint: discovery.revocation_endpoint,
    introspection_endpoint: discovery.introspection_endpoint,
    api: `${issuer}/api/hello`,
    stats: `${issuer}/stats`,
    oversized: `${issuer}/oversized`,
  })}\n`,
);
