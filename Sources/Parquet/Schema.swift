/// Physical storage type of a column (parquet.thrift `Type`).
public enum ParquetPhysicalType: Sendable, Equatable {
    /// BOOLEAN, bit-packed in PLAIN.
    case boolean
    /// INT32, 4 bytes little-endian.
    case int32
    /// INT64, 8 bytes little-endian.
    case int64
    /// INT96, 12 raw bytes (legacy timestamps; read as `.bytes`).
    case int96
    /// FLOAT, IEEE-754 single.
    case float
    /// DOUBLE, IEEE-754 double.
    case double
    /// BYTE_ARRAY, length-prefixed bytes.
    case byteArray
    /// FIXED_LEN_BYTE_ARRAY of the given byte length.
    case fixedLenByteArray(Int)
}

/// Unit of a TIMESTAMP logical type.
public enum ParquetTimeUnit: Sendable, Equatable {
    /// Milliseconds.
    case millis
    /// Microseconds.
    case micros
    /// Nanoseconds.
    case nanos
}

/// The logical annotations this layer writes and maps legacy/converted annotations onto.
public enum ParquetLogicalType: Sendable, Equatable {
    /// No annotation: the physical type is the meaning.
    case none
    /// UTF-8 text in a BYTE_ARRAY.
    case string
    /// Days since 1970-01-01 in an INT32.
    case date
    /// Unscaled integer × 10^-scale in INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY.
    case decimal(precision: Int, scale: Int)
    /// Sized integer (8/16/32 in INT32, 64 in INT64), signed or unsigned.
    case integer(bitWidth: Int, signed: Bool)
    /// Instant or local date-time in an INT64 of the given unit.
    case timestamp(unit: ParquetTimeUnit, isAdjustedToUTC: Bool)
}

/// One flat (leaf) column of a table.
public struct ParquetColumnSchema: Sendable, Equatable {
    /// Column name (the single element of `path_in_schema`).
    public var name: String
    /// Storage type.
    public var physicalType: ParquetPhysicalType
    /// Annotation.
    public var logicalType: ParquetLogicalType
    /// REQUIRED (true) or OPTIONAL (false).
    public var isRequired: Bool

    /// Creates a column description.
    public init(name: String, physicalType: ParquetPhysicalType, logicalType: ParquetLogicalType, isRequired: Bool) {
        self.name = name
        self.physicalType = physicalType
        self.logicalType = logicalType
        self.isRequired = isRequired
    }

    /// The minimal FIXED_LEN_BYTE_ARRAY length for a decimal precision (LogicalTypes.md): the smallest
    /// n with 10^precision <= 2^(8n-1); e.g. 9 for precision 20 (precisions 19...21). 0 for precision < 1.
    public static func decimalFLBALength(precision: Int) -> Int {
        guard precision >= 1 else { return 0 }
        // Exact, without floating point: keep 2^(8n-1) as little-endian decimal digits and grow n until
        // it has more than `precision` digits (2^k, k >= 1, is never a power of ten, so
        // 10^p <= 2^(8n-1) exactly when 2^(8n-1) has at least p+1 digits).
        var digits: [UInt8] = [1]
        func double() {
            var carry: UInt8 = 0
            for i in digits.indices {
                let v = digits[i] &* 2 &+ carry
                digits[i] = v % 10
                carry = v / 10
            }
            if carry > 0 { digits.append(carry) }
        }
        for _ in 0..<7 { double() }  // 2^7 for n = 1
        var n = 1
        while digits.count <= precision {
            for _ in 0..<8 { double() }
            n += 1
        }
        return n
    }
}

/// One cell. Decimals: `.int32`/`.int64` unscaled value, or `.bytes` big-endian two's complement
/// of exactly the FLBA length (minimal length for BYTE_ARRAY decimals). Dates: `.int32` days since
/// 1970-01-01. Timestamps: `.int64` in the unit. Strings: `.bytes` (UTF-8). INT96: `.bytes` (12).
public enum ParquetValue: Sendable, Hashable {
    /// SQL NULL (OPTIONAL columns only).
    case null
    /// BOOLEAN.
    case boolean(Bool)
    /// INT32 (also DATE, small decimals, 8/16/32-bit integers; unsigned ones by bit pattern).
    case int32(Int32)
    /// INT64 (also timestamps, decimals up to 18 digits; UINT_64 by bit pattern).
    case int64(Int64)
    /// FLOAT.
    case float(Float)
    /// DOUBLE.
    case double(Double)
    /// BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY or INT96 bytes.
    case bytes([UInt8])
}

/// One application metadata entry of the footer (`KeyValue`).
public struct ParquetKeyValue: Sendable, Equatable {
    /// The key.
    public var key: String
    /// The value, if any.
    public var value: String?

    /// Creates an entry.
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// A decoded (or to-be-written) flat table.
public struct ParquetTable: Sendable {
    /// Leaf columns in file order.
    public var schema: [ParquetColumnSchema]
    /// Row-major cells; `rows[i].count == schema.count`.
    public var rows: [[ParquetValue]]
    /// Footer key/value metadata (empty when absent).
    public var keyValueMetadata: [ParquetKeyValue]
    /// The footer's `created_by`, if present.
    public var createdBy: String?

    /// Creates a table.
    public init(schema: [ParquetColumnSchema], rows: [[ParquetValue]], keyValueMetadata: [ParquetKeyValue] = [], createdBy: String? = nil) {
        self.schema = schema
        self.rows = rows
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
    }
}
