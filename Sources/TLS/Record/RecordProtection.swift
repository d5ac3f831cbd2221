import CryptoPrimitives

/// One direction's AEAD state for protected records (RFC 8446 §5.2, §5.3): key, static IV and
/// the 64-bit sequence number, which restarts at 0 on every key change.
struct RecordProtection {
    private enum Cipher {
        case aesGCM(AESGCM)
        case chaCha20Poly1305(ChaCha20Poly1305)
    }

    private let cipher: Cipher
    private var iv: [UInt8]
    /// Records processed with this key so far.
    private(set) var sequenceNumber: UInt64 = 0

    init(suite: CipherSuite, key: [UInt8], iv: [UInt8]) throws {
        precondition(iv.count == 12, "TLS record IV must be 12 bytes")
        switch suite {
        case .aes128GCMSHA256, .aes256GCMSHA384: self.cipher = .aesGCM(try AESGCM(key: key))
        case .chacha20Poly1305SHA256: self.cipher = .chaCha20Poly1305(try ChaCha20Poly1305(key: key))
        }
        self.iv = iv
    }

    /// The per-record nonce: the 64-bit sequence number, left-padded to 12 bytes, XOR the IV (§5.3).
    private func nonce() -> [UInt8] {
        var n = self.iv
        let seq = self.sequenceNumber
        for i in 0..<8 { n[11 - i] ^= UInt8(truncatingIfNeeded: seq >> (8 * UInt64(i))) }
        return n
    }

    /// True when another record may still be sent/received under this key without the
    /// sequence number wrapping (§5.3: the key MUST be changed before).
    var canProcessAnotherRecord: Bool { self.sequenceNumber < UInt64.max }

    /// Builds a protected record: outer type 23, version 0x0303, AEAD over content ‖ type ‖
    /// `padding` zero bytes (the client sends none; tests pad to exercise the receiver).
    mutating func seal(contentType: ContentType, content: [UInt8], padding: Int = 0) throws -> [UInt8] {
        var inner = content
        inner.append(contentType.rawValue)
        inner.append(contentsOf: repeatElement(0, count: max(0, padding)))
        return try self.seal(innerPlaintext: inner)
    }

    /// Protects an already built TLSInnerPlaintext.
    mutating func seal(innerPlaintext inner: [UInt8]) throws -> [UInt8] {
        let length = inner.count + 16
        let header: [UInt8] = [ContentType.applicationData.rawValue, 0x03, 0x03, UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        let sealed: [UInt8]
        switch self.cipher {
        case .aesGCM(let c): sealed = try c.seal(nonce: self.nonce(), plaintext: inner, aad: header)
        case .chaCha20Poly1305(let c): sealed = try c.seal(nonce: self.nonce(), plaintext: inner, aad: header)
        }
        self.sequenceNumber &+= 1
        return header + sealed
    }

    /// Opens a protected record body (`header` is its 5-byte header, the AAD). Returns nil when
    /// the tag does not verify; the sequence number advances only on success.
    mutating func open(header: ArraySlice<UInt8>, body: ArraySlice<UInt8>) -> [UInt8]? {
        let aad = Array(header)
        let ciphertext = Array(body)
        let opened: [UInt8]?
        switch self.cipher {
        case .aesGCM(let c): opened = try? c.open(nonce: self.nonce(), ciphertextAndTag: ciphertext, aad: aad)
        case .chaCha20Poly1305(let c): opened = try? c.open(nonce: self.nonce(), ciphertextAndTag: ciphertext, aad: aad)
        }
        if opened != nil { self.sequenceNumber &+= 1 }
        return opened
    }
}

/// Splits a decrypted TLSInnerPlaintext (content ‖ type ‖ zeros) into (type byte, content)
/// (RFC 8446 §5.4). Returns nil when it is all zeros (no content type).
func splitInnerPlaintext(_ inner: [UInt8]) -> (type: UInt8, content: [UInt8])? {
    var i = inner.count - 1
    while i >= 0 && inner[i] == 0 { i -= 1 }
    guard i >= 0 else { return nil }
    return (inner[i], Array(inner[0..<i]))
}
