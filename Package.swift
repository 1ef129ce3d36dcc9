// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .executable(name: "parley-gen", targets: ["parley-gen"]),
        .library(name: "ParleyGenerator", targets: ["ParleyGenerator"]),
        .plugin(name: "ParleyAPIPlugin", targets: ["ParleyAPIPlugin"]),
        .plugin(name: "GenerateCommand", targets: ["GenerateCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // schema → code
        .target(name: "ParleyJSON", path: "Sources/JSON"),
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
                "ParleyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/API/Runtime"
        ),
        .target(
            name: "ParleyAPI", dependencies: ["ParleyAPIRuntime"], path: "Sources/API/Generated",
            exclude: ["parley-generator.json"], plugins: ["ParleyAPIPlugin"]
        ),

        // the store: repository protocols, and their SQLite (embedded default) and MongoDB implementations
        .target(name: "ParleyStore", dependencies: ["ParleyAPIRuntime"], path: "Sources/Store/Core"),
        .systemLibrary(name: "CSQLite", path: "Sources/Store/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteStore", dependencies: ["ParleyStore", "CSQLite"], path: "Sources/Store/SQLite"),

        // hand-written services, one module each
        .target(name: "AuthService", dependencies: ["ParleyAPI"], path: "Sources/Services/Auth"),
        .target(name: "UsersService", dependencies: ["ParleyAPI"], path: "Sources/Services/Users"),
        .target(name: "ChatsService", dependencies: ["ParleyAPI"], path: "Sources/Services/Chats"),
        .target(name: "MessagesService", dependencies: ["ParleyAPI"], path: "Sources/Services/Messages"),
        .target(name: "MediaService", dependencies: ["ParleyAPI"], path: "Sources/Services/Media"),
        .target(name: "NotificationsService", dependencies: ["ParleyAPI"], path: "Sources/Services/Notifications"),

        // the public HTTP door
        .target(
            name: "Gateway",
            dependencies: [
                "ParleyAPI", "AuthService", "UsersService", "ChatsService", "MessagesService", "MediaService",
                "NotificationsService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Sources/Gateway"
        ),
        .executableTarget(
            name: "parley",
            dependencies: ["Gateway", "ParleyStore", "SQLiteStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/parley"
        ),

        // tests
        .target(
            name: "FixtureAPI", dependencies: ["ParleyAPIRuntime"], path: "Tests/FixtureAPI",
            exclude: ["parley-generator.json"], plugins: ["ParleyAPIPlugin"]
        ),
        .testTarget(name: "ParleyGeneratorTests", dependencies: ["ParleyGenerator"], path: "Tests/ParleyGeneratorTests",
                    exclude: ["Golden"]),
        .testTarget(
            name: "ConsumerTests",
            dependencies: ["FixtureAPI", .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/ConsumerTests"
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/GatewayTests"
        ),
        .executableTarget(name: "store-probe", dependencies: ["SQLiteStore"], path: "Tests/StoreProbe"),
        .testTarget(name: "StoreTests", dependencies: ["ParleyStore", "SQLiteStore", "store-probe"], path: "Tests/StoreTests"),
    ],
    swiftLanguageModes: [.v6]
)
