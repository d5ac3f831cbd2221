/// ChaCha20-Poly1305 AEAD (RFC 8439 §2.8), as used by TLS_CHACHA20_POLY1305_SHA256.
public struct ChaCha20Poly1305: Sendable {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes.
    public static let nonceByteCount = 12
    /// Tag length in bytes.
    public static let tagByteCount = 16

    private let core: ChaCha20Core

    /// Keys the AEAD; throws `invalidKeySize` unless `key` has 32 bytes.
    public init(key: [UInt8]) throws {
        self.core = try ChaCha20Core(key: key)
    }

    /// Encrypts and authenticates; returns ciphertext ‖ 16-byte tag.
    public func seal(nonce: [UInt8], plaintext: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        let n = try Self.checkedNonce(nonce)
        guard ChaCha20Core.fitsCounter(byteCount: plaintext.count, startingAt: 1) else {
            throw CryptoError.invalidLength("ChaCha20-Poly1305 plaintext of \(plaintext.count) bytes exceeds 2^32 - 1 blocks")
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var poly = self.polyState(nonce: n)
        out.withUnsafeMutableBytes { dst in
            let body = UnsafeMutableRawBufferPointer(rebasing: dst[0..<plaintext.count])
            plaintext.withUnsafeBytes { self.core.xor(nonce: n, counter: 1, $0, into: body) }
            aad.withUnsafeBytes { poly.absorbPadded($0) }
            poly.absorbPadded(UnsafeRawBufferPointer(body))
            poly.absorbLengths(aad: aad.count, ciphertext: plaintext.count)
            let tag = poly.finish()
            for i in 0..<16 { dst[plaintext.count + i] = tag[i] }
        }
        return out
    }

    /// Verifies the tag in constant time, then decrypts. Throws `authenticationFailure` and
    /// releases no plaintext when the tag does not match.
    public func open(nonce: [UInt8], ciphertextAndTag: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        let n = try Self.checkedNonce(nonce)
        guard ciphertextAndTag.count >= 16 else {
            throw CryptoError.authenticationFailure()
        }
        let ctCount = ciphertextAndTag.count - 16
        guard ChaCha20Core.fitsCounter(byteCount: ctCount, startingAt: 1) else {
            throw CryptoError.authenticationFailure()
        }
        var poly = self.polyState(nonce: n)
        let ok: Bool = ciphertextAndTag.withUnsafeBytes { src in
            aad.withUnsafeBytes { poly.absorbPadded($0) }
            poly.absorbPadded(UnsafeRawBufferPointer(rebasing: src[0..<ctCount]))
            poly.absorbLengths(aad: aad.count, ciphertext: ctCount)
            let expected = poly.finish()
            return constantTimeEquals(expected, src[ctCount...])
        }
        guard ok else { throw CryptoError.authenticationFailure() }
        var out = [UInt8](repeating: 0, count: ctCount)
        ciphertextAndTag.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { self.core.xor(nonce: n, counter: 1, UnsafeRawBufferPointer(rebasing: src[0..<ctCount]), into: $0) }
        }
        return out
    }

    private static func checkedNonce(_ nonce: [UInt8]) throws -> (UInt32, UInt32, UInt32) {
        guard nonce.count == Self.nonceByteCount else { throw CryptoError.invalidNonceSize(got: nonce.count, expected: 12) }
        return ChaCha20Core.nonceWords(nonce)
    }

    /// RFC 8439 §2.6: the one-time Poly1305 key is the first 32 bytes of block 0.
    private func polyState(nonce: (UInt32, UInt32, UInt32)) -> Poly1305State {
        var block = self.core.block(nonce: nonce, counter: 0)
        var key = Array(block[0..<32])
        let state = Poly1305State(key: key)
        wipe(&block); wipe(&key)
        return state
    }

    /// The Poly1305 one-time key for `nonce` (RFC 8439 §2.6), exposed for the §2.6.2 / A.4 vectors.
    public func poly1305Key(nonce: [UInt8]) throws -> [UInt8] {
        let n = try Self.checkedNonce(nonce)
        return Array(self.core.block(nonce: n, counter: 0)[0..<32])
    }
}
