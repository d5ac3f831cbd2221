import CryptoPrimitives
import X509

/// The product's certificate check: `X509.CertificateVerifier` (chain, validity, host name) plus
/// the leaf key for CertificateVerify.
struct X509Authenticator: ServerCertificateAuthenticating {
    let verifier: CertificateVerifier

    func authenticate(chain: [[UInt8]], serverName: String, now: Int64) throws(CertificateFailure) -> any ServerSignatureVerifying {
        let path: VerifiedPath
        do {
            path = try self.verifier.verify(chain: chain, hostname: serverName, now: now)
        } catch let error as X509Error {
            throw CertificateFailure(alert: Self.alert(for: error.code), detail: error.description)
        } catch {
            throw CertificateFailure(alert: .badCertificate, detail: "\(error)")
        }
        switch path.leaf.publicKey {
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
