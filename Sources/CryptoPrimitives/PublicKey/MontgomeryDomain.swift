// Fixed-size Montgomery arithmetic for the NIST prime fields and group orders (≤ 384 bits).
// Elements live in a 6-limb inline tuple so that point arithmetic never allocates.

/// Up to six little-endian 64-bit limbs, stored inline.
struct Limbs6: Sendable, Equatable {
    var w: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    static func == (a: Limbs6, b: Limbs6) -> Bool {
        a.w.0 == b.w.0 && a.w.1 == b.w.1 && a.w.2 == b.w.2 && a.w.3 == b.w.3 && a.w.4 == b.w.4 && a.w.5 == b.w.5
    }

    /// Calls `body` with a pointer to the limbs.
    @inline(__always)
    mutating func withPointer<R>(_ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
        withUnsafeMutablePointer(to: &self.w) { tuple in
            tuple.withMemoryRebound(to: UInt64.self, capacity: 6) { body($0) }
        }
    }

    /// Constant-time select: `a` where `mask` is all-ones, `b` where it is zero.
    @inline(__always)
    static func selectConstantTime(_ mask: UInt64, _ a: Limbs6, _ b: Limbs6) -> Limbs6 {
        var r = Limbs6()
        r.w.0 = (a.w.0 & mask) | (b.w.0 & ~mask)
        r.w.1 = (a.w.1 & mask) | (b.w.1 & ~mask)
        r.w.2 = (a.w.2 & mask) | (b.w.2 & ~mask)
        r.w.3 = (a.w.3 & mask) | (b.w.3 & ~mask)
        r.w.4 = (a.w.4 & mask) | (b.w.4 & ~mask)
        r.w.5 = (a.w.5 & mask) | (b.w.5 & ~mask)
        return r
    }

    /// All-ones if every limb is zero, else zero (constant time).
    @inline(__always)
    var isZeroMask: UInt64 {
        let x = self.w.0 | self.w.1 | self.w.2 | self.w.3 | self.w.4 | self.w.5
        return LimbMath.equalMask(x, 0)
    }
}

/// Arithmetic modulo an odd modulus of 4 or 6 limbs, values kept in Montgomery form (a·R mod m).
struct MontgomeryDomain: Sendable {
    /// Number of limbs in use (4 for 256-bit, 6 for 384-bit moduli).
    let limbCount: Int
    /// Byte length of encoded elements.
    let byteCount: Int
    let modulus: Limbs6
    let m0inv: UInt64
    /// R² mod m, used to enter Montgomery form.
    let rSquared: Limbs6
    /// R mod m, the Montgomery form of 1.
    let one: Limbs6
    /// The plain integer m - 2 (Fermat exponent for inversion; m is prime).
    private let inversionExponent: Limbs6

    /// `modulusHex`: big-endian hex of an odd prime of exactly 32 or 48 bytes.
    init(modulusHex: String) {
        let bytes = Self.hexBytes(modulusHex)
        self.byteCount = bytes.count
        self.limbCount = bytes.count / 8
        var m = Limbs6()
        let n = self.limbCount
        m.withPointer { p in bytes.withUnsafeBufferPointer { LimbMath.load(p, n, bigEndian: $0) } }
        self.modulus = m
        self.m0inv = LimbMath.negativeInverse(m.w.0)
        // R mod m and R² mod m by repeated modular doubling of 1 (setup only, runs once).
        var x = Limbs6()
        x.w.0 = 1
        var rModM = Limbs6()
        for i in 0..<(128 * n) {
            x = Self.addPlain(x, x, m, n)
            if i == 64 * n - 1 { rModM = x }
        }
        self.one = rModM
        self.rSquared = x
        var e = m
        e.w.0 &-= 2  // m is odd and > 2, so the low limb does not borrow
        self.inversionExponent = e
    }

    private static func addPlain(_ a: Limbs6, _ b: Limbs6, _ m: Limbs6, _ n: Int) -> Limbs6 {
        var r = Limbs6(), a = a, b = b, m = m, t = Limbs6()
        Self.addRaw(&r.w, &a.w, &b.w, &m.w, n, &t.w)
        return r
    }

    // Raw-pointer entry points: callers pass `&tuple` directly (implicit inout-to-pointer
    // conversion), which avoids nested generic closures that dominate unoptimised builds.
    @inline(__always)
    private static func mulRaw(
        _ r: UnsafeMutableRawPointer, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ m: UnsafeRawPointer,
        _ k: UInt64, _ n: Int, _ t: UnsafeMutableRawPointer
    ) {
        LimbMath.montMul(
            r.assumingMemoryBound(to: UInt64.self), a.assumingMemoryBound(to: UInt64.self),
            b.assumingMemoryBound(to: UInt64.self), m.assumingMemoryBound(to: UInt64.self), k, n,
            t.assumingMemoryBound(to: UInt64.self))
    }

    @inline(__always)
    private static func addRaw(
        _ r: UnsafeMutableRawPointer, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ m: UnsafeRawPointer,
        _ n: Int, _ t: UnsafeMutableRawPointer
    ) {
        LimbMath.addMod(
            r.assumingMemoryBound(to: UInt64.self), a.assumingMemoryBound(to: UInt64.self),
            b.assumingMemoryBound(to: UInt64.self), m.assumingMemoryBound(to: UInt64.self), n,
            t.assumingMemoryBound(to: UInt64.self))
    }

    @inline(__always)
    private static func subRaw(
        _ r: UnsafeMutableRawPointer, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ m: UnsafeRawPointer, _ n: Int
    ) {
        LimbMath.subMod(
            r.assumingMemoryBound(to: UInt64.self), a.assumingMemoryBound(to: UInt64.self),
            b.assumingMemoryBound(to: UInt64.self), m.assumingMemoryBound(to: UInt64.self), n)
    }

    static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            default: continue
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    @inline(__always)
    func mul(_ a: Limbs6, _ b: Limbs6) -> Limbs6 {
        var r = Limbs6(), a = a, b = b, m = self.modulus
        var t = (Limbs6(), Limbs6())  // 12 limbs of scratch ≥ n + 2
        Self.mulRaw(&r.w, &a.w, &b.w, &m.w, self.m0inv, self.limbCount, &t)
        return r
    }

    @inline(__always) func square(_ a: Limbs6) -> Limbs6 { self.mul(a, a) }

    @inline(__always)
    func add(_ a: Limbs6, _ b: Limbs6) -> Limbs6 { Self.addPlain(a, b, self.modulus, self.limbCount) }

    @inline(__always)
    func sub(_ a: Limbs6, _ b: Limbs6) -> Limbs6 {
        var r = Limbs6(), a = a, b = b, m = self.modulus
        Self.subRaw(&r.w, &a.w, &b.w, &m.w, self.limbCount)
        return r
    }

    /// Plain integer (< m) into Montgomery form.
    @inline(__always) func toMontgomery(_ a: Limbs6) -> Limbs6 { self.mul(a, self.rSquared) }

    /// Montgomery form back to the plain integer.
    @inline(__always) func fromMontgomery(_ a: Limbs6) -> Limbs6 {
        var unit = Limbs6()
        unit.w.0 = 1
        return self.mul(a, unit)
    }

    /// a⁻¹ (Montgomery form in and out) by Fermat's little theorem; the exponent is public and
    /// fixed, so the running time does not depend on `a`. Returns 0 for a = 0.
    func inverse(_ a: Limbs6) -> Limbs6 {
        var result = self.one
        var e = self.inversionExponent
        let bits = 64 * self.limbCount
        e.withPointer { ep in
            for i in stride(from: bits - 1, through: 0, by: -1) {
                result = self.square(result)
                if (ep[i >> 6] >> UInt64(i & 63)) & 1 == 1 { result = self.mul(result, a) }
            }
        }
        return result
    }

    /// Parses exactly `byteCount` big-endian bytes as a plain integer; nil unless < m.
    func decode(_ bytes: ArraySlice<UInt8>) -> Limbs6? {
        guard bytes.count == self.byteCount else { return nil }
        var r = Limbs6(), m = self.modulus
        let n = self.limbCount
        let ok = r.withPointer { rp -> Bool in
            bytes.withUnsafeBufferPointer { LimbMath.load(rp, n, bigEndian: $0) }
            return m.withPointer { mp in LimbMath.lessThanMask(rp, mp, n) } != 0
        }
        return ok ? r : nil
    }

    /// Big-endian encoding of a plain integer (< m) on `byteCount` bytes.
    func encode(_ a: Limbs6) -> [UInt8] {
        var a = a
        var out = [UInt8]()
        out.reserveCapacity(self.byteCount)
        let n = self.limbCount, count = self.byteCount
        a.withPointer { LimbMath.store($0, n, byteCount: count, into: &out) }
        return out
    }

    /// All-ones if a < m (plain integers), else zero.
    func lessThanModulusMask(_ a: Limbs6) -> UInt64 {
        var a = a, m = self.modulus
        let n = self.limbCount
        return a.withPointer { ap in m.withPointer { mp in LimbMath.lessThanMask(ap, mp, n) } }
    }
}
