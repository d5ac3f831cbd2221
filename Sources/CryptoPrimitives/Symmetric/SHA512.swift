/// SHA-512 (FIPS 180-4 §6.4).
///
/// Constant time: 64-bit additions, rotations and bitwise operations in a fixed 80-round loop,
/// round constants indexed by the round number only; padding depends only on the (public) length.
public struct SHA512: HashFunction {
    /// 1024-bit blocks.
    public static let blockByteCount = 128
    /// 512-bit digest.
    public static let digestByteCount = 64
    private var engine = SHA512Engine(initial: SHA512Engine.sha512Initial)

    /// Starts a new hash.
    public init() {}

    /// Absorbs `bytes`.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.engine.update(bytes)
    }

    /// Pads, compresses the tail and returns the 64-byte digest.
    public mutating func finalize() -> [UInt8] {
        self.engine.finalize(outputBytes: 64)
    }
}

/// SHA-384 (FIPS 180-4 §6.5): SHA-512 with other initial values, truncated to 48 bytes.
public struct SHA384: HashFunction {
    /// 1024-bit blocks.
    public static let blockByteCount = 128
    /// 384-bit digest.
    public static let digestByteCount = 48
    private var engine = SHA512Engine(initial: SHA512Engine.sha384Initial)

    /// Starts a new hash.
    public init() {}

    /// Absorbs `bytes`.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.engine.update(bytes)
    }

    /// Pads, compresses the tail and returns the 48-byte digest.
    public mutating func finalize() -> [UInt8] {
        self.engine.finalize(outputBytes: 48)
    }
}

/// The shared SHA-512 compression function with its own 128-byte block buffer.
struct SHA512Engine: Sendable {
    typealias State = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// FIPS 180-4 §5.3.5.
    static let sha512Initial: State = (
        0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179
    )
    /// FIPS 180-4 §5.3.4.
    static let sha384Initial: State = (
        0xcbbb_9d5d_c105_9ed8, 0x629a_292a_367c_d507, 0x9159_015a_3070_dd17, 0x152f_ecd8_f70e_5939,
        0x6733_2667_ffc0_0b31, 0x8eb4_4a87_6858_1511, 0xdb0c_2e0d_64f9_8fa7, 0x47b5_481d_befa_4fa4
    )

    /// FIPS 180-4 §4.2.3: the 80 round constants.
    static let k: [UInt64] = [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
        0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
        0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
        0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
        0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
        0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
        0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
        0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
        0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
        0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
        0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
        0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ]

    private var state: State
    private var buffer = [UInt8](repeating: 0, count: 128)
    private var used = 0
    /// Total message length in bytes; FIPS allows 2^128 bits, 2^64 bytes is ample here.
    private var totalBytes: UInt64 = 0

    init(initial: State) { self.state = initial }

    mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ self.absorb(UnsafeRawBufferPointer($0)) }) == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { self.absorb($0) }
        }
    }

    private mutating func absorb(_ input: UnsafeRawBufferPointer) {
        self.totalBytes &+= UInt64(input.count)
        var index = 0
        let n = input.count
        if self.used > 0 {
            let take = min(128 - self.used, n)
            self.buffer.withUnsafeMutableBytes { buf in
                for i in 0..<take { buf[self.used + i] = input[i] }
            }
            self.used += take
            index = take
            if self.used == 128 {
                self.buffer.withUnsafeBytes { Self.compress(&self.state, $0.baseAddress!, blocks: 1) }
                self.used = 0
            }
        }
        let whole = (n - index) / 128
        if whole > 0, let base = input.baseAddress {
            Self.compress(&self.state, base + index, blocks: whole)
            index += whole * 128
        }
        if index < n {
            let start = self.used
            self.buffer.withUnsafeMutableBytes { buf in
                for i in index..<n { buf[start + i - index] = input[i] }
            }
            self.used += n - index
        }
    }

    /// Appends the padding and 128-bit big-endian bit length (FIPS 180-4 §5.1.2), returns the digest prefix.
    mutating func finalize(outputBytes: Int) -> [UInt8] {
        let bitLengthHigh = self.totalBytes >> 61
        let bitLengthLow = self.totalBytes << 3
        var tail = [UInt8](repeating: 0, count: self.used < 112 ? 128 : 256)
        for i in 0..<self.used { tail[i] = self.buffer[i] }
        tail[self.used] = 0x80
        let end = tail.count
        for i in 0..<8 {
            tail[end - 16 + i] = UInt8(truncatingIfNeeded: bitLengthHigh >> (56 - 8 * UInt64(i)))
            tail[end - 8 + i] = UInt8(truncatingIfNeeded: bitLengthLow >> (56 - 8 * UInt64(i)))
        }
        tail.withUnsafeBytes { Self.compress(&self.state, $0.baseAddress!, blocks: end / 128) }
        wipe(&tail)
        wipe(&self.buffer)
        self.used = 0
        let s = self.state
        var out = [UInt8]()
        out.reserveCapacity(64)
        for w in [s.0, s.1, s.2, s.3, s.4, s.5, s.6, s.7] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(shift))) }
        }
        self.state = (0, 0, 0, 0, 0, 0, 0, 0)
        return Array(out.prefix(outputBytes))
    }

    @inline(__always) private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { (x >> n) | (x << (64 - n)) }

    @inline(__always) private static func loadBE64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Compresses `blocks` consecutive 128-byte blocks starting at `p` (FIPS 180-4 §6.4.2).
    private static func compress(_ s: inout State, _ p: UnsafeRawPointer, blocks: Int) {
        s = Self.compressed(s, p, blocks: blocks)
    }

    private static func compressed(_ s: State, _ p: UnsafeRawPointer, blocks: Int) -> State {
        Self.k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 80) { w -> State in
                var (h0, h1, h2, h3, h4, h5, h6, h7) = s
                for block in 0..<blocks {
                    let base = block * 128
                    for i in 0..<16 { w[i] = loadBE64(p, base + i * 8) }
                    for i in 16..<80 {
                        let x = w[i - 15], y = w[i - 2]
                        let s0 = rotr(x, 1) ^ rotr(x, 8) ^ (x >> 7)
                        let s1 = rotr(y, 19) ^ rotr(y, 61) ^ (y >> 6)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for i in 0..<80 {
                        let bigS1 = rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = h &+ bigS1 &+ ch &+ k[i] &+ w[i]
                        let bigS0 = rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = bigS0 &+ maj
                        h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
                for i in 0..<80 { w[i] = 0 }
                return (h0, h1, h2, h3, h4, h5, h6, h7)
            }
        }
    }
}
