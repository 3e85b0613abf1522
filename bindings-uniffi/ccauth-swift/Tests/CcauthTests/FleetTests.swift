import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 17, the fleet store, against a real Redis on 127.0.0.1
/// (scripts/with-redis.sh; `RESPStore` speaks to it) and the local
/// authorization server: several clients, each with its own core and its own
/// Redis connection (as separate processes have), with many concurrent
/// callers each, make one token request per refresh between them; tampered,
/// foreign and planted entries are rejected, reported and never served; a
/// store that is down or hangs costs no caller an error. The figures are
/// printed (`fleet:` lines) for the issue's note.
final class FleetTests: XCTestCase {
    typealias Events = ObservabilityTests.Events

    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var redisPort: UInt16 { UInt16(env["CCAUTH_REDIS_PORT"] ?? "") ?? 0 }
    static let basicSecret = "s3cr3t+/:%&= \"~*"
    static let shortSecret = "short-secret-0123456789"
    static let clients = 4
    static let callers = 50

    override func setUp() async throws {
        continueAfterFailure = false
        XCTAssertNotNil(env["CCAUTH_TOKEN_ENDPOINT"], "run through scripts/with-auth-server.sh")
        XCTAssertNotEqual(redisPort, 0, "run through scripts/with-redis.sh (scripts/test-swift.sh does)")
        _ = try await RESPStore(port: redisPort).command(["FLUSHDB"])
    }

    func tokenRequests(_ clientId: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.dataCompat(URLRequest(url: URL(string: env["CCAUTH_STATS_URL"]!)!))
        let stats = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ((stats["token_requests_by_client"] as! [String: Any])[clientId] as? NSNumber)?.intValue ?? 0
    }

    func client(
        _ clientId: String = "ccauth-basic", secret: String = basicSecret, store: (any TokenStore)?, storeKey: StoreKey? = nil,
        events: Events? = nil
    ) throws -> ClientCredentials {
        try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: clientId, auth: .clientSecretBasic(secret: ClientSecret(value: secret)),
                scopes: ["api.read"], listener: events?.listener, store: store, storeKey: storeKey))
    }

    /// `callers` concurrent `token()` calls on each client: the access tokens, per client.
    func wave(_ clients: [ClientCredentials], callers: Int = callers) async throws -> [[String]] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, client) in clients.enumerated() {
                for _ in 0..<callers { group.addTask { (i, try await client.token().accessToken) } }
            }
            var tokens = Array(repeating: [String](), count: clients.count)
            for try await (i, token) in group { tokens[i].append(token) }
            return tokens
        }
    }

    // MARK: one request per refresh

    func testAFleetMakesOneTokenRequestAtColdStartAndOnePerRefresh() async throws {
        let events = Events()
        let stores = (0..<Self.clients).map { _ in RESPStore(port: redisPort) }
        let clients = try stores.map { try client("ccauth-short", secret: Self.shortSecret, store: $0, events: events) }
        let before = try await tokenRequests("ccauth-short")
        let cold = try await wave(clients)
        let coldRequests = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(Set(cold.joined()).count, 1, "every caller of every client has the one token")
        XCTAssertEqual(cold.joined().count, Self.clients * Self.callers)
        XCTAssertEqual(coldRequests, 1, "one token request for \(Self.clients) clients × \(Self.callers) callers")
        let coldEvents = events.take().map(\.event)
        XCTAssertEqual(coldEvents.filter { $0 == "store_published" }.count, 1, "\(coldEvents)")
        XCTAssertEqual(coldEvents.filter { $0 == "store_hit" }.count, Self.clients - 1, "\(coldEvents)")
        XCTAssertEqual(coldEvents.filter { $0 == "fetch_succeeded" }.count, 1, "\(coldEvents)")

        // Refresh: each client reaches its (jittered) refresh time; the first
        // fetches and publishes, the others take its token from the store.
        let first = try await clients[0].token()
        let old = first.accessToken
        let deadline = first.expiresAt.addingTimeInterval(-0.2)
        try await Task.sleep(nanoseconds: UInt64(max(0, first.refreshAt.timeIntervalSinceNow) * 1e9) + 50_000_000)
        var refreshed: [[String]] = []
        while Date() < deadline {
            refreshed = try await wave(clients, callers: 10)
            if refreshed.allSatisfy({ $0.allSatisfy { $0 != old } }) { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTAssertTrue(refreshed.allSatisfy { $0.allSatisfy { $0 != old } }, "every client refreshed before the old token expired")
        XCTAssertEqual(Set(refreshed.joined()).count, 1, "one new token for every client")
        let refreshRequests = try await tokenRequests("ccauth-short") - before - coldRequests
        XCTAssertEqual(refreshRequests, 1, "one token request for the refresh")
        let refreshEvents = events.take()
        print(
            "fleet: \(Self.clients) clients × \(Self.callers) callers: \(coldRequests) token request at cold start, "
                + "\(refreshRequests) for the refresh (store hits: \(coldEvents.filter { $0 == "store_hit" }.count) + "
                + "\(refreshEvents.filter { $0.event == "store_hit" }.count))")

        // Nothing in clear: not in Redis (keys or values), not in any event.
        let newToken = try XCTUnwrap(refreshed.first?.first)
        let keys = try XCTUnwrap(clients[0].storeKeys)
        let entry = try await stores[0].get(keys.token)
        let value = try XCTUnwrap(entry)
        XCTAssertTrue(value.starts(with: Data("ccf1".utf8)))
        let listed = try await stores[0].command(["KEYS", "*"])
        guard case .array(let names) = listed else { return XCTFail("KEYS answered \(listed)") }
        var stored = [keys.token, keys.lease]
        for name in names { if case .bulk(let n?) = name { stored.append(String(decoding: n, as: UTF8.self)) } }
        let needles = [old, newToken, Self.shortSecret, "ccauth-short"] + (old + "." + newToken).split(separator: ".").map(String.init)
        for needle in needles where needle.count >= 12 {
            XCTAssertNil(value.range(of: Data(needle.utf8)), "a secret or token in the entry")
            XCTAssertFalse(stored.contains { $0.contains(needle) }, "a secret or token in a key name")
            for event in refreshEvents { XCTAssertFalse("\(event) \(event.logLine)".contains(needle), event.logLine) }
        }
    }

    /// The baseline the issue compares with: the same fleet without a store.
    func testWithoutAStoreEachClientMakesItsOwnRequest() async throws {
        let clients = try (0..<Self.clients).map { _ in try client("ccauth-short", secret: Self.shortSecret, store: nil) }
        let before = try await tokenRequests("ccauth-short")
        let tokens = try await wave(clients)
        let requests = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(requests, Self.clients)
        XCTAssertEqual(Set(tokens.joined()).count, Self.clients)
        XCTAssertNil(clients[0].storeKeys)
        print("fleet: without a store, \(Self.clients) clients × \(Self.callers) callers: \(requests) token requests at cold start")
    }

    // MARK: entries that must not be served

    func testTamperedForeignAndPlantedEntriesAreRejectedReportedAndNeverServed() async throws {
        let redis = RESPStore(port: redisPort)
        let first = try client(store: RESPStore(port: redisPort))
        let token = try await first.token().accessToken
        let key = try XCTUnwrap(first.storeKeys?.token)
        let fetched = try await redis.get(key)
        let entry = try XCTUnwrap(fetched)
        // Sealed under another store key: a client of the same credential
        // whose entry has the same name; it rejects this one, then publishes its own.
        let foreignEvents = Events()
        let other = try client(store: RESPStore(port: redisPort), storeKey: StoreKey("another store key 0123456789"), events: foreignEvents)
        let otherToken = try await other.token().accessToken
        XCTAssertEqual(other.storeKeys?.token, key, "the same entry name: only the seal differs")
        XCTAssertEqual(foreignEvents.names.filter { $0 == "store_entry_rejected" }, ["store_entry_rejected"])
        let foreignEntry = try await redis.get(key)
        let foreign = try XCTUnwrap(foreignEntry)
        XCTAssertNotEqual(foreign, entry)
        var lastByteFlipped = entry
        lastByteFlipped[lastByteFlipped.count - 1] ^= 0x01
        var nonceFlipped = entry
        nonceFlipped[6] ^= 0x80
        let cases: [(String, Data, String)] = [
            ("tampered (tag)", lastByteFlipped, "tampered_or_foreign"),
            ("tampered (nonce)", nonceFlipped, "tampered_or_foreign"),
            ("another store key", foreign, "tampered_or_foreign"),
            ("truncated (half)", entry.prefix(entry.count / 2), "tampered_or_foreign"),
            ("truncated (header only)", entry.prefix(20), "truncated"),
            ("truncated (magic)", entry.prefix(4), "truncated"),
            ("empty", Data(), "truncated"),
            ("not an entry", Data(#"{"access_token": "planted-token-value"}"#.utf8), "truncated"),
        ]
        var served: Set<String> = [token, otherToken]
        for (name, value, reason) in cases {
            try await redis.set(key, value: value, ttlMs: 60_000)
            let events = Events()
            let before = try await tokenRequests("ccauth-basic")
            let got = try await client(store: RESPStore(port: redisPort), events: events).token().accessToken
            let rejected = events.all.filter { $0.event == "store_entry_rejected" }
            XCTAssertFalse(rejected.isEmpty, "\(name): \(events.names)")
            XCTAssertTrue(rejected.allSatisfy { $0.reason == reason }, "\(name): \(rejected.map(\.logLine))")
            let requests = try await tokenRequests("ccauth-basic") - before
            XCTAssertEqual(requests, 1, "\(name): fetched from the server")
            XCTAssertFalse(served.contains(got) || got == "planted-token-value", "\(name): served an entry it should have rejected")
            served.insert(got)
            let now = try await redis.get(key)
            XCTAssertNotNil(now, name)
            XCTAssertNotEqual(now, value, "\(name): the rejected entry was replaced by this client's")
        }
        print("fleet: \(cases.count) kinds of bad entry rejected, reported and never served")
    }

    // MARK: a store that fails

    func testAnUnreachableStoreCostsNoCallerAnError() async throws {
        let events = Events()
        let client = try client(store: RESPStore(port: try Self.closedPort()), events: events)
        let before = try await tokenRequests("ccauth-basic")
        let started = Date()
        let tokens = try await wave([client])
        XCTAssertEqual(tokens[0].count, Self.callers)
        XCTAssertEqual(Set(tokens[0]).count, 1)
        let requests = try await tokenRequests("ccauth-basic") - before
        XCTAssertEqual(requests, 1, "fetched alone, still once for every caller")
        XCTAssertEqual(events.names.filter { $0.hasPrefix("store_") }, ["store_unavailable"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        print("fleet: Redis unreachable: \(Self.callers) callers served, \(requests) request, no error")
    }

    /// A store that never answers: each command is bounded (500 ms).
    func testAHangingStoreIsBoundedByTheCommandTimeout() async throws {
        let events = Events()
        let hanging = Hanging()
        let client = try client(store: hanging, events: events)
        let started = Date()
        _ = try await client.token()
        let took = Date().timeIntervalSince(started)
        XCTAssertLessThan(took, 3, "one timed-out read, then the token request alone")
        XCTAssertGreaterThanOrEqual(took, 0.45, "the read was waited for, up to the timeout")
        XCTAssertEqual(events.names.filter { $0.hasPrefix("store_") }, ["store_unavailable"])
        // The abandoned command was cancelled, not left sleeping.
        let deadline = Date().addingTimeInterval(2)
        while hanging.cancelled == 0 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(hanging.cancelled, 1)
    }

    /// A loopback port with nothing listening (bound to get a free one, then closed).
    static func closedPort() throws -> UInt16 { try RESPStore.unusedPort() }

    // MARK: after a 401

    func testA401DeletesTheSharedEntryOnlyWhileItHoldsThatToken() async throws {
        let redis = RESPStore(port: redisPort)
        let a = try client(store: RESPStore(port: redisPort))
        let token = try await a.token()
        let key = try XCTUnwrap(a.storeKeys?.token)
        let published = try await redis.get(key)
        XCTAssertNotNil(published)
        let dropped = await a.invalidate(token, wwwAuthenticate: #"Bearer error="invalid_token""#)
        XCTAssertTrue(dropped)
        let gone = try await eventually { try await redis.get(key) == nil }
        XCTAssertTrue(gone, "the entry held the dropped token: deleted")
        // b publishes a new token; a's next token() is a store hit (no request).
        let b = try client(store: RESPStore(port: redisPort))
        let before = try await tokenRequests("ccauth-basic")
        let fresh = try await b.token()
        let again = try await a.token()
        XCTAssertTrue(again.accessToken == fresh.accessToken, "a's token is b's, from the store")
        let requests = try await tokenRequests("ccauth-basic") - before
        XCTAssertEqual(requests, 1)
        // Another token's entry is left alone: c replaces the entry, then b drops its old token.
        try await redis.set(key, value: Data(), ttlMs: 60_000)
        let c = try client(store: RESPStore(port: redisPort))
        _ = try await c.token()
        let cEntry = try await redis.get(key)
        let droppedFresh = await b.invalidate(fresh, wwwAuthenticate: #"Bearer error="invalid_token""#)
        XCTAssertTrue(droppedFresh)
        _ = try await b.token()  // waits for the drop's commands, then reads c's entry
        let still = try await redis.get(key)
        XCTAssertEqual(still, cEntry, "another token's entry is left alone")
    }

    func eventually(_ check: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            if try await check() { return true }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return try await check()
    }

    // MARK: options

    func testStoreOptionsAreChecked() throws {
        let store = Hanging()
        let options = ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: "ccauth-basic", auth: .none, store: store,
            storeKey: StoreKey("a store key of 16+ bytes"))
        var dumped = ""
        dump(options, to: &dumped)
        XCTAssertFalse("\(options) \(String(reflecting: options)) \(dumped)".contains("a store key of"), dumped)
        let keyed = try ClientCredentials(options)
        let keys = try XCTUnwrap(keyed.storeKeys)
        XCTAssertTrue(keys.token.hasPrefix("ccauth:{") && keys.token.hasSuffix("}:token"), keys.token)
        XCTAssertTrue(keys.lease.hasSuffix("}:lease"), keys.lease)
        XCTAssertFalse(keys.token.contains("ccauth-basic"), "the key names carry no client id")

        func refused(_ options: ClientCredentialsOptions, field: String, _ line: UInt = #line) {
            XCTAssertThrowsError(try ClientCredentials(options), line: line) { error in
                let e = error as? CcauthError
                XCTAssertEqual(e?.kind, .config, line: line)
                XCTAssertEqual(e?.field, field, "\(String(describing: e))", line: line)
                XCTAssertFalse("\(String(describing: e))".contains("short key"), line: line)
            }
        }
        var keyless = options
        keyless.storeKey = nil
        refused(keyless, field: "storeKey")  // a public client: no secret to seal with
        var short = options
        short.storeKey = StoreKey("short key")
        refused(short, field: "storeKey")
        var dpop = options
        dpop.auth = .clientSecretBasic(secret: ClientSecret(value: Self.basicSecret))
        dpop.dpopKey = try .generateP256()
        refused(dpop, field: "store")
        XCTAssertTrue(Hanging.deleteIfEqualsScript.contains("redis.call('GET', KEYS[1]) == ARGV[1]"))
    }
}

/// A store whose commands never answer (until cancelled).
final class Hanging: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var cancellations = 0
    var cancelled: Int {
        lock.lock()
        defer { lock.unlock() }
        return cancellations
    }

    private func hang() async throws -> Never {
        do {
            try await Task.sleep(nanoseconds: 60_000_000_000)
        } catch {
            noteCancelled()
            throw error
        }
        throw CancellationError()
    }

    private func noteCancelled() {
        lock.lock()
        cancellations += 1
        lock.unlock()
    }

    func get(_ key: String) async throws -> Data? { try await hang() }
    func setIfAbsent(_ key: String, value: Data, ttlMs: UInt64) async throws -> Bool { try await hang() }
    func set(_ key: String, value: Data, ttlMs: UInt64) async throws { try await hang() }
    func deleteIfEquals(_ key: String, value: Data) async throws -> Bool { try await hang() }
}
