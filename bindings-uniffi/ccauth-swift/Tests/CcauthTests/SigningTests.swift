import CcauthFFI
import Foundation
import XCTest

@testable import Ccauth

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// JWT client authentication and DPoP from Swift: the signing vectors (exact
/// bytes; Foundation on Linux has no crypto to verify them with, so the
/// independent verification is the Rust, JS, Python and Kotlin runners'), and
/// the real server on 127.0.0.1 for private_key_jwt, discovery, DPoP,
/// revocation and introspection.
final class SigningTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var api: String { env["CCAUTH_API_URL"] ?? "" }
    let keys = VectorsTests.dir.appendingPathComponent("keys")

    func testEverySigningVectorGivesThePinnedBytes() throws {
        let data = try Data(contentsOf: VectorsTests.dir.appendingPathComponent("signing.json"))
        let cases = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for c in cases {
            let name = c["name"] as! String
            let context = c["context"] as! [String: Any]
            let hex = context["entropy"] as! String
            let entropy = Data(
                stride(from: 0, to: hex.count, by: 2).map {
                    UInt8(hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)], radix: 16)!
                })
            let config = String(decoding: try JSONSerialization.data(withJSONObject: c["config"]!), as: UTF8.self)
            let request = try buildTokenRequestAt(
                configJson: config, nowMs: (context["now_ms"] as! NSNumber).uint64Value, entropy: entropy,
                dpopNonce: context["dpop_nonce"] as? String)
            let expect = c["expect"] as! [String: Any]
            XCTAssertEqual(String(decoding: request.body(), as: UTF8.self), expect["body"] as? String, name)
            XCTAssertEqual(request.headers().first { $0.name == "DPoP" }?.value, expect["dpop"] as? String, name)
        }
    }

    func get(_ headers: [String: String]) async throws -> (Int, String?, String) {
        var request = URLRequest(url: URL(string: api)!)
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        return try await withCheckedThrowingContinuation { c in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    c.resume(throwing: error)
                } else {
                    let http = response as! HTTPURLResponse
                    c.resume(
                        returning: (
                            http.statusCode, http.value(forHTTPHeaderField: "DPoP-Nonce"), String(decoding: data ?? Data(), as: UTF8.self)
                        ))
                }
            }.resume()
        }
    }

    func testPrivateKeyJwtWithAJwkAndAPem() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let es256 = try String(contentsOf: keys.appendingPathComponent("p256.jwk.json"), encoding: .utf8)
        let eddsa = try String(contentsOf: keys.appendingPathComponent("ed25519.pem"), encoding: .utf8)
        for (id, key) in [("ccauth-es256", es256), ("ccauth-eddsa", eddsa)] {
            let options = ClientCredentialsOptions(
                tokenEndpoint: tokenEndpoint, clientId: id,
                auth: .privateKeyJwt(key: try .parse(key)), scopes: ["api.read"])
            let client = try ClientCredentials(options)
            let (status, _, body) = try await get(try await client.authorizationHeaders(method: "GET", url: api))
            XCTAssertEqual(status, 200, "\(id): \(body)")
            XCTAssertFalse("\(options)".contains("PRIVATE KEY"))
        }
    }

    func testDiscoveryDpopNonceDanceRevocationAndIntrospection() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let options = ClientCredentialsOptions(
            tokenEndpoint: "", clientId: "ccauth-dpop",
            auth: .clientSecretBasic(secret: ClientSecret(value: "dpop-secret-0123456789")),
            scopes: ["api.read"], dpopKey: try .generateP256())
        let client = try await ClientCredentials.discover(issuer: env["CCAUTH_ISSUER"]!, options)
        let token = try await client.token()
        XCTAssertEqual(token.tokenType, "DPoP")
        let asBearer = try await get(["Authorization": "Bearer \(token.accessToken)"])
        XCTAssertEqual(asBearer.0, 401)
        let (first, nonce, _) = try await get(try await client.authorizationHeaders(method: "GET", url: api))
        XCTAssertEqual(first, 401)
        await client.rememberDpopNonce(url: api, nonce: try XCTUnwrap(nonce))
        let (second, _, body) = try await get(try await client.authorizationHeaders(method: "GET", url: api))
        XCTAssertEqual(second, 200, body)
        XCTAssertTrue(body.contains("\"dpop\":true"))
        let before = try await client.introspect(token.accessToken)
        XCTAssertTrue(before.active)
        XCTAssertEqual(before.clientId, "ccauth-dpop")
        try await client.revoke()
        let after = try await client.introspect(token.accessToken)
        XCTAssertFalse(after.active)
        let fresh = try await client.token()
        XCTAssertNotEqual(fresh.accessToken, token.accessToken)
    }
}
