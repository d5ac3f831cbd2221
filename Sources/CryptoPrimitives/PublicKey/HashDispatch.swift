/// Hash functions usable with RSA signatures (TLS 1.3 rsa_pss_rsae_* and X.509 shaNWithRSAEncryption).
public enum RSAHash: Sendable, Equatable {
    /// SHA-256.
    case sha256
    /// SHA-384.
    case sha384
    /// SHA-512.
    case sha512

    /// Digest length in bytes.
    var digestByteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The DER DigestInfo prefix of EMSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1), NULL parameters included.
    var digestInfoPrefix: [UInt8] {
        switch self {
        case .sha256: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }

    /// One-shot digest.
    func hash(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(bytes)
        case .sha384: sha384Digest(bytes)
        case .sha512: sha512Digest(bytes)
        }
    }
}

// The one place where SHA-384/512 (Symmetric/SHA512.swift) are wired into the public-key code.
func sha384Digest(_ bytes: [UInt8]) -> [UInt8] { SHA384.hash(bytes) }
func sha512Digest(_ bytes: [UInt8]) -> [UInt8] { SHA512.hash(bytes) }
