import CcauthFFI
import Foundation
import XCTest

@testable import Ccauth

/// Every request and response vector in tests/vectors/ through the Swift bindings: the same bytes as Rust.
final class VectorsTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tests/vectors")
    static let defaultConfig = #"{"token_endpoint":"https://as.example.com/token","client_id":"client","client_secret":"vector-secret-1"}"#

    func cases(_ kind: String) throws -> [(String, [String: Any])] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir.path)
            .filter { $0.hasPrefix("\(kind)_") && $0.hasSuffix(".json") }.sorted()
        return try files.flatMap { file -> [(String, [String: Any])] in
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dir.appendingPathComponent(file))) as! [String: Any]
            return (doc["cases"] as! [[String: Any]]).map { ("\(file)/\($0["name"]!)", $0) }
        }
    }

    /// JSON-equal: both sides through NSArray equality (numbers compare by value, nil is NSNull).
    func check(_ want: [String: Any], _ key: String, _ got: Any?, _ id: String) {
        guard let w = want[key] else { return }
        let ok = NSArray(array: [w]).isEqual(to: [got ?? NSNull()])
        XCTAssertTrue(ok, "\(id): \(key): want \(w), got \(String(describing: got))")
    }

    func assertClean(_ text: String, _ secrets: [String?], _ id: String) {
        for case let s? in secrets where s.count >= 8 { XCTAssertFalse(text.contains(s), "\(id) leaks a secret: \(text)") }
    }

    func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }

    func testRequestVectors() throws {
        let all = try cases("request")
        XCTAssertGreaterThanOrEqual(all.count, 80)
        for (id, c) in all {
            let config = c["config"] as! [String: Any]
            let secret = config["client_secret"] as? String
            if let want = c["expect_error"] as? [String: Any] {
                do {
                    _ = try translatedDocument { try buildTokenRequest(configJson: json(config)) }
                    XCTFail("\(id): want \(want["code"]!), got no error")
                } catch let e as Ccauth.CcauthError {
                    check(want, "code", e.code, id)
                    check(want, "field", e.field, id)
                    assertClean("\(e) \(String(reflecting: e))", [secret], id)
                }
                // The client's errors name the same field as ClientCredentialsOptions does, in the message too.
                do {
                    _ = try translated { try buildTokenRequest(configJson: json(config)) }
                } catch let e as Ccauth.CcauthError {
                    if let coreField = want["field"] as? String {
                        let own = ClientCredentialsOptions.optionName(coreField)
                        XCTAssertEqual(e.field, own, id)
                        XCTAssertTrue(e.message.contains("`\(own)`"), "\(id): \(e.message)")
                        XCTAssertFalse(coreField.contains("_") && e.message.contains("`\(coreField)`"), "\(id): \(e.message)")
                        XCTAssertNotNil(e.reason, id)
                    }
                }
                continue
            }
            let r = try buildTokenRequest(configJson: json(config))
            let want = c["expect"] as! [String: Any]
            check(want, "method", r.method(), id)
            check(want, "url", r.url(), id)
            check(want, "headers", r.headers().map { [$0.name, $0.value] }, id)
            check(want, "body", String(decoding: r.body(), as: UTF8.self), id)
            assertClean(String(reflecting: r), [secret], id)
        }
    }

    func testResponseVectors() throws {
        let all = try cases("response")
        XCTAssertGreaterThanOrEqual(all.count, 60)
        for (id, c) in all {
            let config = (c["config"] as? [String: Any]).map(json) ?? Self.defaultConfig
            let secret = (try JSONSerialization.jsonObject(with: Data(config.utf8)) as! [String: Any])["client_secret"] as? String
            let res = c["response"] as! [String: Any]
            let body = (res["body_base64"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data(((res["body"] as? String) ?? "").utf8)
            let headers = ((res["headers"] as? [[String]]) ?? []).map { Header(name: $0[0], value: $0[1]) }
            let status = UInt16((res["status"] as! NSNumber).intValue)
            let now = (c["now_ms"] as! NSNumber).uint64Value
            if let want = c["expect_error"] as? [String: Any] {
                do {
                    _ = try translatedDocument {
                        try parseTokenResponse(configJson: config, status: status, headers: headers, body: body, nowMs: now)
                    }
                    XCTFail("\(id): want \(want["code"]!), got no error")
                } catch let e as Ccauth.CcauthError {
                    check(want, "code", e.code, id)
                    check(want, "status", e.status, id)
                    check(want, "error", e.error, id)
                    check(want, "error_description", e.errorDescription, id)
                    check(want, "error_uri", e.errorUri, id)
                    check(want, "retryable", e.retryable, id)
                    check(want, "retry_after_ms", e.retryAfterMs, id)
                    check(want, "body_kind", e.bodyKind, id)
                    check(want, "excerpt", e.excerpt, id)
                    check(want, "content_type", e.contentType, id)
                    check(want, "body_len", e.bodyLen, id)
                    check(want, "dpop_nonce", e.dpopNonce, id)
                    check(want, "extras", e.extras, id)
                    check(
                        want, "www_authenticate",
                        e.wwwAuthenticate.map { c in
                            ["scheme": c.scheme, "params": c.params.map { [$0.name, $0.value] }] as [String: Any]
                        }, id)
                    XCTAssertEqual(e.kind == .oauth, e.code == "TOKEN_ENDPOINT_ERROR", id)
                    assertClean("\(e) \(String(reflecting: e))", [secret], id)
                }
                continue
            }
            let ffi: CcauthFFI.AccessToken
            do {
                ffi = try parseTokenResponse(configJson: config, status: status, headers: headers, body: body, nowMs: now)
            } catch {
                XCTFail("\(id): want a token, got \(error)")
                continue
            }
            let t = Ccauth.AccessToken(ffi)
            let want = c["expect"] as! [String: Any]
            check(want, "access_token", t.accessToken, id)
            check(want, "token_type", t.tokenType, id)
            check(want, "authorization_header", t.authorization, id)
            check(want, "issued_at_ms", t.issuedAtMs, id)
            check(want, "expires_at_ms", t.expiresAtMs, id)
            check(want, "expiry_source", t.expirySource, id)
            check(want, "refresh_at_ms", t.refreshAtMs, id)
            check(want, "scope", t.scope, id)
            check(want, "refresh_token", t.refreshToken, id)
            check(want, "id_token", t.idToken, id)
            check(want, "extra_keys", t.extras.keys.sorted(), id)
            check(want, "deviations", t.deviations, id)
            for at in (want["at"] as? [[String: Any]]) ?? [] {
                XCTAssertEqual(ffi.isExpired(nowMs: (at["now_ms"] as! NSNumber).uint64Value), at["is_expired"] as? Bool, id)
            }
            var dumped = ""
            dump(t, to: &dumped)
            assertClean(
                "\(t) \(String(reflecting: t)) \(dumped) \(String(reflecting: ffi))", [secret, t.accessToken, t.refreshToken, t.idToken], id
            )
        }
    }
}
