// swift-tools-version:6.0
// kimi-profiles: no package dependencies. The system's libsqlite3 and OpenSSL 3, and libc calls
// Swift cannot make, are reached through systemLibrary targets. The sources use no Foundation at
// all (not even FoundationEssentials); the tests use Foundation.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "kimi-profiles",
    products: [
        .executable(name: "kimi-profiles", targets: ["kimi-profiles"])
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Header only: fixed-arity wrappers for libc calls Swift cannot make (variadic prctl).
        .systemLibrary(name: "CSystem"),
        .target(
            name: "KimiProfilesCore",
            dependencies: ["CSQLite", "COpenSSL", "CSystem"],
            swiftSettings: strict
        ),
        .target(
            name: "KimiProfilesCLI",
            dependencies: ["KimiProfilesCore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kimi-profiles",
            dependencies: ["KimiProfilesCLI"],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["KimiProfilesCore"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "KimiProfilesCoreTests",
            dependencies: ["KimiProfilesCore", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KimiProfilesCLITests",
            dependencies: ["KimiProfilesCLI", "KimiProfilesCore", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
