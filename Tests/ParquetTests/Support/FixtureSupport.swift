#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Parquet

/// Locates and loads files under `Fixtures/parquet`, relative to this source file.
enum Fixture {
    static func path(_ relative: String, file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()  // "Tests"
        return parts.joined(separator: "/") + "/Fixtures/parquet/" + relative
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        let p = Self.path(relative)
        guard let f = fopen(p, "rb") else { throw FixtureError("cannot open \(p)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// Loads a JSON fixture, gunzipping `.json.gz` with the module's own inflater.
    static func json(_ relative: String) throws -> JSON {
        var raw = try Self.bytes(relative)
        if relative.hasSuffix(".gz") { raw = try Gzip.decompress(raw, start: 0, end: raw.count, expectedSize: nil) }
        var parser = JSONParser(raw)
        return try parser.parseDocument()
    }

    /// Writes `bytes` to `$PARQUET_DUMP_DIR/name` when that variable is set (for external validation).
    static func dumpIfRequested(_ name: String, _ bytes: [UInt8]) {
        guard let dir = getenv("PARQUET_DUMP_DIR") else { return }
        let p = String(cString: dir) + "/" + name
        guard let f = fopen(p, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
        fclose(f)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { self.description = d }
}

/// A JSON value; numbers keep their source text so integers beyond 2^53 stay exact.
enum JSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)), (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    subscript(key: String) -> JSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    var array: [JSON] { if case .array(let a) = self { return a } else { return [] } }
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var numberText: String? { if case .number(let n) = self { return n } else { return nil } }
}

/// A small strict JSON parser for the fixture files.
struct JSONParser {
    let b: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { self.b = bytes }

    mutating func parseDocument() throws -> JSON {
        let v = try self.value()
        self.ws()
        guard self.i == self.b.count else { throw FixtureError("trailing JSON at \(self.i)") }
        return v
    }

    mutating func ws() { while self.i < self.b.count, [0x20, 0x0A, 0x0D, 0x09].contains(self.b[self.i]) { self.i += 1 } }

    mutating func value() throws -> JSON {
        self.ws()
        guard self.i < self.b.count else { throw FixtureError("JSON ends early") }
        switch self.b[self.i] {
        case UInt8(ascii: "{"):
            self.i += 1
            var fields: [(String, JSON)] = []
            self.ws()
            if self.b[self.i] == UInt8(ascii: "}") { self.i += 1; return .object(fields) }
            while true {
                self.ws()
                guard case .string(let k) = try self.value() else { throw FixtureError("object key") }
                self.ws()
                guard self.b[self.i] == UInt8(ascii: ":") else { throw FixtureError("colon") }
                self.i += 1
                fields.append((k, try self.value()))
                self.ws()
                let c = self.b[self.i]
                self.i += 1
                if c == UInt8(ascii: "}") { return .object(fields) }
                guard c == UInt8(ascii: ",") else { throw FixtureError("object separator") }
            }
        case UInt8(ascii: "["):
            self.i += 1
            var items: [JSON] = []
            self.ws()
            if self.b[self.i] == UInt8(ascii: "]") { self.i += 1; return .array(items) }
            while true {
                items.append(try self.value())
                self.ws()
                let c = self.b[self.i]
                self.i += 1
                if c == UInt8(ascii: "]") { return .array(items) }
                guard c == UInt8(ascii: ",") else { throw FixtureError("array separator") }
            }
        case UInt8(ascii: "\""):
            self.i += 1
            var out: [UInt8] = []
            while true {
                let c = self.b[self.i]
                self.i += 1
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") {
                    let e = self.b[self.i]
                    self.i += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        var code = UInt32(try self.hex4())
                        if code >= 0xD800 && code < 0xDC00 {
                            self.i += 2  // "\u"
                            let low = UInt32(try self.hex4())
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "?")).utf8))
                    default: out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            return .string(String(decoding: out, as: UTF8.self))
        case UInt8(ascii: "t"): self.i += 4; return .bool(true)
        case UInt8(ascii: "f"): self.i += 5; return .bool(false)
        case UInt8(ascii: "n"): self.i += 4; return .null
        default:
            let s = self.i
            while self.i < self.b.count, Array("+-0123456789.eE".utf8).contains(self.b[self.i]) { self.i += 1 }
            guard self.i > s else { throw FixtureError("unexpected JSON byte at \(s)") }
            return .number(String(decoding: self.b[s..<self.i], as: UTF8.self))
        }
    }

    mutating func hex4() throws -> UInt16 {
        var v: UInt16 = 0
        for _ in 0..<4 {
            guard let n = Hexdigit.value(self.b[self.i]) else { throw FixtureError("bad \\u escape") }
            v = v << 4 | UInt16(n)
            self.i += 1
        }
        return v
    }
}

enum Hexdigit {
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// Calendar and decimal helpers shared by the tests (independent of the code under test).
enum Civil {
    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func days(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `YYYY-MM-DD` for days since 1970-01-01 (civil_from_days).
    static func date(_ z0: Int) -> String {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    static func parseDate(_ s: String) -> Int {
        let p = s.split(separator: "-").compactMap { Int($0) }
        return Self.days(p[0], p[1], p[2])
    }

    /// `"-12.0001"` at `scale` -> unscaled Int128 (exact; no floating point).
    static func unscaled(_ s: String, scale: Int) -> Int128 {
        var negative = false
        var digits = Substring(s)
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        var frac = parts.count > 1 ? String(parts[1]) : ""
        while frac.count < scale { frac += "0" }
        var v: Int128 = 0
        for c in String(parts[0]) + frac { v = v * 10 + Int128(c.wholeNumberValue ?? 0) }
        return negative ? -v : v
    }

    /// Big-endian two's complement of `v` in exactly `n` bytes.
    static func bigEndian(_ v: Int128, bytes n: Int) -> [UInt8] {
        var out = [UInt8](repeating: v < 0 ? 0xFF : 0, count: n)
        var x = v
        for i in stride(from: n - 1, through: max(0, n - 16), by: -1) {
            out[i] = UInt8(truncatingIfNeeded: x)
            x >>= 8
        }
        return out
    }

    /// Signed big-endian bytes -> Int128 (up to 16 significant bytes).
    static func fromBigEndian(_ b: [UInt8]) -> Int128 {
        var v: Int128 = (b.first ?? 0) & 0x80 != 0 ? -1 : 0
        for byte in b { v = v << 8 | Int128(byte) }
        return v
    }

    /// Formats an unscaled value with `scale` fraction digits.
    static func formatDecimal(_ v: Int128, scale: Int) -> String {
        let negative = v < 0
        var digits = String(v.magnitude)
        if scale > 0 {
            while digits.count <= scale { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return (negative ? "-" : "") + digits
    }
}
