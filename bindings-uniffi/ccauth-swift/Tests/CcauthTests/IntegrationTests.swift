import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The package against the real authorization server on 127.0.0.1 (scripts/with-auth-server.sh).
final class IntegrationTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"]! }

    override func setUp() {
        continueAfterFailure = false
        XCTAssertNotNil(env["CCAUTH_TOKEN_ENDPOINT"], "run through scripts/with-auth-server.sh")
    }

    func get(_ url: String, authorization: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        return try await withCheckedThrowingContinuation { c in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    c.resume(throwing: error)
                } else {
                    c.resume(returning: ((response as! HTTPURLResponse).statusCode, data ?? Data()))
                }
            }.resume()
        }
    }

    func tokenRequests(_ clientId: String) async throws -> Int {
        let (_, data) = try await get(env["CCAUTH_STATS_URL"]!)
        let stats = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ((stats["token_requests_by_client"] as! [String: Any])[clientId] as? NSNumber)?.intValue ?? 0
    }

    func testBasicTokenThenTheApiAnswers200() async throws {
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-basic",
                clientSecret: "s3cr3t+/:%&= \"~*", scopes: ["api.read"]))
        let token = try await client.token()
        XCTAssertGreaterThan(token.expiresAt, Date())
        var request = URLRequest(url: URL(string: env["CCAUTH_API_URL"]!)!)
        try await client.authorize(&request)
        let (status, _) = try await get(env["CCAUTH_API_URL"]!, authorization: request.value(forHTTPHeaderField: "Authorization"))
        XCTAssertEqual(status, 200)
        XCTAssertFalse("\(token)".contains(token.accessToken))
    }

    func testWrongSecretIsAnOAuthErrorCarryingInvalidClient() async throws {
        let options = ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: "ccauth-post",
            auth: .clientSecretPost(secret: ClientSecret(value: "wrong-secret-value")))
        var dumped = ""
        dump(options, to: &dumped)
        XCTAssertFalse("\(options) \(String(reflecting: options)) \(dumped)".contains("wrong-secret-value"), dumped)
        let client = try ClientCredentials(options)
        do {
            _ = try await client.token()
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .oauth)
            XCTAssertEqual(e.code, "TOKEN_ENDPOINT_ERROR")
            XCTAssertEqual(e.error, "invalid_client")
            XCTAssertEqual(e.status, 401)
            XCTAssertFalse("\(e) \(String(reflecting: e))".contains("wrong-secret-value"))
        }
    }

    /// A 401 with `WWW-Authenticate: Basic` (what a wrong Basic secret gets):
    /// FoundationNetworking on Linux never completes such a task on its own.
    func testWrongBasicSecretGetsTheServersAnswerNotAHang() async throws {
        let client = try ClientCredentials(
            .init(tokenEndpoint: tokenEndpoint, clientId: "ccauth-basic", clientSecret: "not-the-basic-secret"))
        do {
            _ = try await client.token()
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .oauth)
            XCTAssertEqual(e.error, "invalid_client")
            XCTAssertEqual(e.status, 401)
        }
    }

    func testABadOptionIsAConfigErrorNamingIt() throws {
        XCTAssertThrowsError(
            try ClientCredentials(.init(tokenEndpoint: "ftp://as.example.com/t", clientId: "c", clientSecret: "config-secret-1"))
        ) { error in
            let e = error as! CcauthError
            XCTAssertEqual(e.kind, .config)
            XCTAssertEqual(e.field, "tokenEndpoint")  // the option's Swift name, not the core's token_endpoint
            XCTAssertFalse("\(e)".contains("config-secret-1"))
        }
    }

    func test200ConcurrentTasksShareOneTokenRequestPerRefresh() async throws {
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-short",
                clientSecret: "short-secret-0123456789", scopes: ["api.read"]))
        let before = try await tokenRequests("ccauth-short")
        let first = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 { group.addTask { try await client.token().accessToken } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(first.count, 1)
        let firstWave = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(firstWave, 1, "the first 200 callers share one fetch")
        var served = 200
        let end = Date().addingTimeInterval(8)
        while Date() < end {
            let expired = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 { group.addTask { try await client.token().isExpired() } }
                return try await group.reduce(false) { $0 || $1 }
            }
            XCTAssertFalse(expired)
            served += 200
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let fetches = try await tokenRequests("ccauth-short") - before
        print("[single-flight/swift] \(served) tokens to 200-task waves in ~8 s with short tokens: \(fetches) token requests")
        XCTAssertTrue((2...8).contains(fetches), "token requests: \(fetches)")
    }

    func shortClient(proactiveRefresh: Bool) throws -> ClientCredentials {
        try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-short",
                auth: .clientSecretBasic(secret: ClientSecret(value: "short-secret-0123456789")),
                scopes: ["api.read"], proactiveRefresh: proactiveRefresh))
    }

    /// With `proactiveRefresh`, an idle client's token is replaced before it
    /// expires without any caller asking: the next call is served at once.
    func testProactiveRefreshReplacesAnIdleClientsTokenBeforeExpiry() async throws {
        let client = try shortClient(proactiveRefresh: true)
        let before = try await tokenRequests("ccauth-short")
        let first = try await client.token()
        let fetched = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(fetched, 1)
        // Idle past the first token's expiry (the server's short tokens live 5 s).
        let idle = first.expiresAt.timeIntervalSinceNow + 0.5
        try await Task.sleep(nanoseconds: UInt64(idle * 1e9))
        let background = try await tokenRequests("ccauth-short") - before - 1
        XCTAssertGreaterThanOrEqual(background, 1, "refreshed in the background")
        let started = Date()
        let next = try await client.token()
        let served = Date().timeIntervalSince(started)
        XCTAssertNotEqual(next.accessToken, first.accessToken)
        XCTAssertFalse(next.isExpired())
        XCTAssertLessThan(next.issuedAt, started, "the token was there before the call")
        print(
            String(
                format: "[proactive/swift] idle %.1f s: %d background token request(s); the next call served in %.2f ms",
                idle, background, served * 1000))
        await client.close()
    }

    /// `close()` stops the timer, and so does releasing the client; without the option there is none.
    func testNoBackgroundRefreshAfterCloseOrReleaseOrWithoutTheOption() async throws {
        let closed = try shortClient(proactiveRefresh: true)
        let before = try await tokenRequests("ccauth-short")
        let token = try await closed.token()
        await closed.close()
        var released: ClientCredentials? = try shortClient(proactiveRefresh: true)
        _ = try await released?.token()
        weak var gone = released
        released = nil
        let plain = try shortClient(proactiveRefresh: false)
        _ = try await plain.token()
        let asked = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(asked, 3)
        // Past every refresh time (at most half the 5 s lifetime before expiry), before expiry.
        try await Task.sleep(nanoseconds: UInt64((token.expiresAt.timeIntervalSinceNow - 0.5) * 1e9))
        XCTAssertNil(gone, "a released client is freed, its timer with it")
        let after = try await tokenRequests("ccauth-short") - before
        XCTAssertEqual(after, 3, "no request in the background")
    }

    /// The client-assertion source threw: one report to the core, retried like a network failure.
    func testAFailingAssertionSourceIsRetriedThenItsErrorReported() async throws {
        let calls = Counter()
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: "https://as.example.com/token", clientId: "c", auth: .externalAssertion(),
                retry: RetryPolicy(maxAttempts: 2),
                clientAssertion: {
                    await calls.add()
                    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/var/run/secrets/tokens/assertion"])
                }))
        do {
            _ = try await client.token()
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.code, "TRANSPORT_ERROR", "\(e)")
            XCTAssertEqual(e.cause, "client_assertion_source", "\(e)")
            XCTAssertEqual(e.requestSent, false)
            XCTAssertTrue(e.message.contains("client assertion source failed"), e.message)
        }
        let n = await calls.value
        XCTAssertEqual(n, 2, "each attempt asks the source")
    }
}

actor Counter {
    private(set) var value = 0
    func add() { value += 1 }
}
