/// AES-GCM AEAD (NIST SP 800-38D) with 96-bit nonces and 128-bit tags, as used by
/// TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384 (RFC 8446 §5.3, RFC 5116).
/// AES and GHASH are both constant-time (bitsliced AES, multiply-based GHASH).
public struct AESGCM: Sendable {
    /// Nonce length in bytes.
    public static let nonceByteCount = 12
    /// Tag length in bytes.
    public static let tagByteCount = 16
    /// Largest plaintext: 2^32 − 2 blocks (SP 800-38D §5.2.1.1).
    public static let maxPlaintextByteCount = ((1 << 32) - 2) * 16

    private let aes: AESBitsliced
    private let hashKey: [UInt8]

    /// Keys the AEAD; `key` must be 16 (AES-128) or 32 (AES-256) bytes.
    public init(key: [UInt8]) throws {
        self.aes = try AESBitsliced(key: key)
        self.hashKey = self.aes.encryptBlock([UInt8](repeating: 0, count: 16))
    }

    /// Encrypts and authenticates; returns ciphertext ‖ 16-byte tag.
    public func seal(nonce: [UInt8], plaintext: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        try Self.checkNonce(nonce)
        guard plaintext.count <= Self.maxPlaintextByteCount else {
            throw CryptoError.invalidLength("AES-GCM plaintext of \(plaintext.count) bytes exceeds 2^32 - 2 blocks")
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var ghash = GHASH(h: self.hashKey)
        out.withUnsafeMutableBytes { dst in
            let body = UnsafeMutableRawBufferPointer(rebasing: dst[0..<plaintext.count])
            plaintext.withUnsafeBytes { self.ctr(nonce: nonce, counter: 2, $0, into: body) }
            aad.withUnsafeBytes { ghash.absorbPadded($0) }
            ghash.absorbPadded(UnsafeRawBufferPointer(body))
            var tag = ghash.finish(aadBytes: aad.count, ciphertextBytes: plaintext.count)
            tag = self.maskTag(nonce: nonce, tag)
            for i in 0..<16 { dst[plaintext.count + i] = tag[i] }
        }
        return out
    }

    /// Verifies the tag in constant time, then decrypts. Throws `authenticationFailure` and
    /// releases no plaintext when the tag does not match.
    public func open(nonce: [UInt8], ciphertextAndTag: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        try Self.checkNonce(nonce)
        guard ciphertextAndTag.count >= 16, ciphertextAndTag.count - 16 <= Self.maxPlaintextByteCount else {
            throw CryptoError.authenticationFailure()
        }
        let ctCount = ciphertextAndTag.count - 16
        var ghash = GHASH(h: self.hashKey)
        let ok: Bool = ciphertextAndTag.withUnsafeBytes { src in
            aad.withUnsafeBytes { ghash.absorbPadded($0) }
            ghash.absorbPadded(UnsafeRawBufferPointer(rebasing: src[0..<ctCount]))
            let tag = self.maskTag(nonce: nonce, ghash.finish(aadBytes: aad.count, ciphertextBytes: ctCount))
            return constantTimeEquals(tag, src[ctCount...])
        }
        guard ok else { throw CryptoError.authenticationFailure() }
        var out = [UInt8](repeating: 0, count: ctCount)
        ciphertextAndTag.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { self.ctr(nonce: nonce, counter: 2, UnsafeRawBufferPointer(rebasing: src[0..<ctCount]), into: $0) }
        }
        return out
    }

    private static func checkNonce(_ nonce: [UInt8]) throws {
        guard nonce.count == Self.nonceByteCount else { throw CryptoError.invalidNonceSize(got: nonce.count, expected: 12) }
    }

    /// T = GHASH ⊕ E(K, J0) with J0 = nonce ‖ 0x00000001 (SP 800-38D §7.1 steps 2 and 6).
    private func maskTag(nonce: [UInt8], _ s: [UInt8]) -> [UInt8] {
        var j0 = nonce
        j0.append(contentsOf: [0, 0, 0, 1])
        var mask = self.aes.encryptBlock(j0)
        var tag = s
        for i in 0..<16 { tag[i] ^= mask[i] }
        wipe(&mask)
        return tag
    }

    /// GCTR (SP 800-38D §6.5) from counter block nonce ‖ counter, four blocks per AES call.
    private func ctr(nonce: [UInt8], counter: UInt32, _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) {
        precondition(dst.count >= src.count && nonce.count == 12, "AES-GCM CTR buffer mismatch")
        let total = src.count
        guard total > 0, let inBase = src.baseAddress, let outBase = dst.baseAddress else { return }
        let n0 = nonce.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) }
        let n1 = nonce.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        let n2 = nonce.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        var cc = counter
        var offset = 0
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { ks in
            let w = ks.baseAddress!
            while offset < total {
                for b in 0..<4 {
                    w[4 * b] = n0; w[4 * b + 1] = n1; w[4 * b + 2] = n2
                    // The counter is big-endian in the last four bytes (inc32).
                    w[4 * b + 3] = (cc &+ UInt32(b)).byteSwapped
                }
                self.aes.encrypt4(w)
                let take = min(64, total - offset)
                if take == 64 {
                    for i in 0..<8 {
                        let k = UnsafeRawPointer(w).loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        let m = (inBase + offset).loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        (outBase + offset).storeBytes(of: m ^ k, toByteOffset: 8 * i, as: UInt64.self)
                    }
                } else {
                    for i in 0..<take {
                        let k = UnsafeRawPointer(w).load(fromByteOffset: i, as: UInt8.self)
                        (outBase + offset + i).storeBytes(of: (inBase + offset + i).load(as: UInt8.self) ^ k, as: UInt8.self)
                    }
                }
                offset += take
                cc &+= 4
            }
            for i in 0..<16 { w[i] = 0 }
        }
    }
}
