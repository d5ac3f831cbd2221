/// GHASH (NIST SP 800-38D §6.4), constant-time.
///
/// Carry-less 64×64 multiplication is done with ordinary integer multiplies on operands whose
/// bits are spaced four apart (masks 0x1111…, 0x2222…, …), so carries land in unused bit positions
/// and are masked away — the "ctmul64" technique of BearSSL. A Karatsuba split gives the 128×128
/// product from three 64-bit products on the operands and three on their bit-reversals (for the
/// high halves); the result is reduced modulo x^128 + x^7 + x^2 + x + 1. Integer multiplication
/// is constant-time on x86-64 and arm64; there are no tables and no branches on H or data.
struct GHASH {
    private let h0: UInt64, h1: UInt64, h2: UInt64
    private let h0r: UInt64, h1r: UInt64, h2r: UInt64
    /// The accumulator Y: y1 = bytes 0..7 (big-endian), y0 = bytes 8..15.
    private var y0: UInt64 = 0, y1: UInt64 = 0

    /// `h` is the 16-byte hash subkey E(K, 0^128).
    init(h: [UInt8]) {
        precondition(h.count == 16, "GHASH key must be 16 bytes")
        let (a, b) = h.withUnsafeBytes { (Self.be64($0.baseAddress!, 0), Self.be64($0.baseAddress!, 8)) }
        self.h1 = a
        self.h0 = b
        self.h0r = Self.rev64(b)
        self.h1r = Self.rev64(a)
        self.h2 = a ^ b
        self.h2r = self.h0r ^ self.h1r
    }

    @inline(__always) static func be64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Carry-less product of x and y, low 64 bits.
    @inline(__always)
    private static func bmul64(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let m0: UInt64 = 0x1111_1111_1111_1111, m1: UInt64 = 0x2222_2222_2222_2222
        let m2: UInt64 = 0x4444_4444_4444_4444, m3: UInt64 = 0x8888_8888_8888_8888
        let x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3
        let y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3
        var z0 = (x0 &* y0) ^ (x1 &* y3) ^ (x2 &* y2) ^ (x3 &* y1)
        var z1 = (x0 &* y1) ^ (x1 &* y0) ^ (x2 &* y3) ^ (x3 &* y2)
        var z2 = (x0 &* y2) ^ (x1 &* y1) ^ (x2 &* y0) ^ (x3 &* y3)
        var z3 = (x0 &* y3) ^ (x1 &* y2) ^ (x2 &* y1) ^ (x3 &* y0)
        z0 &= m0; z1 &= m1; z2 &= m2; z3 &= m3
        return z0 | z1 | z2 | z3
    }

    /// Bit reversal of a 64-bit word.
    @inline(__always)
    private static func rev64(_ v: UInt64) -> UInt64 {
        var x = v
        x = ((x & 0x5555_5555_5555_5555) << 1) | ((x >> 1) & 0x5555_5555_5555_5555)
        x = ((x & 0x3333_3333_3333_3333) << 2) | ((x >> 2) & 0x3333_3333_3333_3333)
        x = ((x & 0x0F0F_0F0F_0F0F_0F0F) << 4) | ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0F)
        return x.byteSwapped
    }

    /// Y ← (Y ⊕ X) · H for one block given as two big-endian halves.
    @inline(__always)
    private mutating func mulBlock(_ xHigh: UInt64, _ xLow: UInt64) {
        let y1 = self.y1 ^ xHigh
        let y0 = self.y0 ^ xLow
        let y0r = Self.rev64(y0), y1r = Self.rev64(y1)
        let y2 = y0 ^ y1, y2r = y0r ^ y1r
        let z0 = Self.bmul64(y0, self.h0)
        let z1 = Self.bmul64(y1, self.h1)
        var z2 = Self.bmul64(y2, self.h2)
        var z0h = Self.bmul64(y0r, self.h0r)
        var z1h = Self.bmul64(y1r, self.h1r)
        var z2h = Self.bmul64(y2r, self.h2r)
        z2 ^= z0 ^ z1
        z2h ^= z0h ^ z1h
        z0h = Self.rev64(z0h) >> 1
        z1h = Self.rev64(z1h) >> 1
        z2h = Self.rev64(z2h) >> 1
        var v0 = z0, v1 = z0h ^ z2, v2 = z1 ^ z2h, v3 = z1h
        // GCM's bit order is reflected: shift the 256-bit product left by one.
        v3 = (v3 << 1) | (v2 >> 63)
        v2 = (v2 << 1) | (v1 >> 63)
        v1 = (v1 << 1) | (v0 >> 63)
        v0 = v0 << 1
        // Reduce modulo x^128 + x^7 + x^2 + x + 1 (reflected).
        v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7)
        v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57)
        v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7)
        v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57)
        self.y0 = v2
        self.y1 = v3
    }

    /// Absorbs `data` zero-padded to a multiple of 16 bytes (SP 800-38D §7.1 steps 5–6).
    mutating func absorbPadded(_ data: UnsafeRawBufferPointer) {
        let full = data.count / 16
        if full > 0, let base = data.baseAddress {
            for i in 0..<full { self.mulBlock(Self.be64(base, 16 * i), Self.be64(base, 16 * i + 8)) }
        }
        let rest = data.count - full * 16
        if rest > 0 {
            var last = (UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &last) { buf in
                for i in 0..<rest { buf[i] = data[full * 16 + i] }
                self.mulBlock(Self.be64(buf.baseAddress!, 0), Self.be64(buf.baseAddress!, 8))
            }
        }
    }

    /// Absorbs the final block len(A) ‖ len(C) in bits, and returns the 16-byte GHASH value.
    mutating func finish(aadBytes: Int, ciphertextBytes: Int) -> [UInt8] {
        self.mulBlock(UInt64(aadBytes) &* 8, UInt64(ciphertextBytes) &* 8)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: self.y1 >> (56 - 8 * UInt64(i)))
            out[8 + i] = UInt8(truncatingIfNeeded: self.y0 >> (56 - 8 * UInt64(i)))
        }
        self.y0 = 0; self.y1 = 0
        return out
    }
}
