import ByteCoding

/// How a column's values compare for statistics (parquet.thrift `ColumnOrder` TYPE_ORDER and
/// LogicalTypes.md "Sort Order"), and how they become statistics bytes.
enum SortOrderKind: Equatable {
    case signedInt32, unsignedInt32, signedInt64, unsignedInt64
    case float, double, boolean
    /// Unsigned byte-wise lexicographic (strings, plain binary, non-decimal FLBA).
    case unsignedBytes
    /// Big-endian two's complement integers (decimals in FLBA / BYTE_ARRAY).
    case signedBigEndian
    /// No defined order (INT96): only null_count is written.
    case undefined

    /// parquet-cpp also writes the deprecated `min`/`max` for SIGNED orders
    /// (thrift_internal.h ToThrift: "If the order is SIGNED, then the old min value must be set too").
    var isSigned: Bool {
        switch self {
        case .signedInt32, .signedInt64, .float, .double, .boolean, .signedBigEndian: return true
        case .unsignedInt32, .unsignedInt64, .unsignedBytes, .undefined: return false
        }
    }

    /// Strict "less than" in this order for two non-null, non-NaN values of the column.
    func less(_ a: ParquetValue, _ b: ParquetValue) -> Bool {
        switch (a, b) {
        case (.int32(let x), .int32(let y)):
            return self == .unsignedInt32 ? UInt32(bitPattern: x) < UInt32(bitPattern: y) : x < y
        case (.int64(let x), .int64(let y)):
            return self == .unsignedInt64 ? UInt64(bitPattern: x) < UInt64(bitPattern: y) : x < y
        case (.float(let x), .float(let y)): return x < y
        case (.double(let x), .double(let y)): return x < y
        case (.boolean(let x), .boolean(let y)): return !x && y
        case (.bytes(let x), .bytes(let y)):
            return self == .signedBigEndian ? Self.signedBigEndianLess(x, y) : x.lexicographicallyPrecedes(y)
        default: return false
        }
    }

    /// Compares two big-endian two's complement integers of possibly different lengths.
    static func signedBigEndianLess(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = max(a.count, b.count)
        let aNeg = (a.first ?? 0) & 0x80 != 0
        let bNeg = (b.first ?? 0) & 0x80 != 0
        if aNeg != bNeg { return aNeg }
        for i in 0..<n {
            let x = i < n - a.count ? (aNeg ? 0xFF : 0) : a[i - (n - a.count)]
            let y = i < n - b.count ? (bNeg ? 0xFF : 0) : b[i - (n - b.count)]
            if x != y { return x < y }
        }
        return false
    }

    /// PLAIN encoding without a length prefix (parquet.thrift `Statistics`).
    static func statisticsBytes(_ v: ParquetValue) -> [UInt8] {
        var out: [UInt8] = []
        switch v {
        case .int32(let x): out.appendUInt32LE(UInt32(bitPattern: x))
        case .int64(let x): out.appendUInt64LE(UInt64(bitPattern: x))
        case .float(let x): out.appendUInt32LE(x.bitPattern)
        case .double(let x): out.appendUInt64LE(x.bitPattern)
        case .boolean(let x): out.append(x ? 1 : 0)
        case .bytes(let b): out = b
        case .null: break
        }
        return out
    }
}

/// A validated column: its footer `SchemaElement`, sort order and value checks.
struct ColumnSpec {
    let schema: ParquetColumnSchema
    let physicalTypeId: Int32
    let element: ParquetFormat.SchemaElement
    let sortOrder: SortOrderKind
    /// For decimals: the exclusive bound 10^precision on the unscaled magnitude, when it fits Int128 checks.
    let decimalPrecision: Int?

    /// Maps a public column description onto the footer schema element (research/parquet.md §4:
    /// write both ConvertedType and LogicalType, plus scale/precision/type_length).
    init(_ c: ParquetColumnSchema) throws {
        self.schema = c
        var e = ParquetFormat.SchemaElement(name: c.name)
        let t: Int32
        switch c.physicalType {
        case .boolean: t = ParquetFormat.PhysicalTypeId.boolean
        case .int32: t = ParquetFormat.PhysicalTypeId.int32
        case .int64: t = ParquetFormat.PhysicalTypeId.int64
        case .int96: t = ParquetFormat.PhysicalTypeId.int96
        case .float: t = ParquetFormat.PhysicalTypeId.float
        case .double: t = ParquetFormat.PhysicalTypeId.double
        case .byteArray: t = ParquetFormat.PhysicalTypeId.byteArray
        case .fixedLenByteArray(let n):
            guard n >= 1 && n <= Int(Int32.max) else {
                throw ParquetError.schema("column \(c.name): FIXED_LEN_BYTE_ARRAY length \(n) must be at least 1")
            }
            t = ParquetFormat.PhysicalTypeId.fixedLenByteArray
            e.typeLength = Int32(n)
        }
        e.type = t
        e.repetitionType = c.isRequired ? 0 : 1
        self.physicalTypeId = t
        var order: SortOrderKind
        switch c.physicalType {
        case .boolean: order = .boolean
        case .int32: order = .signedInt32
        case .int64: order = .signedInt64
        case .int96: order = .undefined
        case .float: order = .float
        case .double: order = .double
        case .byteArray, .fixedLenByteArray: order = .unsignedBytes
        }
        var precision: Int?
        func mismatch(_ what: String) -> ParquetError {
            ParquetError.schema("column \(c.name): \(what) cannot be stored as \(c.physicalType); see LogicalTypes.md")
        }
        switch c.logicalType {
        case .none:
            break
        case .string:
            guard case .byteArray = c.physicalType else { throw mismatch("STRING") }
            e.convertedType = 0
            e.logicalType = .string
        case .date:
            guard case .int32 = c.physicalType else { throw mismatch("DATE") }
            e.convertedType = 6
            e.logicalType = .date
        case .decimal(let p, let s):
            guard p >= 1, s >= 0, s <= p, p <= 1000 else {
                throw ParquetError.schema("column \(c.name): DECIMAL(\(p),\(s)) needs 1 <= precision and 0 <= scale <= precision")
            }
            switch c.physicalType {
            case .int32: guard p <= 9 else { throw mismatch("DECIMAL with precision \(p) > 9") }
            case .int64: guard p <= 18 else { throw mismatch("DECIMAL with precision \(p) > 18") }
            case .fixedLenByteArray(let n):
                let minimal = ParquetColumnSchema.decimalFLBALength(precision: p)
                guard n >= minimal else { throw mismatch("DECIMAL(\(p),\(s)) needs at least \(minimal) bytes; it") }
                order = .signedBigEndian
            case .byteArray: order = .signedBigEndian
            default: throw mismatch("DECIMAL")
            }
            precision = p
            e.convertedType = 5
            e.scale = Int32(s)
            e.precision = Int32(p)
            e.logicalType = .decimal(scale: Int32(s), precision: Int32(p))
        case .integer(let bits, let signed):
            switch (bits, c.physicalType) {
            case (8, .int32), (16, .int32), (32, .int32), (64, .int64): break
            default: throw mismatch("INTEGER(\(bits))")
            }
            let base: Int32 = signed ? 15 : 11  // INT_8 = 15 ... INT_64 = 18; UINT_8 = 11 ... UINT_64 = 14
            e.convertedType = base + Int32(bits.trailingZeroBitCount - 3)
            e.logicalType = .integer(bitWidth: Int8(bits), isSigned: signed)
            if !signed { order = bits == 64 ? .unsignedInt64 : .unsignedInt32 }
        case .timestamp(let unit, let utc):
            guard case .int64 = c.physicalType else { throw mismatch("TIMESTAMP") }
            // LogicalTypes.md: writers must also write the ConvertedType where one exists (none for NANOS);
            // check_parquet.py warns when TIMESTAMP_MILLIS/MICROS is missing, whatever isAdjustedToUTC says.
            switch unit {
            case .millis: e.convertedType = 9
            case .micros: e.convertedType = 10
            case .nanos: break
            }
            let u: ParquetFormat.TimeUnit
            switch unit {
            case .millis: u = .millis
            case .micros: u = .micros
            case .nanos: u = .nanos
            }
            e.logicalType = .timestamp(isAdjustedToUTC: utc, unit: u)
        }
        self.element = e
        self.sortOrder = order
        self.decimalPrecision = precision
    }

    /// Checks that `v` fits this column; returns a value-level error naming the row.
    func validate(_ v: ParquetValue, row: Int) throws {
        let name = self.schema.name
        func bad(_ what: String) -> ParquetError {
            ParquetError.value("row \(row), column \(name): \(what)")
        }
        switch (v, self.schema.physicalType) {
        case (.null, _):
            if self.schema.isRequired { throw bad("NULL in a REQUIRED column; make the column optional or supply a value") }
        case (.boolean, .boolean), (.int64, .int64), (.float, .float), (.double, .double):
            break
        case (.int32(let x), .int32):
            if case .integer(let bits, let signed) = self.schema.logicalType, bits < 32 {
                let range: ClosedRange<Int32> = signed ? -(1 << Int32(bits - 1))...((1 << Int32(bits - 1)) - 1) : 0...((1 << Int32(bits)) - 1)
                guard range.contains(x) else { throw bad("\(x) does not fit INTEGER(\(bits), signed: \(signed))") }
            }
            if let p = self.decimalPrecision, !Self.fitsPrecision(Int64(x).magnitude, p) { throw bad("decimal exceeds precision \(p)") }
        case (.int64(let x), .int64) where self.decimalPrecision != nil:
            if let p = self.decimalPrecision, !Self.fitsPrecision(x.magnitude, p) { throw bad("decimal exceeds precision \(p)") }
        case (.bytes(let b), .int96):
            guard b.count == 12 else { throw bad("INT96 needs 12 bytes, got \(b.count)") }
        case (.bytes(let b), .fixedLenByteArray(let n)):
            guard b.count == n else { throw bad("FIXED_LEN_BYTE_ARRAY(\(n)) needs exactly \(n) bytes, got \(b.count)") }
            try self.checkDecimalBytes(b, bad)
        case (.bytes(let b), .byteArray):
            guard b.count <= Int(Int32.max) else { throw bad("BYTE_ARRAY value too long") }
            if case .string = self.schema.logicalType, String(validating: b, as: UTF8.self) == nil {
                throw bad("STRING value is not valid UTF-8")
            }
            if self.decimalPrecision != nil {
                guard !b.isEmpty else { throw bad("a BYTE_ARRAY decimal needs at least one byte") }
                try self.checkDecimalBytes(b, bad)
            }
        default:
            throw bad("value \(v) does not match physical type \(self.schema.physicalType)")
        }
    }

    private func checkDecimalBytes(_ b: [UInt8], _ bad: (String) -> ParquetError) throws {
        guard let p = self.decimalPrecision else { return }
        // Only check magnitudes up to 38 digits (fits UInt128); wider decimals are stored as given.
        guard p <= 38 else { return }
        let negative = (b.first ?? 0) & 0x80 != 0
        // Sign-extension bytes beyond 16 must be pure sign bytes.
        let extra = max(0, b.count - 16)
        for i in 0..<extra where b[i] != (negative ? 0xFF : 0x00) { throw bad("decimal exceeds precision \(p)") }
        var v = negative ? UInt128.max : 0
        for byte in b[extra...] { v = v << 8 | UInt128(byte) }
        // Two's complement magnitude.
        let magnitude = negative ? (~v) &+ 1 : v
        if negative && magnitude == 0 { throw bad("decimal exceeds precision \(p)") }
        guard Self.fitsPrecision(magnitude, p) else { throw bad("decimal exceeds precision \(p)") }
    }

    /// Whether `magnitude < 10^p`.
    static func fitsPrecision<T: UnsignedInteger & FixedWidthInteger>(_ magnitude: T, _ p: Int) -> Bool {
        var limit: T = 1
        for _ in 0..<p {
            let (next, overflow) = limit.multipliedReportingOverflow(by: 10)
            if overflow { return true }
            limit = next
        }
        return magnitude < limit
    }
}
