import CcauthFFI
import Foundation

/// A store a fleet of processes shares one token through (Redis, Valkey, a
/// Redis Cluster): four commands, one key each. With `store:` set, processes
/// sharing it make one token request per refresh between them
/// (docs/FLEET.md).
///
/// The core decides everything (what to read, when to take the lease, how
/// long to back off, what to publish, when to release); an implementation
/// only runs the command it is given. Values are sealed entries (AES-256-GCM,
/// sealed by the core) or lease owner ids: never a token or a secret in
/// clear. Keys are `ccauth:{<id>}:token` and `ccauth:{<id>}:lease`, the
/// braces a Redis Cluster hash tag.
///
/// **The store is never a reason to fail a caller.** Throwing is fine: any
/// error, and any command that takes longer than 500 ms, counts as the store
/// failing; the process then fetches alone and leaves the store alone for
/// 5 s (events `store_unavailable`, then `store_recovered`).
///
/// ```swift
/// let store = RedisTokenStore(pool)   // your adapter, e.g. the RediStack one in README.md
/// let client = try ClientCredentials(.init(tokenEndpoint: url, clientId: id, auth: auth, store: store))
/// ```
public protocol TokenStore: Sendable {
    /// `GET key`: the value, or nil when there is none.
    func get(_ key: String) async throws -> Data?

    /// `SET key value NX PX ttlMs`: whether it was set.
    func setIfAbsent(_ key: String, value: Data, ttlMs: UInt64) async throws -> Bool

    /// `SET key value PX ttlMs`.
    func set(_ key: String, value: Data, ttlMs: UInt64) async throws

    /// Deletes `key` only while it holds `value` (Redis: `EVAL` of
    /// `deleteIfEqualsScript` with 1 key; Valkey 9: `DELIFEQ`): whether it was deleted.
    func deleteIfEquals(_ key: String, value: Data) async throws -> Bool
}

extension TokenStore {
    /// The Redis compare-and-delete script for `deleteIfEquals`:
    /// `EVAL <script> 1 key value` deletes `key` only while it holds `value`.
    public static var deleteIfEqualsScript: String { CcauthFFI.deleteIfEqualsScript() }
}

/// A client's store keys (`ClientCredentials.storeKeys`): `token`, the sealed
/// entry, and `lease`, the fetch lease.
public typealias StoreKeys = CcauthFFI.StoreKeys

/// Runs the core's store commands on a `TokenStore`.
enum StoreRunner {
    /// The longest a command may take; slower is a failed store.
    static let commandTimeoutMs: UInt64 = 500

    /// One command's reply: `.failed` on any error or after the timeout,
    /// never thrown. The command runs in its own task (cancelled on timeout),
    /// so a store that hangs holds no caller longer than the timeout.
    static func run(_ command: StoreCommand, on store: any TokenStore) async -> StoreReply {
        await firstOf(timeoutMs: commandTimeoutMs, timedOut: .failed) {
            do {
                switch command {
                case .get(let key):
                    return .value(value: try await store.get(key))
                case .setIfAbsent(let key, let value, let ttlMs):
                    return .done(applied: try await store.setIfAbsent(key, value: value, ttlMs: ttlMs))
                case .set(let key, let value, let ttlMs):
                    try await store.set(key, value: value, ttlMs: ttlMs)
                    return .done(applied: true)
                case .deleteIfEquals(let key, let value):
                    return .done(applied: try await store.deleteIfEquals(key, value: value))
                }
            } catch {
                return .failed
            }
        }
    }

    /// `body`'s result, or `timedOut` after `timeoutMs` (and `body`'s task cancelled).
    static func firstOf<T: Sendable>(
        timeoutMs: UInt64, timedOut: T, _ body: @escaping @Sendable () async -> T
    ) async -> T {
        let race = Race<T>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let work = Task {
                let value = await body()
                race.finish(value)
            }
            race.timer = Task {
                try? await Task.sleep(nanoseconds: timeoutMs * 1_000_000)
                guard !Task.isCancelled else { return }
                work.cancel()
                race.finish(timedOut)
            }
        }
    }
}

/// The first of two results resumes the continuation; the loser is ignored
/// (and a timer still sleeping, cancelled).
private final class Race<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var timerTask: Task<Void, Never>?
    private var done = false

    func start(_ continuation: CheckedContinuation<T, Never>) {
        lock.lock()
        self.continuation = continuation
        lock.unlock()
    }

    var timer: Task<Void, Never>? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return timerTask
        }
        set {
            lock.lock()
            let finished = done
            timerTask = newValue
            lock.unlock()
            if finished { newValue?.cancel() }
        }
    }

    func finish(_ value: T) {
        lock.lock()
        let continuation = self.continuation
        self.continuation = nil
        done = true
        let timer = timerTask
        lock.unlock()
        timer?.cancel()
        continuation?.resume(returning: value)
    }
}
