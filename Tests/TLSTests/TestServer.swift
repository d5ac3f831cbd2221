import ByteCoding
import CryptoPrimitives
import Testing

@testable import TLS

/// A scripted TLS 1.3 server for unit tests: it answers the engine's ClientHello with a real
/// key exchange, key schedule and record protection (so the client's checks run for real) and
/// lets each test alter one thing. Certificates are opaque: the engine is given a test
/// authenticator whose key accepts exactly the signature this server "makes" over the content
/// the RFC prescribes, computed here from the server's own transcript.
final class TestServer {
    var suite: CipherSuite = .aes128GCMSHA256
    var group: NamedGroup = .x25519
    /// When the client has no share for `group`, answer with HelloRetryRequest (with this cookie).
    var cookie: [UInt8]? = [0xC0, 0x0C, 0x1E]
    var alpn: String?
    var scheme: SignatureScheme = .ecdsaSecp256r1SHA256
    var extraEncryptedExtensions: [TLSExtension] = []
    var sendCertificateRequest = false
    var sendChangeCipherSpec = true
    /// Messages appended after Finished in the same record (e.g. NewSessionTicket).
    var afterFinished: [UInt8] = []
    var mutateServerHello: ((inout ServerHello) -> Void)?
    var mutateHelloRetryRequest: ((inout ServerHello) -> Void)?

    static let signature: [UInt8] = Array("test-server-signature".utf8)
    static let certificate: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x07]

    private(set) var clientHellos: [ClientHello] = []
    private(set) var clientRecordsSeen: [(type: UInt8, body: [UInt8])] = []
    private var transcript: [UInt8] = []
    private var expectedSignedContent: [UInt8] = []
    private var schedule: KeySchedule { KeySchedule(hash: self.suite.hash) }
    private var handshakeSecret: [UInt8] = []
    private var clientHandshakeSecret: [UInt8] = []
    private(set) var clientAppSecret: [UInt8] = []
    private(set) var serverAppSecret: [UInt8] = []
    private var clientReader: RecordProtection?
    private var serverWriter: RecordProtection?
    private var serverHandshakeWriter: RecordProtection?
    private(set) var clientFinishedVerified = false
    private(set) var clientCertificateMessage: [UInt8]?
    private(set) var receivedApplicationData: [UInt8] = []
    private(set) var receivedHandshake: [[UInt8]] = []
    private(set) var receivedAlerts: [[UInt8]] = []

    /// The leaf key handed to the engine.
    var key: any ServerSignatureVerifying { ServerKey(server: self) }

    struct ServerKey: ServerSignatureVerifying {
        let server: TestServer
        func check(scheme: SignatureScheme, signedContent: [UInt8], signature: [UInt8]) -> SignatureCheck {
            guard scheme == self.server.scheme else { return .keyMismatch }
            return signature == TestServer.signature && signedContent == self.server.expectedSignedContent ? .valid : .invalid
        }
    }

    /// A fresh engine pointed at this server.
    func makeEngine(alpn: [String] = [], serverName: String = "test.example", keyLog: ((String) -> Void)? = nil) -> TLSClientEngine {
        TLSClientEngine(
            serverName: serverName, alpn: alpn, authenticator: RecordingAuthenticator(key: self.key),
            now: { 1_700_000_000 }, random: countingRandom(), keyLog: keyLog)
    }

    // MARK: wire helpers

    static func plaintextRecords(_ bytes: [UInt8]) -> [(type: UInt8, body: [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        var i = 0
        while i + 5 <= bytes.count {
            let n = Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
            guard i + 5 + n <= bytes.count else { break }
            out.append((bytes[i], Array(bytes[(i + 5)..<(i + 5 + n)])))
            i += 5 + n
        }
        return out
    }

    static func record(_ type: ContentType, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [type.rawValue, 0x03, 0x03]
        out.appendUInt16BE(UInt16(body.count))
        return out + body
    }

    private func privateKey(_ group: NamedGroup) -> [UInt8] {
        switch group {
        case .x25519: return [UInt8](repeating: 0x42, count: 32)
        case .secp256r1: return [UInt8](repeating: 0x07, count: 32)
        }
    }

    private func publicKey(_ group: NamedGroup) throws -> [UInt8] {
        switch group {
        case .x25519: try X25519.publicKey(privateKey: self.privateKey(group))
        case .secp256r1: try P256.publicKey(privateKey: self.privateKey(group))
        }
    }

    // MARK: the server side

    /// Consumes what the client sent; returns the server's answer (may be empty).
    func respond(to clientBytes: [UInt8]) throws -> [UInt8] {
        var answer: [UInt8] = []
        for (type, body) in Self.plaintextRecords(clientBytes) {
            self.clientRecordsSeen.append((type, body))
            switch type {
            case ContentType.handshake.rawValue where self.clientReader == nil:
                answer += try self.handleClientHello(body)
            case ContentType.applicationData.rawValue:
                var reader = try #require(self.clientReader)
                let opened = reader.open(header: ArraySlice(Self.header(body.count)), body: ArraySlice(body))
                let inner = try #require(opened)
                self.clientReader = reader
                let (t, content) = try #require(splitInnerPlaintext(inner))
                try self.handleClientProtected(t, content)
            default:
                break
            }
        }
        return answer
    }

    private static func header(_ n: Int) -> [UInt8] { [0x17, 0x03, 0x03, UInt8(n >> 8), UInt8(n & 0xFF)] }

    private func handleClientHello(_ message: [UInt8]) throws -> [UInt8] {
        let hello = try ClientHello.decode(body: Array(message.dropFirst(4)))
        self.clientHellos.append(hello)
        // Find the client's share for our group.
        var r = ByteReader(try #require(hello.extensionData(ExtensionType.keyShare)))
        var list = try r.vector16("ks")
        var peer: [UInt8]?
        while !list.isAtEnd {
            let g = try list.u16("g")
            var k = try list.vector16("k")
            if g == self.group.rawValue { peer = k.readRemaining() }
        }
        guard let peer else {
            // HelloRetryRequest (RFC 8446 §4.1.4).
            var exts = [TLSExtension(type: ExtensionType.supportedVersions, data: [0x03, 0x04]),
                        TLSExtension(type: ExtensionType.keyShare, data: [UInt8(self.group.rawValue >> 8), UInt8(self.group.rawValue & 0xFF)])]
            if let cookie { exts.append(TLSExtension(type: ExtensionType.cookie, data: [0x00, UInt8(cookie.count)] + cookie)) }
            var hrr = ServerHello(
                legacyVersion: 0x0303, random: ServerHello.helloRetryRequestRandom, sessionIDEcho: hello.sessionID,
                cipherSuite: self.suite.rawValue, compressionMethod: 0, extensions: exts)
            self.mutateHelloRetryRequest?(&hrr)
            let hrrBytes = hrr.encode()
            self.transcript = HandshakeFraming.wrap(.messageHash, self.suite.hash.hash(message)) + hrrBytes
            var out = Self.plaintext(.handshake, hrrBytes)
            if self.sendChangeCipherSpec { out += [0x14, 0x03, 0x03, 0x00, 0x01, 0x01] }
            return out
        }
        self.transcript += message
        let shared: [UInt8]
        switch self.group {
        case .x25519: shared = try X25519.sharedSecret(privateKey: self.privateKey(.x25519), peerPublicKey: peer)
        case .secp256r1: shared = try P256.sharedSecret(privateKey: self.privateKey(.secp256r1), peerPublicKey: peer)
        }
        var ks: [UInt8] = []
        ks.appendUInt16BE(self.group.rawValue)
        ks.appendVector16(try self.publicKey(self.group))
        var sh = ServerHello(
            legacyVersion: 0x0303, random: [UInt8](repeating: 0x5A, count: 32), sessionIDEcho: hello.sessionID,
            cipherSuite: self.suite.rawValue, compressionMethod: 0,
            extensions: [TLSExtension(type: ExtensionType.supportedVersions, data: [0x03, 0x04]), TLSExtension(type: ExtensionType.keyShare, data: ks)])
        self.mutateServerHello?(&sh)
        let shBytes = sh.encode()
        self.transcript += shBytes
        let s = self.schedule
        self.handshakeSecret = s.handshakeSecret(sharedSecret: shared)
        let th = s.hash.hash(self.transcript)
        self.clientHandshakeSecret = s.hash.deriveSecret(self.handshakeSecret, "c hs traffic", transcriptHash: th)
        let sHS = s.hash.deriveSecret(self.handshakeSecret, "s hs traffic", transcriptHash: th)
        let ck = s.trafficKeys(secret: self.clientHandshakeSecret, suite: self.suite)
        let sk = s.trafficKeys(secret: sHS, suite: self.suite)
        self.clientReader = try RecordProtection(suite: self.suite, key: ck.key, iv: ck.iv)
        var writer = try RecordProtection(suite: self.suite, key: sk.key, iv: sk.iv)

        var flight: [UInt8] = []
        var eeExts = self.extraEncryptedExtensions
        if let alpn {
            var names: [UInt8] = []
            names.appendVector8(Array(alpn.utf8))
            var data: [UInt8] = []
            data.appendVector16(names)
            eeExts.append(TLSExtension(type: ExtensionType.alpn, data: data))
        }
        flight += EncryptedExtensions(extensions: eeExts).encode()
        if self.sendCertificateRequest {
            var body: [UInt8] = [0x00]
            var sigs: [UInt8] = []
            sigs.appendVector16([0x04, 0x03])
            var ext: [UInt8] = []
            ext.appendUInt16BE(ExtensionType.signatureAlgorithms)
            ext.appendVector16(sigs)
            body.appendVector16(ext)
            flight += HandshakeFraming.wrap(.certificateRequest, body)
        }
        flight += CertificateMessage(context: [], certificates: [Self.certificate]).encode()
        self.expectedSignedContent = CertificateVerify.serverSignedContent(transcriptHash: s.hash.hash(self.transcript + flight))
        flight += CertificateVerify(scheme: self.scheme, signature: Self.signature).encode()
        let fin = s.finishedVerifyData(baseKey: sHS, transcriptHash: s.hash.hash(self.transcript + flight))
        flight += HandshakeFraming.wrap(.finished, fin)
        self.transcript += flight
        let master = s.masterSecret(handshakeSecret: self.handshakeSecret)
        let th2 = s.hash.hash(self.transcript)
        self.clientAppSecret = s.hash.deriveSecret(master, "c ap traffic", transcriptHash: th2)
        self.serverAppSecret = s.hash.deriveSecret(master, "s ap traffic", transcriptHash: th2)

        var out = Self.plaintext(.handshake, shBytes)
        if self.sendChangeCipherSpec && self.clientHellos.count == 1 { out += [0x14, 0x03, 0x03, 0x00, 0x01, 0x01] }
        out += try writer.seal(contentType: .handshake, content: flight)
        self.serverHandshakeWriter = writer
        let ak = s.trafficKeys(secret: self.serverAppSecret, suite: self.suite)
        self.serverWriter = try RecordProtection(suite: self.suite, key: ak.key, iv: ak.iv)
        if !self.afterFinished.isEmpty { out += try self.protect(.handshake, self.afterFinished) }
        return out
    }

    private func handleClientProtected(_ type: UInt8, _ content: [UInt8]) throws {
        switch type {
        case ContentType.handshake.rawValue where !self.clientFinishedVerified:
            if content.first == HandshakeType.certificate.rawValue {
                self.clientCertificateMessage = content
                self.transcript += content
                return
            }
            let s = self.schedule
            let expected = s.finishedVerifyData(baseKey: self.clientHandshakeSecret, transcriptHash: s.hash.hash(self.transcript))
            #expect(content == HandshakeFraming.wrap(.finished, expected), "client Finished must match the server's transcript")
            self.clientFinishedVerified = content == HandshakeFraming.wrap(.finished, expected)
            let ck = s.trafficKeys(secret: self.clientAppSecret, suite: self.suite)
            self.clientReader = try RecordProtection(suite: self.suite, key: ck.key, iv: ck.iv)
        case ContentType.handshake.rawValue:
            self.receivedHandshake.append(content)
            if content.first == HandshakeType.keyUpdate.rawValue {
                let s = self.schedule
                self.clientAppSecret = s.nextTrafficSecret(self.clientAppSecret)
                let ck = s.trafficKeys(secret: self.clientAppSecret, suite: self.suite)
                self.clientReader = try RecordProtection(suite: self.suite, key: ck.key, iv: ck.iv)
            }
        case ContentType.applicationData.rawValue:
            self.receivedApplicationData += content
        case ContentType.alert.rawValue:
            self.receivedAlerts.append(content)
        default:
            Issue.record("unexpected inner type \(type) from the client")
        }
    }

    /// Protects `content` under the server's current application key.
    func protect(_ type: ContentType, _ content: [UInt8], padding: Int = 0) throws -> [UInt8] {
        var w = try #require(self.serverWriter)
        let out = try w.seal(contentType: type, content: content, padding: padding)
        self.serverWriter = w
        return out
    }

    /// Protects a raw TLSInnerPlaintext under the server's current application key.
    func protectRaw(_ inner: [UInt8]) throws -> [UInt8] {
        var w = try #require(self.serverWriter)
        let out = try w.seal(innerPlaintext: inner)
        self.serverWriter = w
        return out
    }

    /// Sends KeyUpdate under the current key and switches the server's write key.
    func keyUpdate(requested: Bool) throws -> [UInt8] {
        let out = try self.protect(.handshake, HandshakeFraming.wrap(.keyUpdate, [requested ? 1 : 0]))
        let s = self.schedule
        self.serverAppSecret = s.nextTrafficSecret(self.serverAppSecret)
        let k = s.trafficKeys(secret: self.serverAppSecret, suite: self.suite)
        self.serverWriter = try RecordProtection(suite: self.suite, key: k.key, iv: k.iv)
        return out
    }

    static func plaintext(_ type: ContentType, _ body: [UInt8]) -> [UInt8] { Self.record(type, body) }
}

/// Runs a full handshake between `engine` and `server`; returns the last engine output.
func handshake(_ engine: inout TLSClientEngine, _ server: TestServer, chunk: Int = Int.max) throws -> TLSEngineOutput {
    var toServer = try engine.start()
    var last = TLSEngineOutput()
    for _ in 0..<4 {
        let answer = try server.respond(to: toServer)
        if answer.isEmpty { break }
        last = feed(&engine, answer, chunk: chunk)
        toServer = last.send
        if last.failure != nil || engine.isHandshakeComplete {
            _ = try server.respond(to: toServer)
            break
        }
    }
    return last
}
