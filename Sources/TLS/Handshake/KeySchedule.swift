import CryptoPrimitives

/// The hash of the negotiated cipher suite: drives the transcript, HKDF and HMAC (RFC 8446 §7.1).
enum TLSHash: Sendable, Equatable {
    /// SHA-256 (TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256).
    case sha256
    /// SHA-384 (TLS_AES_256_GCM_SHA384).
    case sha384

    /// Hash.length.
    var length: Int {
        switch self {
        case .sha256: SHA256.digestByteCount
        case .sha384: SHA384.digestByteCount
        }
    }

    /// Hash(bytes).
    func hash(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(bytes)
        case .sha384: SHA384.hash(bytes)
        }
    }

    /// HMAC-Hash(key, message).
    func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: HMAC<SHA256>.authenticate(key: key, message: message)
        case .sha384: HMAC<SHA384>.authenticate(key: key, message: message)
        }
    }

    /// HKDF-Extract(salt, IKM).
    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: HKDF<SHA256>.extract(salt: salt, ikm: ikm)
        case .sha384: HKDF<SHA384>.extract(salt: salt, ikm: ikm)
        }
    }

    /// HKDF-Expand-Label(secret, label, context, length). Our labels and lengths are fixed and
    /// valid, so a throw here is an internal invariant failure.
    func expandLabel(secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        do {
            switch self {
            case .sha256: return try HKDF<SHA256>.expandLabel(secret: secret, label: label, context: context, length: length)
            case .sha384: return try HKDF<SHA384>.expandLabel(secret: secret, label: label, context: context, length: length)
            }
        } catch {
            preconditionFailure("TLS key schedule: HKDF-Expand-Label rejected a fixed label or length: \(error)")
        }
    }

    /// Derive-Secret(secret, label, messages) with the transcript hash already computed.
    func deriveSecret(_ secret: [UInt8], _ label: String, transcriptHash: [UInt8]) -> [UInt8] {
        self.expandLabel(secret: secret, label: label, context: transcriptHash, length: self.length)
    }
}

/// The TLS 1.3 key schedule without PSK (RFC 8446 §7.1): early → handshake → master secret.
struct KeySchedule: Sendable {
    let hash: TLSHash

    /// Early Secret = HKDF-Extract(0, 0) (no PSK).
    var earlySecret: [UInt8] {
        self.hash.extract(salt: [], ikm: [UInt8](repeating: 0, count: self.hash.length))
    }

    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE).
    func handshakeSecret(sharedSecret: [UInt8]) -> [UInt8] {
        let derived = self.hash.deriveSecret(self.earlySecret, "derived", transcriptHash: self.hash.hash([]))
        return self.hash.extract(salt: derived, ikm: sharedSecret)
    }

    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0).
    func masterSecret(handshakeSecret: [UInt8]) -> [UInt8] {
        let derived = self.hash.deriveSecret(handshakeSecret, "derived", transcriptHash: self.hash.hash([]))
        return self.hash.extract(salt: derived, ikm: [UInt8](repeating: 0, count: self.hash.length))
    }

    /// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4).
    func finishedKey(_ baseKey: [UInt8]) -> [UInt8] {
        self.hash.expandLabel(secret: baseKey, label: "finished", context: [], length: self.hash.length)
    }

    /// verify_data = HMAC(finished_key, Transcript-Hash(...)).
    func finishedVerifyData(baseKey: [UInt8], transcriptHash: [UInt8]) -> [UInt8] {
        self.hash.hmac(key: self.finishedKey(baseKey), message: transcriptHash)
    }

    /// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length) (§7.2).
    func nextTrafficSecret(_ secret: [UInt8]) -> [UInt8] {
        self.hash.expandLabel(secret: secret, label: "traffic upd", context: [], length: self.hash.length)
    }

    /// write_key and write_iv for a traffic secret (RFC 8446 §7.3).
    func trafficKeys(secret: [UInt8], suite: CipherSuite) -> (key: [UInt8], iv: [UInt8]) {
        let key = self.hash.expandLabel(secret: secret, label: "key", context: [], length: suite.keyLength)
        let iv = self.hash.expandLabel(secret: secret, label: "iv", context: [], length: 12)
        return (key, iv)
    }
}
