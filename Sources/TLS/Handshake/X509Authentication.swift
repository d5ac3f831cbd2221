import CryptoPrimitives
import X509

/// How a TLS client authenticates the server's certificate. HTTPS always uses
/// `verifyChainAndHostName`; the two weaker policies exist only because MySQL's `--ssl-mode`
/// defines them (VERIFY_CA and PREFERRED/REQUIRED) and Dolt servers often run with self-signed
/// certificates. In every policy the server must still prove possession of its certificate's key
/// (CertificateVerify) and finish the handshake (Finished), so the channel is encrypted to the
/// holder of that key.
public enum ServerCertificatePolicy: Sendable {
    /// The chain must reach a trust anchor and the certificate must name the server (RFC 6125).
    case verifyChainAndHostName(CertificateVerifier)
    /// The chain must reach a trust anchor; the name is not checked (MySQL VERIFY_CA).
    case verifyChainOnly(CertificateVerifier)
    /// No certificate check at all (MySQL PREFERRED/REQUIRED): protects against passive
    /// eavesdropping only; an active attacker can impersonate the server.
    case unverifiedEncryptionOnly
}

/// The product's certificate check: `X509.CertificateVerifier` (chain, validity, host name) plus
/// the leaf key for CertificateVerify.
struct X509Authenticator: ServerCertificateAuthenticating {
    let policy: ServerCertificatePolicy

    init(verifier: CertificateVerifier) {
        self.policy = .verifyChainAndHostName(verifier)
    }

    init(policy: ServerCertificatePolicy) {
        self.policy = policy
    }

    func authenticate(chain: [[UInt8]], serverName: String, now: Int64) throws(CertificateFailure) -> any ServerSignatureVerifying {
        let leaf: Certificate
        do {
            switch self.policy {
            case .verifyChainAndHostName(let verifier):
                leaf = try verifier.verify(chain: chain, hostname: serverName, now: now).leaf
            case .verifyChainOnly(let verifier):
                leaf = try verifier.verifyIgnoringHostName(chain: chain, now: now).leaf
            case .unverifiedEncryptionOnly:
                guard let der = chain.first else { throw X509Error(.malformed, "the server sent no certificate") }
                leaf = try Certificate(derEncoded: der)
            }
        } catch let error as X509Error {
            throw CertificateFailure(alert: Self.alert(for: error.code), detail: error.description)
        } catch {
            throw CertificateFailure(alert: .badCertificate, detail: "\(error)")
        }
        switch leaf.publicKey {
        case .ecP256(let point):
            return LeafPublicKey(key: .ecdsa(.p256, point: point))
        case .ecP384(let point):
            return LeafPublicKey(key: .ecdsa(.p384, point: point))
        case .rsa(let modulus, let exponent, _):
            do {
                return LeafPublicKey(key: .rsa(try RSAPublicKey(modulus: modulus, exponent: exponent)))
            } catch {
                throw CertificateFailure(alert: .badCertificate, detail: "the server's RSA key is unusable: \(error)")
            }
        case .unsupported(let what):
            throw CertificateFailure(alert: .unsupportedCertificate, detail: "the server's certificate uses an unsupported key type (\(what)); use an ECDSA P-256/P-384 or RSA 2048-4096 certificate")
        }
    }

    /// The alert RFC 8446 §6.2 suggests for each verification failure.
    static func alert(for code: X509Error.Code) -> AlertDescription {
        switch code {
        case .expired, .notYetValid: .certificateExpired
        case .unknownIssuer: .unknownCA
        case .unsupportedAlgorithm: .unsupportedCertificate
        default: .badCertificate
        }
    }
}
