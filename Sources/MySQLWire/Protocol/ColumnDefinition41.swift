import ByteCoding

/// A column type code (MySQL internals "Column Types", `enum_field_types`). A struct over the raw
/// byte, so unknown codes from newer servers survive; named constants for the known ones.
public struct MySQLColumnType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw type byte.
    public var rawValue: UInt8
    /// Wraps a raw type byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// MYSQL_TYPE_DECIMAL (old decimal).
    public static let decimal = MySQLColumnType(rawValue: 0x00)
    /// MYSQL_TYPE_TINY (TINYINT).
    public static let tiny = MySQLColumnType(rawValue: 0x01)
    /// MYSQL_TYPE_SHORT (SMALLINT).
    public static let short = MySQLColumnType(rawValue: 0x02)
    /// MYSQL_TYPE_LONG (INT).
    public static let long = MySQLColumnType(rawValue: 0x03)
    /// MYSQL_TYPE_FLOAT.
    public static let float = MySQLColumnType(rawValue: 0x04)
    /// MYSQL_TYPE_DOUBLE.
    public static let double = MySQLColumnType(rawValue: 0x05)
    /// MYSQL_TYPE_NULL.
    public static let null = MySQLColumnType(rawValue: 0x06)
    /// MYSQL_TYPE_TIMESTAMP.
    public static let timestamp = MySQLColumnType(rawValue: 0x07)
    /// MYSQL_TYPE_LONGLONG (BIGINT).
    public static let longlong = MySQLColumnType(rawValue: 0x08)
    /// MYSQL_TYPE_INT24 (MEDIUMINT).
    public static let int24 = MySQLColumnType(rawValue: 0x09)
    /// MYSQL_TYPE_DATE.
    public static let date = MySQLColumnType(rawValue: 0x0A)
    /// MYSQL_TYPE_TIME.
    public static let time = MySQLColumnType(rawValue: 0x0B)
    /// MYSQL_TYPE_DATETIME.
    public static let datetime = MySQLColumnType(rawValue: 0x0C)
    /// MYSQL_TYPE_YEAR.
    public static let year = MySQLColumnType(rawValue: 0x0D)
    /// MYSQL_TYPE_NEWDATE.
    public static let newdate = MySQLColumnType(rawValue: 0x0E)
    /// MYSQL_TYPE_VARCHAR.
    public static let varchar = MySQLColumnType(rawValue: 0x0F)
    /// MYSQL_TYPE_BIT.
    public static let bit = MySQLColumnType(rawValue: 0x10)
    /// MYSQL_TYPE_TIMESTAMP2 (server-internal).
    public static let timestamp2 = MySQLColumnType(rawValue: 0x11)
    /// MYSQL_TYPE_DATETIME2 (server-internal).
    public static let datetime2 = MySQLColumnType(rawValue: 0x12)
    /// MYSQL_TYPE_TIME2 (server-internal).
    public static let time2 = MySQLColumnType(rawValue: 0x13)
    /// MYSQL_TYPE_VECTOR (MySQL 9).
    public static let vector = MySQLColumnType(rawValue: 0xF2)
    /// MYSQL_TYPE_JSON.
    public static let json = MySQLColumnType(rawValue: 0xF5)
    /// MYSQL_TYPE_NEWDECIMAL (DECIMAL).
    public static let newdecimal = MySQLColumnType(rawValue: 0xF6)
    /// MYSQL_TYPE_ENUM.
    public static let `enum` = MySQLColumnType(rawValue: 0xF7)
    /// MYSQL_TYPE_SET.
    public static let set = MySQLColumnType(rawValue: 0xF8)
    /// MYSQL_TYPE_TINY_BLOB.
    public static let tinyBlob = MySQLColumnType(rawValue: 0xF9)
    /// MYSQL_TYPE_MEDIUM_BLOB.
    public static let mediumBlob = MySQLColumnType(rawValue: 0xFA)
    /// MYSQL_TYPE_LONG_BLOB.
    public static let longBlob = MySQLColumnType(rawValue: 0xFB)
    /// MYSQL_TYPE_BLOB.
    public static let blob = MySQLColumnType(rawValue: 0xFC)
    /// MYSQL_TYPE_VAR_STRING (VARCHAR/VARBINARY in result sets).
    public static let varString = MySQLColumnType(rawValue: 0xFD)
    /// MYSQL_TYPE_STRING (CHAR/BINARY).
    public static let string = MySQLColumnType(rawValue: 0xFE)
    /// MYSQL_TYPE_GEOMETRY.
    public static let geometry = MySQLColumnType(rawValue: 0xFF)

    private static let names: [UInt8: String] = [
        0x00: "decimal", 0x01: "tiny", 0x02: "short", 0x03: "long", 0x04: "float", 0x05: "double",
        0x06: "null", 0x07: "timestamp", 0x08: "longlong", 0x09: "int24", 0x0A: "date", 0x0B: "time",
        0x0C: "datetime", 0x0D: "year", 0x0E: "newdate", 0x0F: "varchar", 0x10: "bit",
        0x11: "timestamp2", 0x12: "datetime2", 0x13: "time2", 0xF2: "vector", 0xF5: "json",
        0xF6: "newdecimal", 0xF7: "enum", 0xF8: "set", 0xF9: "tinyBlob", 0xFA: "mediumBlob",
        0xFB: "longBlob", 0xFC: "blob", 0xFD: "varString", 0xFE: "string", 0xFF: "geometry",
    ]

    /// The constant's name, or `type(0xNN)` for an unknown code.
    public var description: String {
        MySQLColumnType.names[self.rawValue] ?? "type(0x\(Hex.encode([self.rawValue])))"
    }
}

/// One column of a result set, from Protocol::ColumnDefinition41.
public struct MySQLColumn: Sendable, Equatable {
    /// `name`: the column alias.
    public var name: String
    /// `org_name`: the column's name in its table.
    public var originalName: String
    /// `table`: the table alias.
    public var table: String
    /// `type`.
    public var type: MySQLColumnType
    /// `flags` (NOT_NULL 0x0001, PRI_KEY 0x0002, UNSIGNED 0x0020, BINARY 0x0080, ...).
    public var flags: UInt16
    /// `decimals`: the scale of DECIMAL columns.
    public var decimals: UInt8
    /// `column_length`: maximum display length.
    public var columnLength: UInt32
    /// `character_set`: a collation id (63 = binary). Dolt sends 255 even for numbers and dates.
    public var characterSet: UInt16

    /// Builds a column (tests and fakes).
    public init(name: String, originalName: String, table: String, type: MySQLColumnType, flags: UInt16,
                decimals: UInt8, columnLength: UInt32, characterSet: UInt16) {
        self.name = name
        self.originalName = originalName
        self.table = table
        self.type = type
        self.flags = flags
        self.decimals = decimals
        self.columnLength = columnLength
        self.characterSet = characterSet
    }

    /// NOT_NULL_FLAG (0x0001).
    public var isNotNull: Bool { self.flags & 0x0001 != 0 }
    /// UNSIGNED_FLAG (0x0020).
    public var isUnsigned: Bool { self.flags & 0x0020 != 0 }
    /// BINARY_FLAG (0x0080) or the binary character set (63).
    public var isBinary: Bool { self.flags & 0x0080 != 0 || self.characterSet == 63 }
}

/// Protocol::ColumnDefinition41 (MySQL internals "Column Definition"):
///
/// ```
/// lenenc catalog ("def"), lenenc schema, lenenc table, lenenc org_table, lenenc name, lenenc org_name,
/// int<lenenc> length of fixed fields (0x0C), int<2> character_set, int<4> column_length,
/// int<1> type, int<2> flags, int<1> decimals, int<2> filler
/// ```
public enum ColumnDefinition41 {
    /// Decodes one column definition payload; trailing bytes are rejected.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> MySQLColumn {
        var r = ByteReader(payload)
        guard LengthEncoded.readBytes(&r) != nil, LengthEncoded.readBytes(&r) != nil,   // catalog, schema
              let table = LengthEncoded.readString(&r),
              LengthEncoded.readBytes(&r) != nil,                                          // org_table
              let name = LengthEncoded.readString(&r),
              let originalName = LengthEncoded.readString(&r) else {
            throw .malformed("column definition", "truncated names")
        }
        guard let fixedLength = LengthEncoded.readInteger(&r), fixedLength >= 10,
              fixedLength <= UInt64(r.remaining), var fixed = r.subReader(Int(fixedLength)) else {
            throw .malformed("column definition", "bad fixed-length fields")
        }
        guard let charset = fixed.readUInt16LE(), let length = fixed.readUInt32LE(), let type = fixed.readByte(),
              let flags = fixed.readUInt16LE(), let decimals = fixed.readByte() else {
            throw .malformed("column definition", "truncated fixed-length fields")
        }
        guard r.isAtEnd else { throw .malformed("column definition", "\(r.remaining) trailing bytes") }
        return MySQLColumn(name: name, originalName: originalName, table: table,
                           type: MySQLColumnType(rawValue: type), flags: flags, decimals: decimals,
                           columnLength: length, characterSet: charset)
    }
}
