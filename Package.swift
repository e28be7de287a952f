// swift-tools-version:6.2
// dwell: log and timeline forensics. See ../shared/DESIGN.md (copied into docs/DESIGN.md) for the architecture.
import PackageDescription

let package = Package(
    name: "dwell",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dwell", targets: ["dwell"]),
        .executable(name: "dwell-scenario", targets: ["dwell-scenario"]),
        .library(name: "DwellCore", targets: ["DwellCore"]),
        .library(name: "Parsers", targets: ["Parsers"]),
        .library(name: "DwellIngest", targets: ["DwellIngest"]),
        .library(name: "DwellIndex", targets: ["DwellIndex"]),
        .library(name: "DwellAnalysis", targets: ["DwellAnalysis"]),
        .library(name: "DwellReports", targets: ["DwellReports"]),
        .library(name: "DwellScenario", targets: ["DwellScenario"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "DwellCore",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/DwellCore"
        ),
        .target(name: "Parsers", dependencies: ["DwellCore"], path: "Parsers"),
        .target(name: "DwellIngest", dependencies: ["DwellCore", "Parsers"], path: "Sources/DwellIngest"),
        .target(name: "DwellIndex", dependencies: ["DwellCore"], path: "Sources/DwellIndex"),
        .target(name: "DwellAnalysis", dependencies: ["DwellIndex", "DwellIngest"], path: "Sources/DwellAnalysis"),
        .target(name: "DwellReports", dependencies: ["DwellAnalysis"], path: "Sources/DwellReports"),
        .executableTarget(
            name: "dwell",
            dependencies: [
                "DwellCore", "Parsers", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/dwell"
        ),
        // The incident generator: the independent oracle, so it depends on no other dwell target.
        .target(name: "DwellScenario", dependencies: ["CZlib"], path: "Sources/DwellScenario"),
        .executableTarget(
            name: "dwell-scenario",
            dependencies: ["DwellScenario", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/dwell-scenario"
        ),
        .target(
            name: "DwellTestSupport", dependencies: ["DwellCore", "Parsers", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellReports"],
            path: "Tests/DwellTestSupport"),
        .testTarget(name: "DwellCoreTests", dependencies: ["DwellCore", "DwellTestSupport"]),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers", "DwellTestSupport"]),
        .testTarget(name: "DwellAnalysisTests", dependencies: ["DwellAnalysis", "DwellTestSupport", "DwellScenario"]),
        .testTarget(name: "DwellIndexTests", dependencies: ["DwellIndex"]),
        .testTarget(name: "DwellScenarioTests", dependencies: ["DwellScenario", "CZlib"]),
    ]
)
