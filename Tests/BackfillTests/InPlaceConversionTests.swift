import MySQLWire
import Parquet
@testable import Backfill
import TestSupport
import Testing

/// The conversion as it was before values were parsed in place (String parsers, arrays), frozen
/// here as the reference: `ColumnMapping.convert` must give the same value, or the same error
/// message, for every input.
enum ReferenceConversion {
    static func convert(_ m: ColumnMapping, _ raw: [UInt8]?) throws -> ParquetValue {
        guard let raw else {
            guard !m.schema.isRequired else {
                throw BackfillError(.badValue, "column '\(m.name)' is NOT NULL but the server sent NULL")
            }
            return .null
        }
        func bad(_ what: String) -> BackfillError {
            let shown = String(decoding: raw.prefix(64), as: UTF8.self)
            return BackfillError(.badValue, "column '\(m.name)': the server sent '\(shown)', which is not a valid \(what)")
        }
        switch m.kind {
        case .decimal(let precision, let scale, let flba):
            // The general path alone: the fast path is checked against it in KeyAndValueTests.
            guard let bytes = DecimalText.generalUnscaled(raw, precision: precision, scale: scale, width: flba ?? (precision <= 9 ? 4 : 8))
            else { throw bad("DECIMAL(\(precision),\(scale))") }
            if flba != nil { return .bytes(bytes) }
            var v: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
            for b in bytes { v = v << 8 | Int64(b) }
            return precision <= 9 ? .int32(Int32(truncatingIfNeeded: v)) : .int64(v)
        case .date:
            guard let d = self.date(raw[...]) else { throw bad("DATE") }
            return .int32(Int32(d.daysSinceEpoch))
        case .int32(let signed):
            guard let s = String(validating: raw, as: UTF8.self) else { throw bad("INT") }
            if signed, let v = Int32(s) { return .int32(v) }
            if !signed, let v = UInt32(s) { return .int32(Int32(bitPattern: v)) }
            throw bad("INT")
        case .int64(let signed):
            guard let s = String(validating: raw, as: UTF8.self) else { throw bad("BIGINT") }
            if signed, let v = Int64(s) { return .int64(v) }
            if !signed, let v = UInt64(s) { return .int64(Int64(bitPattern: v)) }
            throw bad("BIGINT")
        case .string:
            guard String(validating: raw, as: UTF8.self) != nil else { throw bad("UTF-8 text") }
            return .bytes(raw)
        case .float:
            guard let s = String(validating: raw, as: UTF8.self), let v = Float(s) else { throw bad("FLOAT") }
            return .float(v)
        case .double:
            guard let s = String(validating: raw, as: UTF8.self), let v = Double(s) else { throw bad("DOUBLE") }
            return .double(v)
        case .timestampMicros:
            guard let v = self.dateTimeMicros(raw) else { throw bad("DATETIME") }
            return .int64(v)
        }
    }

    static func date(_ u: ArraySlice<UInt8>) -> CivilDate? {
        guard u.count == 10 else { return nil }
        let b = Array(u)
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = self.number(b[0..<4]), let m = self.number(b[5..<7]), let d = self.number(b[8..<10])
        else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }

    static func dateTimeMicros(_ b: [UInt8]) -> Int64? {
        guard b.count >= 19, b[10] == UInt8(ascii: " "), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let date = self.date(b[0..<10]),
            let hh = self.number(b[11..<13]), let mm = self.number(b[14..<16]), let ss = self.number(b[17..<19]),
            hh < 24, mm < 60, ss < 60
        else { return nil }
        var micros = 0
        if b.count > 19 {
            guard b[19] == UInt8(ascii: "."), b.count > 20, b.count <= 26, let frac = self.number(b[20...]) else { return nil }
            micros = frac
            for _ in 0..<(26 - b.count) { micros *= 10 }
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hh * 3600 + mm * 60 + ss)
        return seconds * 1_000_000 + Int64(micros)
    }
}

/// A value or the error message, for comparing outcomes (floating point by bit pattern, so NaN
/// equals the same NaN).
enum Outcome: Equatable {
    case value(ParquetValue)
    case floatBits(UInt32)
    case doubleBits(UInt64)
    case error(String)

    init(_ body: () throws -> ParquetValue) {
        do {
            switch try body() {
            case .float(let f): self = .floatBits(f.bitPattern)
            case .double(let d): self = .doubleBits(d.bitPattern)
            case let v: self = .value(v)
            }
        } catch let e as BackfillError {
            self = .error(e.message)
        } catch {
            self = .error("other: \(error)")
        }
    }
}

func column(_ name: String, _ type: UInt8, flags: UInt16 = 0, decimals: UInt8 = 0, length: UInt32 = 0, charset: UInt16 = 46) -> MySQLColumn {
    MySQLColumn(name: name, originalName: name, table: "t", type: MySQLColumnType(rawValue: type), flags: flags,
                decimals: decimals, columnLength: length, characterSet: charset)
}

/// A text-protocol row payload (lenenc cells, 0xFB for NULL).
func textRow(_ cells: [[UInt8]?]) -> [UInt8] {
    var out: [UInt8] = []
    for c in cells {
        if let c { LengthEncoded.appendBytes(c, to: &out) } else { out.append(0xFB) }
    }
    return out
}

@Suite("Values converted in place match the String-based conversion")
struct InPlaceConversionTests {
    /// Every supported kind: DECIMAL as INT32, INT64 and two FLBA widths (signed and unsigned),
    /// the integer widths signed and unsigned, text, FLOAT, DOUBLE, DATE, DATETIME.
    static let mappings: [ColumnMapping] = {
        let columns = [
            column("d9", 0xF6, decimals: 2, length: 11), column("d18", 0xF6, decimals: 0, length: 19),
            column("d20", 0xF6, decimals: 4, length: 22), column("d38", 0xF6, decimals: 10, length: 40),
            column("ud12", 0xF6, flags: 0x20, decimals: 3, length: 13), column("d1", 0xF6, decimals: 0, length: 2),
            column("i8", 0x01, length: 4), column("u16", 0x02, flags: 0x20, length: 5), column("i32", 0x03, length: 11),
            column("u32", 0x03, flags: 0x20, length: 10), column("i64", 0x08, length: 20), column("u64", 0x08, flags: 0x20, length: 20),
            column("s", 0xFD, length: 80), column("f", 0x04), column("g", 0x05), column("date", 0x0A), column("ts", 0x0C),
            column("req", 0x08, flags: 0x01),
        ]
        return columns.map { try! ColumnMapping(column: $0) }
    }()

    static let edgeTexts: [String] = [
        "", "0", "-0", "+0", "00", "-00", "007", "-", "+", ".", "-.", "0.", ".5", "-.5", "1.", "1.2.3", " 1", "1 ", "1e5", "1E5",
        "127", "128", "-128", "-129", "255", "256", "32767", "65535", "65536",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296", "-4294967295",
        "999999999999999999", "-999999999999999999", "1000000000000000000", "-1000000000000000000",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "0000000000000000000001", "-0000000000000000000001",
        "1234567.89", "-1234567.89", "12345678.9", "9999999.99", "10000000.00", "123.4567", "-9999999999999999.9999",
        "9999999999999999.99999", "99999999999999999999", "123456789012345678.9012345678",
        "nan", "NaN", "inf", "-inf", "infinity", "1.5e-7", "0x10", "3.4028236e38", "1e-50", "1e400", "-0.0",
        "2024-02-29", "2023-02-29", "2024-13-01", "0000-01-01", "9999-12-31", "2024-1-01", "20240101", "２０２４-01-01",
        "1970-01-01 00:00:00", "2024-02-29 23:59:59.123456", "2024-02-29 24:00:00", "2024-02-29 23:59:59.", "2024-02-29 23:59:59.1234567",
        "2024-02-29T23:59:59", "1", "١٢", "１", "é", "AAPL", "BN0001", String(repeating: "x", count: 100),
    ]

    static let invalidUTF8: [[UInt8]] = [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xE2, 0x82], [0x80], [0xFF], [0x31, 0xC3], [0x41, 0x42, 0xF0, 0x9F, 0x98], [0xEF, 0xBF, 0xBE], [0xF0, 0x9F, 0x98, 0x80],
    ]

    func check(_ raw: [UInt8]?) {
        for m in Self.mappings {
            let expected = Outcome { try ReferenceConversion.convert(m, raw) }
            let got = Outcome { try m.convert(raw) }
            #expect(got == expected, "column \(m.name), input \(raw.map { Array($0) } as Any)")
        }
    }

    @Test("edge cases, NULL and invalid UTF-8 for every column kind")
    func edgeCases() {
        self.check(nil)
        for t in Self.edgeTexts { self.check(Array(t.utf8)) }
        for b in Self.invalidUTF8 { self.check(b) }
    }

    @Test("pseudo-random numeric, date and byte texts for every column kind", arguments: 0..<4)
    func randomTexts(seed: Int) {
        var rng = SplitMix64(seed: 0x243F_6A88_85A3_08D3 &+ UInt64(seed))
        func next() -> UInt64 { rng.next() }
        let alphabet = Array("00001234567899-+.e: x".utf8)
        for n in 0..<4000 {
            var text: [UInt8] = []
            switch n % 4 {
            case 0:  // numbers around the digit-count edges
                if next() % 3 == 0 { text.append(UInt8(ascii: "-")) }
                for _ in 0..<Int(next() % 22) { text.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                if next() % 2 == 0 {
                    text.append(UInt8(ascii: "."))
                    for _ in 0..<Int(next() % 12) { text.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
            case 1:  // dates and date-times with random damage
                let y = Int(next() % 10_000), mo = Int(next() % 14), d = Int(next() % 33)
                var s = "\(y)-\(mo < 10 ? "0" : "")\(mo)-\(d < 10 ? "0" : "")\(d)"
                if next() % 2 == 0 { s += " \(next() % 25):\(next() % 61):\(next() % 61)" + (next() % 2 == 0 ? ".\(next() % 10_000_000)" : "") }
                text = Array(s.utf8)
                if !text.isEmpty, next() % 4 == 0 { text[Int(next() % UInt64(text.count))] = alphabet[Int(next() % UInt64(alphabet.count))] }
            case 2:
                for _ in 0..<Int(next() % 24) { text.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            default:  // arbitrary bytes, mostly invalid UTF-8
                for _ in 0..<Int(next() % 12) { text.append(UInt8(truncatingIfNeeded: next())) }
            }
            self.check(text)
        }
    }

    @Test("DATETIME and DATE parsers agree with the reference on their own")
    func dateParsers() {
        for t in Self.edgeTexts {
            let b = Array(t.utf8)
            #expect(ColumnMapping.parseDateTimeMicros(b) == ReferenceConversion.dateTimeMicros(b), "\(t)")
            #expect(CivilDate(parsing: t) == ReferenceConversion.date(b[...]), "\(t)")
        }
    }
}

@Suite("RowConverter")
struct RowConverterTests {
    static let prices: [ColumnMapping] = [
        column("ticker", 0xFD, flags: 0x1083, length: 80), column("date", 0x0A, flags: 0x1083, length: 10),
        column("close", 0xF6, decimals: 4, length: 22), column("volume", 0x08, length: 20), column("note", 0xFD, length: 80),
    ].map { try! ColumnMapping(column: $0) }

    func view(_ cells: [String?]) throws -> TextRowView {
        let payload = textRow(cells.map { $0.map { Array($0.utf8) } })
        return try TextRowView(scanning: payload[...], columnCount: cells.count)
    }

    func expected(_ cells: [String?]) throws -> [ParquetValue] {
        try zip(Self.prices, cells).map { m, c in try m.convert(c.map { Array($0.utf8) }) }
    }

    func storage(_ v: ParquetValue) -> UnsafeRawPointer? {
        guard case .bytes(let b) = v else { return nil }
        return b.withUnsafeBytes { $0.baseAddress }
    }

    @Test("rows convert like ColumnMapping.convert, repeated text shares one array, changed text does not")
    func interning() throws {
        var converter = RowConverter(mappings: Self.prices)
        let rows: [[String?]] = [
            ["BN0001", "2015-01-02", "108.5657", "59520500", nil],
            ["BN0001", "2015-01-05", nil, nil, "split"],
            ["BN0001", "2015-01-06", "-0.0001", "0", "split"],
            ["BN0002", "2015-01-06", "1", "1", nil],
            ["BN0002", "2015-01-07", "2", "2", "split"],
        ]
        var got: [[ParquetValue]] = []
        for r in rows { got.append(try converter.convert(try self.view(r))) }
        #expect(got == (try rows.map { try self.expected($0) }))
        #expect(self.storage(got[0][0]) == self.storage(got[1][0]))
        #expect(self.storage(got[1][0]) == self.storage(got[2][0]))
        #expect(self.storage(got[2][0]) != self.storage(got[3][0]))
        #expect(self.storage(got[3][0]) == self.storage(got[4][0]))
        // A NULL between two equal values does not forget the remembered one.
        #expect(self.storage(got[1][4]) == self.storage(got[4][4]))
    }

    @Test("errors: NULL in a NOT NULL column, a bad value after a good one, bad UTF-8, wrong cell count")
    func errors() throws {
        var converter = RowConverter(mappings: Self.prices)
        _ = try converter.convert(try self.view(["AB", "2015-01-02", "1", "1", nil]))
        #expect(throws: BackfillError(.badValue, "")) { try converter.convert(try self.view([nil, "2015-01-02", "1", "1", nil])) }
        do {
            _ = try converter.convert(try self.view(["AB", "2015-02-30", "1", "1", nil]))
            Issue.record("no error")
        } catch let e as BackfillError {
            #expect(e.message == "column 'date': the server sent '2015-02-30', which is not a valid DATE")
        }
        // Same length as the remembered "AB" but not UTF-8: still checked.
        let badText = textRow([[0xC3, 0x28], Array("2015-01-02".utf8), nil, nil, nil])
        do {
            _ = try converter.convert(try TextRowView(scanning: badText[...], columnCount: 5))
            Issue.record("no error")
        } catch let e as BackfillError {
            #expect(e.message.hasPrefix("column 'ticker': the server sent"))
            #expect(e.message.hasSuffix("which is not a valid UTF-8 text"))
        }
        do {
            _ = try converter.convert(try self.view(["AB", "2015-01-02", "1", "1"]))
            Issue.record("no error")
        } catch let e as BackfillError {
            #expect(e.message == "the server sent a row with 4 values for 5 columns")
        }
    }

    @Test("pseudo-random rows agree with per-cell conversion")
    func randomRows() throws {
        var rng = SplitMix64(seed: 0x1357_9BDF_2468_ACE0)
        func next() -> UInt64 { rng.next() }
        var converter = RowConverter(mappings: Self.prices)
        let tickers = ["A", "B", "AB", "BA", "é", ""]
        for _ in 0..<5000 {
            let row: [String?] = [
                tickers[Int(next() % UInt64(tickers.count))],
                "20\(10 + next() % 15)-0\(1 + next() % 9)-1\(next() % 10)",
                next() % 5 == 0 ? nil : "\(Int64(truncatingIfNeeded: next()) % 10_000_000).\(next() % 10_000)",
                next() % 5 == 0 ? nil : "\(Int64(truncatingIfNeeded: next()))",
                next() % 3 == 0 ? nil : tickers[Int(next() % UInt64(tickers.count))],
            ]
            #expect(try converter.convert(try self.view(row)) == (try self.expected(row)))
        }
    }
}
