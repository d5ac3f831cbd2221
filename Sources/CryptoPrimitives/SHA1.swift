/// SHA-1 (FIPS 180-4).
///
/// Constant time: only additions, rotations and bitwise operations on the message words, a
/// fixed number of rounds per block, and the round constants indexed by the round number; no
/// branch or memory index depends on the data (the MySQL password and scramble pass through here). Used only where a protocol requires it (mysql_native_password,
/// RSA-OAEP for caching_sha2_password); never for certificate signatures.
public struct SHA1: HashFunction {
    public static let blockByteCount = 64
    public static let digestByteCount = 20
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var buffer = BlockBuffer64()

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var state = self.h
        self.buffer.feed(bytes) { Self.compress(&state, $0) }
        self.h = state
    }

    public mutating func finalize() -> [UInt8] {
        var state = self.h
        self.buffer.finish { Self.compress(&state, $0) }
        var out = [UInt8]()
        out.reserveCapacity(20)
        for w in [state.0, state.1, state.2, state.3, state.4] { out.appendBE(w) }
        return out
    }

    private static func compress(_ s: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer) {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 { w[i] = loadBE32(block, i * 4) }
        for i in 16..<80 { w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotl(1) }
        var (a, b, c, d, e) = s
        for i in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch i {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
            case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
            default: f = b ^ c ^ d; k = 0xCA62_C1D6
            }
            let t = a.rotl(5) &+ f &+ e &+ k &+ w[i]
            e = d; d = c; c = b.rotl(30); b = a; a = t
        }
        s.0 &+= a; s.1 &+= b; s.2 &+= c; s.3 &+= d; s.4 &+= e
    }
}

extension UInt32 {
    @inline(__always) func rotl(_ n: UInt32) -> UInt32 { (self << n) | (self >> (32 - n)) }
    @inline(__always) func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBE(_ w: UInt32) {
        self.append(UInt8(truncatingIfNeeded: w >> 24)); self.append(UInt8(truncatingIfNeeded: w >> 16))
        self.append(UInt8(truncatingIfNeeded: w >> 8)); self.append(UInt8(truncatingIfNeeded: w))
    }
}
