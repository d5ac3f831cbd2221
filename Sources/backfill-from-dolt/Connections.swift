import Backfill
import ByteCoding
import CryptoPrimitives
import TLS
import Transport
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the tool opens connections: plain TCP, or TLS 1.3 over TCP with full certificate checks.
/// There is deliberately no way to turn verification off.
final class Connector: @unchecked Sendable {
    let connectTimeout: Double
    let ioTimeout: Double
    private let lookup: (String) -> String?
    private let lock = Monitor()
    private var verifier: CertificateVerifier?
    /// The most recent TLS session opened (for --check and --fetch reports).
    private(set) var lastTLS: TLSStream?

    init(connectTimeout: Double, ioTimeout: Double, lookup: @escaping (String) -> String?) {
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.lookup = lookup
    }

    /// The CA bundle named by R2_CA_BUNDLE or AWS_CA_BUNDLE, else SSL_CERT_FILE / SSL_CERT_DIR,
    /// else the system bundle; loaded once.
    func trust() throws -> CertificateVerifier {
        try self.lock.locked {
            if let v = self.verifier { return v }
            let bundle = self.lookup("R2_CA_BUNDLE") ?? self.lookup("AWS_CA_BUNDLE")
            let loaded = try TrustStore.loadReporting(caBundlePath: bundle, environment: self.lookup)
            let v = CertificateVerifier(trustAnchors: loaded.certificates)
            self.verifier = v
            return v
        }
    }

    func tcp(host: String, port: Int) throws -> TCPStream {
        try TCPStream.connect(host: host, port: port, connectTimeout: self.connectTimeout, ioTimeout: self.ioTimeout)
    }

    /// A TLS 1.3 session to `host`, its certificate checked against the trust anchors for that name.
    func tls(host: String, port: Int, alpn: [String]) throws -> TLSStream {
        let verifier = try self.trust()
        let tcp = try self.tcp(host: host, port: port)
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let stream = try TLSStream(underlying: tcp, serverName: name, verifier: verifier, alpn: alpn, now: { Int64(time(nil)) })
        self.lock.locked { self.lastTLS = stream }
        return stream
    }

    func http(scheme: String, host: String, port: Int) throws -> any ByteStream {
        scheme == "https" ? try self.tls(host: host, port: port, alpn: ["http/1.1"]) : try self.tcp(host: host, port: port)
    }
}

/// Human-readable facts about a verified certificate chain.
enum CertificateReport {
    static func lines(_ chain: [[UInt8]]) -> [String] {
        var out: [String] = []
        for (i, der) in chain.enumerated() {
            guard let c = try? Certificate(derEncoded: der) else {
                out.append("certificate \(i): (not parsed)")
                continue
            }
            let role = i == 0 ? "server certificate" : "intermediate \(i)"
            out.append("\(role): subject \(c.subject.description), issuer \(c.issuer.description), expires \(Self.utc(c.notAfter))")
        }
        return out
    }

    static func utc(_ seconds: Int64) -> String { UnixCalendar.formatUTC(seconds) }
}
