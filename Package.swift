// swift-tools-version:6.0
// The package reads like the layer diagram: each target is one layer, low layers first.
// No package dependencies: everything below the system libc is written here.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "backfill-from-dolt",
    products: [
        .executable(name: "backfill-from-dolt", targets: ["backfill-from-dolt"])
    ],
    targets: [
        // Byte cursors, writers and the ByteStream seam. Standard library only.
        .target(name: "ByteCoding", swiftSettings: strict),
        // Hashes, MACs, AEADs, key agreement and signatures, constant-time where secrets are involved.
        .target(name: "CryptoPrimitives", dependencies: ["ByteCoding"], swiftSettings: strict),
        // X.509 certificates: strict DER, path building, RFC 5280 checks, host names, trust stores.
        .target(name: "X509", dependencies: ["CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        // TLS 1.3 client: a sans-I/O engine and a stream over any ByteStream.
        .target(name: "TLS", dependencies: ["X509", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        // The only target that touches sockets: TCP connect/read/write with deadlines.
        .target(name: "Transport", dependencies: ["ByteCoding"], swiftSettings: strict),
        // HTTP/1.1 client over any ByteStream (keep-alive, Content-Length, chunked).
        .target(name: "HTTP1", dependencies: ["ByteCoding"], swiftSettings: strict),
        // SigV4 signer and the S3 operations the backfill needs.
        .target(name: "S3", dependencies: ["HTTP1", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        // MySQL client/server protocol (sans-I/O framing and messages, a connection over ByteStream).
        .target(name: "MySQLWire", dependencies: ["CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        // Parquet writer and reader with the Thrift compact protocol.
        .target(name: "Parquet", dependencies: ["ByteCoding"], swiftSettings: strict),
        // The backfill itself: type mapping, month grouping, merge, the run and its report.
        .target(name: "Backfill", dependencies: ["MySQLWire", "Parquet", "S3", "HTTP1", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        // Command line: flags, configuration, wiring, exit codes.
        .executableTarget(
            name: "backfill-from-dolt",
            dependencies: ["Backfill", "Transport", "TLS", "X509", "MySQLWire", "S3", "HTTP1", "Parquet", "CryptoPrimitives", "ByteCoding"],
            swiftSettings: strict),
        // Benchmark loops over the product's TLS/HTTP/S3 code (make bench-tls; not shipped).
        .executableTarget(
            name: "tls-bench", dependencies: ["TLS", "X509", "Transport", "S3", "HTTP1", "CryptoPrimitives", "ByteCoding"],
            path: "Tests/Bench/TLSBench", swiftSettings: strict),
        // Measurements for `make bench` (crypto speed, Dolt fetch, Parquet encoding); not shipped.
        .executableTarget(
            name: "backfill-bench",
            dependencies: ["Backfill", "Transport", "MySQLWire", "Parquet", "CryptoPrimitives", "ByteCoding"],
            swiftSettings: strict),

        // Helpers shared by the test targets (a seeded random source); never linked into the product.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ByteCodingTests", dependencies: ["ByteCoding"], swiftSettings: strict),
        .testTarget(name: "CryptoPrimitivesTests", dependencies: ["CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "X509Tests", dependencies: ["X509", "TestSupport", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "X509", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "S3Tests", dependencies: ["S3", "HTTP1", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "MySQLWireTests", dependencies: ["MySQLWire", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport", "ByteCoding"], swiftSettings: strict),
        .testTarget(name: "BackfillTests", dependencies: ["Backfill", "TestSupport", "Parquet", "MySQLWire", "S3", "HTTP1", "CryptoPrimitives", "ByteCoding"], swiftSettings: strict),
    ]
)
