// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .executable(name: "parley-gen", targets: ["parley-gen"]),
        .executable(name: "socketio-test-server", targets: ["socketio-test-server"]),
        .executable(name: "parley-load", targets: ["parley-load"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .library(name: "ParleyGenerator", targets: ["ParleyGenerator"]),
        .library(name: "ParleyStore", targets: ["ParleyStore"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "MongoStore", targets: ["MongoStore"]),
        .library(name: "ParleyRedis", targets: ["ParleyRedis"]),
        .library(name: "Coordination", targets: ["Coordination"]),
        .plugin(name: "ParleyAPIPlugin", targets: ["ParleyAPIPlugin"]),
        .plugin(name: "GenerateCommand", targets: ["GenerateCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Traces over OTLP/HTTP only: the gRPC exporter would build gRPC for nothing.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // values every layer shares (ids, timestamps, base64url) and JSON: no server framework in them
        .target(name: "ParleyCore"),
        .target(name: "ParleyJSON"),

        // schema → code
        .target(name: "ParleyGenerator", dependencies: ["ParleyJSON"]),
        .executableTarget(
            name: "parley-gen",
            dependencies: ["ParleyGenerator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .plugin(name: "ParleyAPIPlugin", capability: .buildTool(), dependencies: ["parley-gen"]),
        .plugin(
            name: "GenerateCommand",
            capability: .command(
                intent: .custom(verb: "generate", description: "Regenerate Generated/ (TypeScript, OpenAPI, AsyncAPI) from schema/"),
                permissions: [.writeToPackageDirectory(reason: "Generated/ is committed and rewritten from schema/")]
            ),
            dependencies: ["parley-gen"]
        ),

        // the generated API: a small runtime, and the build plugin's output for schema/
        .target(
            name: "ParleyAPIRuntime",
            dependencies: [
                "ParleyCore", "ParleyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ParleyAPI",
            dependencies: ["ParleyAPIRuntime"],
            exclude: ["parley-generator.json"],
            plugins: ["ParleyAPIPlugin"]
        ),

        // the store: repository protocols, and their SQLite (embedded default) and MongoDB implementations
        .target(
            name: "ParleyStore",
            dependencies: [
                "ParleyCore", .product(name: "Metrics", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteStore", dependencies: ["ParleyCore", "ParleyJSON", "ParleyStore", "CSQLite"]),
        .systemLibrary(name: "CMongoC", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .target(
            name: "MongoStore",
            dependencies: ["ParleyCore", "ParleyJSON", "ParleyStore", "CMongoC", .product(name: "Logging", package: "swift-log")],
            exclude: ["README.md"]
        ),

        // Redis (hiredis), and the shared state built on it: in-process by default, Redis when REDIS_URL is set
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // TLS (rediss://) around hiredis's connection: Debian's hiredis has no TLS of its own.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "ParleyRedis", dependencies: ["CHiredis", "COpenSSL", .product(name: "Metrics", package: "swift-metrics")]),
        .target(name: "Coordination", dependencies: ["ParleyRedis", "ParleyCore"]),

        // Engine.IO v4 and Socket.IO v5 for any Hummingbird application, and the protocols' reference test server
        .target(
            name: "SocketIO",
            dependencies: [
                "ParleyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ]
        ),
        .executableTarget(
            name: "socketio-test-server",
            dependencies: ["SocketIO", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(
            name: "parley-load",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),

        // HTTP to addresses users choose (link previews, push endpoints), never into the server's own network
        .target(
            name: "Outbound",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // hand-written services, one module each
        .target(name: "ServiceKit", dependencies: ["ParleyAPI", "ParleyStore"]),
        .target(
            name: "AuthService",
            dependencies: [
                "ParleyAPI", "ParleyStore", "ServiceKit",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "UsersService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit", "Coordination"]),
        .target(name: "ChatsService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit"]),
        .target(name: "MessagesService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit"]),
        .target(
            name: "MediaService",
            dependencies: [
                "ParleyAPI", "ParleyStore", "ServiceKit", "Outbound", "Coordination",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "NotificationsService",
            dependencies: [
                "ParleyAPI", "ParleyStore", "ServiceKit", "Outbound", "Coordination",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // the public HTTP door
        .target(
            name: "Gateway",
            dependencies: [
                "ParleyAPI", "AuthService", "UsersService", "ChatsService", "MessagesService", "MediaService",
                "NotificationsService", "ServiceKit", "Coordination", "ParleyRedis", "ParleyStore", "SocketIO", "Outbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "parley",
            dependencies: [
                "Gateway", "ParleyStore", "SQLiteStore", "MongoStore", "Coordination",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),

        // tests
        .target(
            name: "FixtureAPI",
            dependencies: ["ParleyAPIRuntime"],
            path: "Tests/FixtureAPI",
            exclude: ["parley-generator.json"],
            plugins: ["ParleyAPIPlugin"]
        ),
        .testTarget(
            name: "ParleyGeneratorTests",
            dependencies: ["ParleyGenerator"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "ConsumerTests",
            dependencies: ["FixtureAPI", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "AuthService", "SQLiteStore", "ServiceKit", "Coordination", "MediaService", "Outbound",
                "NotificationsService",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .executableTarget(name: "store-probe", dependencies: ["ParleyCore", "SQLiteStore"], path: "Tests/StoreProbe"),
        .testTarget(
            name: "StoreTests",
            dependencies: ["ParleyCore", "ParleyStore", "SQLiteStore", "store-probe", "MongoStore"]
        ),
        .testTarget(name: "CoordinationTests", dependencies: ["Coordination", "ParleyCore"]),
        .testTarget(name: "SocketIOTests", dependencies: ["SocketIO"]),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"]),
        .testTarget(
            name: "NotificationsServiceTests",
            dependencies: ["NotificationsService", "ParleyAPI", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "MediaServiceTests", dependencies: ["MediaService", "ParleyAPI", "ParleyStore"]),
    ],
    swiftLanguageModes: [.v6]
)

// Imports are internal unless written `public import`: a module's public API cannot expose a dependency by
// accident, and a dependency that its users must see says so where it is imported. The generated API's imports are
// the generator's (its runtime is re-exported), and tests see what they import.
for target in package.targets where [.regular, .executable].contains(target.type) && target.plugins == nil {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
