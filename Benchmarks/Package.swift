// swift-tools-version:6.2
// dwell's benchmarks: each suite measures dwell and a baseline on the same bytes in the same run.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "dwell-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dwell", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "DwellCore", package: "dwell")],
            path: "Benchmarks/Support"
        ),
        .executableTarget(
            name: "Reading",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
            ],
            path: "Benchmarks/Reading",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Parsing",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "Parsers", package: "dwell"),
            ],
            path: "Benchmarks/Parsing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EVTX",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "Parsers", package: "dwell"),
            ],
            path: "Benchmarks/EVTX",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Investigation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "DwellIndex", package: "dwell"),
                .product(name: "DwellAnalysis", package: "dwell"),
                .product(name: "DwellPipeline", package: "dwell"),
                .product(name: "DwellReports", package: "dwell"),
                .product(name: "DwellScenario", package: "dwell"),
            ],
            path: "Benchmarks/Investigation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Case",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "DwellIndex", package: "dwell"),
                .product(name: "DwellAnalysis", package: "dwell"),
                .product(name: "DwellPipeline", package: "dwell"),
                .product(name: "DwellCase", package: "dwell"),
                .product(name: "DwellScenario", package: "dwell"),
            ],
            path: "Benchmarks/Case",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Sweep",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "DwellSweep", package: "dwell"),
            ],
            path: "Benchmarks/Sweep",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Sigma",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "DwellAnalysis", package: "dwell"),
                .product(name: "DwellPipeline", package: "dwell"),
                .product(name: "DwellScenario", package: "dwell"),
                .product(name: "DwellSigma", package: "dwell"),
            ],
            path: "Benchmarks/Sigma",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Journal",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DwellCore", package: "dwell"),
                .product(name: "DwellIngest", package: "dwell"),
                .product(name: "DwellScenario", package: "dwell"),
            ],
            path: "Benchmarks/Journal",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
