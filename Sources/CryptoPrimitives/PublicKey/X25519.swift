// X25519 (RFC 7748 §5): Montgomery ladder over GF(2^255 - 19) with 5 × 51-bit limbs.
// The ladder runs a fixed 255 steps with a masked conditional swap, and the field code has
// no data-dependent branches or indexes, so timing does not depend on the private scalar.

/// Element of GF(2^255 - 19) as five 51-bit limbs (value = Σ lᵢ·2^(51i)); limbs may exceed
/// 51 bits between reductions.
private struct Fe25519 {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64

    static let mask51: UInt64 = (1 << 51) - 1
    static let zero = Fe25519(l0: 0, l1: 0, l2: 0, l3: 0, l4: 0)
    static let one = Fe25519(l0: 1, l1: 0, l2: 0, l3: 0, l4: 0)

    /// Little-endian 32 bytes, bit 255 ignored (RFC 7748 §5: "mask the most significant bit").
    init(bytes b: [UInt8]) {
        func load64(_ i: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[i + k]) << UInt64(8 * k) }
            return v
        }
        let w0 = load64(0), w1 = load64(8), w2 = load64(16), w3 = load64(24) & 0x7FFF_FFFF_FFFF_FFFF
        self.l0 = w0 & Self.mask51
        self.l1 = (w0 >> 51 | w1 << 13) & Self.mask51
        self.l2 = (w1 >> 38 | w2 << 26) & Self.mask51
        self.l3 = (w2 >> 25 | w3 << 39) & Self.mask51
        self.l4 = w3 >> 12
    }

    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    /// Propagates carries so every limb is < 2^51 (plus a small excess in l0).
    @inline(__always) func carried() -> Fe25519 {
        var r = self
        var c: UInt64
        c = r.l0 >> 51; r.l0 &= Self.mask51; r.l1 &+= c
        c = r.l1 >> 51; r.l1 &= Self.mask51; r.l2 &+= c
        c = r.l2 >> 51; r.l2 &= Self.mask51; r.l3 &+= c
        c = r.l3 >> 51; r.l3 &= Self.mask51; r.l4 &+= c
        c = r.l4 >> 51; r.l4 &= Self.mask51; r.l0 &+= c &* 19
        return r
    }

    @inline(__always) static func + (a: Fe25519, b: Fe25519) -> Fe25519 {
        Fe25519(l0: a.l0 &+ b.l0, l1: a.l1 &+ b.l1, l2: a.l2 &+ b.l2, l3: a.l3 &+ b.l3, l4: a.l4 &+ b.l4).carried()
    }

    /// a - b computed as a + 4p - b so no limb underflows (inputs are carried, limbs < 2^52).
    @inline(__always) static func - (a: Fe25519, b: Fe25519) -> Fe25519 {
        let fourP0: UInt64 = 0x1F_FFFF_FFFF_FFB4, fourPi: UInt64 = 0x1F_FFFF_FFFF_FFFC
        return Fe25519(
            l0: a.l0 &+ fourP0 &- b.l0, l1: a.l1 &+ fourPi &- b.l1, l2: a.l2 &+ fourPi &- b.l2,
            l3: a.l3 &+ fourPi &- b.l3, l4: a.l4 &+ fourPi &- b.l4
        ).carried()
    }

    /// 128-bit accumulator as (high, low); plain UInt64 operations because UInt128 is very slow
    /// in unoptimised builds.
    private struct Wide {
        var hi: UInt64 = 0
        var lo: UInt64 = 0

        @inline(__always) mutating func add(_ x: UInt64, _ y: UInt64) {
            let p = x.multipliedFullWidth(by: y)
            let (l, o) = self.lo.addingReportingOverflow(p.low)
            self.lo = l
            self.hi = self.hi &+ p.high &+ (o ? 1 : 0)
        }

        /// The low 51 bits.
        @inline(__always) var low51: UInt64 { self.lo & Fe25519.mask51 }
        /// The value shifted right by 51 (fits in 64 bits for our bounds: < 2^115 before).
        @inline(__always) var shifted51: UInt64 { (self.lo >> 51) | (self.hi << 13) }
    }

    @inline(__always) static func * (a: Fe25519, b: Fe25519) -> Fe25519 {
        let b1_19 = b.l1 &* 19, b2_19 = b.l2 &* 19, b3_19 = b.l3 &* 19, b4_19 = b.l4 &* 19
        var r0 = Wide(), r1 = Wide(), r2 = Wide(), r3 = Wide(), r4 = Wide()
        r0.add(a.l0, b.l0); r0.add(a.l1, b4_19); r0.add(a.l2, b3_19); r0.add(a.l3, b2_19); r0.add(a.l4, b1_19)
        r1.add(a.l0, b.l1); r1.add(a.l1, b.l0); r1.add(a.l2, b4_19); r1.add(a.l3, b3_19); r1.add(a.l4, b2_19)
        r2.add(a.l0, b.l2); r2.add(a.l1, b.l1); r2.add(a.l2, b.l0); r2.add(a.l3, b4_19); r2.add(a.l4, b3_19)
        r3.add(a.l0, b.l3); r3.add(a.l1, b.l2); r3.add(a.l2, b.l1); r3.add(a.l3, b.l0); r3.add(a.l4, b4_19)
        r4.add(a.l0, b.l4); r4.add(a.l1, b.l3); r4.add(a.l2, b.l2); r4.add(a.l3, b.l1); r4.add(a.l4, b.l0)
        return Self.reduceWide(r0, r1, r2, r3, r4)
    }

    @inline(__always) private static func reduceWide(_ r0: Wide, _ r1: Wide, _ r2: Wide, _ r3: Wide, _ r4: Wide) -> Fe25519 {
        // Each rᵢ < 2^115 (limbs < 2^54, 19·5 terms), so carries fit in 64 bits.
        var r1 = r1, r2 = r2, r3 = r3, r4 = r4
        let l0 = r0.low51
        r1.add(r0.shifted51, 1)
        let l1 = r1.low51
        r2.add(r1.shifted51, 1)
        let l2 = r2.low51
        r3.add(r2.shifted51, 1)
        let l3 = r3.low51
        r4.add(r3.shifted51, 1)
        let l4 = r4.low51
        // 2^255 ≡ 19: fold the top carry (< 2^64 / 19 for our bounds) back into l0.
        let t0 = l0 &+ r4.shifted51 &* 19
        return Fe25519(l0: t0 & Self.mask51, l1: l1 &+ (t0 >> 51), l2: l2, l3: l3, l4: l4)
    }

    @inline(__always) func squared() -> Fe25519 { self * self }

    @inline(__always) func squared(times n: Int) -> Fe25519 {
        var r = self
        for _ in 0..<n { r = r * r }
        return r
    }

    /// Multiplication by the small constant a24 = 121665 (RFC 7748 §5).
    @inline(__always) func times121665() -> Fe25519 {
        let k: UInt64 = 121_665
        var r0 = Wide(), r1 = Wide(), r2 = Wide(), r3 = Wide(), r4 = Wide()
        r0.add(self.l0, k); r1.add(self.l1, k); r2.add(self.l2, k); r3.add(self.l3, k); r4.add(self.l4, k)
        return Self.reduceWide(r0, r1, r2, r3, r4)
    }

    /// self^(p-2) = self⁻¹ (0 for 0), with the fixed addition chain of ref10.
    func inverted() -> Fe25519 {
        let z2 = self.squared()
        let z9 = z2.squared(times: 2) * self
        let z11 = z9 * z2
        let z2_5_0 = z11.squared() * z9
        let z2_10_0 = z2_5_0.squared(times: 5) * z2_5_0
        let z2_20_0 = z2_10_0.squared(times: 10) * z2_10_0
        let z2_40_0 = z2_20_0.squared(times: 20) * z2_20_0
        let z2_50_0 = z2_40_0.squared(times: 10) * z2_10_0
        let z2_100_0 = z2_50_0.squared(times: 50) * z2_50_0
        let z2_200_0 = z2_100_0.squared(times: 100) * z2_100_0
        let z2_250_0 = z2_200_0.squared(times: 50) * z2_50_0
        return z2_250_0.squared(times: 5) * z11
    }

    /// Canonical little-endian encoding (fully reduced mod p).
    func bytes() -> [UInt8] {
        // The contraction of curve25519-donna (64-bit): after two carry passes h is in
        // [0, 2^255 - 1]; adding 19, carrying, then adding 2^255 - 19 and dropping bit 255
        // subtracts p exactly when h ≥ p, without a branch.
        var h = self.carried().carried()
        h.l0 &+= 19
        h = h.carried()
        h.l0 &+= (1 << 51) - 19
        h.l1 &+= (1 << 51) - 1
        h.l2 &+= (1 << 51) - 1
        h.l3 &+= (1 << 51) - 1
        h.l4 &+= (1 << 51) - 1
        h.l1 &+= h.l0 >> 51; h.l0 &= Self.mask51
        h.l2 &+= h.l1 >> 51; h.l1 &= Self.mask51
        h.l3 &+= h.l2 >> 51; h.l2 &= Self.mask51
        h.l4 &+= h.l3 >> 51; h.l3 &= Self.mask51
        h.l4 &= Self.mask51
        let w0 = h.l0 | h.l1 << 51
        let w1 = h.l1 >> 13 | h.l2 << 38
        let w2 = h.l2 >> 26 | h.l3 << 25
        let w3 = h.l3 >> 39 | h.l4 << 12
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] {
            for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * k))) }
        }
        return out
    }

    /// Swaps a and b when `mask` is all-ones, leaves them when zero.
    @inline(__always) static func conditionalSwapConstantTime(_ a: inout Fe25519, _ b: inout Fe25519, _ mask: UInt64) {
        var t = mask & (a.l0 ^ b.l0); a.l0 ^= t; b.l0 ^= t
        t = mask & (a.l1 ^ b.l1); a.l1 ^= t; b.l1 ^= t
        t = mask & (a.l2 ^ b.l2); a.l2 ^= t; b.l2 ^= t
        t = mask & (a.l3 ^ b.l3); a.l3 ^= t; b.l3 ^= t
        t = mask & (a.l4 ^ b.l4); a.l4 ^= t; b.l4 ^= t
    }
}

/// X25519 Diffie–Hellman (RFC 7748), used for the TLS 1.3 `x25519` key share.
public enum X25519 {
    /// The u-coordinate of the base point, 9.
    private static let basePoint: [UInt8] = [9] + [UInt8](repeating: 0, count: 31)

    /// The public key (X25519(k, 9)) for a 32-byte private key.
    public static func publicKey(privateKey: [UInt8]) throws -> [UInt8] {
        guard privateKey.count == 32 else { throw PublicKeyError.invalidPrivateKey }
        return self.scalarMult(scalar: privateKey, u: self.basePoint)
    }

    /// The shared secret X25519(privateKey, peerPublicKey); throws on the all-zero output, which a
    /// TLS client MUST treat as fatal (RFC 8446 §7.4.2, RFC 7748 §6.1).
    public static func sharedSecret(privateKey: [UInt8], peerPublicKey: [UInt8]) throws -> [UInt8] {
        guard privateKey.count == 32 else { throw PublicKeyError.invalidPrivateKey }
        guard peerPublicKey.count == 32 else { throw PublicKeyError.invalidPublicKey }
        let shared = self.scalarMult(scalar: privateKey, u: peerPublicKey)
        var acc: UInt8 = 0
        for b in shared { acc |= b }
        guard acc != 0 else { throw PublicKeyError.allZeroSharedSecret }
        return shared
    }

    /// The raw X25519 function (RFC 7748 §5) without the all-zero check; exactly 32-byte inputs.
    static func scalarMult(scalar: [UInt8], u: [UInt8]) -> [UInt8] {
        var k = scalar
        // Clamp (RFC 7748 §5, decodeScalar25519).
        k[0] &= 248
        k[31] &= 127
        k[31] |= 64
        defer { wipe(&k) }
        let x1 = Fe25519(bytes: u)
        var x2 = Fe25519.one, z2 = Fe25519.zero, x3 = x1, z3 = Fe25519.one
        var swap: UInt64 = 0
        for t in stride(from: 254, through: 0, by: -1) {
            let bit = UInt64((k[t >> 3] >> UInt8(t & 7)) & 1)
            swap ^= bit
            let m = LimbMath.mask(swap)
            Fe25519.conditionalSwapConstantTime(&x2, &x3, m)
            Fe25519.conditionalSwapConstantTime(&z2, &z3, m)
            swap = bit
            let a = x2 + z2
            let aa = a.squared()
            let b = x2 - z2
            let bb = b.squared()
            let e = aa - bb
            let c = x3 + z3
            let d = x3 - z3
            let da = d * a
            let cb = c * b
            x3 = (da + cb).squared()
            z3 = x1 * (da - cb).squared()
            x2 = aa * bb
            z2 = e * (aa + e.times121665())
        }
        let m = LimbMath.mask(swap)
        Fe25519.conditionalSwapConstantTime(&x2, &x3, m)
        Fe25519.conditionalSwapConstantTime(&z2, &z3, m)
        return (x2 * z2.inverted()).bytes()
    }
}
