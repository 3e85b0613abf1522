// swift-tools-version:5.9
// The lifecycle-event benchmark (scripts/bench-kotlin-swift.sh): the hot path
// and a token round trip with and without a listener, and stats(). Depends on
// the package by path, as examples/swift does; not part of the release tree.
import PackageDescription

let package = Package(
    name: "CcauthBench",
    platforms: [.macOS(.v12)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "ListenerBench", dependencies: [.product(name: "Ccauth", package: "ccauth-swift")],
            path: "Sources/ListenerBench")
    ]
)
