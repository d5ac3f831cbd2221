/// A bounds-checked cursor over bytes received from a peer or read from a file.
///
/// Every read returns `nil` when not enough bytes remain; callers decide whether that means
/// "wait for more" (framers) or "malformed" (message parsers). Nothing here traps on peer data.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// Index of the next unread byte in `bytes`.
    public private(set) var offset: Int
    /// One past the last byte this reader may read (a sub-reader is bounded by its parent's slice).
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    public init(_ bytes: [UInt8], offset: Int, end: Int) {
        precondition(offset >= 0 && offset <= end && end <= bytes.count, "ByteReader bounds out of range")
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    public var remaining: Int { self.end - self.offset }
    public var isAtEnd: Bool { self.offset >= self.end }

    public mutating func readByte() -> UInt8? {
        guard self.offset < self.end else { return nil }
        defer { self.offset += 1 }
        return self.bytes[self.offset]
    }

    public func peekByte() -> UInt8? {
        self.offset < self.end ? self.bytes[self.offset] : nil
    }

    /// Reads `count` bytes; `nil` when fewer remain or `count` is negative.
    public mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= self.remaining else { return nil }
        defer { self.offset += count }
        return Array(self.bytes[self.offset..<(self.offset + count)])
    }

    /// Reads `count` bytes as a slice of the underlying storage (no copy).
    public mutating func readSlice(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= self.remaining else { return nil }
        defer { self.offset += count }
        return self.bytes[self.offset..<(self.offset + count)]
    }

    /// Carves a reader bounded to the next `count` bytes and advances past them.
    public mutating func subReader(_ count: Int) -> ByteReader? {
        guard count >= 0, count <= self.remaining else { return nil }
        let sub = ByteReader(self.bytes, offset: self.offset, end: self.offset + count)
        self.offset += count
        return sub
    }

    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= self.remaining else { return false }
        self.offset += count
        return true
    }

    /// Reads the rest of this reader's bytes.
    public mutating func readRemaining() -> [UInt8] {
        defer { self.offset = self.end }
        return Array(self.bytes[self.offset..<self.end])
    }

    /// Reads bytes up to (not including) the first `terminator`, and consumes the terminator.
    public mutating func readUntil(_ terminator: UInt8) -> [UInt8]? {
        var i = self.offset
        while i < self.end {
            if self.bytes[i] == terminator {
                let out = Array(self.bytes[self.offset..<i])
                self.offset = i + 1
                return out
            }
            i += 1
        }
        return nil
    }

    public mutating func readUInt16LE() -> UInt16? { self.readLE(UInt16.self) }
    public mutating func readUInt24LE() -> UInt32? {
        guard self.remaining >= 3 else { return nil }
        let b = self.bytes, o = self.offset
        self.offset += 3
        return UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16
    }
    public mutating func readUInt32LE() -> UInt32? { self.readLE(UInt32.self) }
    public mutating func readUInt64LE() -> UInt64? { self.readLE(UInt64.self) }
    public mutating func readUInt16BE() -> UInt16? { self.readBE(UInt16.self) }
    public mutating func readUInt24BE() -> UInt32? {
        guard self.remaining >= 3 else { return nil }
        let b = self.bytes, o = self.offset
        self.offset += 3
        return UInt32(b[o]) << 16 | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2])
    }
    public mutating func readUInt32BE() -> UInt32? { self.readBE(UInt32.self) }
    public mutating func readUInt64BE() -> UInt64? { self.readBE(UInt64.self) }

    @inline(__always)
    private mutating func readLE<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard self.remaining >= size else { return nil }
        var value: T = 0
        for i in 0..<size { value |= T(self.bytes[self.offset + i]) << (8 * i) }
        self.offset += size
        return value
    }

    @inline(__always)
    private mutating func readBE<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard self.remaining >= size else { return nil }
        var value: T = 0
        for i in 0..<size { value = value << 8 | T(self.bytes[self.offset + i]) }
        self.offset += size
        return value
    }

    /// Unsigned LEB128 (Thrift/Protobuf varint), at most `maxBytes` bytes (10 for 64-bit values).
    /// Returns `nil` on short input or on an over-long or overflowing encoding.
    public mutating func readULEB128(maxBytes: Int = 10) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = self.offset
        var count = 0
        while i < self.end, count < maxBytes {
            let byte = self.bytes[i]
            let chunk = UInt64(byte & 0x7F)
            if shift == 63 && chunk > 1 { return nil }
            result |= chunk << shift
            i += 1
            count += 1
            if byte & 0x80 == 0 {
                self.offset = i
                return result
            }
            shift += 7
        }
        return nil
    }
}
