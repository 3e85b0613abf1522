import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A stub API behind a `URLProtocol`: it records every request and answers
/// with what the test's handler returns (status, headers).
final class StubAPI: URLProtocol {
    struct Seen {
        let authorization: String?
        let dpop: String?
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var handler: (Int) -> (Int, [String: String]) = { _ in (200, [:]) }
    nonisolated(unsafe) private static var seenRequests: [Seen] = []

    static func answer(_ handler: @escaping (Int) -> (Int, [String: String])) {
        lock.withLock {
            self.handler = handler
            seenRequests = []
        }
    }

    static var seen: [Seen] { lock.withLock { seenRequests } }

    static func session() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [StubAPI.self]
        return URLSession(configuration: configuration)
    }

    override class func canInit(with request: URLRequest) -> Bool { true }
    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        let (status, headers) = Self.lock.withLock { () -> (Int, [String: String]) in
            Self.seenRequests.append(
                Seen(
                    authorization: request.value(forHTTPHeaderField: "Authorization"),
                    dpop: request.value(forHTTPHeaderField: "DPoP")))
            return Self.handler(Self.seenRequests.count)
        }
        let response = HTTPURLResponse(url: request.url!, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!
        client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
        client?.urlProtocol(self, didLoad: Data("{\"call\":\(Self.seen.count)}".utf8))
        client?.urlProtocolDidFinishLoading(self)
    }

    override func stopLoading() {}
}

/// `data(for:session:)` follows the core's verdicts (`api_response`): tokens
/// from the real server on 127.0.0.1, API answers from `StubAPI`, so each
/// retry is counted and its headers read.
final class ApiVerdictTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    let api = URLRequest(url: URL(string: "https://api.example.test/v1/items")!)

    override func setUp() {
        continueAfterFailure = false
    }

    /// The claims of a DPoP proof (a JWS: header.payload.signature).
    func claims(_ proof: String?) throws -> [String: Any] {
        var payload = String(try XCTUnwrap(proof?.split(separator: ".").dropFirst().first))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(Data(base64Encoded: payload))) as? [String: Any])
    }

    func dpopClient() throws -> ClientCredentials {
        try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-dpop",
                auth: .clientSecretBasic(secret: ClientSecret(value: "dpop-secret-0123456789")),
                scopes: ["api.read"], dpopKey: try .generateP256()))
    }

    func testA401AskingForTheDpopNonceIsResentOnceWithIt() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let client = try dpopClient()
        StubAPI.answer { call in
            call == 1
                ? (401, ["WWW-Authenticate": #"DPoP error="use_dpop_nonce", error_description="nonce required""#, "DPoP-Nonce": "n0nce-1"])
                : (200, ["DPoP-Nonce": "n0nce-2"])
        }
        let session = StubAPI.session()
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await client.data(for: api, session: session)
        XCTAssertEqual(response.statusCode, 200)
        let seen = StubAPI.seen
        XCTAssertEqual(seen.count, 2, "one resend")
        let token = try await client.token()
        XCTAssertEqual(token.tokenType, "DPoP")
        for request in seen { XCTAssertEqual(request.authorization, "DPoP \(token.accessToken)") }
        XCTAssertNil(try claims(seen[0].dpop)["nonce"])
        let resent = try claims(seen[1].dpop)
        XCTAssertEqual(resent["nonce"] as? String, "n0nce-1")
        XCTAssertEqual(resent["htm"] as? String, "GET")
        XCTAssertEqual(resent["htu"] as? String, "https://api.example.test/v1/items")
        XCTAssertNotNil(resent["ath"])
        XCTAssertNotEqual(try claims(seen[0].dpop)["jti"] as? String, resent["jti"] as? String, "a fresh proof")

        // The nonce of the last answer is the next call's.
        StubAPI.answer { _ in (200, [:]) }
        _ = try await client.data(for: api, session: session)
        XCTAssertEqual(try claims(StubAPI.seen.first?.dpop)["nonce"] as? String, "n0nce-2")
    }

    /// An API that keeps asking for a new nonce gets one resend, not a loop.
    func testTheNonceResendHappensOnce() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let client = try dpopClient()
        StubAPI.answer { call in (401, ["WWW-Authenticate": #"DPoP error="use_dpop_nonce""#, "DPoP-Nonce": "n0nce-\(call)"]) }
        let session = StubAPI.session()
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await client.data(for: api, session: session)
        XCTAssertEqual(response.statusCode, 401)
        XCTAssertEqual(StubAPI.seen.count, 2)
    }

    func testAnInvalidToken401IsResentOnceWithAFreshTokenUnlessTheBodyCannotBeReplayed() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-post",
                auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")),
                scopes: ["api.read"]))
        let session = StubAPI.session()
        defer { session.finishTasksAndInvalidate() }
        StubAPI.answer { call in call == 1 ? (401, ["WWW-Authenticate": #"Bearer realm="api", error="invalid_token""#]) : (200, [:]) }
        let (_, response) = try await client.data(for: api, session: session)
        XCTAssertEqual(response.statusCode, 200)
        let seen = StubAPI.seen
        XCTAssertEqual(seen.count, 2)
        XCTAssertNotEqual(seen[0].authorization, seen[1].authorization, "the resend carries a fresh token")
        let header = try await client.authorizationHeader()
        XCTAssertEqual(seen[1].authorization, header)

        // A body stream cannot be sent twice: the 401 is the answer (the token is dropped all the same).
        var streamed = api
        streamed.httpMethod = "POST"
        streamed.httpBodyStream = InputStream(data: Data("{}".utf8))
        StubAPI.answer { _ in (401, ["WWW-Authenticate": #"Bearer error="invalid_token""#]) }
        let (_, rejected) = try await client.data(for: streamed, session: session)
        XCTAssertEqual(rejected.statusCode, 401)
        XCTAssertEqual(StubAPI.seen.count, 1)

        // insufficient_scope keeps the token: no resend.
        let kept = try await client.token()
        StubAPI.answer { _ in (401, ["WWW-Authenticate": #"Bearer error="insufficient_scope", scope="api.write""#]) }
        let (_, refused) = try await client.data(for: api, session: session)
        XCTAssertEqual(refused.statusCode, 401)
        XCTAssertEqual(StubAPI.seen.count, 1)
        let same = try await client.token()
        XCTAssertEqual(same.accessToken, kept.accessToken)
    }
}
