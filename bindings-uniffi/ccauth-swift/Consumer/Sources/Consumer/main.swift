// What a user's program does: a token from the local authorization server,
// then the protected API through data(for:). Exits non-zero if either fails.
import Ccauth
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

setvbuf(stdout, nil, _IOLBF, 0)
let env = ProcessInfo.processInfo.environment
guard let tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"], let api = env["CCAUTH_API_URL"].flatMap(URL.init(string:)) else {
    fatalError("run through scripts/with-auth-server.sh")
}
let client = try ClientCredentials(
    .init(
        tokenEndpoint: tokenEndpoint, clientId: "ccauth-post",
        auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")),
        scopes: ["api.read"]))
let token = try await client.token()
print("[consumer] \(token)")
let (body, response) = try await client.data(for: URLRequest(url: api))
print("[consumer] API answered \(response.statusCode) \(String(decoding: body, as: UTF8.self))")
exit(response.statusCode == 200 ? 0 : 1)
