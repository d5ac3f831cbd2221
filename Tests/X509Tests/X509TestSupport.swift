// Fixture loading for the X509 tests (Fixtures/x509, located from this file's path).
import Foundation
import Testing
@testable import X509

enum X509Fixtures {
    /// Absolute path of Fixtures/x509/<relative>.
    static func path(_ relative: String, file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()
        return (parts + ["Fixtures", "x509", relative]).joined(separator: "/")
    }

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: self.path(relative)))
    }

    static func json(_ relative: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: try self.data(relative)) as? [String: Any] else {
            throw X509FixtureError("\(relative) is not a JSON object")
        }
        return object
    }

    /// The DER of the single CERTIFICATE block in `pem`.
    static func der(_ pem: String) throws -> [UInt8] {
        let blocks = PEM.certificateBlocks(in: pem)
        guard blocks.certificates.count == 1, blocks.malformedCount == 0 else {
            throw X509FixtureError("expected one PEM certificate, found \(blocks.certificates.count)")
        }
        return blocks.certificates[0]
    }

    static func certificate(_ pem: String) throws -> Certificate {
        try Certificate(derEncoded: try self.der(pem))
    }

    /// "2025-06-01T12:00:00+00:00" or "...Z" → Unix seconds (UTC offsets only).
    static func isoTime(_ s: String) throws -> Int64 {
        let u = Array(s.utf8)
        guard u.count >= 19, s.hasSuffix("+00:00") || s.hasSuffix("Z") else { throw X509FixtureError("unsupported time \(s)") }
        let compact = Array((String(decoding: u[0..<4], as: UTF8.self) + String(decoding: u[5..<7], as: UTF8.self)
            + String(decoding: u[8..<10], as: UTF8.self) + String(decoding: u[11..<13], as: UTF8.self)
            + String(decoding: u[14..<16], as: UTF8.self) + String(decoding: u[17..<19], as: UTF8.self) + "Z").utf8)
        guard let t = DERTime.parseGeneralizedTime(compact[...]) else { throw X509FixtureError("bad time \(s)") }
        return t
    }

    static let limboNames = [
        "amazon.com", "aws.amazon.com", "cloudflare.com", "fastly.com", "google.com", "s3.amazonaws.com",
        "storage.googleapis.com",
    ]
}

struct X509FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { self.description = d }
}

/// One x509-limbo online case.
struct LimboCase {
    let name: String
    let trusted: [Certificate]
    let intermediates: [[UInt8]]
    let peer: [UInt8]
    let validationTime: Int64
    let peerName: String

    init(_ name: String) throws {
        let j = try X509Fixtures.json("limbo-online/\(name).limbo.json")
        self.name = name
        self.trusted = try (j["trusted_certs"] as? [String] ?? []).map { try X509Fixtures.certificate($0) }
        self.intermediates = try (j["untrusted_intermediates"] as? [String] ?? []).map { try X509Fixtures.der($0) }
        self.peer = try X509Fixtures.der(j["peer_certificate"] as? String ?? "")
        self.validationTime = try X509Fixtures.isoTime(j["validation_time"] as? String ?? "")
        self.peerName = ((j["expected_peer_name"] as? [String: Any])?["value"] as? String) ?? ""
    }
}

/// A signature checker that accepts everything except signatures by listed keys.
struct FakeSignatureChecker: SignatureChecking {
    var rejectKeys: [SubjectPublicKey] = []
    var counter: CheckCounter? = nil
    func check(algorithm: SignatureAlgorithm, key: SubjectPublicKey, message: [UInt8], signature: [UInt8]) -> SignatureCheckResult {
        self.counter?.increment()
        return self.rejectKeys.contains(key) ? .invalid : .valid
    }
}

/// Counts signature checks (tests run each verifier on one thread).
final class CheckCounter: @unchecked Sendable {
    private(set) var count = 0
    func increment() { self.count += 1 }
}
