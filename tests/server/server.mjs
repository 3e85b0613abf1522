// A real authorization server for ccauth's integration tests and demos:
// node-oidc-provider (a certified OpenID provider) on 127.0.0.1, plus a small
// protected API and a token-request counter on the same port.
//
//   node server.mjs [--port 0] [--short-ttl 5] [--max-seconds 900]
//
// Prints one JSON line when ready: {"issuer","token_endpoint","api","stats"}.
// Stops by itself after --max-seconds, when stdin closes, or on SIGTERM/SIGINT.
// Never prints a secret or a token.

import http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

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
].map((client) => ({ ...client, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }));

// Signing keys are made at start: nothing secret is committed.
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'ccauth-test' };
const publicJwks = jose.createLocalJWKSet({
  keys: [{ kty: signingJwk.kty, n: signingJwk.n, e: signingJwk.e, alg: 'RS256', use: 'sig', kid: signingJwk.kid }],
});

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(args.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: CLIENTS,
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['ccauth-test-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: SCOPES,
        audience: RESOURCE,
        accessTokenFormat: 'jwt',
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

/** GET /api/hello: a resource server that checks the token for real. */
async function api(req, res) {
  const match = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const refuse = (description) =>
    json(res, 401, { error: 'invalid_token' }, {
      'www-authenticate': `Bearer realm="ccauth-test", error="invalid_token", error_description="${description}"`,
    });
  if (!match) return refuse('no bearer token');
  let claims;
  try {
    ({ payload: claims } = await jose.jwtVerify(match[1], publicJwks, { issuer, audience: RESOURCE }));
  } catch {
    return refuse('the access token is invalid or expired');
  }
  const scope = String(claims.scope ?? '');
  if (!scope.split(' ').includes('api.read')) {
    return json(res, 403, { error: 'insufficient_scope' }, {
      'www-authenticate': 'Bearer realm="ccauth-test", error="insufficient_scope", scope="api.read"',
    });
  }
  return json(res, 200, { ok: true, client_id: claims.client_id, scope });
}

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  const path = new URL(req.url, issuer).pathname;
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

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
process.stdout.write(
  `${JSON.stringify({ issuer, token_endpoint: discovery.token_endpoint, api: `${issuer}/api/hello`, stats: `${issuer}/stats` })}\n`,
);
