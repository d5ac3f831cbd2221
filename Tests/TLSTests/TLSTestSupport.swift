import ByteCoding
import Foundation
import Testing

@testable import TLS

/// Loads fixtures from Fixtures/tls relative to this source file (no bundle resources).
enum TLSFixtures {
    static func url(_ relative: String, file: String = #filePath) -> URL {
        var components = URL(fileURLWithPath: file).pathComponents
        while let last = components.last, last != "Tests" { components.removeLast() }
        components.removeLast()
        return URL(fileURLWithPath: components.joined(separator: "/"))
            .appendingPathComponent("Fixtures/tls")
            .appendingPathComponent(relative)
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: self.url(relative))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TLSFixtureError(message: "\(relative) is not a JSON object")
        }
        return object
    }
}

struct TLSFixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

/// Decodes hex, failing the test on malformed fixture data.
func tlsHex(_ s: String) throws -> [UInt8] {
    guard let bytes = Hex.decode(s) else { throw TLSFixtureError(message: "bad hex: \(s.prefix(40))") }
    return bytes
}

extension Dictionary where Key == String, Value == Any {
    func hexBytes(_ key: String) throws -> [UInt8] {
        guard let v = self[key] as? String else { throw TLSFixtureError(message: "missing field \(key)") }
        return try tlsHex(v)
    }
    func dict(_ key: String) throws -> [String: Any] {
        guard let v = self[key] as? [String: Any] else { throw TLSFixtureError(message: "missing object \(key)") }
        return v
    }
    func dicts(_ key: String) throws -> [[String: Any]] {
        guard let v = self[key] as? [[String: Any]] else { throw TLSFixtureError(message: "missing array \(key)") }
        return v
    }
}

/// The RFC 8448 §3 trace.
struct RFC8448 {
    let root: [String: Any]
    let records: [[UInt8]]
    let plaintexts: [[UInt8]]

    init() throws {
        self.root = try TLSFixtures.json("rfc8448-simple-1rtt.json")
        let recs = try self.root.dicts("records")
        self.records = try recs.map { try $0.hexBytes("record") }
        self.plaintexts = try recs.map { try $0.hexBytes("plaintext") }
    }

    func message(_ name: String) throws -> [UInt8] { try self.root.dict("handshake_messages").hexBytes(name) }
    func schedule(_ name: String) throws -> [UInt8] { try self.root.dict("key_schedule").hexBytes(name) }
    func transcriptHash(_ name: String) throws -> [UInt8] { try self.root.dict("transcript_hashes").hexBytes(name) }
    func trafficKey(_ epoch: String, _ field: String) throws -> [UInt8] { try self.root.dict("traffic_keys").dict(epoch).hexBytes(field) }
    var clientPrivateKey: [UInt8] { get throws { try self.root.dict("client_x25519").hexBytes("private") } }
    var certificateDER: [UInt8] { get throws { try self.root.hexBytes("server_certificate_der") } }
    var signedContent: [UInt8] { get throws { try self.root.dict("certificate_verify_detail").hexBytes("signed_content") } }
    var signature: [UInt8] { get throws { try self.root.dict("certificate_verify_detail").hexBytes("signature") } }

    /// The RFC's ClientHello, decoded so the engine can replay it.
    func clientHello() throws -> ClientHello {
        try ClientHello.decode(body: Array(self.message("client_hello").dropFirst(4)))
    }
}

/// A leaf key that accepts exactly one (scheme, signed content, signature) triple: the RFC 8448
/// certificate is RSA-1024, which the product rightly refuses, so the replay checks that the
/// engine asks for the right signature over the right bytes instead.
struct ExpectedSignatureKey: ServerSignatureVerifying {
    let scheme: SignatureScheme
    let signedContent: [UInt8]
    let signature: [UInt8]

    func check(scheme: SignatureScheme, signedContent: [UInt8], signature: [UInt8]) -> SignatureCheck {
        guard scheme == self.scheme else { return .keyMismatch }
        return signedContent == self.signedContent && signature == self.signature ? .valid : .invalid
    }
}

/// Test-only authenticator: records what it was asked and answers with a fixed key or failure.
final class RecordingAuthenticator: ServerCertificateAuthenticating {
    let key: any ServerSignatureVerifying
    let failure: CertificateFailure?
    private(set) var calls: [(chain: [[UInt8]], serverName: String, now: Int64)] = []

    init(key: any ServerSignatureVerifying, failure: CertificateFailure? = nil) {
        self.key = key
        self.failure = failure
    }

    func authenticate(chain: [[UInt8]], serverName: String, now: Int64) throws(CertificateFailure) -> any ServerSignatureVerifying {
        self.calls.append((chain, serverName, now))
        if let failure { throw failure }
        return self.key
    }
}

/// Deterministic "random" bytes for tests: counts up from `seed`.
func countingRandom(seed: UInt8 = 1) -> (Int) -> [UInt8] {
    final class Counter: @unchecked Sendable { var next: UInt8 = 0 }
    let c = Counter()
    c.next = seed
    return { n in
        (0..<n).map { _ in
            defer { c.next &+= 1 }
            return c.next
        }
    }
}

/// Feeds `bytes` to the engine in chunks of `chunk` bytes and merges the outputs.
func feed(_ engine: inout TLSClientEngine, _ bytes: [UInt8], chunk: Int = Int.max) -> TLSEngineOutput {
    var merged = TLSEngineOutput()
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + max(1, chunk), bytes.count)
        let out = engine.receive(Array(bytes[offset..<end]))
        merged.send += out.send
        merged.application += out.application
        merged.events += out.events
        if let f = out.failure {
            merged.failure = f
            return merged
        }
        offset = end
    }
    return merged
}
