import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 16 against the real local server: lifecycle events to the listener,
/// `stats()`, `resetFailure()` and the cool-down's error; then the mechanical
/// hygiene check: no event (its description, log line and fields), no stats
/// value and no error message shows a client secret, an access token or a
/// client assertion. (Linux has no platform log: `os.Logger` is Apple's.)
final class ObservabilityTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var api: URL { URL(string: env["CCAUTH_API_URL"] ?? "http://127.0.0.1/")! }
    var keys: URL { VectorsTests.dir.appendingPathComponent("keys") }

    override func setUp() {
        continueAfterFailure = false
    }

    /// What a listener got (the listener runs on the client's actor; tests read from theirs).
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [LifecycleEvent] = []
        var all: [LifecycleEvent] {
            lock.lock()
            defer { lock.unlock() }
            return events
        }
        var names: [String] { all.map(\.event) }
        func add(_ e: LifecycleEvent) {
            lock.lock()
            events.append(e)
            lock.unlock()
        }
        /// Every event so far, forgotten.
        func take() -> [LifecycleEvent] {
            lock.lock()
            defer { lock.unlock() }
            let taken = events
            events = []
            return taken
        }
        var listener: LifecycleListener { { [self] in add($0) } }
    }

    /// Thread-safe strings (secrets seen by signer closures).
    final class Strings: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return items
        }
        func add(_ s: String) {
            lock.lock()
            items.append(s)
            lock.unlock()
        }
    }

    func texts(_ events: [LifecycleEvent], _ more: Any...) -> [String] {
        events.flatMap { e in ["\(e)", String(reflecting: e), e.logLine, e.key] + [e.message, e.tokenId].compactMap { $0 } + e.traceIds }
            + more.map { "\($0)" }
    }

    func assertClean(_ secrets: [String], _ texts: [String], file: StaticString = #filePath, line: UInt = #line) {
        let checked = Set(secrets.filter { $0.count >= 8 })
        XCTAssertFalse(checked.isEmpty, file: file, line: line)
        for text in texts {
            for secret in checked {
                XCTAssertFalse(text.contains(secret), "a secret or token in: \(text)", file: file, line: line)
            }
        }
    }

    func options(
        _ clientId: String, auth: ClientAuth, retry: RetryPolicy? = nil, dpopKey: PrivateKey? = nil, listener: LifecycleListener?
    ) -> ClientCredentialsOptions {
        ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: clientId, auth: auth, scopes: ["api.read"], retry: retry, dpopKey: dpopKey,
            listener: listener)
    }

    func testAFetchGivesStartedAndSucceededNoneForCachedTokensAndStatsCountMemoHits() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let events = Events()
        let secret = "post-secret-0123456789"
        let client = try ClientCredentials(
            options("ccauth-post", auth: .clientSecretPost(secret: ClientSecret(value: secret)), listener: events.listener))
        let token = try await client.token()
        XCTAssertEqual(events.names, ["fetch_started", "fetch_succeeded"])
        let (started, succeeded) = (events.all[0], events.all[1])
        XCTAssertEqual(started.reason, "cold")
        XCTAssertEqual(started.attempt, 1)
        XCTAssertEqual(started.ticket, succeeded.ticket)
        XCTAssertEqual(succeeded.expiresAtMs, UInt64(token.expiresAt.timeIntervalSince1970 * 1000))
        for _ in 0..<1000 { _ = try await client.token() }
        XCTAssertEqual(events.all.count, 2, "the cached path drains nothing")
        let stats = await client.stats()
        XCTAssertEqual(stats.tokensServed, 1001)
        XCTAssertEqual([stats.fetches, stats.fetchSuccesses, stats.fetchFailures], [1, 1, 0])
        XCTAssertEqual(stats.tokenId, succeeded.tokenId)
        XCTAssertEqual(stats.key, started.key)
        XCTAssertNil(stats.cooldownUntilMs)
        assertClean([secret, token.accessToken], texts(events.all, stats, client))
    }

    /// `invalid_client` from the real server: the signer signs with a wrong key
    /// (a well-formed signature the server refuses, as after a key rotated on
    /// its side), then, after `resetFailure()`, with the registered one.
    func testInvalidClientFetchFailedCoolDownErrorSaysSoAndResetFailureFetchesAtOnce() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let signer = try TestSigner(pem: try String(contentsOf: keys.appendingPathComponent("p256.pem"), encoding: .utf8))
        let refused = SignCount()
        let inputs = Strings()
        let key = try PrivateKey.signedBy(alg: "ES256", keyId: "es256-1") { _, _, input in
            inputs.add(String(decoding: input, as: UTF8.self))  // header.claims: the assertion's unique part
            if refused.value == 0 {
                var wrong = Data(count: 64)  // r = s = 1: well formed, not this key's
                wrong[31] = 1
                wrong[63] = 1
                return wrong
            }
            return try signer.sign(input)
        }
        let events = Events()
        let client = try ClientCredentials(options("ccauth-es256", auth: .privateKeyJwt(key: key, keyId: nil), listener: events.listener))
        var errors: [Ccauth.CcauthError] = []
        do {
            _ = try await client.token()
            XCTFail("the server refuses the signature")
        } catch let error as Ccauth.CcauthError {
            errors.append(error)
        }
        let first = try XCTUnwrap(errors.first)
        XCTAssertEqual(first.error, "invalid_client", "\(first)")
        XCTAssertEqual(first.status, 401)
        XCTAssertEqual(events.names, ["fetch_started", "fetch_failed"])
        let failed = events.all[1]
        XCTAssertEqual(failed.code, "TOKEN_ENDPOINT_ERROR")
        XCTAssertEqual(failed.error, "invalid_client")
        XCTAssertEqual(failed.status, 401)
        let until = try XCTUnwrap(first.cooldownUntilMs)
        XCTAssertEqual(failed.untilMs, until)
        // Served from the cool-down: no new request (no signature), the same error saying until when and how to end it.
        let signed = inputs.all.count
        do {
            _ = try await client.token()
            XCTFail("served from the cool-down")
        } catch let error as Ccauth.CcauthError {
            errors.append(error)
            XCTAssertEqual(error.cooldownUntilMs, until)
            XCTAssertTrue(error.message.contains("; served from the cool-down until 20"), error.message)
            XCTAssertTrue(error.message.hasSuffix("; resetFailure() retries at once"), error.message)
        }
        XCTAssertEqual(inputs.all.count, signed, "no request during the cool-down")
        let during = await client.stats()
        XCTAssertEqual(during.cooldownUntilMs, until)
        XCTAssertEqual(events.all.count, 2, "a failure served from the cool-down is no event")

        refused.add()  // the server takes the client again
        let reset = await client.resetFailure()
        XCTAssertTrue(reset)
        XCTAssertEqual(events.all.last?.event, "failure_reset")
        let again = await client.resetFailure()
        XCTAssertFalse(again, "nothing left to reset")
        let token = try await client.token()
        XCTAssertEqual(events.names, ["fetch_started", "fetch_failed", "failure_reset", "fetch_started", "fetch_succeeded"])
        let stats = await client.stats()
        XCTAssertEqual([stats.fetches, stats.fetchSuccesses, stats.fetchFailures], [2, 1, 1])
        XCTAssertNil(stats.cooldownUntilMs)
        XCTAssertEqual(stats.lastErrorCode, "TOKEN_ENDPOINT_ERROR")
        assertClean(
            inputs.all + [token.accessToken],
            texts(events.all, stats, during, client) + errors.flatMap { ["\($0)", $0.message, String(reflecting: $0)] })
    }

    func testTransportFailuresRetryScheduledThenFetchFailed() async throws {
        let events = Events()
        // Port 9 (discard) on loopback: refused.
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: "http://127.0.0.1:9/token", clientId: "ccauth-basic",
                auth: .clientSecretBasic(secret: ClientSecret(value: "closed-port-secret-9"), encoding: nil),
                retry: RetryPolicy(maxAttempts: 2, maxWaitMs: 5_000), listener: events.listener))
        do {
            _ = try await client.token()
            XCTFail("nothing listens")
        } catch let error as Ccauth.CcauthError {
            XCTAssertEqual(error.code, "TRANSPORT_ERROR")
            XCTAssertNotNil(error.cooldownUntilMs)
            XCTAssertEqual(events.names, ["fetch_started", "retry_scheduled", "fetch_started", "fetch_failed"])
            XCTAssertEqual(events.all[2].reason, "retry")
            let stats = await client.stats()
            assertClean(["closed-port-secret-9"], texts(events.all, stats, error, error.message))
        }
    }

    /// A token revoked behind the client's back: `data(for:)` gets a 401, the
    /// core drops it (`api_401`) and a new one is fetched (`invalidated`);
    /// `revoke()` and `invalidate` are `revoked` and `user`.
    func testApi401RevocationAndInvalidateAreTokenInvalidated() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let secret = "jwt-secret-0123456789-0123456789-abcdef"
        let events = Events()
        var base = options("ccauth-secret-jwt", auth: .clientSecretJwt(secret: ClientSecret(value: secret), alg: nil), listener: nil)
        base.revocationEndpoint = env["CCAUTH_ISSUER"]! + "/token/revocation"
        var listened = base
        listened.listener = events.listener
        let client = try ClientCredentials(listened)
        let (_, ok) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(ok.statusCode, 200)
        let old = try await client.token()
        try await ClientCredentials(base).revoke(old.accessToken)  // behind the client's back
        _ = events.take()
        let (_, retried) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(retried.statusCode, 200)
        let after = events.take()
        XCTAssertEqual(after.map(\.event), ["token_invalidated", "fetch_started", "fetch_succeeded"])
        XCTAssertEqual(after[0].reason, "api_401")
        XCTAssertEqual(after[1].reason, "invalidated")
        let fresh = try await client.token()
        try await client.revoke()
        let revoked = events.take()
        XCTAssertEqual(revoked.map(\.event), ["token_invalidated"])
        XCTAssertEqual(revoked.first?.reason, "revoked")
        let current = try await client.token()
        let dropped = await client.invalidate(current)
        XCTAssertTrue(dropped)
        XCTAssertEqual(events.all.last?.event, "token_invalidated")
        XCTAssertEqual(events.all.last?.reason, "user")
        let stats = await client.stats()
        XCTAssertEqual(stats.invalidations, 3)
        assertClean([secret, old.accessToken, fresh.accessToken, current.accessToken], texts(after + revoked + events.all, stats, client))
    }

    /// A token endpoint behind a `URLProtocol` that answers `invalid_client`
    /// with request ids in its headers and body (the local server sends none).
    final class TraceIdStub: URLProtocol {
        override class func canInit(with request: URLRequest) -> Bool { true }
        override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }
        override func startLoading() {
            let headers = ["Content-Type": "application/json", "X-Request-Id": "req-7", "CF-Ray": "ray-1"]
            let response = HTTPURLResponse(url: request.url!, statusCode: 400, httpVersion: "HTTP/1.1", headerFields: headers)!
            client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
            client?.urlProtocol(self, didLoad: Data(#"{"error":"invalid_client","trace_id":"trace-9"}"#.utf8))
            client?.urlProtocolDidFinishLoading(self)
        }
        override func stopLoading() {}
    }

    func testTheResponsesRequestIdsReachTheEventsTraceIds() async throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [TraceIdStub.self]
        let events = Events()
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: "https://as.example.test/token", clientId: "client",
                auth: .clientSecretBasic(secret: ClientSecret(value: "trace-secret-1"), encoding: nil), listener: events.listener),
            session: URLSession(configuration: configuration))
        do {
            _ = try await client.token()
            XCTFail("the stub refuses the client")
        } catch let error as Ccauth.CcauthError {
            XCTAssertEqual(error.error, "invalid_client", "\(error)")
        }
        let failed = try XCTUnwrap(events.all.first { $0.event == "fetch_failed" })
        XCTAssertEqual(Set(failed.traceIds), ["x-request-id=req-7", "cf-ray=ray-1", "trace_id=trace-9"])
    }

    /// A token endpoint behind a `URLProtocol`: a 429 with `Retry-After: 5`, then a token.
    final class BackoffStub: URLProtocol {
        nonisolated(unsafe) static var calls = 0
        static let lock = NSLock()
        override class func canInit(with request: URLRequest) -> Bool { true }
        override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }
        override func startLoading() {
            let first = Self.lock.withLock {
                Self.calls += 1
                return Self.calls == 1
            }
            var headers = ["Content-Type": "application/json"]
            if first { headers["Retry-After"] = "5" }
            let response = HTTPURLResponse(
                url: request.url!, statusCode: first ? 429 : 200, httpVersion: "HTTP/1.1", headerFields: headers)!
            let body =
                first
                ? #"{"error":"slow_down"}"# : #"{"access_token":"stub-token-0123456789","token_type":"Bearer","expires_in":3600}"#
            client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
            client?.urlProtocol(self, didLoad: Data(body.utf8))
            client?.urlProtocolDidFinishLoading(self)
        }
        override func stopLoading() {}
    }

    func testResetFailureWakesATaskWaitingOutARetrysBackoffAndItFetchesAtOnce() async throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [BackoffStub.self]
        let events = Events()
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: "https://as.example.test/token", clientId: "client",
                auth: .clientSecretBasic(secret: ClientSecret(value: "stub-secret-1"), encoding: nil), listener: events.listener),
            session: URLSession(configuration: configuration))
        let start = Date()
        let waiter = Task { try await client.token() }
        while !events.names.contains("retry_scheduled") {
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "no retry scheduled")
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        try await Task.sleep(nanoseconds: 300_000_000)  // the task is waiting out the backoff now
        let reset = await client.resetFailure()
        XCTAssertTrue(reset)
        let token = try await waiter.value
        XCTAssertLessThan(Date().timeIntervalSince(start), 4, "woken at once, not after the 5 s backoff")
        XCTAssertEqual(token.accessToken, "stub-token-0123456789")
        XCTAssertEqual(events.names, ["fetch_started", "retry_scheduled", "failure_reset", "fetch_started", "fetch_succeeded"])
        XCTAssertEqual(BackoffStub.lock.withLock { BackoffStub.calls }, 2)
        let stats = await client.stats()
        assertClean(["stub-secret-1", token.accessToken], texts(events.all, stats))
    }

    func testAListenerThatThrowsNeverBreaksTheTokenPath() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        struct ListenerBug: Error {}
        let seen = Strings()
        let client = try ClientCredentials(
            options(
                "ccauth-post", auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")),
                listener: { event in
                    seen.add(event.event)
                    throw ListenerBug()
                }))
        let token = try await client.token()
        XCTAssertFalse(token.accessToken.isEmpty)
        XCTAssertEqual(seen.all, ["fetch_started", "fetch_succeeded"])
    }
}
