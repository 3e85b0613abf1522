// swift-tools-version:5.9
// A user's package, as on any machine: ccauth by URL and version. The URL is
// the release tree scripts/dist-swift.sh makes (a git repository tagged like
// a release), so SwiftPM treats it as it treats GitHub: a remote dependency,
// in which it refuses unsafe flags. Built and run by scripts/test-swift.sh.
import Foundation
import PackageDescription

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../target/dist/swift/ccauth-swift").standardized.path

let package = Package(
    name: "CcauthConsumer",
    platforms: [.macOS(.v12), .iOS(.v15)],
    dependencies: [.package(url: "file://\(root)", from: "0.1.0")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [.product(name: "Ccauth", package: "ccauth-swift")], path: "Sources/Consumer")
    ]
)
