import Backfill
import ByteCoding
import MySQLWire
import TLS
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--dolt-ssl-mode`: MySQL's `--ssl-mode` levels, with their MySQL meaning.
enum DoltSSLMode: String, CaseIterable, Sendable {
    /// Plain TCP even when the server offers TLS.
    case disabled
    /// TLS whenever the server offers it, certificate not checked; plain TCP otherwise.
    case preferred
    /// TLS or nothing; certificate not checked.
    case required
    /// TLS or nothing; the certificate must chain to a trusted CA (any host name).
    case verifyCA = "verify-ca"
    /// TLS or nothing; trusted chain and the certificate must name --dolt-host.
    case verifyIdentity = "verify-identity"

    /// True for the modes that refuse a server without TLS.
    var requiresTLS: Bool { self != .disabled && self != .preferred }
    /// True for the modes that check the certificate (and so need trust anchors).
    var verifiesCertificate: Bool { self == .verifyCA || self == .verifyIdentity }
}

/// Opens database connections with the TLS policy of `--dolt-ssl-mode` / `--dolt-ssl-ca`.
final class DoltConnector: @unchecked Sendable {
    let host: String
    let port: Int
    let mode: DoltSSLMode
    let caFile: String?
    private let connector: Connector
    private let lookup: (String) -> String?
    private let lock = Monitor()
    private var verifier: CertificateVerifier?
    private var lastSession: TLSStream?

    init(host: String, port: Int, mode: DoltSSLMode, caFile: String?, connector: Connector, lookup: @escaping (String) -> String?) {
        self.host = host
        self.port = port
        self.mode = mode
        self.caFile = caFile
        self.connector = connector
        self.lookup = lookup
    }

    /// Loads the trust anchors the mode needs (--dolt-ssl-ca, else SSL_CERT_FILE / SSL_CERT_DIR,
    /// else the system bundle), once; a missing or empty file is reported before any connection.
    func prepareTrust() throws {
        guard self.mode.verifiesCertificate else { return }
        _ = try self.trust()
    }

    private func trust() throws -> CertificateVerifier {
        try self.lock.locked {
            if let v = self.verifier { return v }
            let loaded = try TrustStore.loadReporting(caBundlePath: self.caFile, environment: self.lookup)
            let v = CertificateVerifier(trustAnchors: loaded.certificates)
            self.verifier = v
            return v
        }
    }

    /// The TLS session of the most recent connection (nil when it was plain), for `--check`.
    var lastTLS: TLSStream? { self.lock.locked { self.lastSession } }

    /// How the server's certificate was checked, for `--check`.
    var certificateCheck: String {
        switch self.mode {
        case .verifyIdentity: "certificate verified (trusted chain, name \(self.host))"
        case .verifyCA: "certificate chain verified (host name not checked: --dolt-ssl-mode verify-ca)"
        case .preferred, .required: "certificate NOT verified (--dolt-ssl-mode \(self.mode.rawValue)); use verify-identity to authenticate the server"
        case .disabled: ""
        }
    }

    /// A logged-in connection: TCP, then TLS inside the MySQL handshake when the mode asks for it.
    func connect(user: String, password: String, database: String) throws -> MySQLConnection {
        self.lock.locked { self.lastSession = nil }
        let policy: ServerCertificatePolicy?
        switch self.mode {
        case .disabled: policy = nil
        case .preferred, .required: policy = .unverifiedEncryptionOnly
        case .verifyCA: policy = .verifyChainOnly(try self.trust())
        case .verifyIdentity: policy = .verifyChainAndHostName(try self.trust())
        }
        let tcp = try self.connector.tcp(host: self.host, port: self.port)
        let name = self.host.hasPrefix("[") && self.host.hasSuffix("]") ? String(self.host.dropFirst().dropLast()) : self.host
        let upgrade: ((any ByteStream) throws -> any ByteStream)? = policy.map { policy in
            { plain in
                // No ALPN: MySQL's TLS is negotiated inside its own protocol, not by ALPN.
                let tls = try TLSStream(underlying: plain, serverName: name, certificatePolicy: policy, alpn: [], now: { Int64(time(nil)) })
                self.lock.locked { self.lastSession = tls }
                return tls
            }
        }
        do {
            return try MySQLConnection(stream: tcp, user: user, password: password, database: database,
                                       upgradeToTLS: upgrade, requireTLS: self.mode.requiresTLS)
        } catch let e as MySQLError where e.code == .tlsUnavailable {
            throw DoltTLSRefused(message: "--dolt-ssl-mode \(self.mode.rawValue) requires TLS, but the server at \(self.host):\(self.port) does not offer it (no CLIENT_SSL in its greeting); nothing was sent. Enable TLS on the server (Dolt: tls_cert and tls_key under listener: in config.yaml) or use --dolt-ssl-mode preferred")
        } catch let e as TLSError {
            // After the SSLRequest the socket belongs to TLS: even `preferred` cannot fall back.
            let hint = self.mode == .preferred
                ? " (the server offered TLS, so the same connection cannot continue in plain text; --dolt-ssl-mode disabled connects without TLS)" : ""
            throw DoltTLSRefused(message: "TLS to the database failed (--dolt-ssl-mode \(self.mode.rawValue)): \(e)\(hint)")
        }
    }
}

/// A TLS refusal with its explanation (printed as is).
struct DoltTLSRefused: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
