// swift-tools-version:6.0
import PackageDescription

// Build-time budget: every dependency is rebuilt by CI from a fresh clone on 2 cores.
// - swift-argument-parser, swift-log: the style guide's CLI and logging.
// - The runner's config file is TOML, read by the TOML target (TOML 1.0 without dates, pure
//   Swift): TOMLKit compiled toml++ (C++) on every clean build and, through Foundation's
//   Calendar, linked 34 MB of ICU data into the static runner.
// - swift-crypto: HMAC-SHA256 for HS256 runner tokens and constant-time comparison. We use
//   it instead of vapor/jwt-kit because the server only ever issues and accepts HS256 with a
//   fixed header; jwt-kit would add swift-certificates, RSA/ECDSA/EdDSA and ~1.5 min of build
//   for algorithms we must refuse anyway (alg confusion is impossible when there is one alg).
let package = Package(
    name: "dda",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dda-server", targets: ["dda-server"]),
        .executable(name: "dda-runner", targets: ["dda-runner"]),
        .executable(name: "dda-loadgen", targets: ["dda-loadgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        .target(name: "Locking"),
        .target(name: "TOML"),
        .target(name: "CMallocTuning"),
        .target(name: "LogLines", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "HTTPCore", dependencies: ["Locking"]),
        .target(
            name: "FastCGI",
            dependencies: ["CFastCGI", "HTTPCore", "Locking", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "DDAModel"),
        .target(name: "TaskQueue", dependencies: ["DDAModel", "Locking"]),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Locking"]),
        .target(
            name: "PostgresStore",
            dependencies: [
                "Postgres", "TaskQueue", "DDAModel", "Locking", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Migrations/v0001_initial.sql"), .embedInCode("Migrations/v0002_batches.sql"),
                .embedInCode("Migrations/v0003_catalog.sql"),
            ]
        ),
        .target(
            name: "DDAServer",
            dependencies: [
                "HTTPCore", "DDAModel", "TaskQueue", "Locking",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ServerApp",
            dependencies: [
                "FastCGI", "DDAServer", "DDAModel", "TaskQueue", "PostgresStore", "Postgres", "CMallocTuning",
                "Locking", "LogLines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "dda-server",
            dependencies: [
                "ServerApp", "DDAServer", "DDAModel", "TaskQueue", "LogLines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CSpawn"),
        .target(
            name: "DDARunner",
            dependencies: [
                "DDAModel", "CCurl", "CSpawn", "Locking", "LogLines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "TOML",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "dda-runner",
            dependencies: [
                "DDARunner", "LogLines", "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "LoadKit"),
        .executableTarget(
            name: "dda-loadgen",
            dependencies: [
                "LoadKit", "DDAModel", "Locking", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DDARunnerTests", dependencies: ["DDARunner", "DDAModel"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "DDAModelTests", dependencies: ["DDAModel", "LoadKit"]),
        .testTarget(name: "LogLinesTests", dependencies: ["LogLines"]),
        .testTarget(name: "LockingTests", dependencies: ["Locking"]),
        .testTarget(name: "TaskQueueTests", dependencies: ["TaskQueue", "PostgresStore", "DDAModel", "Locking"]),
        .testTarget(
            name: "DDAServerTests",
            dependencies: [
                "DDAServer", "TaskQueue", "DDAModel", "HTTPCore", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ServerAppTests",
            dependencies: [
                "ServerApp", "DDAServer", "TaskQueue", "FastCGI", "PostgresStore", "DDAModel", "LogLines",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "IntegrationTests", dependencies: ["DDAModel", "Locking", "LoadKit", "PostgresStore"]),
    ]
)
