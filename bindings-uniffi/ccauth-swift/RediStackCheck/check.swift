// The check (check.swift, appended by check.sh): `pool`, `client` and
// `RediStackTokenStore` are the README's.

func check(_ ok: Bool, _ what: String) {
    print(ok ? "ok: \(what)" : "FAIL: \(what)")
    if !ok { exit(1) }
}

func tokenRequests() async throws -> Int {
    let stats = URL(string: environment["CCAUTH_STATS_URL"] ?? "")!
    let data: Data = try await withCheckedThrowingContinuation { c in
        URLSession.shared.dataTask(with: stats) { data, _, error in
            if let error { c.resume(throwing: error) } else { c.resume(returning: data ?? Data()) }
        }.resume()
    }
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    return ((json["token_requests_by_client"] as! [String: Any])[id] as? NSNumber)?.intValue ?? 0
}

_ = try await pool.send(command: "FLUSHDB", with: []).get()
let store = RediStackTokenStore(pool)
let missing = try await store.get("ccauth:check:missing")
check(missing == nil, "a missing key reads as nil")
try await store.set("ccauth:check:empty", value: Data(), ttlMs: 10_000)
let empty = try await store.get("ccauth:check:empty")
check(empty == Data(), "an empty value reads as empty Data")
let first = try await store.setIfAbsent("ccauth:check:lease", value: Data("a".utf8), ttlMs: 10_000)
let second = try await store.setIfAbsent("ccauth:check:lease", value: Data("b".utf8), ttlMs: 10_000)
check(first && !second, "SET NX PX: set once")
let wrongOwner = try await store.deleteIfEquals("ccauth:check:lease", value: Data("b".utf8))
let owner = try await store.deleteIfEquals("ccauth:check:lease", value: Data("a".utf8))
check(!wrongOwner && owner, "EVAL compare-and-delete: only the owner's value")

// A fleet: the README's client and three more, each with its own pool (as processes have).
var clients = [client]
for _ in 1..<4 {
    let own = RedisConnectionPool(
        configuration: .init(
            initialServerConnectionAddresses: [try .makeAddressResolvingHost("127.0.0.1", port: redisPort)],
            maximumConnectionCount: .maximumActiveConnections(2),
            connectionFactoryConfiguration: .init(connectionUsername: nil, connectionPassword: nil),
            connectionRetryTimeout: .milliseconds(500)),
        boundEventLoop: MultiThreadedEventLoopGroup.singleton.any())
    own.activate()
    clients.append(try ClientCredentials(.init(tokenEndpoint: url, clientId: id, auth: auth, store: RediStackTokenStore(own))))
}
let fleet = clients
let before = try await tokenRequests()
let tokens = try await withThrowingTaskGroup(of: String.self) { group in
    for c in fleet { for _ in 0..<50 { group.addTask { try await c.token().accessToken } } }
    var seen = Set<String>()
    for try await t in group { seen.insert(t) }
    return seen
}
let requests = try await tokenRequests() - before
check(tokens.count == 1 && requests == 1, "4 clients × 50 callers through RediStack: \(requests) token request, \(tokens.count) token")
let key = fleet[0].storeKeys!.token
let entry = try await store.get(key)
check(entry?.starts(with: Data("ccf1".utf8)) == true, "the sealed entry is in Redis")
let token = try await fleet[0].token()
_ = await fleet[0].invalidate(token, wwwAuthenticate: #"Bearer error="invalid_token""#)
var gone = false
for _ in 0..<200 where !gone {
    gone = try await store.get(key) == nil
    if !gone { try await Task.sleep(nanoseconds: 10_000_000) }
}
check(gone, "a 401 deleted the shared entry")
