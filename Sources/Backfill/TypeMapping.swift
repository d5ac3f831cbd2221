import MySQLWire
import Parquet

/// How one result-set column becomes one Parquet column, and how its text values convert.
///
/// The file mirrors the table: the schema comes from the column definitions in table order.
/// DECIMAL(p,s) → DECIMAL (INT32 p ≤ 9, INT64 p ≤ 18, FIXED_LEN_BYTE_ARRAY beyond), exact;
/// DATE → DATE; BIGINT → INT64; INT/MEDIUMINT/SMALLINT/TINYINT → INT32 with the INT annotation;
/// CHAR/VARCHAR/TEXT → STRING; FLOAT/DOUBLE → FLOAT/DOUBLE; DATETIME/TIMESTAMP → TIMESTAMP(MICROS).
public struct ColumnMapping: Sendable {
    public enum Kind: Sendable, Equatable {
        case decimal(precision: Int, scale: Int, flbaLength: Int?)
        case date
        case int32(signed: Bool)
        case int64(signed: Bool)
        case string
        case float
        case double
        case timestampMicros

        /// What a value of this kind is called in the error for one that does not parse.
        var valueName: String {
            switch self {
            case .decimal(let precision, let scale, _): return "DECIMAL(\(precision),\(scale))"
            case .date: return "DATE"
            case .int32: return "INT"
            case .int64: return "BIGINT"
            case .string: return "UTF-8 text"
            case .float: return "FLOAT"
            case .double: return "DOUBLE"
            case .timestampMicros: return "DATETIME"
            }
        }
    }
    public let name: String
    public let kind: Kind
    public let schema: ParquetColumnSchema

    /// Maps a column definition, or throws naming the column and its type.
    public init(column c: MySQLColumn) throws {
        self.name = c.name
        let required = c.isNotNull
        let t = c.type.rawValue
        switch t {
        case 0x00, 0xF6:  // DECIMAL, NEWDECIMAL
            let scale = Int(c.decimals)
            // column_length counts the digits, the point (if any) and the sign (if signed).
            let precision = Int(c.columnLength) - (scale > 0 ? 1 : 0) - (c.isUnsigned ? 0 : 1)
            guard precision >= 1, precision <= 65, scale >= 0, scale <= precision else {
                throw BackfillError(.unsupportedColumnType, "column '\(c.name)': cannot derive DECIMAL precision from length \(c.columnLength), scale \(scale)")
            }
            let physical: ParquetPhysicalType
            var flba: Int? = nil
            if precision <= 9 {
                physical = .int32
            } else if precision <= 18 {
                physical = .int64
            } else {
                let n = Self.flbaLength(precision: precision)
                flba = n
                physical = .fixedLenByteArray(n)
            }
            self.kind = .decimal(precision: precision, scale: scale, flbaLength: flba)
            self.schema = ParquetColumnSchema(name: c.name, physicalType: physical, logicalType: .decimal(precision: precision, scale: scale), isRequired: required)
        case 0x0A, 0x0E:  // DATE, NEWDATE
            self.kind = .date
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .int32, logicalType: .date, isRequired: required)
        case 0x01, 0x02, 0x09, 0x03:  // TINYINT, SMALLINT, MEDIUMINT, INT
            let bits = t == 0x01 ? 8 : (t == 0x02 ? 16 : 32)
            self.kind = .int32(signed: !c.isUnsigned)
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .int32, logicalType: .integer(bitWidth: bits, signed: !c.isUnsigned), isRequired: required)
        case 0x08:  // BIGINT
            self.kind = .int64(signed: !c.isUnsigned)
            self.schema = ParquetColumnSchema(
                name: c.name, physicalType: .int64, logicalType: c.isUnsigned ? .integer(bitWidth: 64, signed: false) : .none, isRequired: required)
        case 0x0F, 0xFD, 0xFE, 0xF9, 0xFA, 0xFB, 0xFC:  // VARCHAR, VAR_STRING, STRING, *BLOB/*TEXT
            // Binary strings have the binary character set (63). BINARY_FLAG alone does not say
            // so: servers set it on text columns with a *_bin collation (Dolt's default).
            guard c.characterSet != 63 else {
                throw BackfillError(.unsupportedColumnType, "column '\(c.name)' is binary (BINARY/VARBINARY/BLOB), which has no mapping to Parquet here; select it as text or leave it out of the view")
            }
            self.kind = .string
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .byteArray, logicalType: .string, isRequired: required)
        case 0x04:
            self.kind = .float
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .float, logicalType: .none, isRequired: required)
        case 0x05:
            self.kind = .double
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .double, logicalType: .none, isRequired: required)
        case 0x07, 0x0C:  // TIMESTAMP, DATETIME
            self.kind = .timestampMicros
            self.schema = ParquetColumnSchema(name: c.name, physicalType: .int64, logicalType: .timestamp(unit: .micros, isAdjustedToUTC: false), isRequired: required)
        default:
            throw BackfillError(
                .unsupportedColumnType,
                "column '\(c.name)' has MySQL type \(Self.typeName(t)), which has no Parquet mapping; supported: DECIMAL, DATE, DATETIME, TIMESTAMP, TINYINT..BIGINT, FLOAT, DOUBLE, CHAR, VARCHAR, TEXT (cast it in a view)")
        }
    }

    /// Minimal FIXED_LEN_BYTE_ARRAY width holding every unscaled value of `precision` digits.
    static func flbaLength(precision: Int) -> Int {
        // Smallest n with 2^(8n-1) > 10^precision - 1, i.e. 8n - 1 >= precision * log2(10).
        var n = 1
        while Double(8 * n - 1) < Double(precision) * 3.321928094887362 { n += 1 }
        return n
    }

    static func typeName(_ t: UInt8) -> String {
        switch t {
        case 0x06: return "NULL"
        case 0x0B: return "TIME"
        case 0x0D: return "YEAR"
        case 0x10: return "BIT"
        case 0xF5: return "JSON"
        case 0xF7: return "ENUM"
        case 0xF8: return "SET"
        case 0xFF: return "GEOMETRY"
        default: return "code 0x" + String(t, radix: 16)
        }
    }

    /// Converts one text-protocol value. `nil` is SQL NULL.
    public func convert(_ raw: [UInt8]?) throws -> ParquetValue {
        guard let raw else { return try self.convertNull() }
        return try self.convert(raw.span)
    }

    /// SQL NULL: `.null`, or an error for a NOT NULL column.
    public func convertNull() throws -> ParquetValue {
        guard !self.schema.isRequired else {
            throw BackfillError(.badValue, "column '\(self.name)' is NOT NULL but the server sent NULL")
        }
        return .null
    }

    /// Converts one non-NULL text-protocol value straight from the received bytes (the only
    /// implementation: the array form above calls it). Throws naming the column and the value.
    public func convert(_ raw: Span<UInt8>) throws -> ParquetValue {
        guard let value = Self.value(raw, kind: self.kind) else { throw self.bad(raw, self.kind.valueName) }
        return value
    }

    /// The value of non-NULL bytes for a column of `kind`, or nil when they are not a valid one.
    /// Hot path, once per cell of a fetch: numbers, decimals and dates are parsed from the bytes
    /// without building Strings or intermediate arrays; only the forms the fast parsers do not
    /// take (e.g. `+5`, 19+ digit integers, FLOAT and DOUBLE) go through the standard library's
    /// String parsers, exactly as before. Static and on the plain `Kind` so that a caller looping
    /// over columns does not copy a ColumnMapping (and retain its Strings) per cell.
    static func value(_ raw: Span<UInt8>, kind: Kind) -> ParquetValue? {
        switch kind {
        case .decimal(let precision, let scale, let flba):
            let width = flba ?? (precision <= 9 ? 4 : 8)
            if let v = DecimalText.smallUnscaledValue(raw, precision: precision, scale: scale, width: width) {
                if let flba { return .bytes(DecimalText.twosComplement(v, width: flba)) }
                return precision <= 9 ? .int32(Int32(truncatingIfNeeded: v)) : .int64(v)
            }
            guard let bytes = DecimalText.generalUnscaled(raw, precision: precision, scale: scale, width: width) else { return nil }
            if flba != nil { return .bytes(bytes) }
            var v: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
            for b in bytes { v = v << 8 | Int64(b) }
            return precision <= 9 ? .int32(Int32(truncatingIfNeeded: v)) : .int64(v)
        case .date:
            return CivilDate(bytes: raw).map { .int32(Int32($0.daysSinceEpoch)) }
        case .int32(let signed):
            if let v = IntegerText.simple(raw) {
                if signed, let x = Int32(exactly: v) { return .int32(x) }
                if !signed, let x = UInt32(exactly: v) { return .int32(Int32(bitPattern: x)) }
            }
            guard let s = Self.string(raw) else { return nil }
            if signed, let v = Int32(s) { return .int32(v) }
            if !signed, let v = UInt32(s) { return .int32(Int32(bitPattern: v)) }
            return nil
        case .int64(let signed):
            if let v = IntegerText.simple(raw), signed || v >= 0 { return .int64(v) }
            guard let s = Self.string(raw) else { return nil }
            if signed, let v = Int64(s) { return .int64(v) }
            if !signed, let v = UInt64(s) { return .int64(Int64(bitPattern: v)) }
            return nil
        case .string:
            guard Self.isValidUTF8(raw) else { return nil }
            return .bytes(Self.array(raw))
        case .float:
            guard let s = Self.string(raw), let v = Float(s) else { return nil }
            return .float(v)
        case .double:
            guard let s = Self.string(raw), let v = Double(s) else { return nil }
            return .double(v)
        case .timestampMicros:
            return Self.parseDateTimeMicros(raw).map { .int64($0) }
        }
    }

    /// The bytes as a String when they are valid UTF-8 (the standard library's check).
    static func string(_ raw: Span<UInt8>) -> String? {
        raw.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
    }

    /// Whether the bytes are valid UTF-8, without building a String.
    static func isValidUTF8(_ raw: Span<UInt8>) -> Bool {
        (try? UTF8Span(validating: raw)) != nil
    }

    static func array(_ raw: Span<UInt8>) -> [UInt8] {
        raw.withUnsafeBufferPointer { Array($0) }
    }

    private func bad(_ raw: Span<UInt8>, _ what: String) -> BackfillError {
        let shown = raw.extracting(0..<min(64, raw.count)).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        return BackfillError(.badValue, "column '\(self.name)': the server sent '\(shown)', which is not a valid \(what)")
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` → microseconds since the epoch.
    static func parseDateTimeMicros(_ b: [UInt8]) -> Int64? { self.parseDateTimeMicros(b.span) }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` → microseconds since the epoch.
    static func parseDateTimeMicros(_ b: Span<UInt8>) -> Int64? {
        guard b.count >= 19, b[10] == UInt8(ascii: " "), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let date = CivilDate(bytes: b.extracting(0..<10)),
            let hh = CivilDate.number(b, 11..<13), let mm = CivilDate.number(b, 14..<16), let ss = CivilDate.number(b, 17..<19),
            hh < 24, mm < 60, ss < 60
        else { return nil }
        var micros = 0
        if b.count > 19 {
            guard b[19] == UInt8(ascii: "."), b.count > 20, b.count <= 26, let frac = CivilDate.number(b, 20..<b.count) else { return nil }
            micros = frac
            for _ in 0..<(26 - b.count) { micros *= 10 }
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hh * 3600 + mm * 60 + ss)
        return seconds * 1_000_000 + Int64(micros)
    }
}

/// Converts whole result rows, read in place (`TextRowView`), with one `ColumnMapping` per column.
///
/// Text columns remember their last value: when a cell has the same bytes (the ticker column
/// repeats on every row of a per-ticker query), the previous array is shared instead of checking
/// and copying the bytes again. Values and errors are those of `ColumnMapping.convert`.
struct RowConverter {
    let mappings: [ColumnMapping]
    /// What the per-cell loop needs of each mapping, without its Strings: copying these is free,
    /// where copying a ColumnMapping per cell (which the compiler did) retained and released them.
    private let columns: [Column]
    /// Per column: the last text value converted (already checked as UTF-8), or nil.
    private var lastText: [[UInt8]?]

    private struct Column {
        let kind: ColumnMapping.Kind
        let isRequired: Bool
        let isText: Bool
    }

    init(mappings: [ColumnMapping]) {
        self.mappings = mappings
        self.columns = mappings.map { m in
            let isText: Bool
            if case .string = m.kind { isText = true } else { isText = false }
            return Column(kind: m.kind, isRequired: m.schema.isRequired, isText: isText)
        }
        self.lastText = Array(repeating: nil, count: mappings.count)
    }

    /// One row's values; throws BackfillError for a cell count that does not match the columns
    /// or a value that does not convert (the error `ColumnMapping.convert` gives for it).
    mutating func convert(_ row: TextRowView) throws -> [ParquetValue] {
        let columns = self.columns
        guard row.count == columns.count else {
            throw BackfillError(.badValue, "the server sent a row with \(row.count) values for \(columns.count) columns")
        }
        // Moved out and back so that updating it never copies the array.
        var lastText = self.lastText
        self.lastText = []
        defer { self.lastText = lastText }
        var out: [ParquetValue] = []
        out.reserveCapacity(columns.count)
        for i in 0..<columns.count {
            let column = columns[i]
            let value = row.withCell(i) { cell -> ParquetValue? in
                guard let cell else { return column.isRequired ? nil : .null }
                guard column.isText else { return ColumnMapping.value(cell, kind: column.kind) }
                if let last = lastText[i], Self.equal(last, cell) { return .bytes(last) }
                let value = ColumnMapping.value(cell, kind: column.kind)
                if case .bytes(let bytes)? = value { lastText[i] = bytes }
                return value
            }
            if let value {
                out.append(value)
            } else {
                // Cold path: the mapping's own conversion throws the error for this cell.
                let mapping = self.mappings[i]
                out.append(try row.withCell(i) { cell in
                    guard let cell else { return try mapping.convertNull() }
                    return try mapping.convert(cell)
                })
            }
        }
        return out
    }

    static func equal(_ a: [UInt8], _ b: Span<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<b.count where a[k] != b[k] { return false }
        return true
    }
}

/// Decimal integer text → Int64 without a String.
enum IntegerText {
    /// `[-]digits` with 1 to 18 digits (so it cannot overflow), or nil for anything else: a `+`,
    /// no digits, more digits, any other byte. Callers hand those to the standard library's
    /// parser, so the two paths never disagree on a value or on what is rejected.
    static func simple(_ s: Span<UInt8>) -> Int64? {
        let negative = s.count > 0 && s[0] == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        guard (1...18).contains(s.count - start), let v = CivilDate.number(s, start..<s.count) else { return nil }
        return negative ? -Int64(v) : Int64(v)
    }
}

/// Exact decimal text → unscaled integer, never through floating point.
enum DecimalText {
    /// Parses `[-]digits[.digits]` with at most `scale` fraction digits and at most `precision`
    /// digits in all, and returns the unscaled value as big-endian two's complement in `width` bytes.
    static func unscaledTwosComplement(_ text: [UInt8], precision: Int, scale: Int, width: Int) -> [UInt8]? {
        self.unscaledTwosComplement(text.span, precision: precision, scale: scale, width: width)
    }

    /// `unscaledTwosComplement` over bytes in place.
    static func unscaledTwosComplement(_ text: Span<UInt8>, precision: Int, scale: Int, width: Int) -> [UInt8]? {
        // Values of up to 18 significant digits, nearly all of them, are parsed into a UInt64
        // without intermediate arrays (the general path below once took a fifth of a fetch's CPU
        // time). Anything else takes the general path. The fetch itself calls the two directly
        // (ColumnMapping.value), to skip the byte array for decimals stored as INT32/INT64.
        if let v = self.smallUnscaledValue(text, precision: precision, scale: scale, width: width) {
            return self.twosComplement(v, width: width)
        }
        return self.generalUnscaled(text, precision: precision, scale: scale, width: width)
    }

    /// The fast path: a well-formed value with at most 18 significant digits (after the scale's
    /// padding zeros) that fits `width` bytes, as the signed unscaled value; or nil to let
    /// `generalUnscaled` decide, including every rejection.
    static func smallUnscaledValue(_ text: Span<UInt8>, precision: Int, scale: Int, width: Int) -> Int64? {
        guard width >= 1, width <= 64, scale >= 0, scale <= 18 else { return nil }
        var (negative, i) = Self.sign(text)
        var value: UInt64 = 0
        var significant = 0
        var fraction = 0
        var seenPoint = false
        var seenDigit = false
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                seenDigit = true
                if seenPoint { fraction += 1 }
                if value != 0 || c != UInt8(ascii: "0") {
                    significant += 1
                    guard significant <= 18 else { return nil }
                    value = value * 10 + UInt64(c - UInt8(ascii: "0"))
                }
            } else {
                return nil
            }
            i += 1
        }
        guard seenDigit, fraction <= scale else { return nil }
        if value != 0 {
            for _ in fraction..<scale {
                significant += 1
                guard significant <= 18 else { return nil }
                value *= 10
            }
        }
        guard significant <= max(precision, 1) else { return nil }
        // The magnitude must leave the sign bit of `width` bytes clear (value < 2^63 already).
        if width < 8, value >> UInt64(8 * width - 1) != 0 { return nil }
        return negative ? -Int64(value) : Int64(value)
    }

    /// `value` as big-endian two's complement in `width` bytes (sign-extended past 8).
    static func twosComplement(_ value: Int64, width: Int) -> [UInt8] {
        // Allocation dominates here (once per FIXED_LEN_BYTE_ARRAY decimal cell). An array literal
        // is allocated directly; Array(unsafeUninitializedCapacity:) calls an unspecialized
        // allocator that looks up the array type's metadata under a lock each time (twice the
        // cost), and reserveCapacity + append sits in between. Width 9 is DECIMAL(19...20), the
        // usual price/amount type, so it gets the literal.
        let bits = UInt64(bitPattern: value)
        let fill: UInt8 = value < 0 ? 0xFF : 0
        @inline(__always) func byte(_ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: bits >> shift) }
        if width == 9 {
            return [fill, byte(56), byte(48), byte(40), byte(32), byte(24), byte(16), byte(8), byte(0)]
        }
        var out: [UInt8] = []
        out.reserveCapacity(width)
        for k in 0..<width {
            let shift = 8 * (width - 1 - k)
            out.append(shift < 64 ? byte(UInt64(shift)) : fill)
        }
        return out
    }

    /// An optional leading `-` or `+`: whether the value is negative, and where its digits start.
    @inline(__always) static func sign(_ text: Span<UInt8>) -> (negative: Bool, start: Int) {
        guard text.count > 0 else { return (false, 0) }
        switch text[0] {
        case UInt8(ascii: "-"): return (true, 1)
        case UInt8(ascii: "+"): return (false, 1)
        default: return (false, 0)
        }
    }

    /// The general path over an array (tests compare it with the fast path).
    static func generalUnscaled(_ text: [UInt8], precision: Int, scale: Int, width: Int) -> [UInt8]? {
        self.generalUnscaled(text.span, precision: precision, scale: scale, width: width)
    }

    /// The general path: any number of digits, multiply-by-10-and-add over the output bytes.
    static func generalUnscaled(_ text: Span<UInt8>, precision: Int, scale: Int, width: Int) -> [UInt8]? {
        var (negative, i) = Self.sign(text)
        var digits: [UInt8] = []
        var fraction = 0
        var seenPoint = false
        var seenDigit = false
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                seenDigit = true
                if seenPoint { fraction += 1 }
                if !(digits.isEmpty && c == UInt8(ascii: "0")) || seenPoint { digits.append(c - UInt8(ascii: "0")) }
            } else {
                return nil
            }
            i += 1
        }
        guard seenDigit, fraction <= scale else { return nil }
        for _ in fraction..<scale { digits.append(0) }
        while digits.count > 1, digits[0] == 0 { digits.removeFirst() }
        guard digits.count <= max(precision, 1) else { return nil }
        // Magnitude in base 256, big-endian, built by multiply-by-10-and-add.
        var mag = [UInt8](repeating: 0, count: width)
        for d in digits {
            var carry = Int(d)
            for k in stride(from: width - 1, through: 0, by: -1) {
                let v = Int(mag[k]) * 10 + carry
                mag[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            guard carry == 0 else { return nil }
        }
        guard mag[0] & 0x80 == 0 else { return nil }
        let isZero = mag.allSatisfy { $0 == 0 }
        if negative && !isZero {
            var carry = 1
            for k in stride(from: width - 1, through: 0, by: -1) {
                let v = Int(~mag[k]) + carry
                mag[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return mag
    }
}
