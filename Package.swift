// swift-tools-version:6.1
import PackageDescription

/// One settings list for every target (as Hummingbird does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "WorkPlan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "workplan", targets: ["WorkPlanCLI"]),
        .executable(name: "workplan-server", targets: ["WorkPlanServerCLI"]),
        .executable(name: "workplan-bench", targets: ["WorkPlanBench"]),
        .executable(name: "workplan-load", targets: ["WorkPlanLoad"]),
        .library(name: "WorkPlanProtocol", targets: ["WorkPlanProtocol"]),
        .library(name: "WorkPlanClient", targets: ["WorkPlanClient"]),
        .library(name: "WorkPlanServer", targets: ["WorkPlanServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "WorkPlanProtocol",
            path: "Protocol",
            swiftSettings: swiftSettings
        ),
        // Binding values straight to GRDB's prepared statements: the replica's and the
        // store's bulk inserts share it (docs/server.md, "Performance").
        // What both command-line programs check of their arguments (argument-parser only).
        .target(
            name: "WorkPlanCommandLine",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/WorkPlanCommandLine",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkPlanSQLite",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Sources/WorkPlanSQLite",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkPlanClient",
            dependencies: [
                "WorkPlanProtocol", "WorkPlanSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Client",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkPlanServer",
            dependencies: [
                "WorkPlanProtocol", "WorkPlanSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Server",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WorkPlanCLI",
            dependencies: [
                "WorkPlanClient", "WorkPlanCommandLine", "WorkPlanSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/workplan",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WorkPlanServerCLI",
            dependencies: [
                "WorkPlanServer", "WorkPlanCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/workplan-server",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WorkPlanBench",
            dependencies: [
                "WorkPlanClient",
                "WorkPlanServer",
                "WorkPlanSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/workplan-bench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WorkPlanLoad",
            dependencies: [
                "WorkPlanTestSupport", "WorkPlanClient", "WorkPlanServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/workplan-load",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkPlanTestSupport",
            dependencies: [
                "WorkPlanClient", "WorkPlanServer", "WorkPlanProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/WorkPlanTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkPlanProtocolTests",
            dependencies: ["WorkPlanProtocol"],
            path: "Tests/WorkPlanProtocolTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkPlanClientTests",
            dependencies: ["WorkPlanClient", "WorkPlanSQLite", "WorkPlanTestSupport"],
            path: "Tests/WorkPlanClientTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkPlanServerTests",
            dependencies: [
                "WorkPlanServer", "WorkPlanSQLite", "WorkPlanTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/WorkPlanServerTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkPlanEndToEndTests",
            dependencies: [
                "WorkPlanTestSupport", "WorkPlanClient", "WorkPlanServer", "WorkPlanProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/WorkPlanEndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
