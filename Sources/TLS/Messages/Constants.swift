import ByteCoding

// Wire constants of TLS 1.3 (RFC 8446 §4, §5, §6, appendix B) used by this client.

/// TLSPlaintext.type (RFC 8446 §5.1).
public enum ContentType: UInt8, Sendable, Equatable {
    /// change_cipher_spec (20): only the middlebox-compatibility dummy (RFC 8446 §D.4).
    case changeCipherSpec = 0x14
    /// alert (21).
    case alert = 0x15
    /// handshake (22).
    case handshake = 0x16
    /// application_data (23); also the outer type of every protected record.
    case applicationData = 0x17
}

/// HandshakeType (RFC 8446 §4).
public enum HandshakeType: UInt8, Sendable, Equatable {
    /// client_hello (1).
    case clientHello = 0x01
    /// server_hello (2), also HelloRetryRequest.
    case serverHello = 0x02
    /// new_session_ticket (4).
    case newSessionTicket = 0x04
    /// end_of_early_data (5).
    case endOfEarlyData = 0x05
    /// encrypted_extensions (8).
    case encryptedExtensions = 0x08
    /// certificate (11).
    case certificate = 0x0B
    /// certificate_request (13).
    case certificateRequest = 0x0D
    /// certificate_verify (15).
    case certificateVerify = 0x0F
    /// finished (20).
    case finished = 0x14
    /// key_update (24).
    case keyUpdate = 0x18
    /// message_hash (254): the synthetic transcript entry after a HelloRetryRequest (RFC 8446 §4.4.1).
    case messageHash = 0xFE
}

/// ExtensionType values this client sends or recognises (RFC 8446 §4.2, RFC 6066, RFC 7301, RFC 8449).
public enum ExtensionType {
    /// server_name (RFC 6066 §3).
    public static let serverName: UInt16 = 0x00_00
    /// max_fragment_length (RFC 6066 §4).
    public static let maxFragmentLength: UInt16 = 0x00_01
    /// status_request (RFC 6066 §8).
    public static let statusRequest: UInt16 = 0x00_05
    /// supported_groups (RFC 8446 §4.2.7).
    public static let supportedGroups: UInt16 = 0x00_0A
    /// signature_algorithms (RFC 8446 §4.2.3).
    public static let signatureAlgorithms: UInt16 = 0x00_0D
    /// use_srtp (RFC 5764).
    public static let useSRTP: UInt16 = 0x00_0E
    /// heartbeat (RFC 6520).
    public static let heartbeat: UInt16 = 0x00_0F
    /// application_layer_protocol_negotiation (RFC 7301).
    public static let alpn: UInt16 = 0x00_10
    /// signed_certificate_timestamp (RFC 6962).
    public static let signedCertificateTimestamp: UInt16 = 0x00_12
    /// client_certificate_type (RFC 7250).
    public static let clientCertificateType: UInt16 = 0x00_13
    /// server_certificate_type (RFC 7250).
    public static let serverCertificateType: UInt16 = 0x00_14
    /// padding (RFC 7685).
    public static let padding: UInt16 = 0x00_15
    /// record_size_limit (RFC 8449).
    public static let recordSizeLimit: UInt16 = 0x00_1C
    /// pre_shared_key (RFC 8446 §4.2.11).
    public static let preSharedKey: UInt16 = 0x00_29
    /// early_data (RFC 8446 §4.2.10).
    public static let earlyData: UInt16 = 0x00_2A
    /// supported_versions (RFC 8446 §4.2.1).
    public static let supportedVersions: UInt16 = 0x00_2B
    /// cookie (RFC 8446 §4.2.2).
    public static let cookie: UInt16 = 0x00_2C
    /// psk_key_exchange_modes (RFC 8446 §4.2.9).
    public static let pskKeyExchangeModes: UInt16 = 0x00_2D
    /// certificate_authorities (RFC 8446 §4.2.4).
    public static let certificateAuthorities: UInt16 = 0x00_2F
    /// oid_filters (RFC 8446 §4.2.5).
    public static let oidFilters: UInt16 = 0x00_30
    /// post_handshake_auth (RFC 8446 §4.2.6).
    public static let postHandshakeAuth: UInt16 = 0x00_31
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    public static let signatureAlgorithmsCert: UInt16 = 0x00_32
    /// key_share (RFC 8446 §4.2.8).
    public static let keyShare: UInt16 = 0x00_33

    /// Extensions RFC 8446 §4.2 (table) allows in EncryptedExtensions.
    static let allowedInEncryptedExtensions: Set<UInt16> = [
        serverName, maxFragmentLength, supportedGroups, useSRTP, heartbeat, alpn,
        clientCertificateType, serverCertificateType, recordSizeLimit, earlyData,
    ]
}

/// ProtocolVersion values (RFC 8446 §4.1.2, §4.2.1).
public enum ProtocolVersion {
    /// TLS 1.2 (0x0303): the legacy_version of every TLS 1.3 hello.
    public static let tls12: UInt16 = 0x03_03
    /// TLS 1.3 (0x0304): the only version in supported_versions.
    public static let tls13: UInt16 = 0x03_04

    /// A human name for a wire version, for error messages.
    static func name(_ v: UInt16) -> String {
        switch v {
        case 0x03_04: "TLS 1.3"
        case 0x03_03: "TLS 1.2"
        case 0x03_02: "TLS 1.1"
        case 0x03_01: "TLS 1.0"
        case 0x03_00: "SSL 3.0"
        default: "version 0x" + Hex.encode([UInt8(v >> 8), UInt8(v & 0xFF)])
        }
    }
}

/// The TLS 1.3 cipher suites this client offers (RFC 8446 §B.4), in preference order.
public enum CipherSuite: UInt16, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// TLS_CHACHA20_POLY1305_SHA256: first, because it is constant-time and fast in pure Swift.
    case chacha20Poly1305SHA256 = 0x13_03
    /// TLS_AES_128_GCM_SHA256: the mandatory-to-implement suite (RFC 8446 §9.1).
    case aes128GCMSHA256 = 0x13_01
    /// TLS_AES_256_GCM_SHA384.
    case aes256GCMSHA384 = 0x13_02

    /// The IANA name.
    public var description: String {
        switch self {
        case .chacha20Poly1305SHA256: "TLS_CHACHA20_POLY1305_SHA256"
        case .aes128GCMSHA256: "TLS_AES_128_GCM_SHA256"
        case .aes256GCMSHA384: "TLS_AES_256_GCM_SHA384"
        }
    }

    /// The suite's transcript and HKDF hash.
    var hash: TLSHash {
        switch self {
        case .chacha20Poly1305SHA256, .aes128GCMSHA256: .sha256
        case .aes256GCMSHA384: .sha384
        }
    }

    /// AEAD key length in bytes.
    var keyLength: Int {
        switch self {
        case .aes128GCMSHA256: 16
        case .chacha20Poly1305SHA256, .aes256GCMSHA384: 32
        }
    }
}

/// NamedGroup (RFC 8446 §4.2.7) for the key exchanges this client implements.
public enum NamedGroup: UInt16, Sendable, Equatable, CustomStringConvertible {
    /// secp256r1 (NIST P-256), share = 65-byte uncompressed point.
    case secp256r1 = 0x00_17
    /// x25519 (RFC 7748), share = 32 bytes.
    case x25519 = 0x00_1D

    /// The IANA name.
    public var description: String {
        switch self {
        case .secp256r1: "secp256r1"
        case .x25519: "x25519"
        }
    }

    /// Length of a well-formed key_exchange value (RFC 8446 §4.2.8.2).
    var shareLength: Int {
        switch self {
        case .secp256r1: 65
        case .x25519: 32
        }
    }
}

/// SignatureScheme (RFC 8446 §4.2.3).
public struct SignatureScheme: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire code point.
    public let rawValue: UInt16
    /// Wraps a wire code point.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// ecdsa_secp256r1_sha256.
    public static let ecdsaSecp256r1SHA256 = SignatureScheme(rawValue: 0x04_03)
    /// ecdsa_secp384r1_sha384.
    public static let ecdsaSecp384r1SHA384 = SignatureScheme(rawValue: 0x05_03)
    /// rsa_pss_rsae_sha256.
    public static let rsaPSSRSAESHA256 = SignatureScheme(rawValue: 0x08_04)
    /// rsa_pss_rsae_sha384.
    public static let rsaPSSRSAESHA384 = SignatureScheme(rawValue: 0x08_05)
    /// rsa_pss_rsae_sha512.
    public static let rsaPSSRSAESHA512 = SignatureScheme(rawValue: 0x08_06)
    /// rsa_pkcs1_sha256 (certificates only; never in TLS 1.3 CertificateVerify).
    public static let rsaPKCS1SHA256 = SignatureScheme(rawValue: 0x04_01)
    /// rsa_pkcs1_sha384 (certificates only).
    public static let rsaPKCS1SHA384 = SignatureScheme(rawValue: 0x05_01)
    /// rsa_pkcs1_sha512 (certificates only).
    public static let rsaPKCS1SHA512 = SignatureScheme(rawValue: 0x06_01)

    /// What we accept in CertificateVerify (signature_algorithms), preference order.
    static let handshakeSchemes: [SignatureScheme] = [
        .ecdsaSecp256r1SHA256, .ecdsaSecp384r1SHA384, .rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512,
    ]
    /// What we accept in certificates (signature_algorithms_cert): the above plus PKCS#1 v1.5.
    static let certificateSchemes: [SignatureScheme] = handshakeSchemes + [.rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512]

    /// The IANA name (or the hex code point).
    public var description: String {
        switch self.rawValue {
        case 0x04_03: "ecdsa_secp256r1_sha256"
        case 0x05_03: "ecdsa_secp384r1_sha384"
        case 0x06_03: "ecdsa_secp521r1_sha512"
        case 0x08_04: "rsa_pss_rsae_sha256"
        case 0x08_05: "rsa_pss_rsae_sha384"
        case 0x08_06: "rsa_pss_rsae_sha512"
        case 0x08_07: "ed25519"
        case 0x08_08: "ed448"
        case 0x08_09: "rsa_pss_pss_sha256"
        case 0x04_01: "rsa_pkcs1_sha256"
        case 0x05_01: "rsa_pkcs1_sha384"
        case 0x06_01: "rsa_pkcs1_sha512"
        case 0x02_01: "rsa_pkcs1_sha1"
        case 0x02_03: "ecdsa_sha1"
        default: "0x" + Hex.encode([UInt8(self.rawValue >> 8), UInt8(self.rawValue & 0xFF)])
        }
    }
}

/// AlertDescription (RFC 8446 §6).
public struct AlertDescription: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire code.
    public let rawValue: UInt8
    /// Wraps a wire code.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// close_notify (0).
    public static let closeNotify = AlertDescription(rawValue: 0)
    /// unexpected_message (10).
    public static let unexpectedMessage = AlertDescription(rawValue: 10)
    /// bad_record_mac (20).
    public static let badRecordMAC = AlertDescription(rawValue: 20)
    /// record_overflow (22).
    public static let recordOverflow = AlertDescription(rawValue: 22)
    /// handshake_failure (40).
    public static let handshakeFailure = AlertDescription(rawValue: 40)
    /// bad_certificate (42).
    public static let badCertificate = AlertDescription(rawValue: 42)
    /// unsupported_certificate (43).
    public static let unsupportedCertificate = AlertDescription(rawValue: 43)
    /// certificate_revoked (44).
    public static let certificateRevoked = AlertDescription(rawValue: 44)
    /// certificate_expired (45).
    public static let certificateExpired = AlertDescription(rawValue: 45)
    /// certificate_unknown (46).
    public static let certificateUnknown = AlertDescription(rawValue: 46)
    /// illegal_parameter (47).
    public static let illegalParameter = AlertDescription(rawValue: 47)
    /// unknown_ca (48).
    public static let unknownCA = AlertDescription(rawValue: 48)
    /// access_denied (49).
    public static let accessDenied = AlertDescription(rawValue: 49)
    /// decode_error (50).
    public static let decodeError = AlertDescription(rawValue: 50)
    /// decrypt_error (51).
    public static let decryptError = AlertDescription(rawValue: 51)
    /// protocol_version (70).
    public static let protocolVersion = AlertDescription(rawValue: 70)
    /// insufficient_security (71).
    public static let insufficientSecurity = AlertDescription(rawValue: 71)
    /// internal_error (80).
    public static let internalError = AlertDescription(rawValue: 80)
    /// inappropriate_fallback (86).
    public static let inappropriateFallback = AlertDescription(rawValue: 86)
    /// user_canceled (90).
    public static let userCanceled = AlertDescription(rawValue: 90)
    /// missing_extension (109).
    public static let missingExtension = AlertDescription(rawValue: 109)
    /// unsupported_extension (110).
    public static let unsupportedExtension = AlertDescription(rawValue: 110)
    /// unrecognized_name (112).
    public static let unrecognizedName = AlertDescription(rawValue: 112)
    /// bad_certificate_status_response (113).
    public static let badCertificateStatusResponse = AlertDescription(rawValue: 113)
    /// unknown_psk_identity (115).
    public static let unknownPSKIdentity = AlertDescription(rawValue: 115)
    /// certificate_required (116).
    public static let certificateRequired = AlertDescription(rawValue: 116)
    /// no_application_protocol (120).
    public static let noApplicationProtocol = AlertDescription(rawValue: 120)

    /// The RFC name, e.g. `handshake_failure`, followed by the code.
    public var description: String {
        let name: String
        switch self.rawValue {
        case 0: name = "close_notify"
        case 10: name = "unexpected_message"
        case 20: name = "bad_record_mac"
        case 22: name = "record_overflow"
        case 40: name = "handshake_failure"
        case 42: name = "bad_certificate"
        case 43: name = "unsupported_certificate"
        case 44: name = "certificate_revoked"
        case 45: name = "certificate_expired"
        case 46: name = "certificate_unknown"
        case 47: name = "illegal_parameter"
        case 48: name = "unknown_ca"
        case 49: name = "access_denied"
        case 50: name = "decode_error"
        case 51: name = "decrypt_error"
        case 70: name = "protocol_version"
        case 71: name = "insufficient_security"
        case 80: name = "internal_error"
        case 86: name = "inappropriate_fallback"
        case 90: name = "user_canceled"
        case 109: name = "missing_extension"
        case 110: name = "unsupported_extension"
        case 112: name = "unrecognized_name"
        case 113: name = "bad_certificate_status_response"
        case 115: name = "unknown_psk_identity"
        case 116: name = "certificate_required"
        case 120: name = "no_application_protocol"
        default: name = "alert"
        }
        return "\(name) (\(self.rawValue))"
    }
}
