// swift-tools-version:5.9
// ccauth from a Swift program, as a user depends on the package (by path here).
import PackageDescription

let package = Package(
    name: "CcauthExample",
    platforms: [.macOS(.v12)],
    dependencies: [.package(path: "../../bindings-uniffi/ccauth-swift")],
    targets: [
        .executableTarget(name: "Example", dependencies: [.product(name: "Ccauth", package: "ccauth-swift")], path: "Sources/Example"),
        .executableTarget(name: "Bench", dependencies: [.product(name: "Ccauth", package: "ccauth-swift")], path: "Sources/Bench"),
    ]
)
