import CcauthFFI
import Foundation
import XCTest

/// The lifecycle vectors through the UniFFI TokenLifecycle the Swift driver uses: the same decisions as the Rust manager.
final class LifecycleVectorsTests: XCTestCase {
    func decision(_ d: TokenDecision, _ tickets: inout [UInt64]) -> [String: Any] {
        switch d {
        case let .ready(token, _):
            return ["decision": "ready", "access_token": token.accessToken()]
        case let .fetch(ticket):
            tickets.append(ticket.id)
            return ["decision": "fetch", "attempt": ticket.attempt]
        case let .refreshAhead(token, _, ticket):
            tickets.append(ticket.id)
            return ["decision": "refresh_ahead", "access_token": token.accessToken(), "attempt": ticket.attempt]
        case let .wait(untilMs):
            return ["decision": "wait", "until_ms": untilMs]
        case let .failed(error):
            return ["decision": "failed", "code": error.code]
        }
    }

    func outcome(_ o: FetchOutcome) -> [String: Any] {
        switch o {
        case let .token(token, info): return ["outcome": "token", "access_token": token.accessToken(), "expires_at_ms": info.expiresAtMs]
        case let .retryScheduled(atMs, error): return ["outcome": "retry_scheduled", "at_ms": atMs, "code": error.code]
        case let .failed(untilMs, error): return ["outcome": "failed", "until_ms": untilMs, "code": error.code]
        case .stale: return ["outcome": "stale"]
        }
    }

    func check(_ want: [String: Any]?, _ got: [String: Any], _ whereAt: String) {
        for (key, value) in want ?? [:] {
            XCTAssertTrue(NSArray(array: [value]).isEqual(to: [got[key] ?? NSNull()]), "\(whereAt): \(key): want \(value), got \(got)")
        }
    }

    func testLifecycleVectors() throws {
        let url = VectorsTests.dir.appendingPathComponent("lifecycle_manager.json")
        let cases = (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any])["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        for c in cases {
            let name = c["name"] as! String
            let config = (c["config"] as? [String: Any]).map { String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
                ?? VectorsTests.defaultConfig
            let seed = (c["seed"] as? NSNumber)?.uint64Value ?? 1
            let lifecycle = try TokenLifecycle(configJson: config, seed: seed)
            var tickets: [UInt64] = []
            for (i, step) in (c["steps"] as! [[String: Any]]).enumerated() {
                let whereAt = "\(name) step \(i)"
                let want = step["expect"] as? [String: Any]
                let now = (step["now_ms"] as? NSNumber)?.uint64Value ?? 0
                if step["poll"] != nil {
                    check(want, decision(lifecycle.poll(nowMs: now), &tickets), whereAt)
                } else if step["respond"] != nil || step["transport_error"] != nil {
                    let ticket = tickets[(step["ticket"] as! NSNumber).intValue - 1]
                    let o: FetchOutcome
                    if let r = step["respond"] as? [String: Any] {
                        let body = (r["body_base64"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data(((r["body"] as? String) ?? "").utf8)
                        let headers = ((r["headers"] as? [[String]]) ?? []).map { Header(name: $0[0], value: $0[1]) }
                        o = lifecycle.handleResponse(ticketId: ticket, status: UInt16((r["status"] as! NSNumber).intValue), headers: headers, body: body, nowMs: now)
                    } else {
                        o = lifecycle.handleTransportError(ticketId: ticket, kind: .connect, message: "refused", cause: nil, requestSent: nil, nowMs: now)
                    }
                    check(want, outcome(o), whereAt)
                } else if let inv = step["invalidate"] as? [String: Any] {
                    let dropped = lifecycle.invalidate(accessToken: inv["token"] as! String, wwwAuthenticate: inv["www_authenticate"] as? String)
                    check(want, ["dropped": dropped], whereAt)
                } else if step["export_import"] != nil {
                    let fresh = try TokenLifecycle(configJson: config, seed: seed)
                    do {
                        let token = try fresh.importToken(document: lifecycle.exportToken() ?? "", nowMs: now)
                        check(want, ["access_token": token.accessToken()], whereAt)
                    } catch let CcauthFFI.CcauthError.TokenDocument(info) {
                        check(want, ["code": info.code], whereAt)
                    }
                } else {
                    XCTFail("\(whereAt): unknown step \(step.keys)")
                }
            }
        }
    }
}
