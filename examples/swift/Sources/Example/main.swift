// ccauth in Swift: get a token, call the protected API, see the typed error a
// wrong secret gives. Run by `make demo` against the local authorization server.
import Ccauth
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

setvbuf(stdout, nil, _IOLBF, 0)  // line by line, also when piped

func env(_ name: String) -> String {
    guard let value = ProcessInfo.processInfo.environment[name] else {
        fatalError("\(name) is not set; run via scripts/with-auth-server.sh")
    }
    return value
}

let tokenEndpoint = env("CCAUTH_TOKEN_ENDPOINT")
let client = try ClientCredentials(
    .init(
        tokenEndpoint: tokenEndpoint, clientId: "ccauth-basic",
        clientSecret: "s3cr3t+/:%&= \"~*", scopes: ["api.read"]))
// The token attached; a 401 that condemns it gets one retry with a fresh one.
let (data, response) = try await client.data(for: URLRequest(url: URL(string: env("CCAUTH_API_URL"))!))
let (status, body) = (response.statusCode, String(decoding: data, as: UTF8.self))
print("[swift] API answered \(status) \(body)")
print("[swift] \(try await client.token()) (printing the token never prints the token)")
func distinctTokens(_ client: ClientCredentials, tasks: Int) async throws -> Int {
    try await withThrowingTaskGroup(of: String.self) { group in
        for _ in 0..<tasks { group.addTask { try await client.token().accessToken } }
        return try await group.reduce(into: Set<String>()) { $0.insert($1) }.count
    }
}
print("[swift] 100 tasks got \(try await distinctTokens(client, tasks: 100)) distinct token(s)")
let wrong = try ClientCredentials(.init(tokenEndpoint: tokenEndpoint, clientId: "ccauth-basic", clientSecret: "not-the-secret"))
do {
    _ = try await wrong.token()
} catch let e as CcauthError {
    print("[swift] wrong secret: \(e.code) (error=\(e.error ?? "nil"), status=\(e.status.map(String.init) ?? "nil"))")
}
