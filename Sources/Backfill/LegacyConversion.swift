import Parquet

/// Brings rows of an existing object written by another writer (the replaced pandas/pyarrow
/// script: DOUBLE prices, TIMESTAMP dates, an index column) into the table's schema without
/// losing data. A value that cannot be represented exactly (or, for floats, after rounding half
/// to even to the column's scale) is an error for that object, never a silent change.
enum LegacyConversion {
    struct Conformed {
        /// The table's schema, plus columns only the old file has (kept, nullable).
        var schema: [ParquetColumnSchema]
        var rows: [[ParquetValue]]
        /// How many extra columns were appended after the table's columns.
        var extraColumns: Int
    }

    /// pandas writes a non-default index as `__index_level_N__`: not data.
    static func isPandasIndex(_ name: String) -> Bool {
        name.hasPrefix("__index_level_") && name.hasSuffix("__")
    }

    static func conform(_ old: ParquetTable, to schema: [ParquetColumnSchema], key: String) throws -> Conformed {
        let currentNames = Set(schema.map(\.name))
        // Index columns named in the pandas metadata (fastparquet calls an unnamed index "index") are
        // not data either, unless the table has a column of that name (an index set on a real column).
        let indexNames = Self.pandasIndexColumns(old.keyValueMetadata).subtracting(currentNames)
        func isIndex(_ name: String) -> Bool { Self.isPandasIndex(name) || indexNames.contains(name) }
        var oldIndex: [String: Int] = [:]
        for (i, c) in old.schema.enumerated() where !isIndex(c.name) && oldIndex[c.name] == nil { oldIndex[c.name] = i }
        let extras = old.schema.enumerated().filter { !isIndex($0.element.name) && !currentNames.contains($0.element.name) }
        var outSchema = schema
        for (_, c) in extras {
            outSchema.append(ParquetColumnSchema(name: c.name, physicalType: c.physicalType, logicalType: c.logicalType, isRequired: false))
        }
        for c in schema where c.isRequired && oldIndex[c.name] == nil {
            throw BackfillError(.schemaMismatch, "existing object \(key) has no column '\(c.name)', which the table requires; it was left untouched")
        }
        var rows: [[ParquetValue]] = []
        rows.reserveCapacity(old.rows.count)
        for (r, oldRow) in old.rows.enumerated() {
            var row: [ParquetValue] = []
            row.reserveCapacity(outSchema.count)
            for target in schema {
                guard let i = oldIndex[target.name] else {
                    row.append(.null)
                    continue
                }
                do {
                    row.append(try Self.convert(oldRow[i], from: old.schema[i], to: target))
                } catch let e as ConversionFailure {
                    throw BackfillError(
                        .schemaMismatch,
                        "existing object \(key), row \(r + 1), column '\(target.name)': \(e.reason); it was left untouched")
                }
            }
            for (i, _) in extras { row.append(oldRow[i]) }
            rows.append(row)
        }
        return Conformed(schema: outSchema, rows: rows, extraColumns: extras.count)
    }

    struct ConversionFailure: Error { let reason: String }

    /// The string entries of `index_columns` in the footer's `pandas` metadata (pandas
    /// `build_table_schema`: `{"index_columns": ["__index_level_0__"], ...}`; a RangeIndex is an
    /// object entry and has no column). Hostile input: anything unexpected yields no names.
    static func pandasIndexColumns(_ metadata: [ParquetKeyValue]) -> Set<String> {
        guard let json = metadata.first(where: { $0.key == "pandas" })?.value else { return [] }
        var scanner = JSONScanner(Array(json.utf8))
        return Set(scanner.stringArray(forTopLevelKey: "index_columns") ?? [])
    }

    /// One value from the old column's type to the table column's type.
    static func convert(_ v: ParquetValue, from old: ParquetColumnSchema, to new: ParquetColumnSchema) throws -> ParquetValue {
        if case .null = v { return .null }
        if old.physicalType == new.physicalType && (old.logicalType == new.logicalType || MonthMerge.sameValues(old, new)) { return v }
        switch new.logicalType {
        case .decimal(let precision, let scale):
            guard let n = try Self.number(v, old) else { return .null }
            let rounding: Rounding = (old.physicalType == .double || old.physicalType == .float) ? .halfEven : .exact
            let width: Int
            switch new.physicalType {
            case .int32: width = 4
            case .int64: width = 8
            case .fixedLenByteArray(let w): width = w
            default: throw ConversionFailure(reason: "unsupported decimal storage")
            }
            guard let digits = n.digits(scale: scale, rounding: rounding),
                let bytes = DecimalText.unscaledTwosComplement(Array(digits.utf8), precision: precision, scale: 0, width: width)
            else {
                throw ConversionFailure(reason: "\(n) does not fit DECIMAL(\(precision),\(scale))\(rounding == .exact ? " exactly" : "")")
            }
            switch new.physicalType {
            case .int32, .int64:
                var x: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
                for b in bytes { x = x << 8 | Int64(b) }
                return new.physicalType == .int32 ? .int32(Int32(truncatingIfNeeded: x)) : .int64(x)
            default:
                return .bytes(bytes)
            }
        case .date:
            return .int32(try Self.days(v, old))
        case .string:
            guard case .bytes(let b) = v, String(validating: b, as: UTF8.self) != nil else {
                throw ConversionFailure(reason: "not UTF-8 text")
            }
            return v
        default:
            break
        }
        switch new.physicalType {
        case .int32, .int64:
            guard let n = try Self.number(v, old) else { return .null }
            guard let digits = n.digits(scale: 0, rounding: .exact), let x = Int64(digits) else {
                throw ConversionFailure(reason: "\(n) is not a whole number that fits")
            }
            if new.physicalType == .int64 { return .int64(x) }
            let signed: Bool
            if case .integer(_, let s) = new.logicalType { signed = s } else { signed = true }
            if signed, let y = Int32(exactly: x) { return .int32(y) }
            if !signed, let y = UInt32(exactly: x) { return .int32(Int32(bitPattern: y)) }
            throw ConversionFailure(reason: "\(x) does not fit a 32-bit integer")
        case .double, .float:
            guard let n = try Self.number(v, old), let d = Double(n.description) else { return .null }
            return new.physicalType == .double ? .double(d) : .float(Float(d))
        default:
            throw ConversionFailure(reason: "cannot convert \(MonthMerge.describe(old)) to \(MonthMerge.describe(new))")
        }
    }

    /// Days since the epoch from a DATE, a TIMESTAMP at midnight, or an INT96 timestamp at midnight.
    static func days(_ v: ParquetValue, _ old: ParquetColumnSchema) throws -> Int32 {
        switch (old.logicalType, v) {
        case (.date, .int32(let d)):
            return d
        case (.timestamp(let unit, _), .int64(let t)):
            let perDay: Int64
            switch unit {
            case .millis: perDay = 86_400_000
            case .micros: perDay = 86_400_000_000
            case .nanos: perDay = 86_400_000_000_000
            }
            let (q, r) = t.quotientAndRemainder(dividingBy: perDay)
            guard r == 0, let d = Int32(exactly: q) else { throw ConversionFailure(reason: "timestamp \(t) is not midnight of a day") }
            return d
        case (_, .bytes(let b)) where old.physicalType == .int96 && b.count == 12:
            var nanos: UInt64 = 0
            for i in (0..<8).reversed() { nanos = nanos << 8 | UInt64(b[i]) }
            var julian: UInt32 = 0
            for i in (8..<12).reversed() { julian = julian << 8 | UInt32(b[i]) }
            guard nanos == 0, let d = Int32(exactly: Int64(julian) - 2_440_588) else { throw ConversionFailure(reason: "INT96 timestamp is not midnight") }
            return d
        default:
            throw ConversionFailure(reason: "cannot read a date from \(MonthMerge.describe(old))")
        }
    }

    enum Rounding { case exact, halfEven }

    /// An exact decimal: sign, significant digits, and a power-of-ten exponent.
    struct Number: CustomStringConvertible {
        var negative: Bool
        var digits: [UInt8]  // no leading zeros; empty means zero
        var exponent: Int

        /// The value times 10^scale as an integer string, rounded as asked; nil if rounding is not allowed and needed.
        func digits(scale: Int, rounding: Rounding) -> String? {
            var ds = self.digits
            let shift = self.exponent + scale
            if shift >= 0 {
                if !ds.isEmpty { ds.append(contentsOf: [UInt8](repeating: 0, count: shift)) }
            } else {
                let drop = -shift
                let keep = max(0, ds.count - drop)
                let dropped = Array(ds[keep...])
                ds = Array(ds[..<keep])
                let padded = [UInt8](repeating: 0, count: max(0, drop - dropped.count)) + dropped
                if padded.contains(where: { $0 != 0 }) {
                    guard rounding == .halfEven else { return nil }
                    let first = padded[0]
                    let restNonZero = padded.dropFirst().contains { $0 != 0 }
                    let lastKeptOdd = (ds.last ?? 0) % 2 == 1
                    if first > 5 || (first == 5 && (restNonZero || lastKeptOdd)) {
                        var i = ds.count - 1
                        var carry = true
                        while carry && i >= 0 {
                            if ds[i] == 9 { ds[i] = 0; i -= 1 } else { ds[i] += 1; carry = false }
                        }
                        if carry { ds.insert(1, at: 0) }
                    }
                }
            }
            let leading = ds.firstIndex { $0 != 0 } ?? ds.count
            if leading == ds.count { return "0" }
            var text: [UInt8] = self.negative ? [UInt8(ascii: "-")] : []
            text.reserveCapacity(ds.count - leading + 1)
            for d in ds[leading...] { text.append(UInt8(ascii: "0") + d) }
            return String(decoding: text, as: UTF8.self)
        }

        var description: String {
            let s = self.digits.isEmpty ? "0" : String(self.digits.map { Character(Unicode.Scalar(UInt8(ascii: "0") + $0)) })
            return (self.negative ? "-" : "") + s + (self.exponent == 0 ? "" : "e\(self.exponent)")
        }

        /// Parses `[-]d[.ddd][e±x]` as printed by Swift (the shortest text that reads back the same double).
        /// Works on the UTF-8 bytes: this runs once per cell of an old file (100k rows × 6 columns).
        init?(text: String) {
            var bytes = Array(text.utf8)[...]
            self.negative = bytes.first == UInt8(ascii: "-")
            if self.negative { bytes = bytes.dropFirst() }
            var exp = 0
            if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                guard let x = Int(String(decoding: bytes[(e + 1)...], as: UTF8.self)) else { return nil }
                exp = x
                bytes = bytes[..<e]
            }
            var ds: [UInt8] = []
            ds.reserveCapacity(bytes.count)
            var fraction = 0
            var seenPoint = false
            for c in bytes {
                if c == UInt8(ascii: "."), !seenPoint {
                    seenPoint = true
                    continue
                }
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                if ds.isEmpty && c == UInt8(ascii: "0") {
                    if seenPoint { fraction += 1 }  // a leading zero after the point still shifts the scale
                    continue
                }
                ds.append(c - UInt8(ascii: "0"))
                if seenPoint { fraction += 1 }
            }
            self.digits = ds
            self.exponent = exp - fraction
        }

        init(negative: Bool, digits: [UInt8], exponent: Int) {
            self.negative = negative
            self.digits = Array(digits.drop { $0 == 0 })
            self.exponent = exponent
        }
    }

    /// The exact value of a numeric cell; nil for NaN (pandas' NULL in float columns).
    static func number(_ v: ParquetValue, _ old: ParquetColumnSchema) throws -> Number? {
        var scale = 0
        var unsigned = false
        if case .decimal(_, let s) = old.logicalType { scale = s }
        if case .integer(_, false) = old.logicalType { unsigned = true }
        switch v {
        case .int32(let x):
            let text = unsigned ? String(UInt32(bitPattern: x)) : String(x)
            guard var n = Number(text: text) else { return nil }
            n.exponent -= scale
            return n
        case .int64(let x):
            let text = unsigned ? String(UInt64(bitPattern: x)) : String(x)
            guard var n = Number(text: text) else { return nil }
            n.exponent -= scale
            return n
        case .double(let d):
            if d.isNaN { return nil }
            guard d.isFinite, let n = Number(text: d.description) else { throw ConversionFailure(reason: "\(d) is not a finite number") }
            return n
        case .float(let f):
            if f.isNaN { return nil }
            guard f.isFinite, let n = Number(text: f.description) else { throw ConversionFailure(reason: "\(f) is not a finite number") }
            return n
        case .bytes(let b) where !b.isEmpty:
            guard case .decimal = old.logicalType else { throw ConversionFailure(reason: "bytes are not a number") }
            // Big-endian two's complement → sign and magnitude digits.
            let negative = b[0] & 0x80 != 0
            var mag = b
            if negative {
                var carry = 1
                for i in stride(from: mag.count - 1, through: 0, by: -1) {
                    let x = Int(~mag[i]) + carry
                    mag[i] = UInt8(x & 0xFF)
                    carry = x >> 8
                }
            }
            var digits: [UInt8] = []
            while mag.contains(where: { $0 != 0 }) {
                var rem = 0
                for i in 0..<mag.count {
                    let cur = rem << 8 | Int(mag[i])
                    mag[i] = UInt8(cur / 10)
                    rem = cur % 10
                }
                digits.insert(UInt8(rem), at: 0)
            }
            return Number(negative: negative, digits: digits, exponent: -scale)
        default:
            throw ConversionFailure(reason: "not a number")
        }
    }
}

/// Just enough JSON (RFC 8259) to pull one array of strings out of a top-level object; every other
/// value is skipped structurally. Bounded: nesting deeper than 64 or any syntax error gives nil.
struct JSONScanner {
    private let b: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { self.b = bytes }

    mutating func stringArray(forTopLevelKey wanted: String) -> [String]? {
        self.space()
        guard self.eat(UInt8(ascii: "{")) else { return nil }
        self.space()
        if self.eat(UInt8(ascii: "}")) { return nil }
        while true {
            self.space()
            guard let key = self.string() else { return nil }
            self.space()
            guard self.eat(UInt8(ascii: ":")) else { return nil }
            self.space()
            if key == wanted {
                guard self.eat(UInt8(ascii: "[")) else { return nil }
                var out: [String] = []
                self.space()
                if self.eat(UInt8(ascii: "]")) { return out }
                while true {
                    self.space()
                    if self.peek == UInt8(ascii: "\"") {
                        guard let s = self.string() else { return nil }
                        out.append(s)
                    } else {
                        guard self.skipValue(depth: 0) else { return nil }
                    }
                    self.space()
                    if self.eat(UInt8(ascii: "]")) { return out }
                    guard self.eat(UInt8(ascii: ",")) else { return nil }
                }
            }
            guard self.skipValue(depth: 0) else { return nil }
            self.space()
            if self.eat(UInt8(ascii: "}")) { return nil }
            guard self.eat(UInt8(ascii: ",")) else { return nil }
        }
    }

    private var peek: UInt8? { self.i < self.b.count ? self.b[self.i] : nil }

    private mutating func eat(_ c: UInt8) -> Bool {
        guard self.peek == c else { return false }
        self.i += 1
        return true
    }

    private mutating func space() {
        while let c = self.peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { self.i += 1 }
    }

    /// A string with its escapes resolved (\uXXXX surrogate pairs joined; lone surrogates refused).
    private mutating func string() -> String? {
        guard self.eat(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while let c = self.peek {
            self.i += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = self.peek else { return nil }
                self.i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = self.hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard self.eat(UInt8(ascii: "\\")), self.eat(UInt8(ascii: "u")), let low = self.hex4(),
                            (0xDC00..<0xE000).contains(low)
                        else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            default:
                guard c >= 0x20 else { return nil }
                out.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard self.b.count - self.i >= 4 else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = Character(Unicode.Scalar(self.b[self.i])).hexDigitValue else { return nil }
            v = v << 4 | UInt32(d)
            self.i += 1
        }
        return v
    }

    /// Skips one value of any kind; false on a syntax error or nesting deeper than 64.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, let c = self.peek else { return false }
        switch c {
        case UInt8(ascii: "\""):
            return self.string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            self.i += 1
            self.space()
            if self.eat(close) { return true }
            while true {
                self.space()
                if close == UInt8(ascii: "}") {
                    guard self.string() != nil else { return false }
                    self.space()
                    guard self.eat(UInt8(ascii: ":")) else { return false }
                    self.space()
                }
                guard self.skipValue(depth: depth + 1) else { return false }
                self.space()
                if self.eat(close) { return true }
                guard self.eat(UInt8(ascii: ",")) else { return false }
            }
        default:
            // Numbers, true, false, null: a run of their characters.
            let start = self.i
            while let d = self.peek, d == UInt8(ascii: "-") || d == UInt8(ascii: "+") || d == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(d)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(d)
            {
                self.i += 1
            }
            return self.i > start
        }
    }
}
