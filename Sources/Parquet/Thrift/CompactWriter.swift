import ByteCoding

/// Wire type ids of the Thrift compact protocol (thrift-compact-protocol.md, "Struct encoding").
public enum CompactType: UInt8, Sendable {
    /// Ends a struct (`0x00`).
    case stop = 0
    /// Boolean true, carried in a field header (in lists: element type for bools).
    case booleanTrue = 1
    /// Boolean false, carried in a field header (some writers use it as the list element type).
    case booleanFalse = 2
    /// One raw byte.
    case i8 = 3
    /// Zigzag varint.
    case i16 = 4
    /// Zigzag varint; also every enum.
    case i32 = 5
    /// Zigzag varint.
    case i64 = 6
    /// Eight bytes, IEEE-754 little-endian.
    case double = 7
    /// Varint length, then the bytes (strings are UTF-8).
    case binary = 8
    /// List header, then the elements.
    case list = 9
    /// Same layout as a list.
    case set = 10
    /// Varint size, key/value type byte, then the pairs.
    case map = 11
    /// Nested fields, then STOP.
    case `struct` = 12
}

/// Encodes Thrift compact-protocol structs into a caller-owned buffer.
///
/// The "last field id" used for short field headers belongs to each struct separately, so the
/// writer keeps a stack: `beginStruct` pushes 0 and `endStruct` restores the outer value
/// (research/parquet.md §2.3, the classic hand-written-Thrift bug).
public struct CompactWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]
    private var lastFieldId: Int = 0
    private var stack: [Int] = []

    /// Creates a writer with an empty buffer.
    public init() { self.bytes = [] }

    /// Unsigned LEB128 varint.
    public mutating func writeVarint(_ value: UInt64) { self.bytes.appendULEB128(value) }

    /// Zigzag-encoded signed varint (i16/i32/i64 all use the 64-bit form; results are identical).
    public mutating func writeZigzag(_ value: Int64) {
        self.writeVarint(UInt64(bitPattern: (value &<< 1) ^ (value &>> 63)))
    }

    /// Writes a field header: short form for deltas 1...15, long form (type byte + zigzag i16 id) otherwise.
    public mutating func writeFieldHeader(id: Int16, type: CompactType) {
        let delta = Int(id) - self.lastFieldId
        if delta >= 1 && delta <= 15 {
            self.bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            self.bytes.append(type.rawValue)
            self.writeZigzag(Int64(id))
        }
        self.lastFieldId = Int(id)
    }

    /// Writes an i32 (or enum) field.
    public mutating func writeI32(_ id: Int16, _ value: Int32) {
        self.writeFieldHeader(id: id, type: .i32)
        self.writeZigzag(Int64(value))
    }

    /// Writes an i16 field.
    public mutating func writeI16(_ id: Int16, _ value: Int16) {
        self.writeFieldHeader(id: id, type: .i16)
        self.writeZigzag(Int64(value))
    }

    /// Writes an i64 field.
    public mutating func writeI64(_ id: Int16, _ value: Int64) {
        self.writeFieldHeader(id: id, type: .i64)
        self.writeZigzag(value)
    }

    /// Writes an i8 field (one raw byte, not zigzagged).
    public mutating func writeI8(_ id: Int16, _ value: Int8) {
        self.writeFieldHeader(id: id, type: .i8)
        self.bytes.append(UInt8(bitPattern: value))
    }

    /// Writes a bool field: the value lives in the header's type nibble (1 true, 2 false).
    public mutating func writeBool(_ id: Int16, _ value: Bool) {
        self.writeFieldHeader(id: id, type: value ? .booleanTrue : .booleanFalse)
    }

    /// Writes a double field (8 bytes little-endian).
    public mutating func writeDouble(_ id: Int16, _ value: Double) {
        self.writeFieldHeader(id: id, type: .double)
        self.bytes.appendUInt64LE(value.bitPattern)
    }

    /// Writes a binary field.
    public mutating func writeBinary(_ id: Int16, _ value: [UInt8]) {
        self.writeFieldHeader(id: id, type: .binary)
        self.writeBinaryValue(value)
    }

    /// Writes a string field (UTF-8 bytes).
    public mutating func writeString(_ id: Int16, _ value: String) {
        self.writeBinary(id, Array(value.utf8))
    }

    /// Writes a bare binary value (list elements).
    public mutating func writeBinaryValue(_ value: [UInt8]) {
        self.writeVarint(UInt64(value.count))
        self.bytes.append(contentsOf: value)
    }

    /// Writes a list header: `(size << 4) | type` for sizes 0...14, else `0xF0 | type` + varint size.
    public mutating func writeListHeader(elementType: CompactType, count: Int) {
        if count < 15 {
            self.bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            self.bytes.append(0xF0 | elementType.rawValue)
            self.writeVarint(UInt64(count))
        }
    }

    /// Writes a list field header followed by the list header.
    public mutating func writeListField(_ id: Int16, elementType: CompactType, count: Int) {
        self.writeFieldHeader(id: id, type: .list)
        self.writeListHeader(elementType: elementType, count: count)
    }

    /// Writes a struct field header and enters the nested struct.
    public mutating func beginStructField(_ id: Int16) {
        self.writeFieldHeader(id: id, type: .struct)
        self.beginStruct()
    }

    /// Enters a struct (a list element or a field whose header was written): its field ids restart at 0.
    public mutating func beginStruct() {
        self.stack.append(self.lastFieldId)
        self.lastFieldId = 0
    }

    /// Writes STOP and restores the enclosing struct's last field id.
    public mutating func endStruct() {
        self.bytes.append(CompactType.stop.rawValue)
        self.lastFieldId = self.stack.popLast() ?? 0
    }

    /// Writes an empty struct field (`{}` markers such as `StringType` or `TypeDefinedOrder`).
    public mutating func writeEmptyStruct(_ id: Int16) {
        self.beginStructField(id)
        self.endStruct()
    }
}
