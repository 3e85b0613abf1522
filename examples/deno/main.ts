// ccauth in Deno: 50 concurrent calls share one token request.
// Run by `make demo`: deno run --allow-net --allow-env main.ts
import { ClientCredentials } from "ccauth";

const tokenEndpoint = Deno.env.get("CCAUTH_TOKEN_ENDPOINT")!;
const api = Deno.env.get("CCAUTH_API_URL")!;
const stats = Deno.env.get("CCAUTH_STATS_URL")!;
const tokenRequests = async () => (await (await fetch(stats)).json()).token_requests_by_client["ccauth-post"] ?? 0;

const client = new ClientCredentials({
  tokenEndpoint,
  clientId: "ccauth-post",
  clientSecret: "post-secret-0123456789",
  authMethod: "client_secret_post",
  scopes: ["api.read"],
});
const before = await tokenRequests();
const responses = await Promise.all(Array.from({ length: 50 }, () => client.fetch(api)));
const statuses = new Set(responses.map((r) => r.status));
const fetched = (await tokenRequests()) - before;
console.log(`[deno] 50 concurrent calls answered ${[...statuses].join(",")}; the server saw ${fetched} token request(s)`);
