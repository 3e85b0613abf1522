import CcauthFFI
import Foundation

#if canImport(os)
    import os
#endif

/// One lifecycle change, the core's record: `event` is `fetch_started`
/// (`reason`: `cold`, `refresh_ahead`, `proactive`, `expired`,
/// `invalidated`, `retry`, `dpop_nonce`), `fetch_succeeded`,
/// `retry_scheduled`, `fetch_failed`, `token_invalidated` (`reason`:
/// `api_401`, `revoked`, `user`) or `failure_reset`; with a fleet store
/// (`store`), `store_hit`, `lease_acquired`, `lease_busy`, `store_published`,
/// `store_entry_rejected` (`reason`: `truncated`, `tampered_or_foreign`),
/// `store_unavailable` and `store_recovered`; the fields an event does
/// not carry are nil (empty for `deviations` and `traceIds`). No event holds a
/// secret or a token: a token appears as `tokenId`, a SHA-256 prefix.
public typealias LifecycleEvent = CcauthFFI.LifecycleEvent

/// A cache entry's counters and state (`ClientCredentials.stats()`).
public typealias TokenStats = CcauthFFI.TokenStats

/// Gets every lifecycle event of a client (the `listener` option), on the
/// client's actor, in order, right after the change (a fetch's start or
/// report, a drop, a revocation, `resetFailure()`); never for a token served
/// from the cache. Keep it quick: count, record, or hand off. An error it
/// throws is ignored (and logged on Apple platforms): the token path goes on.
public typealias LifecycleListener = @Sendable (LifecycleEvent) throws -> Void

extension LifecycleEvent {
    /// One log line: `ccauth <event>` and the fields it carries as `name=value`.
    public var logLine: String {
        var s = "ccauth \(event)"
        func field(_ name: String, _ value: CustomStringConvertible?) {
            if let value { s += " \(name)=\(value)" }
        }
        field("key", key)
        field("ticket", ticket)
        field("attempt", attempt)
        field("reason", reason)
        field("duration_ms", durationMs)
        field("lifetime_ms", lifetimeMs)
        field("expires_at_ms", expiresAtMs)
        field("expiry_source", expirySource)
        if !deviations.isEmpty { field("deviations", deviations.joined(separator: ",")) }
        field("token_id", tokenId)
        field("delay_ms", delayMs)
        field("until_ms", untilMs)
        field("retry_after_ms", retryAfterMs)
        field("code", code)
        field("error", error)
        field("status", status)
        field("retryable", retryable)
        if !traceIds.isEmpty { field("trace_ids", traceIds.joined(separator: ",")) }
        field("message", message.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" })
        return s
    }
}

/// The platform's log for lifecycle events: `os.Logger` (subsystem
/// `dev.ccauth`, category `lifecycle`) on Apple platforms: fetches `info`,
/// retries, `store_unavailable` and `store_entry_rejected` `warning` (a DPoP
/// nonce handshake `info`), failures `error`, every field public (none is secret).
/// None on Linux (swift-log could not be resolved where this package is built).
struct EventLog {
    #if canImport(os)
        private let logger = Logger(subsystem: "dev.ccauth", category: "lifecycle")
    #endif

    /// Nil where there is no platform log.
    static func make() -> EventLog? {
        #if canImport(os)
            return EventLog()
        #else
            return nil
        #endif
    }

    func log(_ event: LifecycleEvent) {
        #if canImport(os)
            let line = event.logLine
            switch event.event {
            // A DPoP nonce handshake is part of the protocol, not a failure.
            case "retry_scheduled" where event.reason != "dpop_nonce": logger.warning("\(line, privacy: .public)")
            case "fetch_failed": logger.error("\(line, privacy: .public)")
            // The fleet store down, or an entry that fails to open: worth a look, not a failure.
            case "store_unavailable", "store_entry_rejected": logger.warning("\(line, privacy: .public)")
            default: logger.info("\(line, privacy: .public)")
            }
        #endif
    }

    func listenerFailed(_ error: Error) {
        #if canImport(os)
            // The type only: the host's own message could quote anything.
            let name = String(describing: type(of: error))
            logger.warning("ccauth: the lifecycle listener threw \(name, privacy: .public) (ignored)")
        #endif
    }
}

/// `ms` (Unix) as ISO 8601 with milliseconds, UTC.
func isoTime(ms: UInt64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}
