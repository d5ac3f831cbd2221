// Multi-precision arithmetic on little-endian 64-bit limbs, for fixed-size moduli.
//
// Every routine here runs in time that depends only on the limb count, never on the limb
// values (no branches or indexes derived from the data): the same code serves secret ECDH
// scalars and public RSA/ECDSA values. Montgomery multiplication is the CIOS variant
// (Koç, Acar, Kaliski, "Analyzing and comparing Montgomery multiplication algorithms", 1996).

/// Low-level limb routines over raw pointers; callers own the buffers and their sizes.
enum LimbMath {
    /// All-ones if `bit` is 1, zero if it is 0 (`bit` must be 0 or 1).
    @inline(__always) static func mask(_ bit: UInt64) -> UInt64 { 0 &- bit }

    /// All-ones if `a == b`, else zero, without branching.
    @inline(__always) static func equalMask(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let d = a ^ b
        // (d | -d) has its top bit set iff d != 0.
        return ((d | (0 &- d)) >> 63) &- 1
    }

    /// -m⁻¹ mod 2⁶⁴ for odd `m0` (Newton iteration, each step doubles the correct bits).
    static func negativeInverse(_ m0: UInt64) -> UInt64 {
        var x: UInt64 = 1
        for _ in 0..<6 { x = x &* (2 &- m0 &* x) }
        return 0 &- x
    }

    /// r = a·b·R⁻¹ mod m with R = 2^(64n). Requires a·b < m·R (e.g. a, b < m); `r` may alias
    /// `a` or `b`. `t` is scratch of n + 2 limbs.
    @inline(__always)
    static func montMul(
        _ r: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>,
        _ m: UnsafePointer<UInt64>, _ m0inv: UInt64, _ n: Int, _ t: UnsafeMutablePointer<UInt64>
    ) {
        // The multiply-accumulate steps are written out inline (no helper calls, no UInt128) because
        // unoptimised builds do not inline, and this loop dominates every EC and RSA operation.
        for i in 0..<(n + 2) { t[i] = 0 }
        var i = 0
        while i < n {
            let bi = b[i]
            var carry: UInt64 = 0
            var j = 0
            while j < n {
                let p = a[j].multipliedFullWidth(by: bi)
                let (l1, o1) = p.low.addingReportingOverflow(t[j])
                let (l2, o2) = l1.addingReportingOverflow(carry)
                t[j] = l2
                carry = p.high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
                j &+= 1
            }
            let (tn, o) = t[n].addingReportingOverflow(carry)
            t[n] = tn
            t[n + 1] = o ? 1 : 0
            let q = t[0] &* m0inv
            let p0 = q.multipliedFullWidth(by: m[0])
            let (_, o0) = p0.low.addingReportingOverflow(t[0])
            carry = p0.high &+ (o0 ? 1 : 0)
            j = 1
            while j < n {
                let p = q.multipliedFullWidth(by: m[j])
                let (l1, o1) = p.low.addingReportingOverflow(t[j])
                let (l2, o2) = l1.addingReportingOverflow(carry)
                t[j &- 1] = l2
                carry = p.high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
                j &+= 1
            }
            let (s, o2) = t[n].addingReportingOverflow(carry)
            t[n &- 1] = s
            t[n] = t[n &+ 1] &+ (o2 ? 1 : 0)
            i &+= 1
        }
        // t < 2m: subtract m once if t ≥ m, selecting with a mask.
        var borrow: UInt64 = 0
        for j in 0..<n {
            let (d1, b1) = t[j].subtractingReportingOverflow(m[j])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            r[j] = d2
            borrow = (b1 ? 1 : 0) | (b2 ? 1 : 0)
        }
        // Keep the difference unless it borrowed beyond the extra limb t[n].
        let (_, bTop) = t[n].subtractingReportingOverflow(borrow)
        let keepT = mask(bTop ? 1 : 0)
        for j in 0..<n { r[j] = (t[j] & keepT) | (r[j] & ~keepT) }
    }

    /// r = a + b mod m for a, b < m.
    @inline(__always)
    static func addMod(
        _ r: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>,
        _ m: UnsafePointer<UInt64>, _ n: Int, _ t: UnsafeMutablePointer<UInt64>
    ) {
        var carry: UInt64 = 0
        for j in 0..<n {
            let (s1, o1) = a[j].addingReportingOverflow(b[j])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            t[j] = s2
            carry = (o1 ? 1 : 0) | (o2 ? 1 : 0)
        }
        var borrow: UInt64 = 0
        for j in 0..<n {
            let (d1, b1) = t[j].subtractingReportingOverflow(m[j])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            r[j] = d2
            borrow = (b1 ? 1 : 0) | (b2 ? 1 : 0)
        }
        // Sum ≥ m iff it carried out or the subtraction did not borrow.
        let keepSum = mask(borrow & (carry ^ 1))
        for j in 0..<n { r[j] = (t[j] & keepSum) | (r[j] & ~keepSum) }
    }

    /// r = a - b mod m for a, b < m.
    @inline(__always)
    static func subMod(
        _ r: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>,
        _ m: UnsafePointer<UInt64>, _ n: Int
    ) {
        var borrow: UInt64 = 0
        for j in 0..<n {
            let (d1, b1) = a[j].subtractingReportingOverflow(b[j])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            r[j] = d2
            borrow = (b1 ? 1 : 0) | (b2 ? 1 : 0)
        }
        let addBack = mask(borrow)
        var carry: UInt64 = 0
        for j in 0..<n {
            let (s1, o1) = r[j].addingReportingOverflow(m[j] & addBack)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            r[j] = s2
            carry = (o1 ? 1 : 0) | (o2 ? 1 : 0)
        }
    }

    /// All-ones if a < b (as n-limb integers), else zero.
    @inline(__always)
    static func lessThanMask(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ n: Int) -> UInt64 {
        var borrow: UInt64 = 0
        for j in 0..<n {
            let (d1, b1) = a[j].subtractingReportingOverflow(b[j])
            let (_, b2) = d1.subtractingReportingOverflow(borrow)
            borrow = (b1 ? 1 : 0) | (b2 ? 1 : 0)
        }
        return mask(borrow)
    }

    /// Reads big-endian `bytes` into `n` limbs; the caller guarantees bytes.count ≤ 8n.
    static func load(_ r: UnsafeMutablePointer<UInt64>, _ n: Int, bigEndian bytes: UnsafeBufferPointer<UInt8>) {
        for j in 0..<n { r[j] = 0 }
        let count = bytes.count
        for i in 0..<count {
            let bitIndex = 8 * (count - 1 - i)
            r[bitIndex >> 6] |= UInt64(bytes[i]) << UInt64(bitIndex & 63)
        }
    }

    /// Writes the low `byteCount` bytes of the n-limb value big-endian into `out`.
    static func store(_ a: UnsafePointer<UInt64>, _ n: Int, byteCount: Int, into out: inout [UInt8]) {
        for i in 0..<byteCount {
            let bitIndex = 8 * (byteCount - 1 - i)
            let limb = bitIndex >> 6
            out.append(limb < n ? UInt8(truncatingIfNeeded: a[limb] >> UInt64(bitIndex & 63)) : 0)
        }
    }
}
