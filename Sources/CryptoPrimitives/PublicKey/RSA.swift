// RSA public-key operations (RFC 8017): PKCS#1 v1.5 and PSS signature verification, OAEP
// encryption with SHA-1. Only public values are involved in the modular exponentiation
// (signatures, the public exponent); the OAEP plaintext is masked before exponentiation and
// the Montgomery arithmetic itself is constant time.

/// Montgomery arithmetic modulo an odd RSA modulus of up to 4096 bits, on heap limbs.
struct RSAMontgomeryModulus: Sendable, Equatable {
    let limbCount: Int
    /// Modulus length in bytes (k in RFC 8017).
    let byteCount: Int
    let modulus: [UInt64]
    let m0inv: UInt64
    let rSquared: [UInt64]

    /// `bigEndian` is the modulus without leading zero bytes; it must be odd and > 1.
    init(bigEndian bytes: [UInt8], bitLength: Int) {
        // Callers (RSAPublicKey) have checked 2048 ≤ bits ≤ 4096 and oddness, so the limb arrays
        // below are never empty and their base addresses exist.
        precondition(bitLength > 64 && bitLength <= 8 * bytes.count && bytes.count <= 8 * 64, "RSA modulus size not validated")
        let n = (bytes.count + 7) / 8
        self.limbCount = n
        self.byteCount = bytes.count
        var m = [UInt64](repeating: 0, count: n)
        m.withUnsafeMutableBufferPointer { mp in
            bytes.withUnsafeBufferPointer { LimbMath.load(mp.baseAddress!, n, bigEndian: $0) }
        }
        self.modulus = m
        self.m0inv = LimbMath.negativeInverse(m[0])
        // R² mod m = 2^(64n)·R mod m, the Montgomery form of 2^(64n). First R mod m (the form
        // of 1) by doubling 2^(bits-1) < m up to 2^(64n); then 2^(64n) by square-and-double
        // over the bits of 64n, squaring with montMul and doubling with addMod.
        var x = [UInt64](repeating: 0, count: n)
        x[(bitLength - 1) >> 6] = 1 << UInt64((bitLength - 1) & 63)
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: n + 2)
        defer { scratch.deallocate() }
        let k = self.m0inv
        m.withUnsafeBufferPointer { mb in
            x.withUnsafeMutableBufferPointer { xb in
                let p = xb.baseAddress!, mp = mb.baseAddress!
                for _ in 0..<(64 * n - (bitLength - 1)) { LimbMath.addMod(p, p, p, mp, n, scratch) }
                let e = 64 * n
                for bit in stride(from: e.bitWidth - e.leadingZeroBitCount - 1, through: 0, by: -1) {
                    LimbMath.montMul(p, p, p, mp, k, n, scratch)
                    if (e >> bit) & 1 == 1 { LimbMath.addMod(p, p, p, mp, n, scratch) }
                }
            }
        }
        self.rSquared = x
    }

    /// base^exponent mod m as `byteCount` big-endian bytes; nil unless base (exactly
    /// `byteCount` bytes) is < m. Left-to-right binary exponentiation: variable time in the
    /// exponent, which must be public (or, in tests, a test key).
    func power(_ base: [UInt8], exponent: [UInt8]) -> [UInt8]? {
        guard base.count == self.byteCount else { return nil }
        let n = self.limbCount
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 5 * n + 2)
        buffer.initialize(repeating: 0, count: 5 * n + 2)
        defer { buffer.deallocate() }
        let x = buffer, acc = buffer + n, one = buffer + 2 * n, plain = buffer + 3 * n, t = buffer + 4 * n
        return self.modulus.withUnsafeBufferPointer { mb -> [UInt8]? in
            self.rSquared.withUnsafeBufferPointer { rb -> [UInt8]? in
                let m = mb.baseAddress!, r2 = rb.baseAddress!
                base.withUnsafeBufferPointer { LimbMath.load(plain, n, bigEndian: $0) }
                guard LimbMath.lessThanMask(plain, m, n) != 0 else { return nil }
                LimbMath.montMul(x, plain, r2, m, self.m0inv, n, t)  // x = base·R
                // acc = R mod m (Montgomery 1)
                one[0] = 1
                LimbMath.montMul(acc, r2, one, m, self.m0inv, n, t)
                var started = false
                for byte in exponent {
                    for bit in stride(from: 7, through: 0, by: -1) {
                        if started { LimbMath.montMul(acc, acc, acc, m, self.m0inv, n, t) }
                        if (byte >> UInt8(bit)) & 1 == 1 {
                            LimbMath.montMul(acc, acc, x, m, self.m0inv, n, t)
                            started = true
                        }
                    }
                }
                LimbMath.montMul(plain, acc, one, m, self.m0inv, n, t)
                var out = [UInt8]()
                out.reserveCapacity(self.byteCount)
                LimbMath.store(plain, n, byteCount: self.byteCount, into: &out)
                for i in 0..<(5 * n + 2) { buffer[i] = 0 }
                return out
            }
        }
    }
}

/// An RSA public key (n, e) of 2048 to 4096 bits.
public struct RSAPublicKey: Sendable, Equatable {
    /// Smallest accepted modulus (NIST SP 800-131A, CA/B Forum baseline requirements).
    public static let minimumBitLength = 2048
    /// Largest accepted modulus; bounds the work an attacker-supplied key can cause.
    public static let maximumBitLength = 4096

    let arithmetic: RSAMontgomeryModulus
    let exponentBytes: [UInt8]

    /// Modulus length in bits.
    public let bitLength: Int

    /// Builds a key from big-endian unsigned modulus and exponent bytes (leading zeros allowed).
    /// Throws `keyTooSmall` under 2048 bits, `invalidPublicKey` for an even modulus, more than
    /// 4096 bits, or an exponent that is even, < 3, ≥ 2^32 or ≥ n.
    public init(modulus: [UInt8], exponent: [UInt8]) throws {
        let n = Array(modulus.drop(while: { $0 == 0 }))
        let e = Array(exponent.drop(while: { $0 == 0 }))
        guard let top = n.first else { throw Self.invalid("the modulus is zero") }
        let bits = 8 * n.count - top.leadingZeroBitCount
        guard bits >= Self.minimumBitLength else {
            throw PublicKeyError(.keyTooSmall, "the RSA key has \(bits) bits; at least \(Self.minimumBitLength) are required, so the peer or certificate must use a stronger key")
        }
        guard bits <= Self.maximumBitLength else { throw Self.invalid("the RSA modulus has \(bits) bits, more than the supported \(Self.maximumBitLength)") }
        guard let last = n.last, last & 1 == 1 else { throw Self.invalid("the RSA modulus is even") }
        guard e.count <= 4, let eLast = e.last, eLast & 1 == 1 else { throw Self.invalid("the RSA public exponent must be odd and below 2^32") }
        guard e.count > 1 || eLast >= 3 else { throw Self.invalid("the RSA public exponent must be at least 3") }
        self.arithmetic = RSAMontgomeryModulus(bigEndian: n, bitLength: bits)
        self.exponentBytes = e
        self.bitLength = bits
    }

    /// Parses a DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
    /// (RFC 8017 §A.1.1), strictly, with no trailing bytes.
    public init(derPKCS1 der: [UInt8]) throws {
        var outer = DERReader(der)
        guard var seq = outer.readConstructed(tag: 0x30), outer.isAtEnd,
            let n = seq.readUnsignedInteger(), let e = seq.readUnsignedInteger(), seq.isAtEnd
        else { throw Self.encoding("RSAPublicKey") }
        try self.init(modulus: Array(n), exponent: Array(e))
    }

    /// Parses a DER SubjectPublicKeyInfo with algorithm rsaEncryption (1.2.840.113549.1.1.1)
    /// and NULL parameters (RFC 3279 §2.3.1), as found in X.509 certificates.
    public init(derSubjectPublicKeyInfo der: [UInt8]) throws {
        var outer = DERReader(der)
        guard var spki = outer.readConstructed(tag: 0x30), outer.isAtEnd,
            var algorithm = spki.readConstructed(tag: 0x30),
            let oid = algorithm.readPrimitive(tag: 0x06),
            oid.elementsEqual([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]),
            let null = algorithm.readPrimitive(tag: 0x05), null.isEmpty, algorithm.isAtEnd,
            let bits = spki.readPrimitive(tag: 0x03), spki.isAtEnd,
            bits.first == 0
        else { throw Self.encoding("SubjectPublicKeyInfo (rsaEncryption)") }
        try self.init(derPKCS1: Array(bits.dropFirst()))
    }

    private static func invalid(_ what: String) -> PublicKeyError {
        PublicKeyError(.invalidPublicKey, "\(what); the RSA key cannot be used")
    }

    private static func encoding(_ what: String) -> PublicKeyError {
        PublicKeyError(.invalidEncoding, "the key is not a strict DER \(what); check the certificate or key file")
    }

    /// RSAVP1 (RFC 8017 §5.2.2): s^e mod n, with |s| == k and s < n required.
    private func recoverEncodedMessage(_ signature: [UInt8]) -> [UInt8]? {
        self.arithmetic.power(signature, exponent: self.exponentBytes)
    }

    /// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2): the expected encoded message
    /// 00 01 FF… 00 DigestInfo is rebuilt and compared byte for byte (no parsing of the
    /// recovered padding, so BER variants and missing NULL parameters are rejected).
    public func verifyPKCS1v15(message: [UInt8], signature: [UInt8], hash: RSAHash) -> Bool {
        let k = self.arithmetic.byteCount
        let digest = hash.hash(message)
        guard digest.count == hash.digestByteCount else { return false }
        let t = hash.digestInfoPrefix + digest
        guard k >= t.count + 11, let em = self.recoverEncodedMessage(signature) else { return false }
        var expected = [UInt8]()
        expected.reserveCapacity(k)
        expected.append(0x00)
        expected.append(0x01)
        expected.append(contentsOf: repeatElement(0xFF, count: k - t.count - 3))
        expected.append(0x00)
        expected.append(contentsOf: t)
        return constantTimeEquals(em, expected)
    }

    /// RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with MGF1 over the same
    /// hash; `saltLength` nil means the hash length (TLS 1.3 rsa_pss_rsae_*, RFC 8446 §4.2.3).
    public func verifyPSS(message: [UInt8], signature: [UInt8], hash: RSAHash, saltLength: Int? = nil) -> Bool {
        let hLen = hash.digestByteCount
        let sLen = saltLength ?? hLen
        let mHash = hash.hash(message)
        let emBits = self.bitLength - 1
        let emLen = (emBits + 7) / 8
        guard sLen >= 0, sLen <= emLen, mHash.count == hLen, var em = self.recoverEncodedMessage(signature) else { return false }
        // I2OSP(m, emLen): when emLen = k - 1 the top byte of the k-byte value must be zero.
        if emLen < em.count {
            guard em[0] == 0 else { return false }
            em.removeFirst()
        }
        guard emLen >= hLen + sLen + 2, em[emLen - 1] == 0xBC else { return false }
        let dbLen = emLen - hLen - 1
        let h = Array(em[dbLen..<(emLen - 1)])
        let topMask = UInt8(truncatingIfNeeded: 0xFF >> (8 * emLen - emBits))
        guard em[0] & ~topMask == 0 else { return false }
        var db = MGF1.mask(seed: h, length: dbLen, hash: hash.hash)
        for i in 0..<dbLen { db[i] ^= em[i] }
        db[0] &= topMask
        let psLen = emLen - hLen - sLen - 2
        for i in 0..<psLen where db[i] != 0 { return false }
        guard db[psLen] == 0x01 else { return false }
        let salt = db[(dbLen - sLen)..<dbLen]
        let mPrime = [UInt8](repeating: 0, count: 8) + mHash + salt
        return constantTimeEquals(hash.hash(mPrime), h)
    }

    /// RSAES-OAEP encryption (RFC 8017 §7.1.1) with SHA-1 and MGF1-SHA-1, as MySQL
    /// caching_sha2_password expects (`RSA_PKCS1_OAEP_PADDING`). `random(20)` supplies the seed.
    /// Throws `messageTooLong` when plaintext.count > k - 42.
    public func encryptOAEPSHA1(_ plaintext: [UInt8], label: [UInt8] = [], random: (Int) -> [UInt8]) throws -> [UInt8] {
        let k = self.arithmetic.byteCount
        guard plaintext.count <= k - 2 * SHA1.digestByteCount - 2 else {
            throw PublicKeyError(.messageTooLong, "the plaintext has \(plaintext.count) bytes but RSA-OAEP with this \(self.bitLength)-bit key carries at most \(k - 2 * SHA1.digestByteCount - 2)")
        }
        var seed = random(SHA1.digestByteCount)
        precondition(seed.count == SHA1.digestByteCount, "random source returned the wrong number of bytes")
        var em = OAEPSHA1.encode(plaintext, label: label, seed: seed, encodedLength: k)
        defer { wipe(&seed); wipe(&em) }
        // EM starts with 0x00, so EM < 2^(8(k-1)) < n and the exponentiation cannot fail.
        guard let c = self.arithmetic.power(em, exponent: self.exponentBytes) else {
            throw PublicKeyError(.messageTooLong, "the encoded message does not fit the modulus")
        }
        return c
    }
}

/// MGF1 (RFC 8017 §B.2.1).
enum MGF1 {
    static func mask(seed: [UInt8], length: Int, hash: ([UInt8]) -> [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(length + 64)
        var counter: UInt32 = 0
        var input = seed + [0, 0, 0, 0]
        while out.count < length {
            let c = input.count
            input[c - 4] = UInt8(truncatingIfNeeded: counter >> 24)
            input[c - 3] = UInt8(truncatingIfNeeded: counter >> 16)
            input[c - 2] = UInt8(truncatingIfNeeded: counter >> 8)
            input[c - 1] = UInt8(truncatingIfNeeded: counter)
            out.append(contentsOf: hash(input))
            counter &+= 1
        }
        out.removeLast(out.count - length)
        return out
    }
}

/// EME-OAEP with SHA-1 and MGF1-SHA-1 (RFC 8017 §7.1.1 step 2, §7.1.2 step 3).
enum OAEPSHA1 {
    static let hLen = SHA1.digestByteCount

    /// EM = 00 ‖ maskedSeed ‖ maskedDB, with DB = lHash ‖ PS ‖ 01 ‖ M. Requires
    /// message.count ≤ encodedLength - 2·hLen - 2 and seed.count == hLen.
    static func encode(_ message: [UInt8], label: [UInt8], seed: [UInt8], encodedLength k: Int) -> [UInt8] {
        let dbLen = k - self.hLen - 1
        var db = SHA1.hash(label)
        db.append(contentsOf: repeatElement(0, count: k - message.count - 2 * self.hLen - 2))
        db.append(0x01)
        db.append(contentsOf: message)
        let dbMask = MGF1.mask(seed: seed, length: dbLen, hash: { SHA1.hash($0) })
        for i in 0..<dbLen { db[i] ^= dbMask[i] }
        var maskedSeed = seed
        let seedMask = MGF1.mask(seed: db, length: self.hLen, hash: { SHA1.hash($0) })
        for i in 0..<self.hLen { maskedSeed[i] ^= seedMask[i] }
        return [0x00] + maskedSeed + db
    }

    /// Inverse of `encode`; nil on any padding error. Walks the whole block with masks so the
    /// time does not depend on where the padding is wrong (Manger's attack, RFC 8017 §7.1.2 note).
    static func decode(_ em: [UInt8], label: [UInt8]) -> [UInt8]? {
        let k = em.count
        guard k >= 2 * self.hLen + 2 else { return nil }
        let dbLen = k - self.hLen - 1
        var seed = Array(em[1...self.hLen])
        var db = Array(em[(self.hLen + 1)...])
        let seedMask = MGF1.mask(seed: db, length: self.hLen, hash: { SHA1.hash($0) })
        for i in 0..<self.hLen { seed[i] ^= seedMask[i] }
        let dbMask = MGF1.mask(seed: seed, length: dbLen, hash: { SHA1.hash($0) })
        for i in 0..<dbLen { db[i] ^= dbMask[i] }
        let lHash = SHA1.hash(label)
        var bad = UInt64(em[0])
        for i in 0..<self.hLen { bad |= UInt64(db[i] ^ lHash[i]) }
        // Find the 0x01 separator after PS = 00…00 without early exit.
        var lookingForOne: UInt64 = ~0
        var separator: UInt64 = 0
        for i in self.hLen..<dbLen {
            let b = UInt64(db[i])
            let isZero = LimbMath.equalMask(b, 0)
            let isOne = LimbMath.equalMask(b, 1)
            separator |= UInt64(i) & lookingForOne & isOne
            // A byte that is neither 00 nor 01 before the separator is a padding error.
            bad |= lookingForOne & ~isZero & ~isOne
            lookingForOne &= ~isOne
        }
        bad |= lookingForOne  // no separator at all
        guard bad == 0 else { return nil }
        return Array(db[(Int(separator) + 1)...])
    }
}
