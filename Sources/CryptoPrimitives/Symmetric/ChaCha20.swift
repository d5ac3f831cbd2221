/// ChaCha20 stream cipher (RFC 8439 §2.1–§2.4): 256-bit key, 96-bit nonce, 32-bit block counter.
/// Pure add-rotate-xor, so constant-time by construction.
public enum ChaCha20 {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes (the IETF variant of RFC 8439 §2.3).
    public static let nonceByteCount = 12

    /// The quarter round of RFC 8439 §2.1 (exposed for the §2.1.1 test vector).
    @inline(__always)
    public static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a = a &+ b; d ^= a; d = (d << 16) | (d >> 16)
        c = c &+ d; b ^= c; b = (b << 12) | (b >> 20)
        a = a &+ b; d ^= a; d = (d << 8) | (d >> 24)
        c = c &+ d; b ^= c; b = (b << 7) | (b >> 25)
    }

    /// XORs `input` with the keystream that starts at block `counter` (RFC 8439 §2.4).
    /// Throws when the key or nonce has the wrong size or the message would wrap the 32-bit counter.
    public static func xor(key: [UInt8], nonce: [UInt8], counter: UInt32, _ input: [UInt8]) throws -> [UInt8] {
        let core = try ChaCha20Core(key: key)
        guard nonce.count == Self.nonceByteCount else { throw CryptoError.invalidNonceSize(got: nonce.count, expected: 12) }
        guard ChaCha20Core.fitsCounter(byteCount: input.count, startingAt: counter) else {
            throw CryptoError.invalidLength("ChaCha20 input of \(input.count) bytes would wrap the 32-bit block counter")
        }
        var out = [UInt8](repeating: 0, count: input.count)
        let nonceWords = ChaCha20Core.nonceWords(nonce)
        input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                core.xor(nonce: nonceWords, counter: counter, src, into: dst)
            }
        }
        return out
    }
}

/// The keyed ChaCha20 state shared by the stream API and the AEAD. Holds the key as 8 words.
struct ChaCha20Core: Sendable {
    private var key: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    init(key: [UInt8]) throws {
        guard key.count == ChaCha20.keyByteCount else { throw CryptoError.invalidKeySize(got: key.count, expected: "32") }
        func w(_ i: Int) -> UInt32 {
            UInt32(key[i]) | UInt32(key[i + 1]) << 8 | UInt32(key[i + 2]) << 16 | UInt32(key[i + 3]) << 24
        }
        self.key = (w(0), w(4), w(8), w(12), w(16), w(20), w(24), w(28))
    }

    /// Overwrites the key words (best effort).
    mutating func wipeKey() { self.key = (0, 0, 0, 0, 0, 0, 0, 0) }

    /// Whether `byteCount` bytes of keystream from block `counter` stay below 2^32 blocks (RFC 8439 §2.4).
    static func fitsCounter(byteCount: Int, startingAt counter: UInt32) -> Bool {
        let blocks = (UInt64(byteCount) + 63) / 64
        return UInt64(counter) + blocks <= 1 << 32
    }

    /// The three little-endian nonce words; `nonce` must hold 12 bytes.
    static func nonceWords(_ nonce: [UInt8]) -> (UInt32, UInt32, UInt32) {
        precondition(nonce.count == 12, "ChaCha20 nonce must be 12 bytes")
        func w(_ i: Int) -> UInt32 {
            UInt32(nonce[i]) | UInt32(nonce[i + 1]) << 8 | UInt32(nonce[i + 2]) << 16 | UInt32(nonce[i + 3]) << 24
        }
        return (w(0), w(4), w(8))
    }

    @inline(__always)
    private static func quarter(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d.rotl(16)
        c &+= d; b ^= c; b = b.rotl(12)
        a &+= b; d ^= a; d = d.rotl(8)
        c &+= d; b ^= c; b = b.rotl(7)
    }

    /// XORs `src` with the keystream from block `counter` into `dst` (same length; may alias).
    /// Scalar, one block per iteration: the optimizer keeps the 16 words in registers and uses
    /// native rotates (vectorised variants were scalarised by LLVM on baseline x86-64 and slower).
    /// The caller checked `fitsCounter`.
    func xor(nonce: (UInt32, UInt32, UInt32), counter: UInt32, _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) {
        precondition(dst.count >= src.count, "ChaCha20 output buffer too small")
        let total = src.count
        guard total > 0, let inBase = src.baseAddress, let outBase = dst.baseAddress else { return }
        let k = self.key
        var ctr = counter
        var offset = 0
        while offset < total {
            // RFC 8439 §2.3: constants "expand 32-byte k", key, counter, nonce.
            var x0: UInt32 = 0x6170_7865, x1: UInt32 = 0x3320_646e, x2: UInt32 = 0x7962_2d32, x3: UInt32 = 0x6b20_6574
            var x4 = k.0, x5 = k.1, x6 = k.2, x7 = k.3, x8 = k.4, x9 = k.5, x10 = k.6, x11 = k.7
            var x12 = ctr, x13 = nonce.0, x14 = nonce.1, x15 = nonce.2
            for _ in 0..<10 {
                // Column round then diagonal round.
                Self.quarter(&x0, &x4, &x8, &x12)
                Self.quarter(&x1, &x5, &x9, &x13)
                Self.quarter(&x2, &x6, &x10, &x14)
                Self.quarter(&x3, &x7, &x11, &x15)
                Self.quarter(&x0, &x5, &x10, &x15)
                Self.quarter(&x1, &x6, &x11, &x12)
                Self.quarter(&x2, &x7, &x8, &x13)
                Self.quarter(&x3, &x4, &x9, &x14)
            }
            x0 &+= 0x6170_7865; x1 &+= 0x3320_646e; x2 &+= 0x7962_2d32; x3 &+= 0x6b20_6574
            x4 &+= k.0; x5 &+= k.1; x6 &+= k.2; x7 &+= k.3; x8 &+= k.4; x9 &+= k.5; x10 &+= k.6; x11 &+= k.7
            x12 &+= ctr; x13 &+= nonce.0; x14 &+= nonce.1; x15 &+= nonce.2
            let remaining = total - offset
            let i = inBase + offset, o = outBase + offset
            if remaining >= 64 {
                @inline(__always) func pair(_ lo: UInt32, _ hi: UInt32, _ at: Int) {
                    let ks = UInt64(lo) | UInt64(hi) << 32
                    let m = UInt64(littleEndian: i.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                    o.storeBytes(of: (m ^ ks).littleEndian, toByteOffset: at, as: UInt64.self)
                }
                pair(x0, x1, 0); pair(x2, x3, 8); pair(x4, x5, 16); pair(x6, x7, 24)
                pair(x8, x9, 32); pair(x10, x11, 40); pair(x12, x13, 48); pair(x14, x15, 56)
                offset += 64
            } else {
                // Tail: serialise the block little-endian on the stack and xor byte by byte.
                var block = (x0.littleEndian, x1.littleEndian, x2.littleEndian, x3.littleEndian,
                             x4.littleEndian, x5.littleEndian, x6.littleEndian, x7.littleEndian,
                             x8.littleEndian, x9.littleEndian, x10.littleEndian, x11.littleEndian,
                             x12.littleEndian, x13.littleEndian, x14.littleEndian, x15.littleEndian)
                withUnsafeBytes(of: &block) { ks in
                    for j in 0..<remaining {
                        (o + j).storeBytes(of: (i + j).load(as: UInt8.self) ^ ks[j], as: UInt8.self)
                    }
                }
                block = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                offset = total
            }
            ctr &+= 1
        }
    }

    /// One 64-byte keystream block (RFC 8439 §2.3), used for the Poly1305 key (§2.6).
    func block(nonce: (UInt32, UInt32, UInt32), counter: UInt32) -> [UInt8] {
        let zeros = [UInt8](repeating: 0, count: 64)
        var out = [UInt8](repeating: 0, count: 64)
        zeros.withUnsafeBytes { src in out.withUnsafeMutableBytes { self.xor(nonce: nonce, counter: counter, src, into: $0) } }
        return out
    }
}
