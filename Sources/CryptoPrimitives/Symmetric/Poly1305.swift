/// Poly1305 one-time authenticator (RFC 8439 §2.5).
public enum Poly1305 {
    /// One-time key length (r ‖ s).
    public static let keyByteCount = 32
    /// Tag length.
    public static let tagByteCount = 16

    /// The 16-byte tag of `message` under the one-time `key` (never reuse a key).
    public static func authenticate(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        guard key.count == Self.keyByteCount else { throw CryptoError.invalidKeySize(got: key.count, expected: "32") }
        var state = Poly1305State(key: key)
        message.withUnsafeBytes { state.absorbMessage($0) }
        return state.finish()
    }
}

/// Poly1305 accumulator in radix 2^44 (limbs of 44, 44 and 42 bits), products in `UInt128`.
/// No branches or table lookups depend on the key or the message: the final reduction
/// selects with masks (RFC 8439 §2.5.1, the "poly1305-donna" 64-bit layout).
struct Poly1305State {
    private static let mask44: UInt64 = 0xFFF_FFFF_FFFF
    private static let mask42: UInt64 = 0x3FF_FFFF_FFFF

    private var r0: UInt64, r1: UInt64, r2: UInt64
    private var s1: UInt64, s2: UInt64
    private var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0
    private var pad0: UInt64, pad1: UInt64

    /// `key` must hold 32 bytes: r (clamped here, §2.5.1) then s.
    init(key: [UInt8]) {
        precondition(key.count == 32, "Poly1305 key must be 32 bytes")
        let (t0, t1, p0, p1) = key.withUnsafeBytes { k in
            (Self.le64(k.baseAddress!, 0), Self.le64(k.baseAddress!, 8), Self.le64(k.baseAddress!, 16), Self.le64(k.baseAddress!, 24))
        }
        // Clamping r &= 0x0ffffffc0ffffffc0ffffffc0fffffff folded into the limb split.
        self.r0 = t0 & 0xFFC_0FFF_FFFF
        self.r1 = ((t0 >> 44) | (t1 << 20)) & 0xFFF_FFC0_FFFF
        self.r2 = (t1 >> 24) & 0x00F_FFFF_FC0F
        // 2^130 ≡ 5 (mod p); limb boundaries at 2^132 give the extra factor 4.
        self.s1 = self.r1 &* (5 << 2)
        self.s2 = self.r2 &* (5 << 2)
        self.pad0 = p0
        self.pad1 = p1
    }

    @inline(__always) private static func le64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Processes `count` whole 16-byte blocks at `p`; `hibit` is 2^128 as limb-2 bit (1 << 40), or 0.
    @inline(__always)
    private mutating func blocks(_ p: UnsafeRawPointer, count: Int, hibit: UInt64) {
        let r0 = self.r0, r1 = self.r1, r2 = self.r2, s1 = self.s1, s2 = self.s2
        var h0 = self.h0, h1 = self.h1, h2 = self.h2
        for i in 0..<count {
            let t0 = Self.le64(p, i * 16), t1 = Self.le64(p, i * 16 + 8)
            h0 &+= t0 & Self.mask44
            h1 &+= ((t0 >> 44) | (t1 << 20)) & Self.mask44
            h2 &+= ((t1 >> 24) & Self.mask42) | hibit
            let d0 = UInt128(h0) &* UInt128(r0) &+ UInt128(h1) &* UInt128(s2) &+ UInt128(h2) &* UInt128(s1)
            var d1 = UInt128(h0) &* UInt128(r1) &+ UInt128(h1) &* UInt128(r0) &+ UInt128(h2) &* UInt128(s2)
            var d2 = UInt128(h0) &* UInt128(r2) &+ UInt128(h1) &* UInt128(r1) &+ UInt128(h2) &* UInt128(r0)
            var c = UInt64(truncatingIfNeeded: d0 >> 44)
            h0 = UInt64(truncatingIfNeeded: d0) & Self.mask44
            d1 &+= UInt128(c)
            c = UInt64(truncatingIfNeeded: d1 >> 44)
            h1 = UInt64(truncatingIfNeeded: d1) & Self.mask44
            d2 &+= UInt128(c)
            c = UInt64(truncatingIfNeeded: d2 >> 42)
            h2 = UInt64(truncatingIfNeeded: d2) & Self.mask42
            h0 &+= c &* 5
            c = h0 >> 44
            h0 &= Self.mask44
            h1 &+= c
        }
        self.h0 = h0; self.h1 = h1; self.h2 = h2
    }

    /// Absorbs a whole message with RFC 8439 §2.5 framing: a short last block gets a 0x01 byte then zeros.
    mutating func absorbMessage(_ m: UnsafeRawBufferPointer) {
        let full = m.count / 16
        if full > 0, let base = m.baseAddress { self.blocks(base, count: full, hibit: 1 << 40) }
        let rest = m.count - full * 16
        if rest > 0 {
            var last = (UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &last) { buf in
                for i in 0..<rest { buf[i] = m[full * 16 + i] }
                buf[rest] = 1
                self.blocks(UnsafeRawPointer(buf.baseAddress!), count: 1, hibit: 0)
            }
        }
    }

    /// Absorbs data zero-padded to a 16-byte boundary, as the AEAD construction does (§2.8: pad16).
    mutating func absorbPadded(_ m: UnsafeRawBufferPointer) {
        let full = m.count / 16
        if full > 0, let base = m.baseAddress { self.blocks(base, count: full, hibit: 1 << 40) }
        let rest = m.count - full * 16
        if rest > 0 {
            var last = (UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &last) { buf in
                for i in 0..<rest { buf[i] = m[full * 16 + i] }
                self.blocks(UnsafeRawPointer(buf.baseAddress!), count: 1, hibit: 1 << 40)
            }
        }
    }

    /// Absorbs the AEAD length block: le64(aad length) ‖ le64(ciphertext length) (§2.8).
    mutating func absorbLengths(aad: Int, ciphertext: Int) {
        var lengths = (UInt64(aad).littleEndian, UInt64(ciphertext).littleEndian)
        withUnsafeBytes(of: &lengths) { self.blocks($0.baseAddress!, count: 1, hibit: 1 << 40) }
    }

    /// Fully reduces h mod 2^130 − 5 in constant time, adds s, and returns the 16-byte tag.
    mutating func finish() -> [UInt8] {
        var h0 = self.h0, h1 = self.h1, h2 = self.h2
        var c = h1 >> 44; h1 &= Self.mask44
        h2 &+= c; c = h2 >> 42; h2 &= Self.mask42
        h0 &+= c &* 5; c = h0 >> 44; h0 &= Self.mask44
        h1 &+= c; c = h1 >> 44; h1 &= Self.mask44
        h2 &+= c; c = h2 >> 42; h2 &= Self.mask42
        h0 &+= c &* 5; c = h0 >> 44; h0 &= Self.mask44
        h1 &+= c
        // g = h + 5 − 2^130; if it does not go negative, h ≥ p and g is the reduced value.
        var g0 = h0 &+ 5; c = g0 >> 44; g0 &= Self.mask44
        var g1 = h1 &+ c; c = g1 >> 44; g1 &= Self.mask44
        var g2 = h2 &+ c &- (1 << 42)
        let useG = (g2 >> 63) &- 1  // all ones when g2 did not borrow
        g0 &= useG; g1 &= useG; g2 &= useG
        h0 = (h0 & ~useG) | g0
        h1 = (h1 & ~useG) | g1
        h2 = (h2 & ~useG) | g2
        // h + s mod 2^128.
        let t0 = self.pad0, t1 = self.pad1
        h0 &+= t0 & Self.mask44; c = h0 >> 44; h0 &= Self.mask44
        h1 &+= (((t0 >> 44) | (t1 << 20)) & Self.mask44) &+ c; c = h1 >> 44; h1 &= Self.mask44
        h2 &+= ((t1 >> 24) & Self.mask42) &+ c; h2 &= Self.mask42
        let out0 = h0 | (h1 << 44)
        let out1 = (h1 >> 20) | (h2 << 24)
        var tag = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            tag[i] = UInt8(truncatingIfNeeded: out0 >> (8 * UInt64(i)))
            tag[8 + i] = UInt8(truncatingIfNeeded: out1 >> (8 * UInt64(i)))
        }
        self.wipe()
        return tag
    }

    /// Clears key and accumulator (best effort).
    mutating func wipe() {
        self.r0 = 0; self.r1 = 0; self.r2 = 0; self.s1 = 0; self.s2 = 0
        self.h0 = 0; self.h1 = 0; self.h2 = 0; self.pad0 = 0; self.pad1 = 0
    }
}
