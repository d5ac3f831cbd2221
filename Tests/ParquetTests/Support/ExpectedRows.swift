@testable import Parquet

/// Turns the `check_parquet.py` expected-JSON format into writer input, and decoded cells into the
/// same canonical text, so files can be compared with rows produced by an independent oracle.
enum ExpectedRows {
    /// Schema for the golden type names: string, date, decimal(P,S), int32, int64.
    static func schema(_ doc: JSON) throws -> [ParquetColumnSchema] {
        try doc["columns"].map { $0.array }?.map { c -> ParquetColumnSchema in
            guard let name = c["name"]?.string, let type = c["type"]?.string, let nullable = c["nullable"]?.bool else {
                throw FixtureError("bad column entry")
            }
            let (physical, logical) = try Self.types(type)
            return ParquetColumnSchema(name: name, physicalType: physical, logicalType: logical, isRequired: !nullable)
        } ?? []
    }

    static func types(_ type: String) throws -> (ParquetPhysicalType, ParquetLogicalType) {
        switch type {
        case "string": return (.byteArray, .string)
        case "date": return (.int32, .date)
        case "int32": return (.int32, .none)
        case "int64": return (.int64, .none)
        case "float64": return (.double, .none)
        default:
            guard type.hasPrefix("decimal(") else { throw FixtureError("unknown type \(type)") }
            let (p, s) = Self.decimalParameters(type)
            return (.fixedLenByteArray(Civil.flbaLength(p)), .decimal(precision: p, scale: s))
        }
    }

    static func decimalParameters(_ type: String) -> (Int, Int) {
        let inner = type.dropFirst("decimal(".count).dropLast()
        let parts = inner.split(separator: ",").compactMap { Int($0) }
        return (parts[0], parts[1])
    }

    /// Writer cells for the JSON rows.
    static func rows(_ doc: JSON, schema: [ParquetColumnSchema]) throws -> [[ParquetValue]] {
        try (doc["rows"]?.array ?? []).map { row in
            try schema.map { c in
                guard let v = row[c.name], v != .null else { return .null }
                switch c.logicalType {
                case .string:
                    guard let s = v.string else { throw FixtureError("string expected") }
                    return .bytes(Array(s.utf8))
                case .date:
                    guard let s = v.string else { throw FixtureError("date expected") }
                    return .int32(Int32(Civil.parseDate(s)))
                case .decimal(_, let scale):
                    guard let s = v.string, case .fixedLenByteArray(let n) = c.physicalType else { throw FixtureError("decimal expected") }
                    return .bytes(Civil.bigEndian(Civil.unscaled(s, scale: scale), bytes: n))
                default:
                    guard let t = v.numberText else { throw FixtureError("number expected") }
                    switch c.physicalType {
                    case .int32: return .int32(Int32(t) ?? 0)
                    case .int64: return .int64(Int64(t) ?? 0)
                    default: return .double(Double(t) ?? 0)
                    }
                }
            }
        }
    }

    /// Canonical text of an expected JSON cell for the expected column type.
    static func canonical(expected v: JSON, type: String) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .string(let s):
            if s == "NaN" { return "NaN" }
            return s
        case .number(let t):
            if type.hasPrefix("float") { return String(Double(t) ?? .nan) }
            return t
        default: return "?"
        }
    }

    /// Canonical text of a decoded cell, following `make_expected.py`'s conventions.
    static func canonical(_ v: ParquetValue, column: ParquetColumnSchema, type: String) -> String {
        switch v {
        case .null: return "null"
        case .boolean(let b): return String(b)
        case .int32(let x):
            if case .date = column.logicalType { return Civil.date(Int(x)) }
            if case .decimal(_, let s) = column.logicalType { return Civil.formatDecimal(Int128(x), scale: s) }
            if case .integer(_, false) = column.logicalType { return String(UInt32(bitPattern: x)) }
            return String(x)
        case .int64(let x):
            if case .timestamp(let unit, _) = column.logicalType { return Civil.timestamp(x, unit: unit) }
            if case .decimal(_, let s) = column.logicalType { return Civil.formatDecimal(Int128(x), scale: s) }
            if case .integer(_, false) = column.logicalType { return String(UInt64(bitPattern: x)) }
            return String(x)
        case .float(let f): return f.isNaN ? "NaN" : String(Double(f))
        case .double(let d): return d.isNaN ? "NaN" : String(d)
        case .bytes(let b):
            if case .decimal(_, let s) = column.logicalType { return Civil.formatDecimal(Civil.fromBigEndian(b), scale: s) }
            if column.physicalType == .int96 { return Civil.int96Timestamp(b) }
            if type == "string" { return String(decoding: b, as: UTF8.self) }
            return "0x" + b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        }
    }
}

extension Civil {
    /// The minimal FLBA length for a precision, computed independently: smallest n with 10^p <= 2^(8n-1).
    static func flbaLength(_ p: Int) -> Int {
        var n = 1
        while true {
            // log10(2^(8n-1)) >= p, compared exactly via digit counts of 2^(8n-1).
            var digits: [Int] = [1]
            for _ in 0..<(8 * n - 1) {
                var carry = 0
                for i in digits.indices {
                    let v = digits[i] * 2 + carry
                    digits[i] = v % 10
                    carry = v / 10
                }
                if carry > 0 { digits.append(carry) }
            }
            if digits.count > p { return n }
            n += 1
        }
    }

    /// Epoch value in `unit` as `YYYY-MM-DDTHH:MM:SS[.frac]` (trailing fraction zeros dropped).
    static func timestamp(_ v: Int64, unit: ParquetTimeUnit) -> String {
        let perSecond: Int64 = unit == .millis ? 1_000 : unit == .micros ? 1_000_000 : 1_000_000_000
        let perDay = perSecond * 86_400
        let days = v >= 0 ? v / perDay : -((-v + perDay - 1) / perDay)
        let rest = v - days * perDay
        let nanos = UInt64(rest) * UInt64(1_000_000_000 / perSecond)
        var b = (0..<8).map { UInt8(truncatingIfNeeded: nanos >> (8 * UInt64($0))) }
        let julian = UInt32(Int64(2_440_588) + days)
        b += (0..<4).map { UInt8(truncatingIfNeeded: julian >> (8 * UInt32($0))) }
        return Self.int96Timestamp(b)
    }

    /// INT96 (nanoseconds of day LE u64, Julian day LE u32) as `YYYY-MM-DDTHH:MM:SS[.frac]`.
    static func int96Timestamp(_ b: [UInt8]) -> String {
        var nanos: UInt64 = 0
        for i in 0..<8 { nanos |= UInt64(b[i]) << (8 * UInt64(i)) }
        var julian: UInt32 = 0
        for i in 0..<4 { julian |= UInt32(b[8 + i]) << (8 * UInt32(i)) }
        let days = Int(julian) - 2_440_588
        let secs = Int(nanos / 1_000_000_000)
        var frac = String(nanos % 1_000_000_000)
        frac = String(repeating: "0", count: 9 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let time = "\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))"
        return Civil.date(days) + "T" + time + (frac.isEmpty ? "" : "." + frac)
    }
}
