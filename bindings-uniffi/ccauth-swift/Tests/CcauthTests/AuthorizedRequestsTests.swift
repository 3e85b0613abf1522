import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `data(for:session:)` against the real server on 127.0.0.1: its API checks
/// tokens for real, so a token revoked behind the client's back is rejected
/// with `invalid_token`, and a DPoP-bound one needs the API's nonce.
final class AuthorizedRequestsTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var api: URL { URL(string: env["CCAUTH_API_URL"]!)! }

    override func setUp() {
        continueAfterFailure = false
    }

    func tokenRequests(_ clientId: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.dataCompat(URLRequest(url: URL(string: env["CCAUTH_STATS_URL"]!)!))
        let stats = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ((stats["token_requests_by_client"] as! [String: Any])[clientId] as? NSNumber)?.intValue ?? 0
    }

    /// Revokes `token` with a second client of the same credentials: the first keeps it cached.
    func revokeBehindTheClientsBack(_ options: ClientCredentialsOptions, _ token: AccessToken) async throws {
        var admin = options
        admin.revocationEndpoint = env["CCAUTH_ISSUER"]! + "/token/revocation"
        try await ClientCredentials(admin).revoke(token.accessToken)
    }

    func testARevokedBearerTokenIsDroppedAndTheCallRetriedOnceWithAFreshOne() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let options = ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: "ccauth-secret-jwt",
            auth: .clientSecretJwt(secret: ClientSecret(value: "jwt-secret-0123456789-0123456789-abcdef")),
            scopes: ["api.read"])
        let client = try ClientCredentials(options)
        let (_, ok) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(ok.statusCode, 200)
        let old = try await client.token()
        try await revokeBehindTheClientsBack(options, old)
        let before = try await tokenRequests("ccauth-secret-jwt")
        let (body, response) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(response.statusCode, 200, String(decoding: body, as: UTF8.self))
        let fresh = try await client.token()
        XCTAssertNotEqual(fresh.accessToken, old.accessToken)
        let fetched = try await tokenRequests("ccauth-secret-jwt") - before
        XCTAssertEqual(fetched, 1, "one fresh token for the one retry")
    }

    func testADpopTokenGetsTheApisNonceThenSurvivesRevocation() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let options = ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: "ccauth-dpop",
            auth: .clientSecretBasic(secret: ClientSecret(value: "dpop-secret-0123456789")),
            scopes: ["api.read"], dpopKey: try .generateP256())
        let client = try ClientCredentials(options)
        // The first proof carries no nonce: 401 use_dpop_nonce, resent once with it.
        let (body, first) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(first.statusCode, 200)
        XCTAssertTrue(String(decoding: body, as: UTF8.self).contains("\"dpop\":true"))
        let old = try await client.token()
        XCTAssertEqual(old.tokenType, "DPoP")
        try await revokeBehindTheClientsBack(options, old)
        let (_, second) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(second.statusCode, 200)
        let fresh = try await client.token()
        XCTAssertNotEqual(fresh.accessToken, old.accessToken)
    }

    /// A 403 `insufficient_scope` is the answer: no retry, no new token.
    func testAnInsufficientScopeAnswerIsReturnedWithoutARetry() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let client = try ClientCredentials(
            .init(
                tokenEndpoint: tokenEndpoint, clientId: "ccauth-post",
                auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")),
                scopes: ["api.write"]))
        let token = try await client.token()
        let before = try await tokenRequests("ccauth-post")
        let (_, response) = try await client.data(for: URLRequest(url: api))
        XCTAssertEqual(response.statusCode, 403)
        let after = try await tokenRequests("ccauth-post")
        XCTAssertEqual(after, before)
        let same = try await client.token()
        XCTAssertEqual(same.accessToken, token.accessToken)
    }
}

extension URLSession {
    /// `data(for:)` on every Foundation this package supports.
    func dataCompat(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        try await withCheckedThrowingContinuation { c in
            dataTask(with: request) { data, response, error in
                if let error { c.resume(throwing: error) } else { c.resume(returning: (data ?? Data(), response as! HTTPURLResponse)) }
            }.resume()
        }
    }
}
