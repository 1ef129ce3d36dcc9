// swift-tools-version:6.1
// Benchmarks live in their own package so that the test build never compiles them and no timing gates CI.
// Run: cd Benchmarks && swift package --allow-writing-to-directory .benchmarkBaselines benchmark
import PackageDescription

let package = Package(
    name: "ParleyBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Parley", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ParleyStore", package: "Parley"),
                .product(name: "SQLiteStore", package: "Parley"),
                .product(name: "MongoStore", package: "Parley"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
