// swift-tools-version:5.9
// Compiles and runs the RediStack adapter of README.md ("Running a fleet")
// against a real Redis: see check.sh, which writes Sources/RediStackCheck/main.swift
// from the README's code block and points CCAUTH_SWIFT_DEPS at local
// checkouts of RediStack and its dependencies (SwiftPM cannot reach GitHub
// where this package is built).
import Foundation
import PackageDescription

let deps = ProcessInfo.processInfo.environment["CCAUTH_SWIFT_DEPS"] ?? "deps"

let package = Package(
    name: "RediStackCheck",
    platforms: [.macOS(.v12)],
    dependencies: [
        .package(path: ".."),
        .package(path: "\(deps)/RediStack"),
    ],
    targets: [
        .executableTarget(
            name: "RediStackCheck",
            dependencies: [
                .product(name: "Ccauth", package: "ccauth-swift"),
                .product(name: "RediStack", package: "RediStack"),
            ],
            path: "Sources/RediStackCheck")
    ]
)
