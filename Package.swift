// swift-tools-version:6.0
import PackageDescription

/// The core and the simulation run optimised in debug builds (the tests drive millions of steps),
/// with `assert` kept on: it checks what the optimised code skips (see `Sentinel.visitIsQuiet`).
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O", "-assert-config", "Debug"], .when(configuration: .debug))]
/// The client-serving hot path (request parsing, the client handler, NIO's inlined ByteBuffer code
/// compiled into these modules) without the run-time exclusivity checks in release builds: every
/// access to a class's stored property (a ByteBuffer's storage, a handler's reply buffer) entered and
/// left a thread-local access set, about a tenth of the CPU spent per pipelined lookup. Debug builds,
/// which the tests run, keep the checks; the compile-time ones stay on everywhere.
let uncheckedExclusivityInRelease: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // glibc's <malloc.h>, for malloc_trim (SentinelServer's FreedMemoryReturn).
        .systemLibrary(name: "CMalloc"),
        // Redis's quoted-word splitter (sdssplitargs), stdlib only: the one reader of config lines
        // (SentinelCore) and inline commands (RESP), which neither of the two could import from the other.
        // Optimised in debug as the core that calls it.
        .target(name: "RedisWords", swiftSettings: optimisedInDebug),
        .target(
            name: "RESP",
            dependencies: [
                "CHiredis", "RedisWords",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: uncheckedExclusivityInRelease
        ),
        // The core and the simulator are pure and run thousands of seeded simulations in the tests:
        // optimise them even in debug builds, so CI's simulation run takes seconds, not minutes.
        .target(name: "SentinelCore", dependencies: ["RedisWords"], swiftSettings: optimisedInDebug),
        .target(name: "SentinelSimulation", dependencies: ["SentinelCore"], swiftSettings: optimisedInDebug),
        .target(
            name: "SentinelServer",
            dependencies: [
                "RESP", "SentinelCore", "CMalloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: uncheckedExclusivityInRelease
        ),
        // Operator tools with their own runtime (threads, blocking sockets, signals to other
        // processes): lookup, doctor, drill and demo. The daemon's targets never depend on it.
        .target(
            name: "VigilTools",
            dependencies: [
                "RESP", "SentinelCore", "VigilTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Loopback ports, managed processes and the one launcher of local deployments, for every
        // test target and the demo.
        .target(name: "VigilTestSupport"),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "SentinelServer", "SentinelCore", "SentinelSimulation", "VigilTools", "VigilTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // SentinelCore for its seeded generator (the fuzz tests), VigilTestSupport to run redis-server.
        .testTarget(
            name: "RESPTests",
            dependencies: [
                "RESP", "SentinelCore", "VigilTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "RedisWordsTests", dependencies: ["RedisWords"]),
        .testTarget(name: "SentinelCoreTests", dependencies: ["SentinelCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SentinelSimulationTests", dependencies: ["SentinelSimulation", "SentinelCore"]),
        .testTarget(
            name: "SentinelServerTests",
            dependencies: [
                "SentinelServer", "RESP", "SentinelCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "VigilToolsTests", dependencies: ["VigilTools", "VigilTestSupport", "SentinelCore", "RESP"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SentinelServer", "SentinelCore", "VigilTools", "VigilTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (fuzz/, scripts/fuzz.sh) exist only when VIGIL_FUZZ is set, so normal builds never
// compile them; scripts/fuzz.sh builds them with --sanitize=fuzzer into their own scratch path.
if Context.environment["VIGIL_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "FuzzRequestParser",
            dependencies: ["RESP", .product(name: "NIOCore", package: "swift-nio")],
            path: "fuzz/request-parser",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    )
}
