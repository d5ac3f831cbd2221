/// Append-only helpers for building wire messages into a caller-owned `[UInt8]`.
extension Array where Element == UInt8 {
    @inline(__always) public mutating func appendUInt16LE(_ v: UInt16) {
        self.append(UInt8(truncatingIfNeeded: v)); self.append(UInt8(truncatingIfNeeded: v >> 8))
    }
    @inline(__always) public mutating func appendUInt24LE(_ v: UInt32) {
        self.append(UInt8(truncatingIfNeeded: v))
        self.append(UInt8(truncatingIfNeeded: v >> 8))
        self.append(UInt8(truncatingIfNeeded: v >> 16))
    }
    @inline(__always) public mutating func appendUInt32LE(_ v: UInt32) {
        for i in 0..<4 { self.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
    @inline(__always) public mutating func appendUInt64LE(_ v: UInt64) {
        for i in 0..<8 { self.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
    @inline(__always) public mutating func appendUInt16BE(_ v: UInt16) {
        self.append(UInt8(truncatingIfNeeded: v >> 8)); self.append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) public mutating func appendUInt24BE(_ v: UInt32) {
        self.append(UInt8(truncatingIfNeeded: v >> 16))
        self.append(UInt8(truncatingIfNeeded: v >> 8))
        self.append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) public mutating func appendUInt32BE(_ v: UInt32) {
        for i in (0..<4).reversed() { self.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
    @inline(__always) public mutating func appendUInt64BE(_ v: UInt64) {
        for i in (0..<8).reversed() { self.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
    /// Unsigned LEB128 varint.
    @inline(__always) public mutating func appendULEB128(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            self.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        self.append(UInt8(v))
    }
    public mutating func appendString(_ s: String) {
        self.append(contentsOf: Array(s.utf8))
    }
}
