import ByteCoding
import CryptoPrimitives
import X509

/// What was negotiated, reported once the handshake completes.
public struct TLSNegotiated: Sendable, Equatable, CustomStringConvertible {
    /// The cipher suite.
    public let cipherSuite: CipherSuite
    /// The key exchange group.
    public let group: NamedGroup
    /// The scheme of the server's CertificateVerify.
    public let signatureScheme: SignatureScheme
    /// The ALPN protocol the server selected, if any.
    public let alpn: String?

    /// E.g. `TLS 1.3, TLS_AES_128_GCM_SHA256, x25519` (for `--check`).
    public var description: String { "TLS 1.3, \(self.cipherSuite), \(self.group)" }
}

/// Something that happened while processing received bytes.
public enum TLSEvent: Sendable, Equatable {
    /// The handshake finished; application data may flow both ways.
    case handshakeComplete(TLSNegotiated)
    /// The server sent close_notify: no more application data will arrive (RFC 8446 §6.1).
    case closeNotifyReceived
}

/// The result of feeding received bytes to the engine.
public struct TLSEngineOutput: Sendable {
    /// Bytes to write to the peer, in order (also when `failure` is set: the alert).
    public var send: [UInt8] = []
    /// Decrypted application data, in order.
    public var application: [UInt8] = []
    /// Events, in order.
    public var events: [TLSEvent] = []
    /// Set when the connection failed; the engine accepts nothing more.
    public var failure: TLSError?
}

/// A sans-I/O TLS 1.3 client (RFC 8446): bytes in, bytes/events out, no sockets.
///
/// Profile: research/tls13-client.md. Usage: `start()` → send its bytes; for each chunk read from
/// the peer, `receive(_:)` → send `output.send`, deliver `output.application`, stop on
/// `output.failure`; after `.handshakeComplete`, `write(application:)` and finally `close()`.
public struct TLSClientEngine {
    /// The handshake state. Each case carries exactly the data that state needs.
    private enum State {
        /// Nothing sent yet.
        case initial
        /// ClientHello sent, waiting for ServerHello or HelloRetryRequest.
        case waitServerHello(HelloContext)
        /// Second ClientHello sent after a HelloRetryRequest.
        case waitServerHelloAfterRetry(HelloContext, retry: RetryInfo)
        /// Waiting for EncryptedExtensions.
        case waitEncryptedExtensions(Handshake)
        /// Waiting for Certificate (or CertificateRequest).
        case waitCertificate(Handshake)
        /// Waiting for CertificateVerify.
        case waitCertificateVerify(Handshake, serverKey: any ServerSignatureVerifying)
        /// Waiting for the server's Finished.
        case waitFinished(Handshake, signatureScheme: SignatureScheme)
        /// Handshake done; application traffic.
        case connected(Connected)
        /// The connection failed; the error is final.
        case failed(TLSError)
    }

    /// What a sent ClientHello committed us to.
    private struct HelloContext {
        var hello: ClientHello
        /// Private keys of the shares in `hello`, by group.
        var privateKeys: [(NamedGroup, [UInt8])]
        /// Handshake messages so far (ClientHello, or message_hash ‖ HRR ‖ ClientHello2).
        var transcript: [UInt8]
    }

    /// What a HelloRetryRequest fixed.
    private struct RetryInfo {
        var suite: CipherSuite
        var group: NamedGroup?
    }

    /// Handshake state after ServerHello.
    private struct Handshake {
        var hello: ClientHello
        var suite: CipherSuite
        var group: NamedGroup
        var schedule: KeySchedule
        var handshakeSecret: [UInt8]
        var clientHandshakeSecret: [UInt8]
        var serverHandshakeSecret: [UInt8]
        var transcript: [UInt8]
        var alpn: String?
        /// The server asked for a client certificate (we answer with an empty one).
        var certificateRequestContext: [UInt8]?
    }

    /// Application-traffic state.
    private struct Connected {
        var negotiated: TLSNegotiated
        var schedule: KeySchedule
        var clientSecret: [UInt8]
        var serverSecret: [UInt8]
    }

    // Limits (Go crypto/tls conn.go: maxHandshake, maxHandshakeCertificateMsg, maxUselessRecords).
    private static let maxHandshakeMessage = 65_536
    private static let maxCertificateMessage = 262_144
    private static let maxUselessRecords = 16
    /// Records per key before this client rotates its write key (RFC 8446 §5.5: AES-GCM 2^24.5).
    private static let writeKeyUpdateThreshold: UInt64 = 1 << 24

    private let serverName: String
    private let alpn: [String]
    private let authenticator: any ServerCertificateAuthenticating
    private let now: () -> Int64
    private let random: (Int) -> [UInt8]
    private let keyLog: ((String) -> Void)?
    /// A test may replay a foreign ClientHello (RFC 8448) with its key share private key.
    private let presetHello: (ClientHello, [(NamedGroup, [UInt8])])?

    private var state: State = .initial
    private var deframer = RecordDeframer()
    private var handshakeBuffer: [UInt8] = []
    private var readProtection: RecordProtection?
    private var writeProtection: RecordProtection?
    private var sentChangeCipherSpec = false
    private var receivedChangeCipherSpec = false
    private var receivedCloseNotify = false
    private var sentCloseNotify = false
    private var uselessRecords = 0
    /// The certificates the server presented (DER, in the order sent), once they were verified.
    public private(set) var peerCertificates: [[UInt8]] = []

    /// A client for `serverName` (DNS name, sent as SNI, or an IP literal, not sent) verifying the
    /// server with `verifier`; `now` gives Unix seconds for certificate validity; `random(n)`
    /// returns n cryptographically random bytes; `alpn` lists protocols to offer (empty: none);
    /// `keyLog`, when given, receives NSS key log lines (SSLKEYLOGFILE format) for debugging
    /// with Wireshark/tshark — never set it in production.
    public init(
        serverName: String, alpn: [String], verifier: CertificateVerifier,
        now: @escaping () -> Int64, random: @escaping (Int) -> [UInt8], keyLog: ((String) -> Void)? = nil
    ) {
        self.init(
            serverName: serverName, alpn: alpn, authenticator: X509Authenticator(verifier: verifier), now: now,
            random: random, keyLog: keyLog)
    }

    /// The same with any certificate authenticator (tests replay RFC 8448 with it); `presetHello`
    /// replaces the generated ClientHello and its key shares.
    init(
        serverName: String, alpn: [String], authenticator: any ServerCertificateAuthenticating,
        now: @escaping () -> Int64, random: @escaping (Int) -> [UInt8], keyLog: ((String) -> Void)? = nil,
        presetHello: (ClientHello, [(NamedGroup, [UInt8])])? = nil
    ) {
        self.serverName = serverName
        self.alpn = alpn
        self.authenticator = authenticator
        self.now = now
        self.random = random
        self.keyLog = keyLog
        self.presetHello = presetHello
    }

    /// True once the handshake has completed.
    public var isHandshakeComplete: Bool {
        if case .connected = self.state { return true }
        return false
    }

    /// What was negotiated, after the handshake.
    public var negotiated: TLSNegotiated? {
        if case .connected(let c) = self.state { return c.negotiated }
        return nil
    }

    /// True once the server's close_notify arrived.
    public var isReadClosed: Bool { self.receivedCloseNotify }

    // MARK: - Public operations

    /// Builds the first ClientHello and returns the record to send.
    public mutating func start() throws(TLSError) -> [UInt8] {
        guard case .initial = self.state else {
            throw TLSError(code: .invalidState, message: "TLS client for \(self.serverName): start() called twice")
        }
        let hello: ClientHello
        let keys: [(NamedGroup, [UInt8])]
        if let preset = self.presetHello {
            (hello, keys) = preset
        } else {
            let privateKey = self.random(32)
            let publicKey: [UInt8]
            do { publicKey = try X25519.publicKey(privateKey: privateKey) } catch {
                throw TLSError(code: .internalError, message: "TLS client for \(self.serverName): could not create an x25519 key share: \(error)")
            }
            hello = ClientHello.make(
                random: self.random(32), sessionID: self.random(32), serverName: self.serverName, alpn: self.alpn,
                keyShares: [(.x25519, publicKey)])
            keys = [(.x25519, privateKey)]
        }
        let message = hello.encode()
        self.state = .waitServerHello(HelloContext(hello: hello, privateKeys: keys, transcript: message))
        // legacy_record_version 0x0301 for the first ClientHello (RFC 8446 §5.1).
        return Self.plaintextRecord(.handshake, message, version: 0x0301)
    }

    /// Processes bytes received from the server.
    public mutating func receive(_ bytes: [UInt8]) -> TLSEngineOutput {
        var out = TLSEngineOutput()
        if case .failed(let e) = self.state {
            out.failure = TLSError(code: .connectionClosed, message: "TLS connection to \(self.serverName) already failed: \(e.message)")
            return out
        }
        if case .initial = self.state {
            out.failure = TLSError(code: .invalidState, message: "TLS client for \(self.serverName): receive() before start()")
            return out
        }
        // After close_notify the server's further bytes are ignored (RFC 8446 §6.1: EOF).
        guard !self.receivedCloseNotify else { return out }
        self.deframer.feed(bytes)
        do throws(TLSError) {
            while !self.receivedCloseNotify {
                let record: WireRecord?
                do { record = try self.deframer.next() } catch {
                    switch error {
                    case .notTLS:
                        throw TLSError(
                            code: .notTLS,
                            message: "TLS connection to \(self.serverName) failed: the server did not answer with TLS (is this the right port, and does it expect plain text?)")
                    case .overflow(let n):
                        throw TLSError(
                            code: .recordOverflow,
                            message: "TLS connection to \(self.serverName) failed: the server sent a \(n)-byte record, over the 16640-byte limit (sent alert record_overflow (22))",
                            alertSent: .recordOverflow)
                    }
                }
                guard let record else { break }
                try self.handleRecord(record, &out)
            }
        } catch {
            self.fail(error, &out)
        }
        return out
    }

    /// Encrypts application data into records (≤ 2^14 bytes each) to send.
    public mutating func write(application data: [UInt8]) throws(TLSError) -> [UInt8] {
        guard case .connected = self.state, !self.sentCloseNotify else {
            if case .failed(let e) = self.state {
                throw TLSError(code: .connectionClosed, message: "TLS connection to \(self.serverName) already failed: \(e.message)")
            }
            throw TLSError(code: .invalidState, message: "TLS connection to \(self.serverName): cannot send data \(self.sentCloseNotify ? "after close" : "before the handshake completes")")
        }
        var out: [UInt8] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + maxPlaintextLength, data.count)
            try self.rotateWriteKeyIfNeeded(&out)
            out += try self.seal(.applicationData, Array(data[offset..<end]))
            offset = end
        }
        return out
    }

    /// Returns a close_notify alert to send (RFC 8446 §6.1); afterwards nothing more can be written.
    public mutating func close() -> [UInt8] {
        guard !self.sentCloseNotify else { return [] }
        if case .failed = self.state { return [] }
        if case .initial = self.state { return [] }
        self.sentCloseNotify = true
        return (try? self.alertRecord(.closeNotify)) ?? []
    }

    // MARK: - Record layer

    private mutating func handleRecord(_ record: WireRecord, _ out: inout TLSEngineOutput) throws(TLSError) {
        guard let type = ContentType(rawValue: record.type) else {
            throw TLSError.violation(self.serverName, .unexpectedMessage, "record of unknown content type \(record.type)")
        }
        // Middlebox-compatibility ChangeCipherSpec: one unprotected 0x01 after the server's first
        // hello and before its Finished is dropped; anything else is fatal (RFC 8446 §5, §D.4).
        if type == .changeCipherSpec {
            guard self.acceptsChangeCipherSpec, record.body.count == 1, record.body.first == 0x01, self.handshakeBuffer.isEmpty else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "unexpected ChangeCipherSpec record")
            }
            self.receivedChangeCipherSpec = true
            try self.countUselessRecord()
            return
        }
        let contentType: ContentType
        let content: [UInt8]
        if var protection = self.readProtection {
            guard type == .applicationData else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "unprotected \(type) record after encryption started")
            }
            guard let inner = protection.open(header: record.header, body: record.body) else {
                throw TLSError(
                    code: .recordAuthenticationFailed,
                    message: "TLS connection to \(self.serverName) failed: a record from the server did not authenticate (sent alert bad_record_mac (20)); the data was corrupted or tampered with in transit",
                    alertSent: .badRecordMAC)
            }
            self.readProtection = protection
            guard let (innerType, body) = splitInnerPlaintext(inner), let t = ContentType(rawValue: innerType),
                t != .changeCipherSpec
            else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "protected record with a missing or invalid inner content type")
            }
            guard body.count <= maxPlaintextLength else {
                throw TLSError(
                    code: .recordOverflow,
                    message: "TLS connection to \(self.serverName) failed: the server sent more than 16384 bytes of plaintext in one record (sent alert record_overflow (22))",
                    alertSent: .recordOverflow)
            }
            contentType = t
            content = body
        } else {
            guard record.body.count <= maxPlaintextLength else {
                throw TLSError(
                    code: .recordOverflow,
                    message: "TLS connection to \(self.serverName) failed: the server sent a plaintext record over 16384 bytes (sent alert record_overflow (22))",
                    alertSent: .recordOverflow)
            }
            guard type != .applicationData else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "application data before the handshake")
            }
            contentType = type
            content = Array(record.body)
        }
        // Handshake messages must not be interleaved with other record types (RFC 8446 §5.1).
        if contentType != .handshake && !self.handshakeBuffer.isEmpty {
            throw TLSError.violation(self.serverName, .unexpectedMessage, "\(contentType) record inside a fragmented handshake message")
        }
        switch contentType {
        case .handshake:
            guard !content.isEmpty else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "empty handshake record")
            }
            self.uselessRecords = 0
            self.handshakeBuffer += content
            try self.processHandshakeBuffer(&out)
        case .alert:
            try self.handleAlert(content, &out)
        case .applicationData:
            guard case .connected = self.state else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "application data before the handshake completed")
            }
            if content.isEmpty {
                try self.countUselessRecord()
            } else {
                self.uselessRecords = 0
                out.application += content
            }
        case .changeCipherSpec:
            throw TLSError.violation(self.serverName, .unexpectedMessage, "ChangeCipherSpec inside a protected record")
        }
    }

    /// True while a server CCS may still arrive: after its first hello, before its Finished.
    private var acceptsChangeCipherSpec: Bool {
        guard !self.receivedChangeCipherSpec else { return false }
        switch self.state {
        case .waitServerHelloAfterRetry, .waitEncryptedExtensions, .waitCertificate, .waitCertificateVerify, .waitFinished:
            return true
        case .initial, .waitServerHello, .connected, .failed:
            return false
        }
    }

    private mutating func countUselessRecord() throws(TLSError) {
        self.uselessRecords += 1
        guard self.uselessRecords <= Self.maxUselessRecords else {
            throw TLSError.violation(self.serverName, .unexpectedMessage, "too many consecutive records without content")
        }
    }

    private mutating func handleAlert(_ content: [UInt8], _ out: inout TLSEngineOutput) throws(TLSError) {
        guard content.count == 2 else {
            throw TLSError.violation(self.serverName, .decodeError, "malformed alert record")
        }
        let alert = AlertDescription(rawValue: content[1])
        switch alert {
        case .closeNotify:
            self.receivedCloseNotify = true
            if case .connected = self.state {
                out.events.append(.closeNotifyReceived)
            } else {
                throw TLSError(
                    code: .alertReceived,
                    message: "TLS connection to \(self.serverName) failed: the server closed the connection (close_notify) during the handshake",
                    alertReceived: alert)
            }
        case .userCanceled:
            // Not fatal in itself; a close_notify is expected to follow (RFC 8446 §6.1).
            try self.countUselessRecord()
        default:
            let handshaking: Bool
            if case .connected = self.state { handshaking = false } else { handshaking = true }
            throw TLSError.received(self.serverName, alert, duringHandshake: handshaking)
        }
    }

    /// Splits the reassembly buffer into handshake messages and handles each complete one.
    private mutating func processHandshakeBuffer(_ out: inout TLSEngineOutput) throws(TLSError) {
        while self.handshakeBuffer.count >= 4 {
            let b = self.handshakeBuffer
            let length = Int(b[1]) << 16 | Int(b[2]) << 8 | Int(b[3])
            let limit = b[0] == HandshakeType.certificate.rawValue ? Self.maxCertificateMessage : Self.maxHandshakeMessage
            guard length <= limit else {
                throw TLSError.violation(self.serverName, .illegalParameter, "handshake message of \(length) bytes exceeds the \(limit)-byte limit")
            }
            guard b.count >= 4 + length else { return }
            let message = Array(b[0..<(4 + length)])
            self.handshakeBuffer.removeFirst(4 + length)
            guard let type = HandshakeType(rawValue: message[0]) else {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "unknown handshake message type \(message[0])")
            }
            let keyChanged = try self.handleHandshake(type, message: message, body: Array(message[4...]), &out)
            // A key change must fall on a record boundary (RFC 8446 §5.1).
            if keyChanged && !self.handshakeBuffer.isEmpty {
                throw TLSError.violation(self.serverName, .unexpectedMessage, "handshake data after a key change in the same record")
            }
        }
    }

    // MARK: - Handshake

    /// Handles one message; returns true when the read key changed.
    private mutating func handleHandshake(
        _ type: HandshakeType, message: [UInt8], body: [UInt8], _ out: inout TLSEngineOutput
    ) throws(TLSError) -> Bool {
        do {
            switch self.state {
            case .initial, .failed:
                preconditionFailure("TLSClientEngine: handshake message in state without a connection")
            case .waitServerHello(let ctx):
                try self.expect(type, .serverHello)
                try self.handleServerHello(ServerHello.decode(body: body), message: message, ctx, retry: nil, &out)
                return true
            case .waitServerHelloAfterRetry(let ctx, let retry):
                try self.expect(type, .serverHello)
                try self.handleServerHello(ServerHello.decode(body: body), message: message, ctx, retry: retry, &out)
                return true
            case .waitEncryptedExtensions(var hs):
                try self.expect(type, .encryptedExtensions)
                hs.alpn = try self.checkEncryptedExtensions(EncryptedExtensions.decode(body: body), hs.hello)
                hs.transcript += message
                self.state = .waitCertificate(hs)
            case .waitCertificate(var hs):
                if type == .certificateRequest && hs.certificateRequestContext == nil {
                    hs.certificateRequestContext = try Self.certificateRequestContext(body)
                    hs.transcript += message
                    self.state = .waitCertificate(hs)
                    return false
                }
                try self.expect(type, .certificate)
                let cert = try CertificateMessage.decode(body: body)
                guard cert.context.isEmpty else {
                    throw MessageError(.illegalParameter, "the server's Certificate has a non-empty request context")
                }
                guard !cert.certificates.isEmpty else {
                    throw MessageError(.decodeError, "the server sent an empty certificate chain")
                }
                let key: any ServerSignatureVerifying
                do {
                    key = try self.authenticator.authenticate(chain: cert.certificates, serverName: self.serverName, now: self.now())
                } catch {
                    throw TLSError.certificate(self.serverName, error.alert, error.detail)
                }
                self.peerCertificates = cert.certificates
                hs.transcript += message
                self.state = .waitCertificateVerify(hs, serverKey: key)
            case .waitCertificateVerify(var hs, let key):
                try self.expect(type, .certificateVerify)
                let cv = try CertificateVerify.decode(body: body)
                guard SignatureScheme.handshakeSchemes.contains(cv.scheme), hs.hello.offeredSignatureSchemes.contains(cv.scheme) else {
                    throw MessageError(.illegalParameter, "the server signed with \(cv.scheme), which this client did not offer for TLS 1.3")
                }
                let content = CertificateVerify.serverSignedContent(transcriptHash: hs.schedule.hash.hash(hs.transcript))
                switch key.check(scheme: cv.scheme, signedContent: content, signature: cv.signature) {
                case .valid:
                    break
                case .keyMismatch:
                    throw MessageError(.illegalParameter, "the server signed with \(cv.scheme), which does not match its certificate's key")
                case .invalid:
                    throw TLSError.authentication(self.serverName, .decryptError, "the server's CertificateVerify signature (\(cv.scheme)) is invalid")
                }
                hs.transcript += message
                self.state = .waitFinished(hs, signatureScheme: cv.scheme)
            case .waitFinished(let hs, let scheme):
                try self.expect(type, .finished)
                try self.handleServerFinished(hs, scheme: scheme, message: message, body: body, &out)
                return true
            case .connected(let c):
                return try self.handlePostHandshake(type, body: body, c, &out)
            }
        } catch let error as MessageError {
            throw TLSError.violation(self.serverName, error.alert, error.reason)
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError(code: .internalError, message: "TLS connection to \(self.serverName) failed: \(error)", alertSent: .internalError)
        }
        return false
    }

    private func expect(_ got: HandshakeType, _ wanted: HandshakeType) throws(MessageError) {
        guard got == wanted else {
            throw MessageError(.unexpectedMessage, "expected \(wanted) but the server sent \(got)")
        }
    }

    private static func certificateRequestContext(_ body: [UInt8]) throws(MessageError) -> [UInt8] {
        var r = ByteReader(body)
        var ctx = try r.vector8("CertificateRequest context")
        _ = try TLSExtension.decodeList(&r, "CertificateRequest")
        try r.expectEnd("CertificateRequest")
        return ctx.readRemaining()
    }

    private mutating func handleServerHello(
        _ sh: ServerHello, message: [UInt8], _ ctx: HelloContext, retry: RetryInfo?, _ out: inout TLSEngineOutput
    ) throws -> Void {
        // 1. Version: supported_versions must select TLS 1.3 (RFC 8446 §4.2.1).
        guard let sv = sh.extensionData(ExtensionType.supportedVersions) else {
            throw TLSError.oldVersion(self.serverName, min(sh.legacyVersion, ProtocolVersion.tls12), downgradeSentinel: sh.hasDowngradeSentinel)
        }
        guard sv.count == 2 else { throw MessageError.decode("supported_versions in ServerHello") }
        let selected = UInt16(sv[0]) << 8 | UInt16(sv[1])
        if selected < ProtocolVersion.tls13 && selected >= 0x0300 {
            throw TLSError.oldVersion(self.serverName, selected, downgradeSentinel: false)
        }
        guard selected == ProtocolVersion.tls13 else {
            throw MessageError(.illegalParameter, "the server selected \(ProtocolVersion.name(selected)), which this client did not offer")
        }
        // 2. Fixed fields (RFC 8446 §4.1.3).
        guard sh.legacyVersion == ProtocolVersion.tls12 else {
            throw MessageError(.illegalParameter, "ServerHello legacy_version is not 0x0303")
        }
        guard sh.sessionIDEcho == ctx.hello.sessionID else {
            throw MessageError(.illegalParameter, "the server did not echo our legacy_session_id")
        }
        guard sh.compressionMethod == 0 else {
            throw MessageError(.illegalParameter, "the server selected a compression method")
        }
        guard ctx.hello.cipherSuites.contains(sh.cipherSuite), let suite = CipherSuite(rawValue: sh.cipherSuite) else {
            throw MessageError(.illegalParameter, "the server selected cipher suite 0x\(Hex.encode([UInt8(sh.cipherSuite >> 8), UInt8(sh.cipherSuite & 0xFF)])), which this client did not offer")
        }
        if let retry, retry.suite != suite {
            throw MessageError(.illegalParameter, "the server changed the cipher suite after HelloRetryRequest")
        }
        // 3. Only extensions we offered and that may appear here (RFC 8446 §4.2).
        let allowed: Set<UInt16> = sh.isHelloRetryRequest
            ? [ExtensionType.supportedVersions, ExtensionType.keyShare, ExtensionType.cookie]
            : [ExtensionType.supportedVersions, ExtensionType.keyShare]
        for e in sh.extensions {
            guard e.type == ExtensionType.cookie || ctx.hello.offeredExtensionTypes.contains(e.type) else {
                throw MessageError(.unsupportedExtension, "the server answered extension \(e.type), which this client did not offer")
            }
            guard allowed.contains(e.type) else {
                throw MessageError(.illegalParameter, "extension \(e.type) is not allowed in \(sh.isHelloRetryRequest ? "HelloRetryRequest" : "ServerHello")")
            }
        }
        if sh.isHelloRetryRequest {
            guard retry == nil else {
                throw MessageError(.unexpectedMessage, "the server sent a second HelloRetryRequest")
            }
            try self.handleHelloRetryRequest(sh, message: message, suite: suite, ctx, &out)
            return
        }
        // 4. The key share must be for a group we sent a share for (RFC 8446 §4.2.8).
        guard let ksData = sh.extensionData(ExtensionType.keyShare) else {
            throw MessageError(.missingExtension, "the ServerHello has no key_share (this client does not support PSK-only handshakes)")
        }
        var r = ByteReader(ksData)
        let groupCode = try r.u16("ServerHello key_share")
        var keyReader = try r.vector16("ServerHello key_share")
        try r.expectEnd("ServerHello key_share")
        let peerKey = keyReader.readRemaining()
        guard let (group, privateKey) = ctx.privateKeys.first(where: { $0.0.rawValue == groupCode }) else {
            throw MessageError(.illegalParameter, "the server's key share is for a group we sent no share for")
        }
        if let retryGroup = retry?.group, retryGroup != group {
            throw MessageError(.illegalParameter, "the server's key share is not for the group it asked for in HelloRetryRequest")
        }
        guard peerKey.count == group.shareLength else {
            throw MessageError(.illegalParameter, "the server's \(group) key share has the wrong length")
        }
        let shared: [UInt8]
        do {
            switch group {
            case .x25519: shared = try X25519.sharedSecret(privateKey: privateKey, peerPublicKey: peerKey)
            case .secp256r1: shared = try P256.sharedSecret(privateKey: privateKey, peerPublicKey: peerKey)
            }
        } catch {
            throw MessageError(.illegalParameter, "the server's \(group) key share is invalid")
        }
        // 5. Handshake secrets and keys (RFC 8446 §7.1).
        let schedule = KeySchedule(hash: suite.hash)
        let transcript = ctx.transcript + message
        let th = schedule.hash.hash(transcript)
        let hsSecret = schedule.handshakeSecret(sharedSecret: shared)
        let cSecret = schedule.hash.deriveSecret(hsSecret, "c hs traffic", transcriptHash: th)
        let sSecret = schedule.hash.deriveSecret(hsSecret, "s hs traffic", transcriptHash: th)
        self.logKey("CLIENT_HANDSHAKE_TRAFFIC_SECRET", ctx.hello.random, cSecret)
        self.logKey("SERVER_HANDSHAKE_TRAFFIC_SECRET", ctx.hello.random, sSecret)
        self.readProtection = try Self.protection(schedule, suite, sSecret)
        self.writeProtection = try Self.protection(schedule, suite, cSecret)
        self.state = .waitEncryptedExtensions(Handshake(
            hello: ctx.hello, suite: suite, group: group, schedule: schedule, handshakeSecret: hsSecret,
            clientHandshakeSecret: cSecret, serverHandshakeSecret: sSecret, transcript: transcript, alpn: nil,
            certificateRequestContext: nil))
    }

    private mutating func handleHelloRetryRequest(
        _ hrr: ServerHello, message: [UInt8], suite: CipherSuite, _ ctx: HelloContext, _ out: inout TLSEngineOutput
    ) throws {
        var hello = ctx.hello
        var keys = ctx.privateKeys
        var selectedGroup: NamedGroup?
        if let ks = hrr.extensionData(ExtensionType.keyShare) {
            // KeyShareHelloRetryRequest { NamedGroup selected_group } (RFC 8446 §4.2.8).
            guard ks.count == 2 else { throw MessageError.decode("HelloRetryRequest key_share") }
            let code = UInt16(ks[0]) << 8 | UInt16(ks[1])
            guard let group = NamedGroup(rawValue: code), hello.offeredGroups.contains(group),
                !hello.keyShareGroups.contains(code)
            else {
                throw MessageError(.illegalParameter, "HelloRetryRequest asks for a group this client did not offer or already sent")
            }
            let privateKey: [UInt8]
            let publicKey: [UInt8]
            switch group {
            case .x25519:
                privateKey = self.random(32)
                publicKey = try X25519.publicKey(privateKey: privateKey)
            case .secp256r1:
                privateKey = P256.generatePrivateKey(random: self.random)
                publicKey = try P256.publicKey(privateKey: privateKey)
            }
            keys = [(group, privateKey)]
            selectedGroup = group
            hello.extensions = hello.extensions.map {
                $0.type == ExtensionType.keyShare ? ClientHello.keyShareExtension([(group, publicKey)]) : $0
            }
        }
        let cookie = hrr.extensionData(ExtensionType.cookie)
        if let cookie {
            var r = ByteReader(cookie)
            let c = try r.vector16("cookie")
            try r.expectEnd("cookie")
            guard !c.isAtEnd else { throw MessageError.decode("cookie (empty)") }
            hello.extensions.append(TLSExtension(type: ExtensionType.cookie, data: cookie))
        }
        guard selectedGroup != nil || cookie != nil else {
            throw MessageError(.illegalParameter, "HelloRetryRequest would not change the ClientHello")
        }
        // Transcript: message_hash(Hash(ClientHello1)) ‖ HelloRetryRequest ‖ ClientHello2 (RFC 8446 §4.4.1).
        let hash = suite.hash
        let ch1Hash = hash.hash(ctx.transcript)
        var transcript = HandshakeFraming.wrap(.messageHash, ch1Hash) + message
        let ch2 = hello.encode()
        transcript += ch2
        if !self.sentChangeCipherSpec && !hello.sessionID.isEmpty {
            out.send += Self.changeCipherSpecRecord
            self.sentChangeCipherSpec = true
        }
        out.send += Self.plaintextRecord(.handshake, ch2, version: 0x0303)
        self.state = .waitServerHelloAfterRetry(
            HelloContext(hello: hello, privateKeys: keys, transcript: transcript),
            retry: RetryInfo(suite: suite, group: selectedGroup))
    }

    /// Validates EncryptedExtensions (RFC 8446 §4.3.1) and returns the selected ALPN protocol.
    private func checkEncryptedExtensions(_ ee: EncryptedExtensions, _ hello: ClientHello) throws(MessageError) -> String? {
        var alpn: String?
        for e in ee.extensions {
            guard ExtensionType.allowedInEncryptedExtensions.contains(e.type) else {
                throw MessageError(.illegalParameter, "extension \(e.type) is not allowed in EncryptedExtensions")
            }
            guard hello.offeredExtensionTypes.contains(e.type) else {
                throw MessageError(.unsupportedExtension, "the server answered extension \(e.type), which this client did not offer")
            }
            switch e.type {
            case ExtensionType.serverName:
                guard e.data.isEmpty else { throw MessageError.decode("server_name acknowledgement") }
            case ExtensionType.alpn:
                let name = try EncryptedExtensions.selectedProtocol(e.data)
                guard hello.offeredALPN.contains(name) else {
                    throw MessageError(.illegalParameter, "the server selected an application protocol this client did not offer")
                }
                alpn = String(decoding: name, as: UTF8.self)
            default:
                // supported_groups (informational), record_size_limit etc.: offered by a replayed
                // foreign ClientHello only; nothing to act on.
                break
            }
        }
        return alpn
    }

    private mutating func handleServerFinished(
        _ hs: Handshake, scheme: SignatureScheme, message: [UInt8], body: [UInt8], _ out: inout TLSEngineOutput
    ) throws {
        let schedule = hs.schedule
        let expected = schedule.finishedVerifyData(baseKey: hs.serverHandshakeSecret, transcriptHash: schedule.hash.hash(hs.transcript))
        guard body.count == expected.count else { throw MessageError.decode("Finished") }
        guard constantTimeEquals(body, expected) else {
            throw TLSError.authentication(self.serverName, .decryptError, "the server's Finished message does not match the handshake")
        }
        var transcript = hs.transcript + message
        // Application secrets from the transcript through server Finished (RFC 8446 §7.1).
        let master = schedule.masterSecret(handshakeSecret: hs.handshakeSecret)
        let th = schedule.hash.hash(transcript)
        let cApp = schedule.hash.deriveSecret(master, "c ap traffic", transcriptHash: th)
        let sApp = schedule.hash.deriveSecret(master, "s ap traffic", transcriptHash: th)
        self.logKey("CLIENT_TRAFFIC_SECRET_0", hs.hello.random, cApp)
        self.logKey("SERVER_TRAFFIC_SECRET_0", hs.hello.random, sApp)
        self.readProtection = try Self.protection(schedule, hs.suite, sApp)
        // Second flight: [CCS] {Certificate if requested} {Finished} under the handshake key.
        if !self.sentChangeCipherSpec && !hs.hello.sessionID.isEmpty {
            out.send += Self.changeCipherSpecRecord
            self.sentChangeCipherSpec = true
        }
        if let context = hs.certificateRequestContext {
            let empty = CertificateMessage(context: context, certificates: []).encode()
            transcript += empty
            out.send += try self.seal(.handshake, empty)
        }
        let verifyData = schedule.finishedVerifyData(baseKey: hs.clientHandshakeSecret, transcriptHash: schedule.hash.hash(transcript))
        out.send += try self.seal(.handshake, HandshakeFraming.wrap(.finished, verifyData))
        self.writeProtection = try Self.protection(schedule, hs.suite, cApp)
        let negotiated = TLSNegotiated(cipherSuite: hs.suite, group: hs.group, signatureScheme: scheme, alpn: hs.alpn)
        self.state = .connected(Connected(negotiated: negotiated, schedule: schedule, clientSecret: cApp, serverSecret: sApp))
        out.events.append(.handshakeComplete(negotiated))
    }

    /// NewSessionTicket is checked and dropped; KeyUpdate rotates keys (RFC 8446 §4.6).
    private mutating func handlePostHandshake(
        _ type: HandshakeType, body: [UInt8], _ c: Connected, _ out: inout TLSEngineOutput
    ) throws -> Bool {
        switch type {
        case .newSessionTicket:
            _ = try NewSessionTicket.decode(body: body)
            return false
        case .keyUpdate:
            let request = try KeyUpdateRequest.decode(body: body)
            var c = c
            c.serverSecret = c.schedule.nextTrafficSecret(c.serverSecret)
            self.readProtection = try Self.protection(c.schedule, c.negotiated.cipherSuite, c.serverSecret)
            self.state = .connected(c)
            if request == .updateRequested && !self.sentCloseNotify {
                try self.updateWriteKey(request: .updateNotRequested, &out.send)
            }
            return true
        default:
            throw MessageError(.unexpectedMessage, "unexpected \(type) after the handshake")
        }
    }

    /// Sends KeyUpdate under the current write key, then switches to the next write secret.
    private mutating func updateWriteKey(request: KeyUpdateRequest, _ send: inout [UInt8]) throws(TLSError) {
        guard case .connected(var c) = self.state else { return }
        send += try self.seal(.handshake, request.encode())
        c.clientSecret = c.schedule.nextTrafficSecret(c.clientSecret)
        do {
            self.writeProtection = try Self.protection(c.schedule, c.negotiated.cipherSuite, c.clientSecret)
        } catch {
            throw TLSError(code: .internalError, message: "TLS connection to \(self.serverName): key update failed: \(error)")
        }
        self.state = .connected(c)
    }

    private mutating func rotateWriteKeyIfNeeded(_ send: inout [UInt8]) throws(TLSError) {
        if let w = self.writeProtection, w.sequenceNumber >= Self.writeKeyUpdateThreshold {
            try self.updateWriteKey(request: .updateNotRequested, &send)
        }
    }

    // MARK: - Helpers

    private static func protection(_ schedule: KeySchedule, _ suite: CipherSuite, _ secret: [UInt8]) throws -> RecordProtection {
        let (key, iv) = schedule.trafficKeys(secret: secret, suite: suite)
        return try RecordProtection(suite: suite, key: key, iv: iv)
    }

    private func logKey(_ label: String, _ clientRandom: [UInt8], _ secret: [UInt8]) {
        self.keyLog?("\(label) \(Hex.encode(clientRandom)) \(Hex.encode(secret))")
    }

    private static let changeCipherSpecRecord: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]

    private static func plaintextRecord(_ type: ContentType, _ content: [UInt8], version: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let end = min(offset + maxPlaintextLength, content.count)
            out.append(type.rawValue)
            out.appendUInt16BE(version)
            out.appendUInt16BE(UInt16(end - offset))
            out += content[offset..<end]
            offset = end
        } while offset < content.count
        return out
    }

    private mutating func seal(_ type: ContentType, _ content: [UInt8]) throws(TLSError) -> [UInt8] {
        guard var w = self.writeProtection else { return Self.plaintextRecord(type, content, version: 0x0303) }
        guard w.canProcessAnotherRecord else {
            throw TLSError(code: .internalError, message: "TLS connection to \(self.serverName): record sequence number exhausted")
        }
        do {
            let record = try w.seal(contentType: type, content: content)
            self.writeProtection = w
            return record
        } catch {
            throw TLSError(code: .internalError, message: "TLS connection to \(self.serverName): encryption failed: \(error)")
        }
    }

    private mutating func alertRecord(_ alert: AlertDescription) throws(TLSError) -> [UInt8] {
        // Level is 1 (warning) for close_notify, 2 (fatal) otherwise (RFC 8446 §6).
        let level: UInt8 = alert == .closeNotify ? 1 : 2
        return try self.seal(.alert, [level, alert.rawValue])
    }

    /// Records the failure, queues the alert to send and moves to `.failed`.
    private mutating func fail(_ error: TLSError, _ out: inout TLSEngineOutput) {
        if let alert = error.alertSent, !self.sentCloseNotify {
            out.send += (try? self.alertRecord(alert)) ?? []
        }
        self.state = .failed(error)
        self.handshakeBuffer = []
        out.failure = error
    }
}
