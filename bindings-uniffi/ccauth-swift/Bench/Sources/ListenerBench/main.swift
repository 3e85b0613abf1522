// The cached-token hot path and one token round trip, without and with a
// lifecycle listener, and stats() (scripts/bench-kotlin-swift.sh; not a test).
import Ccauth
import Foundation

setvbuf(stdout, nil, _IOLBF, 0)
guard let endpoint = ProcessInfo.processInfo.environment["CCAUTH_TOKEN_ENDPOINT"] else {
    fatalError("run through scripts/with-auth-server.sh")
}

/// Events heard by the listener (it runs on the client's actor).
final class Heard: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
}

let heard = Heard()

func newClient(listening: Bool) throws -> ClientCredentials {
    try ClientCredentials(
        .init(
            tokenEndpoint: endpoint, clientId: "ccauth-post",
            auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")), scopes: ["api.read"],
            listener: listening ? { _ in heard.add() } : nil))
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func report(_ label: String, _ value: Double, _ unit: String, _ what: String) {
    print(String(format: "[bench/swift] %-44@ %10.2f %@ (%@)", label as NSString, value, unit as NSString, what as NSString))
}

func hot(_ label: String, _ client: ClientCredentials) async throws {
    let n = 500_000
    for _ in 0..<n { _ = try await client.token() }  // warm-up
    var runs: [Double] = []
    for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { _ = try await client.token() }
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n))
    }
    report(label, median(runs), "ns", "median of 5")
}

func trips(_ label: String, listening: Bool) async throws {
    var runs: [Double] = []
    // A fresh client each time: one client's fetches are spaced 1 s apart by the core.
    for _ in 0..<50 {
        let fresh = try newClient(listening: listening)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try await fresh.token()
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    report(label, median(runs), "ms", "median of 50")
}

func run() async throws {
    let plain = try newClient(listening: false)
    let listened = try newClient(listening: true)
    _ = try await plain.token()
    _ = try await listened.token()
    try await hot("hot path: token(), no listener", plain)
    try await hot("hot path: token(), with a listener", listened)
    precondition(heard.value == 2, "the hot path drained events: \(heard.value)")
    let n = 100_000
    let t0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n { _ = await plain.stats() }
    report("stats()", Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n), "ns", "mean of 100 000")
    try await trips("token round trip, no listener", listening: false)
    try await trips("token round trip, with a listener", listening: true)
}
try await run()
