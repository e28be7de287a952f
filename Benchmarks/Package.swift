// swift-tools-version:6.2
// dwell's benchmarks: each suite measures dwell and a baseline on the same bytes in the same run.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

/// One benchmark suite: `Benchmarks/NAME`, run by the BenchmarkPlugin, with the dwell products it measures (and the
/// shared `BenchmarkSupport` helpers when `support`).
func suite(_ name: String, dwell products: [String], support: Bool = false) -> Target {
    .executableTarget(
        name: name,
        dependencies: (support ? ["BenchmarkSupport"] : []) + [.product(name: "Benchmark", package: "benchmark")]
            + products.map { .product(name: $0, package: "dwell") },
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

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
        suite("Reading", dwell: ["DwellCore", "DwellIngest"], support: true),
        suite("Parsing", dwell: ["DwellCore", "DwellIngest", "Parsers"], support: true),
        suite("EVTX", dwell: ["DwellCore", "DwellIngest", "Parsers"]),
        suite(
            "Investigation",
            dwell: [
                "DwellCore", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellPipeline", "DwellReports",
                "DwellScenario",
            ]),
        suite(
            "Case",
            dwell: [
                "DwellCore", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellPipeline", "DwellCase",
                "DwellScenario",
            ]),
        suite("Sweep", dwell: ["DwellCore", "DwellIngest", "DwellSweep"]),
        suite(
            "Sigma",
            dwell: ["DwellCore", "DwellIngest", "DwellAnalysis", "DwellPipeline", "DwellScenario", "DwellSigma"]),
        suite(
            "Journal",
            dwell: ["DwellCore", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellPipeline", "DwellScenario"]),
    ]
)
