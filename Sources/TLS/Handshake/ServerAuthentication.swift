import CryptoPrimitives

/// The outcome of checking a CertificateVerify signature with the server's leaf key.
enum SignatureCheck: Sendable, Equatable {
    /// The signature verifies.
    case valid
    /// The signature does not verify (decrypt_error).
    case invalid
    /// The scheme does not fit the key type or size (illegal_parameter).
    case keyMismatch
}

/// The server's leaf public key as needed for CertificateVerify (RFC 8446 §4.4.3).
protocol ServerSignatureVerifying {
    /// Checks `signature` over `signedContent` under `scheme`.
    func check(scheme: SignatureScheme, signedContent: [UInt8], signature: [UInt8]) -> SignatureCheck
}

/// Why a certificate chain was refused: the alert to send and the verifier's explanation.
struct CertificateFailure: Error, Sendable {
    /// bad_certificate, unknown_ca, certificate_expired, unsupported_certificate, ...
    let alert: AlertDescription
    /// The verifier's user-facing text, passed through.
    let detail: String

    /// Builds a failure.
    init(alert: AlertDescription, detail: String) {
        self.alert = alert
        self.detail = detail
    }
}

/// Validates the server's chain for a host name at a time and yields the leaf key.
///
/// The product's only implementation wraps `X509.CertificateVerifier`; the protocol exists so the
/// RFC 8448 replay test can substitute the RFC's 1024-bit self-signed certificate. It is
/// internal to this module: nothing outside it can switch verification off.
protocol ServerCertificateAuthenticating {
    /// Verifies `chain` (DER, leaf first, as sent) for `serverName` at `now` (Unix seconds).
    func authenticate(chain: [[UInt8]], serverName: String, now: Int64) throws(CertificateFailure) -> any ServerSignatureVerifying
}

/// A leaf public key from a SubjectPublicKeyInfo: RSA (2048–4096 bits), ECDSA P-256 or P-384.
struct LeafPublicKey: ServerSignatureVerifying {
    enum Key {
        case rsa(RSAPublicKey)
        case ecdsa(ECDSACurve, point: [UInt8])
    }

    let key: Key

    /// Checks the signature; key/scheme pairs follow RFC 8446 §4.2.3 (ecdsa_secp256r1_sha256 ⇒
    /// a P-256 key, rsa_pss_rsae_* ⇒ an rsaEncryption key).
    func check(scheme: SignatureScheme, signedContent: [UInt8], signature: [UInt8]) -> SignatureCheck {
        let ok: Bool
        switch (scheme, self.key) {
        case (.ecdsaSecp256r1SHA256, .ecdsa(.p256, let point)):
            ok = ECDSA.verify(curve: .p256, publicKey: point, digest: SHA256.hash(signedContent), derSignature: signature)
        case (.ecdsaSecp384r1SHA384, .ecdsa(.p384, let point)):
            ok = ECDSA.verify(curve: .p384, publicKey: point, digest: SHA384.hash(signedContent), derSignature: signature)
        case (.rsaPSSRSAESHA256, .rsa(let k)):
            ok = k.verifyPSS(message: signedContent, signature: signature, hash: .sha256)
        case (.rsaPSSRSAESHA384, .rsa(let k)):
            ok = k.verifyPSS(message: signedContent, signature: signature, hash: .sha384)
        case (.rsaPSSRSAESHA512, .rsa(let k)):
            ok = k.verifyPSS(message: signedContent, signature: signature, hash: .sha512)
        default:
            return .keyMismatch
        }
        return ok ? .valid : .invalid
    }
}
