// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pat", targets: ["pat"]),
        .library(name: "PatStore", targets: ["PatStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libgit2 from the system (Debian's libgit2-dev), found through pkg-config.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // zlib, which pat's own loose-object reader inflates with (libgit2 1.5's loops on a truncated object).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Pure values and functions: token model, secret format, dates, catalog, presets, validation.
        .target(name: "PatCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Blowfish and bcrypt_pbkdf, the key derivation of passphrase-protected OpenSSH keys. Optimised even in
        // debug builds: a key unlock runs millions of Blowfish rounds.
        .target(
            name: "PatBcrypt",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        // OpenSSH key files (plain and passphrase-protected), ssh-agent, SSHSIG signatures and allowed_signers.
        .target(
            name: "PatSSH",
            dependencies: ["PatBcrypt", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto")]
        ),
        // The only module that talks to libgit2.
        .target(name: "PatGit", dependencies: ["CLibGit2", "CZlib"]),
        // The predefined API sets and the method catalog, compiled into the binary as Swift source
        // (templates/Generated, made by scripts/gen-templates.py): no resource bundle, so a copied pat runs anywhere.
        .target(
            name: "PatTemplates",
            path: "templates",
            exclude: ["README.md", "catalog", "presets"],
            sources: ["PatTemplates.swift", "Generated"]
        ),
        // The store: every token operation as one signed commit.
        .target(name: "PatStore", dependencies: ["PatCore", "PatSSH", "PatGit", "PatTemplates"]),
        // Trust chain, snapshots and reloads: what services run to authorise requests offline.
        .target(name: "PatVerifier", dependencies: ["PatCore", "PatSSH", "PatGit"]),
        // The pure core of `pat check`: secret scanning, the reviewer's change summary, the report and its
        // renderings. Inputs are values (file maps, commit messages); git and the CLI are wired elsewhere.
        .target(name: "PatCheck", dependencies: ["PatCore", "PatSSH"]),
        // `pat serve`: the verifier as an HTTP authorisation service (Hummingbird 2).
        .target(
            name: "PatServer",
            dependencies: [
                "PatCore", "PatVerifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `pat check` against a real store: the history by the verifier's trust rule, the content, secrets and
        // summary by PatCheck, read from git.
        .target(name: "PatReview", dependencies: ["PatCheck", "PatCore", "PatGit", "PatSSH", "PatVerifier"]),
        // Command-line front end (argument parsing and output only).
        .target(
            name: "PatCLI",
            dependencies: ["PatStore", "PatVerifier", "PatServer", "PatReview", "PatCheck", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "pat", dependencies: ["PatCLI"]),
        // Benchmarks against baselines measured in the same run (`swift run -c release pat-bench`).
        .target(
            name: "PatBenchmarks",
            dependencies: ["PatStore", "PatVerifier", "PatReview", "PatCheck", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "pat-bench", dependencies: ["PatBenchmarks"]),

        .target(name: "PatTestSupport", dependencies: ["PatSSH", "PatStore"], path: "Tests/PatTestSupport"),
        .testTarget(name: "PatCoreTests", dependencies: ["PatCore", "PatTemplates"], exclude: ["Fixtures"]),
        .testTarget(name: "PatSSHTests", dependencies: ["PatSSH", "PatTestSupport"]),
        .testTarget(name: "PatBcryptTests", dependencies: ["PatBcrypt"]),
        .testTarget(name: "PatBenchmarksTests", dependencies: ["PatBenchmarks", "PatTestSupport"]),
        .testTarget(name: "PatGitTests", dependencies: ["PatGit", "PatTestSupport"]),
        .testTarget(name: "PatStoreTests", dependencies: ["PatStore", "PatTestSupport"]),
        .testTarget(name: "PatCheckTests", dependencies: ["PatCheck", "PatCore", "PatSSH"], exclude: ["Fixtures"]),
        .testTarget(name: "PatVerifierTests", dependencies: ["PatVerifier", "PatStore", "PatTestSupport"]),
        .testTarget(
            name: "PatServerTests",
            dependencies: [
                "PatServer", "PatStore", "PatTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PatCLITests",
            dependencies: ["PatCLI", "PatStore", "PatTestSupport"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
