// A small benchmark (scripts/bench-kotlin-swift.sh; not a test): the cached
// token hot path, and one token round trip against the local server.
import Ccauth
import Foundation

setvbuf(stdout, nil, _IOLBF, 0)
guard let endpoint = ProcessInfo.processInfo.environment["CCAUTH_TOKEN_ENDPOINT"] else {
    fatalError("run through scripts/with-auth-server.sh")
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func newClient() throws -> ClientCredentials {
    try ClientCredentials(
        .init(
            tokenEndpoint: endpoint, clientId: "ccauth-post",
            auth: .clientSecretPost(secret: ClientSecret(value: "post-secret-0123456789")),
            scopes: ["api.read"]))
}

func run() async throws {
    let client = try newClient()
    _ = try await client.token()
    let n = 500_000
    var runs: [Double] = []
    for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { _ = try await client.token() }
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n))
    }
    print(String(format: "[bench/swift] %-40@ %10.1f ns (median of 5)", "hot path: await client.token()" as NSString, median(runs)))
    var trips: [Double] = []
    // A fresh client each time: the core spaces one client's fetches 1 s apart,
    // which a drop-then-fetch loop on one client would measure instead.
    for _ in 0..<50 {
        let fresh = try newClient()
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try await fresh.token()
        trips.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    print(String(format: "[bench/swift] %-40@ %10.2f ms (median of 50)", "token round trip (loopback server)" as NSString, median(trips)))
}
try await run()
