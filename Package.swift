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
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
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
        .target(name: "ParleyCore", path: "Sources/Core"),
        .target(name: "ParleyJSON", path: "Sources/JSON"),

        // schema → code
        .target(name: "ParleyGenerator", dependencies: ["ParleyJSON"], path: "Sources/Generator"),
        .executableTarget(
            name: "parley-gen",
            dependencies: ["ParleyGenerator", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/GeneratorCLI"
        ),
        .plugin(name: "ParleyAPIPlugin", capability: .buildTool(), dependencies: ["parley-gen"], path: "Plugins/ParleyAPIPlugin"),
        .plugin(
            name: "GenerateCommand",
            capability: .command(
                intent: .custom(verb: "generate", description: "Regenerate Generated/ (TypeScript, OpenAPI, AsyncAPI) from schema/"),
                permissions: [.writeToPackageDirectory(reason: "Generated/ is committed and rewritten from schema/")]
            ),
            dependencies: ["parley-gen"],
            path: "Plugins/GenerateCommand"
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
            ],
            path: "Sources/API/Runtime"
        ),
        .target(
            name: "ParleyAPI",
            dependencies: ["ParleyAPIRuntime"],
            path: "Sources/API/Generated",
            exclude: ["parley-generator.json"],
            plugins: ["ParleyAPIPlugin"]
        ),

        // the store: repository protocols, and their SQLite (embedded default) and MongoDB implementations
        .target(
            name: "ParleyStore",
            dependencies: [
                "ParleyCore", .product(name: "Metrics", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Sources/Store/Core"
        ),
        .systemLibrary(name: "CSQLite", path: "Sources/Store/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteStore", dependencies: ["ParleyCore", "ParleyJSON", "ParleyStore", "CSQLite"], path: "Sources/Store/SQLite"),
        .systemLibrary(name: "CMongoC", path: "Sources/Store/CMongoC", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .target(
            name: "MongoStore",
            dependencies: ["ParleyCore", "ParleyJSON", "ParleyStore", "CMongoC", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Store/Mongo",
            exclude: ["README.md"]
        ),

        // Redis (hiredis), and the shared state built on it: in-process by default, Redis when REDIS_URL is set
        .systemLibrary(name: "CHiredis", path: "Sources/Redis/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "ParleyRedis",
            dependencies: ["CHiredis", .product(name: "Metrics", package: "swift-metrics")],
            path: "Sources/Redis",
            exclude: ["CHiredis"]
        ),
        .target(name: "Coordination", dependencies: ["ParleyRedis", "ParleyCore"], path: "Sources/Coordination"),

        // Engine.IO v4 and Socket.IO v5 for any Hummingbird application, and the protocols' reference test server
        .target(
            name: "SocketIO",
            dependencies: [
                "ParleyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/SocketIO"
        ),
        .executableTarget(
            name: "socketio-test-server",
            dependencies: ["SocketIO", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/SocketIOTestServer"
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
            ],
            path: "Sources/ParleyLoad"
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
            ],
            path: "Sources/Outbound"
        ),

        // hand-written services, one module each
        .target(name: "ServiceKit", dependencies: ["ParleyAPI", "ParleyStore"], path: "Sources/Services/Kit"),
        .target(
            name: "AuthService",
            dependencies: [
                "ParleyAPI", "ParleyStore", "ServiceKit",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Services/Auth"
        ),
        .target(name: "UsersService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit", "Coordination"], path: "Sources/Services/Users"),
        .target(name: "ChatsService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit"], path: "Sources/Services/Chats"),
        .target(name: "MessagesService", dependencies: ["ParleyAPI", "ParleyStore", "ServiceKit"], path: "Sources/Services/Messages"),
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
            ],
            path: "Sources/Services/Media"
        ),
        .target(
            name: "NotificationsService",
            dependencies: [
                "ParleyAPI", "ParleyStore", "ServiceKit", "Outbound", "Coordination",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Services/Notifications"
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
            ],
            path: "Sources/Gateway"
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
            ],
            path: "Sources/parley"
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
            path: "Tests/ParleyGeneratorTests",
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "ConsumerTests",
            dependencies: ["FixtureAPI", .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/ConsumerTests"
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "AuthService", "SQLiteStore", "ServiceKit", "Coordination", "MediaService", "Outbound",
                "NotificationsService",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/GatewayTests"
        ),
        .executableTarget(name: "store-probe", dependencies: ["ParleyCore", "SQLiteStore"], path: "Tests/StoreProbe"),
        .testTarget(
            name: "StoreTests",
            dependencies: ["ParleyCore", "ParleyStore", "SQLiteStore", "store-probe", "MongoStore"],
            path: "Tests/StoreTests"
        ),
        .testTarget(name: "CoordinationTests", dependencies: ["Coordination", "ParleyCore"], path: "Tests/CoordinationTests"),
        .testTarget(name: "SocketIOTests", dependencies: ["SocketIO"], path: "Tests/SocketIOTests"),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound"], path: "Tests/OutboundTests"),
        .testTarget(
            name: "NotificationsServiceTests",
            dependencies: ["NotificationsService", "ParleyAPI", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/NotificationsServiceTests"
        ),
        .testTarget(name: "MediaServiceTests", dependencies: ["MediaService", "ParleyAPI", "ParleyStore"], path: "Tests/MediaServiceTests"),
    ],
    swiftLanguageModes: [.v6]
)
