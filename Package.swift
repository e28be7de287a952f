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
        .library(name: "DwellPipeline", targets: ["DwellPipeline"]),
        .library(name: "DwellReports", targets: ["DwellReports"]),
        .library(name: "DwellScenario", targets: ["DwellScenario"]),
        .library(name: "DwellSweep", targets: ["DwellSweep"]),
        .library(name: "DwellSigma", targets: ["DwellSigma"]),
        .library(name: "DwellCase", targets: ["DwellCase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // systemd journal DATA objects: XZ, LZ4 and ZSTD (Debian liblzma-dev, liblz4-dev, libzstd-dev).
        .systemLibrary(
            name: "CJournalCodecs", path: "Sources/CJournalCodecs",
            providers: [.apt(["liblzma-dev", "liblz4-dev", "libzstd-dev"])]),
        // ISA-L's inflate, loaded at run time when Debian's libisal-dev is installed (zlib otherwise).
        .target(name: "CIsal", path: "Sources/CIsal"),
        // Zero pages over the pages of a mapped evidence file truncated by another process (SIGBUS otherwise).
        .target(name: "CMapGuard", path: "Sources/CMapGuard"),
        .target(
            name: "DwellCore",
            dependencies: [
                "CZlib", "CIsal", "CJournalCodecs", "CMapGuard", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/DwellCore"
        ),
        .target(name: "Parsers", dependencies: ["DwellCore"], path: "Parsers"),
        .target(name: "DwellIngest", dependencies: ["DwellCore", "Parsers"], path: "Sources/DwellIngest"),
        .target(name: "DwellIndex", dependencies: ["DwellCore"], path: "Sources/DwellIndex"),
        // Sigma rules in: loader, condition language, field map, compiler and engine over the index.
        .target(
            name: "DwellSigma",
            dependencies: ["DwellCore", "DwellIndex", "Parsers", .product(name: "Yams", package: "Yams")],
            path: "Sources/DwellSigma"),
        .target(
            name: "DwellAnalysis",
            dependencies: [
                "DwellCore", "Parsers", "DwellIndex", "DwellIngest", "DwellSigma",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/DwellAnalysis"),
        // Evidence to a built store and the runs over it: the sinks, the store build, the investigation run (the
        // analysis is DwellAnalysis's), attaching the cited raw lines, the partials of `dwell summarize`.
        .target(
            name: "DwellPipeline",
            dependencies: ["DwellCore", "DwellIndex", "DwellIngest", "DwellSigma", "DwellAnalysis"],
            path: "Sources/DwellPipeline"),
        .target(
            name: "DwellReports",
            dependencies: [
                "DwellCore", "DwellIndex", "DwellIngest", "DwellAnalysis",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/DwellReports"),
        // `dwell sweep`: IOC lists, the matcher, the resumable state. Evidence → parsers → matcher, no index.
        .target(
            name: "DwellSweep",
            dependencies: ["DwellCore", "Parsers", "DwellIngest", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/DwellSweep"
        ),
        // A persistent case: the store, manifest, findings and cited lines on disk; SQLite export (libsqlite3-dev).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "DwellCase",
            dependencies: [
                "DwellCore", "DwellIndex", "DwellIngest", "DwellAnalysis", "DwellPipeline", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/DwellCase"),
        .executableTarget(
            name: "dwell",
            dependencies: [
                "DwellCore", "Parsers", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellPipeline", "DwellReports",
                "DwellSweep", "DwellSigma", "DwellCase",
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
            name: "DwellTestSupport",
            dependencies: [
                "DwellCore", "Parsers", "DwellIngest", "DwellIndex", "DwellAnalysis", "DwellReports",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/DwellTestSupport"),
        .testTarget(name: "DwellCoreTests", dependencies: ["DwellCore", "DwellTestSupport", "CJournalCodecs"]),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers", "DwellTestSupport"]),
        .testTarget(
            name: "DwellAnalysisTests",
            dependencies: ["DwellAnalysis", "DwellPipeline", "DwellTestSupport", "DwellScenario"]),
        .testTarget(name: "DwellIndexTests", dependencies: ["DwellIndex"]),
        .testTarget(
            name: "DwellSigmaTests",
            dependencies: [
                "DwellSigma", "DwellAnalysis", "DwellPipeline", "DwellReports", "DwellTestSupport", "DwellScenario",
            ],
            exclude: ["Oracle"]),  // the differential test's Python oracle, run by path
        .testTarget(name: "DwellScenarioTests", dependencies: ["DwellScenario", "CZlib", "DwellTestSupport"]),
        .testTarget(
            name: "DwellReportsTests", dependencies: ["DwellReports", "DwellAnalysis", "DwellPipeline", "DwellTestSupport"],
            exclude: ["Golden"]),  // golden files, read by path from the test
        .testTarget(
            name: "DwellSweepTests",
            dependencies: ["DwellSweep", "DwellTestSupport", "DwellAnalysis", "DwellPipeline", "DwellReports"]),
        .testTarget(
            name: "DwellCaseTests",
            dependencies: [
                "DwellCase", "DwellAnalysis", "DwellPipeline", "DwellReports", "DwellScenario", "DwellTestSupport",
            ]),
        // The command line: typed values and their messages (in process), exit statuses and stdin (the built binary).
        .testTarget(name: "DwellCLITests", dependencies: ["dwell", "DwellCore", "DwellIngest", "DwellTestSupport"]),
        .testTarget(
            name: "DwellPartialsTests",
            dependencies: ["DwellAnalysis", "DwellPipeline", "DwellReports", "DwellScenario", "DwellTestSupport"]),
    ]
)
