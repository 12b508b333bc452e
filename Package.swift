// swift-tools-version:6.1
import PackageDescription

// OpenVitals: medical-device readings to trustworthy, standard data and alerts.
// Targets follow the layers in docs/ARCHITECTURE.md; arrows point inward:
// wire formats, validation and analytics do no I/O; only transports touch sockets and devices;
// the store and the profile loader touch files; only the executables set up logging and metrics.
// The package targets Linux (Glibc, BlueZ, libusb); the macOS floor only states the API level used.

let strictTests: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
// Libraries and executables build with warnings as errors; test targets don't, because test macros
// expand to code whose warnings we cannot fix.
let strict = strictTests + [.unsafeFlags(["-warnings-as-errors"])]

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")

let package = Package(
    name: "OpenVitals",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vitals", targets: ["vitals"]),
        .executable(name: "firmware-sim", targets: ["firmware-sim"]),
        .library(name: "VitalsCore", targets: ["VitalsCore"]),
        .library(name: "VitalsWire", targets: ["VitalsWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages, found through pkg-config).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CBlueZ", pkgConfig: "bluez", providers: [.apt(["libbluetooth-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),

        // Core model: observations, units, codes, device identity. No I/O.
        .target(name: "VitalsCore", swiftSettings: strict),
        // Wire formats: pure decode and encode, one spec entity per file. No I/O.
        .target(name: "VitalsWire", dependencies: ["VitalsCore"], swiftSettings: strict),
        // Device profiles: the catalogue of device models, loaded from device-profiles/.
        .target(name: "VitalsProfiles", dependencies: ["VitalsCore", "VitalsWire"], swiftSettings: strict),
        // Transports: the simulator link (Unix SOCK_SEQPACKET) and host library probes.
        // _CryptoExtras for the AES block function behind resolvable private addresses (Core Vol 3 Part H 2.2.2 ah).
        .target(name: "VitalsTransport", dependencies: ["VitalsCore", "VitalsWire", logging, .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")], swiftSettings: strict),
        .target(name: "VitalsTransportLinux", dependencies: ["CBlueZ", "CLibUSB", "VitalsCore", "VitalsWire", "VitalsTransport", logging], swiftSettings: strict),
        // Drivers: protocol sessions as explicit state machines; the caller does the I/O.
        .target(name: "VitalsDrivers", dependencies: ["VitalsCore", "VitalsWire", "VitalsProfiles"], swiftSettings: strict),
        // Validation: device grade and reading quality. No I/O.
        .target(name: "VitalsValidation", dependencies: ["VitalsCore", "VitalsWire", "VitalsProfiles"], swiftSettings: strict),
        // Store: SQLite time-series, migrations as history.
        .target(name: "VitalsStore", dependencies: ["VitalsCore", "CSQLite", logging], swiftSettings: strict),
        // FHIR R4 export (HL7 PHD IG): stored readings, waveform blocks and devices to a transaction Bundle. No I/O.
        .target(
            name: "VitalsFHIR",
            dependencies: ["VitalsCore", "VitalsStore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Analytics and alert rules. No I/O.
        .target(name: "VitalsAnalytics", dependencies: ["VitalsCore", "VitalsValidation"], swiftSettings: strict),
        // ECG analytics: streaming R-peak detection, rhythm rules, WFDB parsing (pure functions over bytes).
        .target(name: "VitalsECG", dependencies: ["VitalsCore"], swiftSettings: strict),
        // Kiosk: one walk-in patient's guided measurement as a state machine (consent, protocol, result). No I/O.
        .target(name: "VitalsKiosk", dependencies: ["VitalsCore", "VitalsValidation", "VitalsAnalytics", "VitalsECG"], swiftSettings: strict),
        // Pipeline: each stage a Service, joined by bounded channels.
        .target(
            name: "VitalsPipeline",
            dependencies: [
                "VitalsCore", "VitalsWire", "VitalsProfiles", "VitalsTransport", "VitalsDrivers",
                "VitalsValidation", "VitalsStore", "VitalsAnalytics", "VitalsECG", logging, metrics,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Uplink: drains the hub's outbox to a central PostgreSQL (COPY into staging, INSERT … ON CONFLICT DO NOTHING).
        .target(
            name: "VitalsUplink",
            dependencies: [
                "VitalsCore", "VitalsStore", "VitalsFHIR", logging,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // HTTP API: Hummingbird routes over the store (subjects, devices, readings, alerts, analytics, /metrics).
        .target(
            name: "VitalsHTTP",
            dependencies: [
                "VitalsCore", "VitalsStore", "VitalsAnalytics", "VitalsKiosk", "VitalsECG", logging,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Running as a service: the hub's TOML configuration file, the packaging files' checks and `vitals doctor`'s checks.
        .target(name: "VitalsService", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")], swiftSettings: strict),
        .executableTarget(
            name: "vitals",
            dependencies: [
                "VitalsCore", "VitalsWire", "VitalsProfiles", "VitalsTransport", "VitalsTransportLinux",
                "VitalsDrivers", "VitalsValidation", "VitalsStore", "VitalsAnalytics", "VitalsPipeline", "VitalsECG", "VitalsHTTP", "VitalsKiosk", "VitalsFHIR", "VitalsUplink", "VitalsService",
                // The raw SQLite baseline of `vitals bench-ingest`.
                "CSQLite",
                logging, metrics,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // firmware-sim: simulated devices built on the same wire encoders.
        .target(
            name: "FirmwareSimKit",
            dependencies: ["VitalsCore", "VitalsWire", "VitalsTransport", "VitalsTransportLinux", logging],
            path: "firmware-sim/Sources/FirmwareSimKit",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "firmware-sim",
            dependencies: [
                "FirmwareSimKit", "VitalsTransport", logging,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "firmware-sim/Sources/firmware-sim",
            swiftSettings: strict
        ),

        // What the test targets share: a quiet logger, the repository root and ../shared/data, an in-memory store, readings.
        .target(name: "VitalsTestSupport", dependencies: ["VitalsCore", "VitalsStore", "VitalsECG", logging], path: "Tests/VitalsTestSupport", swiftSettings: strictTests),
        .testTarget(name: "VitalsCoreTests", dependencies: ["VitalsCore"], swiftSettings: strictTests),
        .testTarget(name: "VitalsWireTests", dependencies: ["VitalsWire", "VitalsCore"], swiftSettings: strictTests),
        .testTarget(name: "VitalsProfilesTests", dependencies: ["VitalsProfiles", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsTransportTests", dependencies: ["VitalsTransport", "VitalsTransportLinux", "VitalsWire"], swiftSettings: strictTests),
        .testTarget(name: "VitalsDriversTests", dependencies: ["VitalsDrivers", "VitalsWire", "VitalsValidation", "VitalsProfiles", "FirmwareSimKit", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsStoreTests", dependencies: ["VitalsStore", "VitalsCore", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsValidationTests", dependencies: ["VitalsValidation", "VitalsAnalytics", "VitalsProfiles", "VitalsECG", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsAnalyticsTests", dependencies: ["VitalsAnalytics", "VitalsCore", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(
            name: "VitalsPipelineTests",
            dependencies: [
                "VitalsPipeline", "FirmwareSimKit", "VitalsStore", "VitalsProfiles", "VitalsTransport", "VitalsAnalytics", "VitalsTestSupport", logging, metrics,
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictTests
        ),
        .testTarget(name: "FirmwareSimTests", dependencies: ["FirmwareSimKit", "VitalsWire", logging], swiftSettings: strictTests),
        .testTarget(name: "VitalsKioskTests", dependencies: ["VitalsKiosk", "VitalsCore", "VitalsECG", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsECGTests", dependencies: ["VitalsECG", "VitalsCore", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(
            name: "VitalsHTTPTests",
            dependencies: [
                "VitalsHTTP", "VitalsStore", "VitalsCore", "VitalsAnalytics", "VitalsKiosk", "VitalsTestSupport", logging,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictTests
        ),
        .testTarget(name: "VitalsFHIRTests", dependencies: ["VitalsFHIR", "VitalsCore", "VitalsStore", "VitalsTestSupport"], exclude: ["golden"], swiftSettings: strictTests),
        .testTarget(
            name: "VitalsUplinkTests",
            dependencies: [
                "VitalsUplink", "VitalsFHIR", "VitalsStore", "VitalsCore", "VitalsTestSupport", logging,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictTests
        ),
        .testTarget(name: "VitalsServiceTests", dependencies: ["VitalsService", "VitalsProfiles", "VitalsTestSupport"], swiftSettings: strictTests),
        .testTarget(name: "VitalsCLITests", dependencies: ["VitalsWire", "VitalsTestSupport"], swiftSettings: strictTests),
    ]
)
