// The seam between path validation and the signature primitives of CryptoPrimitives: tests can
// substitute a fake to exercise path building without real keys, the product uses `CryptoSignatureChecker`.

import CryptoPrimitives

/// The outcome of one signature check.
enum SignatureCheckResult: Equatable, Sendable {
    case valid
    case invalid
    /// The key or algorithm cannot be used (the text says why).
    case unsupported(String)
}

/// Verifies one certificate signature with an issuer's public key.
protocol SignatureChecking: Sendable {
    /// `algorithm` is never `.weak` or `.unsupported` here; the verifier refuses those first.
    func check(algorithm: SignatureAlgorithm, key: SubjectPublicKey, message: [UInt8], signature: [UInt8]) -> SignatureCheckResult
}

/// Signature checks with CryptoPrimitives: ECDSA P-256/P-384 with SHA-256/384/512 (FIPS 186-5),
/// RSA PKCS#1 v1.5 and RSA-PSS with SHA-256/384/512 (RFC 8017).
struct CryptoSignatureChecker: SignatureChecking {
    func check(algorithm: SignatureAlgorithm, key: SubjectPublicKey, message: [UInt8], signature: [UInt8]) -> SignatureCheckResult {
        switch (algorithm, key) {
        case (.ecdsa(let hash), .ecP256(let point)):
            return ECDSA.verify(curve: .p256, publicKey: point, digest: Self.digest(hash, message), derSignature: signature) ? .valid : .invalid
        case (.ecdsa(let hash), .ecP384(let point)):
            return ECDSA.verify(curve: .p384, publicKey: point, digest: Self.digest(hash, message), derSignature: signature) ? .valid : .invalid
        case (.rsaPKCS1(let hash), .rsa(let n, let e, _)), (.rsaPSS(let hash), .rsa(let n, let e, _)):
            let rsaKey: RSAPublicKey
            do {
                rsaKey = try RSAPublicKey(modulus: n, exponent: e)
            } catch {
                return .unsupported("\(error)")
            }
            let h = Self.rsaHash(hash)
            if case .rsaPSS = algorithm {
                return rsaKey.verifyPSS(message: message, signature: signature, hash: h, saltLength: hash.byteCount) ? .valid : .invalid
            }
            return rsaKey.verifyPKCS1v15(message: message, signature: signature, hash: h) ? .valid : .invalid
        default:
            return .invalid
        }
    }

    private static func digest(_ hash: DigestAlgorithm, _ message: [UInt8]) -> [UInt8] {
        switch hash {
        case .sha256: SHA256.hash(message)
        case .sha384: SHA384.hash(message)
        case .sha512: SHA512.hash(message)
        }
    }

    private static func rsaHash(_ hash: DigestAlgorithm) -> RSAHash {
        switch hash {
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }
}
