import ByteCoding
import Foundation
import Testing
import X509

@testable import TLS

/// A recorded conversation with OpenSSL (Go crypto/tls golden-transcript style): the client
/// must produce exactly the recorded bytes when fed the recorded server bytes.
struct Transcript {
    let name: String
    let now: Int64
    let header: String
    let serverChunks: [[UInt8]]
    let clientBytes: [UInt8]

    init(_ name: String) throws {
        self.name = name
        let text = try String(contentsOf: TLSFixtures.url("openssl/\(name).transcript"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        self.header = header
        guard let nowField = header.split(separator: " ").first(where: { $0.hasPrefix("now=") }), let now = Int64(nowField.dropFirst(4)) else {
            throw TLSFixtureError(message: "\(name): no now= in header")
        }
        self.now = now
        var server: [[UInt8]] = []
        var client: [UInt8] = []
        for line in lines {
            let bytes = try tlsHex(String(line.dropFirst(2)))
            if line.hasPrefix("< ") { server.append(bytes) } else if line.hasPrefix("> ") { client += bytes }
        }
        self.serverChunks = server
        self.clientBytes = client
    }

    static let names = ["openssl-ecdsa-x25519-aes128", "openssl-rsa-p256-hrr-chacha", "openssl-p384-x25519-aes256"]

    static func verifier() throws -> CertificateVerifier {
        CertificateVerifier(trustAnchors: try TrustStore.load(caBundlePath: TLSFixtures.url("openssl/test-roots.pem").path))
    }
}

@Suite struct TranscriptReplayTests {
    static let request = Array("GET / HTTP/1.0\r\n\r\n".utf8)

    @Test(arguments: Transcript.names, [Int.max, 1, 700])
    func replayReproducesTheRecordedClientBytes(name: String, chunk: Int) throws {
        let t = try Transcript(name)
        let wire = ScriptedByteStream(serverChunks: t.serverChunks, chunkSize: chunk)
        let tls = try TLSStream(
            underlying: wire, serverName: "localhost", verifier: Transcript.verifier(), alpn: ["http/1.1"],
            now: { t.now }, random: countingRandom(seed: 1))
        #expect(t.header.contains(tls.negotiatedDescription))
        #expect(t.header.contains("sig=\(tls.negotiated.signatureScheme)"))
        try tls.write(Self.request)
        var response: [UInt8] = []
        while true {
            let part = try tls.read(maxBytes: 1000)
            if part.isEmpty { break }
            response += part
        }
        #expect(try tls.read(maxBytes: 10).isEmpty)
        tls.close()
        #expect(wire.written == t.clientBytes)
        #expect(wire.isClosed)
        #expect(String(decoding: response.prefix(15), as: UTF8.self) == "HTTP/1.0 200 ok")
    }

    @Test func negotiatedParametersMatchTheRecordings() throws {
        let expected = [
            "openssl-ecdsa-x25519-aes128": "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519 ecdsa_secp256r1_sha256 http/1.1",
            "openssl-rsa-p256-hrr-chacha": "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256, secp256r1 rsa_pss_rsae_sha256 -",
            "openssl-p384-x25519-aes256": "TLS 1.3, TLS_AES_256_GCM_SHA384, x25519 ecdsa_secp384r1_sha384 -",
        ]
        for name in Transcript.names {
            let t = try Transcript(name)
            let tls = try TLSStream(
                underlying: ScriptedByteStream(serverChunks: t.serverChunks), serverName: "localhost", verifier: Transcript.verifier(),
                alpn: ["http/1.1"], now: { t.now }, random: countingRandom(seed: 1))
            let n = tls.negotiated
            #expect("\(tls.negotiatedDescription) \(n.signatureScheme) \(n.alpn ?? "-")" == expected[name])
        }
    }

    @Test(arguments: Transcript.names)
    func expiredCertificateIsRefusedWithCertificateExpired(name: String) throws {
        let t = try Transcript(name)
        let wire = ScriptedByteStream(serverChunks: t.serverChunks)
        let twoYears: Int64 = 2 * 366 * 86_400
        let error = try #require(throws: TLSError.self) {
            try TLSStream(
                underlying: wire, serverName: "localhost", verifier: Transcript.verifier(), alpn: ["http/1.1"],
                now: { t.now + twoYears }, random: countingRandom(seed: 1))
        }
        #expect(error.code == .certificateInvalid)
        #expect(error.alertSent == .certificateExpired)
        #expect(wire.isClosed)
        // The last thing written is the protected alert record (5 + 2 + 1 + 16 bytes).
        #expect(wire.written.suffix(24).first == 0x17)
    }

    @Test func untrustedRootIsRefusedWithUnknownCA() throws {
        let t = try Transcript(Transcript.names[0])
        let error = try #require(throws: TLSError.self) {
            try TLSStream(
                underlying: ScriptedByteStream(serverChunks: t.serverChunks), serverName: "localhost",
                verifier: CertificateVerifier(trustAnchors: []), alpn: ["http/1.1"], now: { t.now }, random: countingRandom(seed: 1))
        }
        #expect(error.code == .certificateInvalid)
        #expect(error.alertSent == .unknownCA)
    }

    @Test func corruptedEncryptedFlightIsBadRecordMAC() throws {
        let t = try Transcript(Transcript.names[0])
        var chunks = t.serverChunks
        // The first server chunk holds ServerHello, CCS and the encrypted flight: flip its last byte.
        chunks[0][chunks[0].count - 1] ^= 0x80
        let error = try #require(throws: TLSError.self) {
            try TLSStream(
                underlying: ScriptedByteStream(serverChunks: chunks), serverName: "localhost", verifier: Transcript.verifier(),
                alpn: ["http/1.1"], now: { t.now }, random: countingRandom(seed: 1))
        }
        #expect(error.code == .recordAuthenticationFailed)
        #expect(error.alertSent == .badRecordMAC)
    }

    @Test func connectionEndingWithoutCloseNotifyIsTruncation() throws {
        let t = try Transcript(Transcript.names[0])
        // Drop the server's last chunk (it carries the close_notify).
        let wire = ScriptedByteStream(serverChunks: Array(t.serverChunks.dropLast()))
        let tls = try TLSStream(
            underlying: wire, serverName: "localhost", verifier: Transcript.verifier(), alpn: ["http/1.1"],
            now: { t.now }, random: countingRandom(seed: 1))
        try tls.write(Self.request)
        let error = try #require(throws: TLSError.self) {
            while try !tls.read(maxBytes: 4096).isEmpty {}
        }
        #expect(error.code == .truncated)
    }
}

@Suite struct SansIOEngineTests {
    @Test(arguments: Transcript.names)
    func publicEngineProducesTheRecordedHandshakeBytes(name: String) throws {
        let t = try Transcript(name)
        var engine = TLSClientEngine(
            serverName: "localhost", alpn: ["http/1.1"], verifier: try Transcript.verifier(), now: { t.now },
            random: countingRandom(seed: 1))
        var sent = try engine.start()
        var events: [TLSEvent] = []
        for chunk in t.serverChunks where !engine.isHandshakeComplete {
            let out = engine.receive(chunk)
            #expect(out.failure == nil)
            sent += out.send
            events += out.events
        }
        #expect(engine.isHandshakeComplete)
        #expect(Array(t.clientBytes.prefix(sent.count)) == sent)
        #expect(events.count == 1)
        #expect(engine.negotiated.map { t.header.contains($0.description) } == true)
    }
}
