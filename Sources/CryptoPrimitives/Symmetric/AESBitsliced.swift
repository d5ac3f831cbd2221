/// Constant-time AES-128/AES-256 encryption (FIPS 197), bitsliced over 64-bit words.
///
/// Design follows the "ct64" technique described by T. Pornin for BearSSL: four blocks are
/// processed at once; after the `ortho` transposition word q[i] holds bit i of every state byte
/// of all four blocks, so SubBytes becomes the Boyar–Peralta boolean circuit
/// (https://eprint.iacr.org/2009/191.pdf, 113 gates) and ShiftRows/MixColumns become shifts and
/// rotations. No memory access and no branch depends on key or data; the key schedule uses the
/// same circuit for SubWord. Only decryption-free modes (CTR/GCM) are needed, so no inverse cipher.
struct AESBitsliced: Sendable {
    /// Number of rounds: 10 (AES-128) or 14 (AES-256).
    let rounds: Int
    /// Round keys in bitsliced form, 8 words per round key, (rounds + 1) × 8 words.
    private var roundKeys: [UInt64]

    /// Expands `key` (16 or 32 bytes) per FIPS 197 §5.2.
    init(key: [UInt8]) throws {
        switch key.count {
        case 16: self.rounds = 10
        case 32: self.rounds = 14
        default: throw CryptoError.invalidKeySize(got: key.count, expected: "16 or 32")
        }
        let nk = key.count / 4
        let totalWords = (self.rounds + 1) * 4
        // Words are little-endian loads of the key bytes (byte 0 in the low bits), so RotWord is a right rotation.
        var w = [UInt32](repeating: 0, count: totalWords)
        for i in 0..<nk {
            w[i] = UInt32(key[4 * i]) | UInt32(key[4 * i + 1]) << 8 | UInt32(key[4 * i + 2]) << 16 | UInt32(key[4 * i + 3]) << 24
        }
        let rcon: [UInt32] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36]
        var tmp = w[nk - 1]
        for i in nk..<totalWords {
            // Branches here depend only on the public word index.
            if i % nk == 0 {
                tmp = (tmp << 24) | (tmp >> 8)
                tmp = Self.subWord(tmp) ^ rcon[i / nk - 1]
            } else if nk > 6 && i % nk == 4 {
                tmp = Self.subWord(tmp)
            }
            tmp ^= w[i - nk]
            w[i] = tmp
        }
        // Bitslice each round key: replicate it into the four block slots, transpose.
        var rk = [UInt64](repeating: 0, count: (self.rounds + 1) * 8)
        for r in 0...self.rounds {
            var q = Bits8()
            (q.w0, q.w4) = Self.interleaveIn(w[4 * r], w[4 * r + 1], w[4 * r + 2], w[4 * r + 3])
            q.w1 = q.w0; q.w2 = q.w0; q.w3 = q.w0
            q.w5 = q.w4; q.w6 = q.w4; q.w7 = q.w4
            q.ortho()
            // All four slots now carry the same key; keep one slot's bits and spread them to all four.
            let lo = (q.w0 & 0x1111_1111_1111_1111) | (q.w1 & 0x2222_2222_2222_2222)
                | (q.w2 & 0x4444_4444_4444_4444) | (q.w3 & 0x8888_8888_8888_8888)
            let hi = (q.w4 & 0x1111_1111_1111_1111) | (q.w5 & 0x2222_2222_2222_2222)
                | (q.w6 & 0x4444_4444_4444_4444) | (q.w7 & 0x8888_8888_8888_8888)
            for (j, c) in [lo, hi].enumerated() {
                for bit in 0..<4 {
                    let x = (c >> UInt64(bit)) & 0x1111_1111_1111_1111
                    rk[r * 8 + j * 4 + bit] = (x << 4) &- x
                }
            }
            q = Bits8()
        }
        self.roundKeys = rk
        Self.wipe32(&w)
        tmp = 0
    }

    /// Best-effort erasure of the round keys.
    mutating func wipeKeys() {
        self.roundKeys.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = 0 } }
    }

    private static func wipe32(_ w: inout [UInt32]) {
        w.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = 0 } }
    }

    /// SubWord (FIPS 197 §5.2) through the bitsliced S-box: constant time.
    private static func subWord(_ x: UInt32) -> UInt32 {
        var q = Bits8()
        q.w0 = UInt64(x)
        q.ortho()
        q.sbox()
        q.ortho()
        return UInt32(truncatingIfNeeded: q.w0)
    }

    /// Spreads the four little-endian words of one block over two 64-bit words, 16 bits per slot.
    @inline(__always)
    static func interleaveIn(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32) -> (UInt64, UInt64) {
        var x0 = UInt64(w0), x1 = UInt64(w1), x2 = UInt64(w2), x3 = UInt64(w3)
        x0 |= x0 << 16; x1 |= x1 << 16; x2 |= x2 << 16; x3 |= x3 << 16
        x0 &= 0x0000_FFFF_0000_FFFF; x1 &= 0x0000_FFFF_0000_FFFF
        x2 &= 0x0000_FFFF_0000_FFFF; x3 &= 0x0000_FFFF_0000_FFFF
        x0 |= x0 << 8; x1 |= x1 << 8; x2 |= x2 << 8; x3 |= x3 << 8
        x0 &= 0x00FF_00FF_00FF_00FF; x1 &= 0x00FF_00FF_00FF_00FF
        x2 &= 0x00FF_00FF_00FF_00FF; x3 &= 0x00FF_00FF_00FF_00FF
        return (x0 | (x2 << 8), x1 | (x3 << 8))
    }

    /// Inverse of `interleaveIn`.
    @inline(__always)
    static func interleaveOut(_ q0: UInt64, _ q1: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var x0 = q0 & 0x00FF_00FF_00FF_00FF
        var x1 = q1 & 0x00FF_00FF_00FF_00FF
        var x2 = (q0 >> 8) & 0x00FF_00FF_00FF_00FF
        var x3 = (q1 >> 8) & 0x00FF_00FF_00FF_00FF
        x0 |= x0 >> 8; x1 |= x1 >> 8; x2 |= x2 >> 8; x3 |= x3 >> 8
        x0 &= 0x0000_FFFF_0000_FFFF; x1 &= 0x0000_FFFF_0000_FFFF
        x2 &= 0x0000_FFFF_0000_FFFF; x3 &= 0x0000_FFFF_0000_FFFF
        return (UInt32(truncatingIfNeeded: x0 | (x0 >> 16)), UInt32(truncatingIfNeeded: x1 | (x1 >> 16)),
                UInt32(truncatingIfNeeded: x2 | (x2 >> 16)), UInt32(truncatingIfNeeded: x3 | (x3 >> 16)))
    }

    /// Encrypts four blocks held as 16 little-endian words (block b = words 4b..4b+3), in place.
    func encrypt4(_ words: UnsafeMutablePointer<UInt32>) {
        var q = Bits8()
        (q.w0, q.w4) = Self.interleaveIn(words[0], words[1], words[2], words[3])
        (q.w1, q.w5) = Self.interleaveIn(words[4], words[5], words[6], words[7])
        (q.w2, q.w6) = Self.interleaveIn(words[8], words[9], words[10], words[11])
        (q.w3, q.w7) = Self.interleaveIn(words[12], words[13], words[14], words[15])
        q.ortho()
        self.roundKeys.withUnsafeBufferPointer { rkBuf in
            let rk = rkBuf.baseAddress!
            q.addRoundKey(rk)
            for r in 1..<self.rounds {
                q.sbox()
                q.shiftRows()
                q.mixColumns()
                q.addRoundKey(rk + r * 8)
            }
            q.sbox()
            q.shiftRows()
            q.addRoundKey(rk + self.rounds * 8)
        }
        q.ortho()
        (words[0], words[1], words[2], words[3]) = Self.interleaveOut(q.w0, q.w4)
        (words[4], words[5], words[6], words[7]) = Self.interleaveOut(q.w1, q.w5)
        (words[8], words[9], words[10], words[11]) = Self.interleaveOut(q.w2, q.w6)
        (words[12], words[13], words[14], words[15]) = Self.interleaveOut(q.w3, q.w7)
    }

    /// Encrypts one 16-byte block (used for H = E(K, 0^128) and E(K, J0) in GCM).
    func encryptBlock(_ block: [UInt8]) -> [UInt8] {
        precondition(block.count == 16, "AES block must be 16 bytes")
        var out = [UInt8](repeating: 0, count: 16)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for i in 0..<16 { w[i] = 0 }
            for i in 0..<4 {
                w[i] = UInt32(block[4 * i]) | UInt32(block[4 * i + 1]) << 8 | UInt32(block[4 * i + 2]) << 16 | UInt32(block[4 * i + 3]) << 24
            }
            self.encrypt4(w.baseAddress!)
            for i in 0..<16 { out[i] = UInt8(truncatingIfNeeded: w[i / 4] >> (8 * UInt32(i % 4))) }
            for i in 0..<16 { w[i] = 0 }
        }
        return out
    }
}

/// Eight 64-bit words of bitsliced state: word i holds bit i of every byte of four blocks.
struct Bits8 {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    var w4: UInt64 = 0, w5: UInt64 = 0, w6: UInt64 = 0, w7: UInt64 = 0

    @inline(__always)
    mutating func addRoundKey(_ k: UnsafePointer<UInt64>) {
        self.w0 ^= k[0]; self.w1 ^= k[1]; self.w2 ^= k[2]; self.w3 ^= k[3]
        self.w4 ^= k[4]; self.w5 ^= k[5]; self.w6 ^= k[6]; self.w7 ^= k[7]
    }

    @inline(__always)
    private static func swapBits(_ x: inout UInt64, _ y: inout UInt64, _ low: UInt64, _ shift: UInt64) {
        let a = x, b = y
        x = (a & low) | ((b & low) << shift)
        y = ((a & ~low) >> shift) | (b & ~low)
    }

    /// The 8×8 bit-matrix transposition between "bytes in words" and "bit planes" (an involution).
    @inline(__always)
    mutating func ortho() {
        Self.swapBits(&self.w0, &self.w1, 0x5555_5555_5555_5555, 1)
        Self.swapBits(&self.w2, &self.w3, 0x5555_5555_5555_5555, 1)
        Self.swapBits(&self.w4, &self.w5, 0x5555_5555_5555_5555, 1)
        Self.swapBits(&self.w6, &self.w7, 0x5555_5555_5555_5555, 1)
        Self.swapBits(&self.w0, &self.w2, 0x3333_3333_3333_3333, 2)
        Self.swapBits(&self.w1, &self.w3, 0x3333_3333_3333_3333, 2)
        Self.swapBits(&self.w4, &self.w6, 0x3333_3333_3333_3333, 2)
        Self.swapBits(&self.w5, &self.w7, 0x3333_3333_3333_3333, 2)
        Self.swapBits(&self.w0, &self.w4, 0x0F0F_0F0F_0F0F_0F0F, 4)
        Self.swapBits(&self.w1, &self.w5, 0x0F0F_0F0F_0F0F_0F0F, 4)
        Self.swapBits(&self.w2, &self.w6, 0x0F0F_0F0F_0F0F_0F0F, 4)
        Self.swapBits(&self.w3, &self.w7, 0x0F0F_0F0F_0F0F_0F0F, 4)
    }

    /// ShiftRows (FIPS 197 §5.1.2) on the bitsliced layout: a fixed permutation of 4-bit groups.
    @inline(__always)
    mutating func shiftRows() {
        @inline(__always) func sr(_ x: UInt64) -> UInt64 {
            (x & 0x0000_0000_0000_FFFF)
                | ((x & 0x0000_0000_FFF0_0000) >> 4) | ((x & 0x0000_0000_000F_0000) << 12)
                | ((x & 0x0000_FF00_0000_0000) >> 8) | ((x & 0x0000_00FF_0000_0000) << 8)
                | ((x & 0xF000_0000_0000_0000) >> 12) | ((x & 0x0FFF_0000_0000_0000) << 4)
        }
        self.w0 = sr(self.w0); self.w1 = sr(self.w1); self.w2 = sr(self.w2); self.w3 = sr(self.w3)
        self.w4 = sr(self.w4); self.w5 = sr(self.w5); self.w6 = sr(self.w6); self.w7 = sr(self.w7)
    }

    /// MixColumns (FIPS 197 §5.1.3): rows are 16-bit rotations; xtime is a shift across bit planes
    /// with the reduction polynomial x^8 + x^4 + x^3 + x + 1 folded into planes 0, 1, 3, 4.
    @inline(__always)
    mutating func mixColumns() {
        @inline(__always) func rot16(_ x: UInt64) -> UInt64 { (x >> 16) | (x << 48) }
        @inline(__always) func rot32(_ x: UInt64) -> UInt64 { (x >> 32) | (x << 32) }
        let q0 = self.w0, q1 = self.w1, q2 = self.w2, q3 = self.w3
        let q4 = self.w4, q5 = self.w5, q6 = self.w6, q7 = self.w7
        let r0 = rot16(q0), r1 = rot16(q1), r2 = rot16(q2), r3 = rot16(q3)
        let r4 = rot16(q4), r5 = rot16(q5), r6 = rot16(q6), r7 = rot16(q7)
        self.w0 = q7 ^ r7 ^ r0 ^ rot32(q0 ^ r0)
        self.w1 = q0 ^ r0 ^ q7 ^ r7 ^ r1 ^ rot32(q1 ^ r1)
        self.w2 = q1 ^ r1 ^ r2 ^ rot32(q2 ^ r2)
        self.w3 = q2 ^ r2 ^ q7 ^ r7 ^ r3 ^ rot32(q3 ^ r3)
        self.w4 = q3 ^ r3 ^ q7 ^ r7 ^ r4 ^ rot32(q4 ^ r4)
        self.w5 = q4 ^ r4 ^ r5 ^ rot32(q5 ^ r5)
        self.w6 = q5 ^ r5 ^ r6 ^ rot32(q6 ^ r6)
        self.w7 = q6 ^ r6 ^ r7 ^ rot32(q7 ^ r7)
    }

    /// SubBytes via the Boyar–Peralta circuit (eprint 2009/191, Fig. "forward S-box"):
    /// top linear layer, shared non-linear core (GF(2^4) inversion), bottom linear layer.
    /// Inputs x0 (most significant bit) … x7 (least significant) are bit planes 7 … 0.
    @inline(__always)
    mutating func sbox() {
        let x0 = self.w7, x1 = self.w6, x2 = self.w5, x3 = self.w4
        let x4 = self.w3, x5 = self.w2, x6 = self.w1, x7 = self.w0

        // Top linear transformation.
        let y14 = x3 ^ x5, y13 = x0 ^ x6, y9 = x0 ^ x3, y8 = x0 ^ x5
        let t0 = x1 ^ x2
        let y1 = t0 ^ x7, y4 = y1 ^ x3, y12 = y13 ^ y14, y2 = y1 ^ x0
        let y5 = y1 ^ x6, y3 = y5 ^ y8
        let t1 = x4 ^ y12
        let y15 = t1 ^ x5, y20 = t1 ^ x1, y6 = y15 ^ x7, y10 = y15 ^ t0
        let y11 = y20 ^ y9, y7 = x7 ^ y11, y17 = y10 ^ y11, y19 = y10 ^ y8
        let y16 = t0 ^ y11, y21 = y13 ^ y16, y18 = x0 ^ y16

        // Non-linear section.
        let t2 = y12 & y15, t3 = y3 & y6, t4 = t3 ^ t2, t5 = y4 & x7, t6 = t5 ^ t2
        let t7 = y13 & y16, t8 = y5 & y1, t9 = t8 ^ t7, t10 = y2 & y7, t11 = t10 ^ t7
        let t12 = y9 & y11, t13 = y14 & y17, t14 = t13 ^ t12, t15 = y8 & y10, t16 = t15 ^ t12
        let t17 = t4 ^ t14, t18 = t6 ^ t16, t19 = t9 ^ t14, t20 = t11 ^ t16
        let t21 = t17 ^ y20, t22 = t18 ^ y19, t23 = t19 ^ y21, t24 = t20 ^ y18

        let t25 = t21 ^ t22, t26 = t21 & t23, t27 = t24 ^ t26, t28 = t25 & t27
        let t29 = t28 ^ t22, t30 = t23 ^ t24, t31 = t22 ^ t26, t32 = t31 & t30
        let t33 = t32 ^ t24, t34 = t23 ^ t33, t35 = t27 ^ t33, t36 = t24 & t35
        let t37 = t36 ^ t34, t38 = t27 ^ t36, t39 = t29 & t38, t40 = t25 ^ t39

        let t41 = t40 ^ t37, t42 = t29 ^ t33, t43 = t29 ^ t40, t44 = t33 ^ t37, t45 = t42 ^ t41
        let z0 = t44 & y15, z1 = t37 & y6, z2 = t33 & x7, z3 = t43 & y16, z4 = t40 & y1
        let z5 = t29 & y7, z6 = t42 & y11, z7 = t45 & y17, z8 = t41 & y10, z9 = t44 & y12
        let z10 = t37 & y3, z11 = t33 & y4, z12 = t43 & y13, z13 = t40 & y5, z14 = t29 & y2
        let z15 = t42 & y9, z16 = t45 & y14, z17 = t41 & y8

        // Bottom linear transformation.
        let t46 = z15 ^ z16, t47 = z10 ^ z11, t48 = z5 ^ z13, t49 = z9 ^ z10, t50 = z2 ^ z12
        let t51 = z2 ^ z5, t52 = z7 ^ z8, t53 = z0 ^ z3, t54 = z6 ^ z7, t55 = z16 ^ z17
        let t56 = z12 ^ t48, t57 = t50 ^ t53, t58 = z4 ^ t46, t59 = z3 ^ t54, t60 = t46 ^ t57
        let t61 = z14 ^ t57, t62 = t52 ^ t58, t63 = t49 ^ t58, t64 = z4 ^ t59, t65 = t61 ^ t62
        let t66 = z1 ^ t63
        let s0 = t59 ^ t63, s6 = t56 ^ ~t62, s7 = t48 ^ ~t60
        let t67 = t64 ^ t65
        let s3 = t53 ^ t66, s4 = t51 ^ t66, s5 = t47 ^ t65
        let s1 = t64 ^ ~s3, s2 = t55 ^ ~t67

        self.w7 = s0; self.w6 = s1; self.w5 = s2; self.w4 = s3
        self.w3 = s4; self.w2 = s5; self.w1 = s6; self.w0 = s7
    }
}

/// Raw AES-128/AES-256 block encryption (FIPS 197), constant-time. Use an AEAD (`AESGCM`) for
/// data; this exists for known-answer tests and single-block uses such as header protection.
public struct AES: Sendable {
    private let core: AESBitsliced

    /// Expands `key`; throws `invalidKeySize` unless it has 16 or 32 bytes.
    public init(key: [UInt8]) throws {
        self.core = try AESBitsliced(key: key)
    }

    /// Encrypts one 16-byte block; throws `invalidLength` for any other size.
    public func encrypt(block: [UInt8]) throws -> [UInt8] {
        guard block.count == 16 else { throw CryptoError.invalidLength("AES block is \(block.count) bytes, expected 16") }
        return self.core.encryptBlock(block)
    }
}
