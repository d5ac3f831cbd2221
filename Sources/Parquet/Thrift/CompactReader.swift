/// Decodes Thrift compact-protocol structs from untrusted bytes.
///
/// Every length and count is checked against the remaining input before anything is allocated,
/// nesting (structs, lists, maps, including skipped ones) is limited to `maxDepth`, and every
/// failure is a `ParquetError` with code `.malformedThrift` (never a trap).
public struct CompactReader: Sendable {
    /// Nesting limit for structs and containers (arrow-rs `DEFAULT_SKIP_DEPTH`).
    public static let maxDepth = 64

    /// The whole input buffer.
    public let bytes: [UInt8]
    /// Index of the next byte to read.
    public private(set) var position: Int
    /// One past the last readable byte.
    public let end: Int
    private var depth = 0

    /// Reads `bytes[start..<end]`.
    public init(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) throws {
        let e = end ?? bytes.count
        guard start >= 0, start <= e, e <= bytes.count else { throw ParquetError.thrift("reader bounds out of range") }
        self.bytes = bytes
        self.position = start
        self.end = e
    }

    /// Bytes left before `end`.
    public var remaining: Int { self.end - self.position }

    /// Reads one raw byte.
    public mutating func readByte() throws -> UInt8 {
        guard self.position < self.end else { throw ParquetError.thrift("truncated: expected 1 more byte at offset \(self.position)") }
        defer { self.position += 1 }
        return self.bytes[self.position]
    }

    /// Unsigned LEB128 varint of at most 10 bytes.
    public mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try self.readByte()
            let chunk = UInt64(b & 0x7F)
            if shift == 63 && chunk > 1 { throw ParquetError.thrift("varint overflows 64 bits at offset \(self.position - 1)") }
            result |= chunk << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ParquetError.thrift("varint longer than 10 bytes at offset \(self.position)") }
        }
    }

    /// Zigzag varint as a 64-bit signed value.
    public mutating func readZigzag64() throws -> Int64 {
        let u = try self.readVarint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// Zigzag varint that must fit an i32.
    public mutating func readI32() throws -> Int32 {
        let v = try self.readZigzag64()
        guard let r = Int32(exactly: v) else { throw ParquetError.thrift("i32 value \(v) out of range") }
        return r
    }

    /// Zigzag varint that must fit an i16.
    public mutating func readI16() throws -> Int16 {
        let v = try self.readZigzag64()
        guard let r = Int16(exactly: v) else { throw ParquetError.thrift("i16 value \(v) out of range") }
        return r
    }

    /// Zigzag varint as an i64.
    public mutating func readI64() throws -> Int64 { try self.readZigzag64() }

    /// One raw byte as i8.
    public mutating func readI8() throws -> Int8 { Int8(bitPattern: try self.readByte()) }

    /// Eight bytes little-endian IEEE-754.
    public mutating func readDouble() throws -> Double {
        guard self.remaining >= 8 else { throw ParquetError.thrift("truncated double at offset \(self.position)") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(self.bytes[self.position + i]) << (8 * UInt64(i)) }
        self.position += 8
        return Double(bitPattern: bits)
    }

    /// Varint length then bytes; the length is checked against the remaining input.
    public mutating func readBinary() throws -> [UInt8] {
        let n = try self.readVarint()
        guard n <= UInt64(self.remaining) else {
            throw ParquetError.thrift("binary length \(n) exceeds the \(self.remaining) remaining bytes")
        }
        let count = Int(n)
        defer { self.position += count }
        return Array(self.bytes[self.position..<(self.position + count)])
    }

    /// A binary value that must be valid UTF-8.
    public mutating func readString() throws -> String {
        let raw = try self.readBinary()
        guard let s = String(validating: raw, as: UTF8.self) else { throw ParquetError.thrift("string is not valid UTF-8") }
        return s
    }

    /// Reads a list/set header: element type and count (count bounded by the remaining bytes,
    /// since every element takes at least one byte). An empty list may carry element type 0
    /// (fastparquet writes a bare `00`; arrow-rs accepts it).
    public mutating func readListHeader() throws -> (elementType: UInt8, count: Int) {
        let b = try self.readByte()
        let elementType = b & 0x0F
        var count = UInt64(b >> 4)
        if count == 15 { count = try self.readVarint() }
        if count == 0 { return (elementType, 0) }
        guard elementType >= 1 && elementType <= 12 else { throw ParquetError.thrift("list element type \(elementType) is invalid") }
        let minSize: UInt64 = elementType == CompactType.double.rawValue ? 8 : 1
        guard count <= UInt64(self.remaining) / minSize else {
            throw ParquetError.thrift("list claims \(count) elements but only \(self.remaining) bytes remain")
        }
        return (elementType, Int(count))
    }

    /// A bool list element: 1 is true; 0 (old convention) and 2 (spec) are false.
    public mutating func readBoolElement() throws -> Bool {
        switch try self.readByte() {
        case 1: return true
        case 0, 2: return false
        case let b: throw ParquetError.thrift("bool list element \(b) is not 0, 1 or 2")
        }
    }

    /// Reads a struct, calling `field` for every field (id, wire type). `field` returns false for
    /// fields it does not know or whose wire type does not match the IDL; those are skipped,
    /// as the C++/Java generated readers do.
    public mutating func readStruct(_ field: (inout CompactReader, Int16, UInt8) throws -> Bool) throws {
        try self.enter()
        var last: Int16 = 0
        while true {
            let b = try self.readByte()
            if b == 0 { break }
            let type = b & 0x0F
            let delta = b >> 4
            let id: Int16
            if delta != 0 {
                let (sum, overflow) = last.addingReportingOverflow(Int16(delta))
                guard !overflow else { throw ParquetError.thrift("field id delta overflows i16") }
                id = sum
            } else {
                id = try self.readI16()
            }
            guard type >= 1 && type <= 12 else { throw ParquetError.thrift("field \(id) has invalid wire type \(type)") }
            last = id
            if try !field(&self, id, type) {
                try self.skip(type)
            }
        }
        self.depth -= 1
    }

    /// Skips one value of wire type `type`, recursively, within the depth limit.
    public mutating func skip(_ type: UInt8) throws {
        switch type {
        case 1, 2: return
        case 3: _ = try self.readByte()
        case 4, 5, 6: _ = try self.readVarint()
        case 7:
            guard self.remaining >= 8 else { throw ParquetError.thrift("truncated double") }
            self.position += 8
        case 8:
            let n = try self.readVarint()
            guard n <= UInt64(self.remaining) else { throw ParquetError.thrift("binary length \(n) exceeds remaining input") }
            self.position += Int(n)
        case 9, 10:
            try self.enter()
            let (et, count) = try self.readListHeader()
            for _ in 0..<count {
                if et == 1 || et == 2 { _ = try self.readBoolElement() } else { try self.skip(et) }
            }
            self.depth -= 1
        case 11:
            try self.enter()
            let size = try self.readVarint()
            if size > 0 {
                guard size <= UInt64(self.remaining) / 2 else { throw ParquetError.thrift("map claims \(size) entries") }
                let kv = try self.readByte()
                let kt = kv >> 4, vt = kv & 0x0F
                guard (1...12).contains(kt), (1...12).contains(vt) else { throw ParquetError.thrift("map key/value type invalid") }
                for _ in 0..<Int(size) {
                    if kt == 1 || kt == 2 { _ = try self.readBoolElement() } else { try self.skip(kt) }
                    if vt == 1 || vt == 2 { _ = try self.readBoolElement() } else { try self.skip(vt) }
                }
            }
            self.depth -= 1
        case 12:
            try self.readStruct { _, _, _ in false }
        default:
            throw ParquetError.thrift("cannot skip wire type \(type)")
        }
    }

    /// Reads a list of elements whose wire type must be `expected` (an empty list may have any type).
    /// Returns nil, after skipping the list, when the element type does not match.
    mutating func readList<T>(of expected: UInt8, _ element: (inout CompactReader) throws -> T) throws -> [T]? {
        try self.enter()
        defer { self.depth -= 1 }
        let (et, count) = try self.readListHeader()
        if count == 0 { return [] }
        let isBool = expected == 1 || expected == 2
        guard et == expected || (isBool && (et == 1 || et == 2)) else {
            for _ in 0..<count {
                if et == 1 || et == 2 { _ = try self.readBoolElement() } else { try self.skip(et) }
            }
            return nil
        }
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try element(&self)) }
        return out
    }

    private mutating func enter() throws {
        self.depth += 1
        guard self.depth <= Self.maxDepth else { throw ParquetError.thrift("nesting deeper than \(Self.maxDepth)") }
    }
}
