import Ccauth
import CcauthFFI
import Foundation
import XCTest

/// The lifecycle vectors through the UniFFI TokenLifecycle the Swift driver uses: the same decisions as the Rust manager.
final class LifecycleVectorsTests: XCTestCase {
    func decision(_ d: TokenDecision, _ tickets: inout [UInt64]) -> [String: Any] {
        switch d {
        case .ready(let token, _, let from, let until):
            return ["decision": "ready", "access_token": token.accessToken(), "ready_from_ms": from, "ready_until_ms": until]
        case .fetch(let ticket):
            tickets.append(ticket.id)
            return ["decision": "fetch", "attempt": ticket.attempt]
        case .refreshAhead(let token, _, let ticket):
            tickets.append(ticket.id)
            return ["decision": "refresh_ahead", "access_token": token.accessToken(), "attempt": ticket.attempt]
        case .wait(let untilMs, let waitMs):
            return ["decision": "wait", "until_ms": untilMs, "wait_ms": waitMs]
        case .failed(let error, _):
            return ["decision": "failed", "code": error.code]
        }
    }

    func outcome(_ o: FetchOutcome) -> [String: Any] {
        switch o {
        case .token(let token, let info, let from, let until):
            return [
                "outcome": "token", "access_token": token.accessToken(), "expires_at_ms": info.expiresAtMs,
                "ready_from_ms": from, "ready_until_ms": until,
            ]
        case .retryScheduled(let atMs, let error): return ["outcome": "retry_scheduled", "at_ms": atMs, "code": error.code]
        case .failed(let untilMs, let error): return ["outcome": "failed", "until_ms": untilMs, "code": error.code]
        case .stale: return ["outcome": "stale"]
        }
    }

    func check(_ want: [String: Any]?, _ got: [String: Any], _ whereAt: String) {
        for (key, value) in want ?? [:] {
            XCTAssertTrue(NSArray(array: [value]).isEqual(to: [got[key] ?? NSNull()]), "\(whereAt): \(key): want \(value), got \(got)")
        }
    }

    func verdict(_ v: ApiVerdict) -> String {
        switch v {
        case .done: return "done"
        case .retryWithNonce: return "retry_with_nonce"
        case .retryWithNewToken: return "retry_with_new_token"
        }
    }

    func cases(_ file: String) throws -> [[String: Any]] {
        let url = VectorsTests.dir.appendingPathComponent(file)
        return (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any])["cases"] as! [[String: Any]]
    }

    func testLifecycleVectors() throws {
        let manager = try cases("lifecycle_manager.json")
        XCTAssertGreaterThanOrEqual(manager.count, 15)
        try run(manager)
    }

    /// The surface the drivers use since issue 14: ready windows, bounded waits,
    /// API verdicts, the proactive refresh time, assertion failures, revocation.
    func testLifecycleApiVectors() throws {
        let api = try cases("lifecycle_api.json")
        XCTAssertGreaterThanOrEqual(api.count, 7)
        try run(api)
    }

    /// Lifecycle events and stats (issue 16): every event drained after each
    /// step, in order, each a subset match (null: absent); no event or stats
    /// value shows the case's secret or a token.
    func testLifecycleEventVectors() throws {
        let events = try cases("lifecycle_events.json")
        XCTAssertGreaterThanOrEqual(events.count, 7)
        try run(events)
    }

    /// An event as the vectors spell it: snake_case, absent fields and empty lists left out.
    func eventJSON(_ e: CcauthFFI.LifecycleEvent) -> [String: Any] {
        var d: [String: Any] = ["event": e.event, "at_ms": e.atMs, "key": e.key]
        d["ticket"] = e.ticket
        d["attempt"] = e.attempt
        d["reason"] = e.reason
        d["duration_ms"] = e.durationMs
        d["lifetime_ms"] = e.lifetimeMs
        d["expires_at_ms"] = e.expiresAtMs
        d["expiry_source"] = e.expirySource
        if !e.deviations.isEmpty { d["deviations"] = e.deviations }
        d["token_id"] = e.tokenId
        d["delay_ms"] = e.delayMs
        d["until_ms"] = e.untilMs
        d["retry_after_ms"] = e.retryAfterMs
        d["code"] = e.code
        d["error"] = e.error
        d["status"] = e.status
        d["retryable"] = e.retryable
        d["message"] = e.message
        if !e.traceIds.isEmpty { d["trace_ids"] = e.traceIds }
        return d
    }

    func statsJSON(_ s: CcauthFFI.TokenStats) -> [String: Any] {
        var d: [String: Any] = [
            "key": s.key, "tokens_served": s.tokensServed, "fetches": s.fetches, "fetch_successes": s.fetchSuccesses,
            "attempt_failures": s.attemptFailures, "fetch_failures": s.fetchFailures, "invalidations": s.invalidations,
        ]
        d["last_fetch_at_ms"] = s.lastFetchAtMs
        d["token_expires_at_ms"] = s.tokenExpiresAtMs
        d["token_id"] = s.tokenId
        d["cooldown_until_ms"] = s.cooldownUntilMs
        d["last_error_code"] = s.lastErrorCode
        return d
    }

    /// The case's client secret and every access token its responses carry.
    func secrets(_ c: [String: Any], _ config: String) -> [String] {
        var found: [String] = []
        if let doc = try? JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any],
            let secret = doc["client_secret"] as? String
        {
            found.append(secret)
        }
        for step in c["steps"] as! [[String: Any]] {
            guard let body = (step["respond"] as? [String: Any])?["body"] as? String,
                let doc = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                let token = doc["access_token"] as? String
            else { continue }
            found.append(token)
        }
        return found
    }

    func checkEvents(_ step: [String: Any], _ events: [CcauthFFI.LifecycleEvent], _ secrets: [String], _ whereAt: String) {
        for e in events {
            let text = "\(e) \(e.logLine)"
            for secret in secrets { XCTAssertFalse(text.contains(secret), "\(whereAt): a secret in \(text)") }
        }
        guard let want = step["events"] as? [[String: Any]] else { return }
        XCTAssertEqual(want.count, events.count, "\(whereAt): events \(events.map(\.logLine))")
        for (i, (w, e)) in zip(want, events).enumerated() { check(w, eventJSON(e), "\(whereAt) event \(i)") }
    }

    func run(_ cases: [[String: Any]]) throws {
        for c in cases {
            let name = c["name"] as! String
            let config =
                (c["config"] as? [String: Any]).map { String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
                ?? VectorsTests.defaultConfig
            let seed = (c["seed"] as? NSNumber)?.uint64Value ?? 1
            let lifecycle = try TokenLifecycle(configJson: config, seed: seed)
            var tickets: [UInt64] = []
            let secrets = secrets(c, config)
            for (i, step) in (c["steps"] as! [[String: Any]]).enumerated() {
                let whereAt = "\(name) step \(i)"
                let want = step["expect"] as? [String: Any]
                let now = (step["now_ms"] as? NSNumber)?.uint64Value ?? 0
                if step["poll"] != nil {
                    check(want, decision(lifecycle.poll(nowMs: now), &tickets), whereAt)
                } else if step["respond"] != nil || step["transport_error"] != nil || step["assertion_source_failed"] != nil {
                    let ticket = tickets[(step["ticket"] as! NSNumber).intValue - 1]
                    let o: FetchOutcome
                    if let failed = step["assertion_source_failed"] as? [String: Any] {
                        o = lifecycle.assertionSourceFailed(ticketId: ticket, message: failed["message"] as! String, nowMs: now)
                    } else if let r = step["respond"] as? [String: Any] {
                        let body =
                            (r["body_base64"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data(((r["body"] as? String) ?? "").utf8)
                        let headers = ((r["headers"] as? [[String]]) ?? []).map { Header(name: $0[0], value: $0[1]) }
                        o = lifecycle.handleResponse(
                            ticketId: ticket, status: UInt16((r["status"] as! NSNumber).intValue), headers: headers, body: body, nowMs: now)
                    } else {
                        o = lifecycle.handleTransportError(
                            ticketId: ticket, kind: .connect, message: "refused", cause: nil, requestSent: nil, nowMs: now)
                    }
                    check(want, outcome(o), whereAt)
                } else if let inv = step["invalidate"] as? [String: Any] {
                    let dropped = lifecycle.invalidate(
                        accessToken: inv["token"] as! String, wwwAuthenticate: inv["www_authenticate"] as? String)
                    check(want, ["dropped": dropped], whereAt)
                } else if let api = step["api_response"] as? [String: Any] {
                    let v = lifecycle.apiResponse(
                        accessToken: api["token"] as! String, url: api["url"] as! String,
                        status: UInt16((api["status"] as! NSNumber).intValue),
                        wwwAuthenticate: api["www_authenticate"] as? String, dpopNonce: api["dpop_nonce"] as? String,
                        nonceRetried: api["nonce_retried"] as? Bool ?? false)
                    check(want, ["verdict": verdict(v)], whereAt)
                } else if step["proactive_refresh_at"] != nil {
                    check(want, lifecycle.proactiveRefreshAt().map { ["at_ms": $0] } ?? [:], whereAt)
                } else if let revoke = step["revocation_request"] as? [String: Any] {
                    do {
                        let request = try lifecycle.revocationRequest(token: revoke["token"] as! String, hint: nil, nowMs: now)
                        check(want, ["url": request.url()], whereAt)
                    } catch CcauthFFI.CcauthError.Config(let info) {
                        var got: [String: Any] = ["code": info.code]
                        got["field"] = info.field
                        check(want, got, whereAt)
                    }
                } else if step["reset_failure"] != nil {
                    check(want, ["reset": lifecycle.resetFailure(nowMs: now)], whereAt)
                } else if step["stats"] != nil {
                    let stats = lifecycle.stats()
                    for secret in secrets { XCTAssertFalse("\(stats)".contains(secret), "\(whereAt): a secret in \(stats)") }
                    check(want, statsJSON(stats), whereAt)
                } else if step["export_import"] != nil {
                    let fresh = try TokenLifecycle(configJson: config, seed: seed)
                    do {
                        let token = try fresh.importToken(document: lifecycle.exportToken() ?? "", nowMs: now)
                        check(want, ["access_token": token.accessToken()], whereAt)
                    } catch CcauthFFI.CcauthError.TokenDocument(let info) {
                        check(want, ["code": info.code], whereAt)
                    }
                } else {
                    XCTFail("\(whereAt): unknown step \(step.keys)")
                }
                checkEvents(step, lifecycle.drainEvents(), secrets, whereAt)
            }
        }
    }
}
