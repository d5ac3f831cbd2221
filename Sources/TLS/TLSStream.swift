import ByteCoding
import CryptoPrimitives
import X509

/// A TLS 1.3 client session over any `ByteStream` (a TCP socket in the product, a script in
/// tests). The initializer performs the whole handshake; afterwards `read`/`write` carry
/// application data and `close` sends close_notify.
public final class TLSStream: ByteStream {
    private let underlying: any ByteStream
    private var engine: TLSClientEngine
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var isClosed = false
    private let serverName: String
    /// What the handshake negotiated.
    public let negotiated: TLSNegotiated

    /// Connects as a client to `serverName` over `underlying`, verifying the server's certificate
    /// with `verifier` at time `now()` (Unix seconds), offering `alpn` (empty: no ALPN).
    /// `keyLog`, when given, receives SSLKEYLOGFILE lines for Wireshark: debugging only.
    public convenience init(
        underlying: any ByteStream, serverName: String, verifier: CertificateVerifier, alpn: [String],
        now: @escaping () -> Int64, random: @escaping (Int) -> [UInt8] = SystemRandom.bytes,
        keyLog: ((String) -> Void)? = nil
    ) throws {
        try self.init(
            underlying: underlying, serverName: serverName, authenticator: X509Authenticator(verifier: verifier),
            alpn: alpn, now: now, random: random, keyLog: keyLog)
    }

    /// Connects as a client like `init(underlying:serverName:verifier:...)` but authenticates the
    /// server's certificate according to `certificatePolicy` (for MySQL's `--ssl-mode` levels).
    public convenience init(
        underlying: any ByteStream, serverName: String, certificatePolicy: ServerCertificatePolicy, alpn: [String],
        now: @escaping () -> Int64, random: @escaping (Int) -> [UInt8] = SystemRandom.bytes,
        keyLog: ((String) -> Void)? = nil
    ) throws {
        try self.init(
            underlying: underlying, serverName: serverName, authenticator: X509Authenticator(policy: certificatePolicy),
            alpn: alpn, now: now, random: random, keyLog: keyLog)
    }

    init(
        underlying: any ByteStream, serverName: String, authenticator: any ServerCertificateAuthenticating,
        alpn: [String], now: @escaping () -> Int64, random: @escaping (Int) -> [UInt8], keyLog: ((String) -> Void)?
    ) throws {
        self.underlying = underlying
        self.serverName = serverName
        var engine = TLSClientEngine(
            serverName: serverName, alpn: alpn, authenticator: authenticator, now: now, random: random, keyLog: keyLog,
            presetHello: nil)
        var application: [UInt8] = []
        var negotiated: TLSNegotiated?
        do {
            try underlying.write(try engine.start())
            while negotiated == nil {
                let bytes = try underlying.read(maxBytes: Self.readSize)
                guard !bytes.isEmpty else {
                    throw TLSError(
                        code: .truncated,
                        message: "TLS handshake with \(serverName) (\(underlying.peerDescription)) failed: the server closed the connection; check the port and that the server speaks TLS 1.3")
                }
                let out = engine.receive(bytes)
                if !out.send.isEmpty { try underlying.write(out.send) }
                if let failure = out.failure { throw failure }
                application += out.application
                for case .handshakeComplete(let n) in out.events { negotiated = n }
            }
        } catch {
            underlying.close()
            throw error
        }
        guard let negotiated else { preconditionFailure("TLSStream: handshake loop ended without completion") }
        self.engine = engine
        self.negotiated = negotiated
        self.pending = application
    }

    private static let readSize = 32 * 1024

    /// The verified certificates the server presented (DER, leaf first as sent), for `--check`.
    public var peerCertificates: [[UInt8]] { self.engine.peerCertificates }

    /// E.g. `TLS 1.3, TLS_AES_128_GCM_SHA256, x25519`.
    public var negotiatedDescription: String { self.negotiated.description }

    /// The underlying peer, e.g. `127.0.0.1:9443 (TLS)`.
    public var peerDescription: String { "\(self.underlying.peerDescription) (TLS)" }

    /// Reads decrypted application data; [] after the server's close_notify. A connection that
    /// ends without close_notify throws `truncated` (the data may have been cut short).
    public func read(maxBytes: Int) throws -> [UInt8] {
        while self.pendingOffset >= self.pending.count {
            self.pending = []
            self.pendingOffset = 0
            if self.engine.isReadClosed || self.isClosed { return [] }
            let bytes = try self.underlying.read(maxBytes: Self.readSize)
            guard !bytes.isEmpty else {
                throw TLSError(
                    code: .truncated,
                    message: "TLS connection to \(self.serverName) ended without close_notify; the response may be truncated")
            }
            let out = self.engine.receive(bytes)
            if !out.send.isEmpty { try self.underlying.write(out.send) }
            if let failure = out.failure {
                self.underlying.close()
                self.isClosed = true
                throw failure
            }
            self.pending = out.application
        }
        let n = min(max(1, maxBytes), self.pending.count - self.pendingOffset)
        defer { self.pendingOffset += n }
        return Array(self.pending[self.pendingOffset..<(self.pendingOffset + n)])
    }

    /// Encrypts and writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try self.underlying.write(try self.engine.write(application: bytes))
    }

    /// Sends close_notify (best effort) and closes the underlying stream. Idempotent.
    public func close() {
        guard !self.isClosed else { return }
        self.isClosed = true
        let alert = self.engine.close()
        if !alert.isEmpty { try? self.underlying.write(alert) }
        self.underlying.close()
    }
}
