import MySQLWire
import Parquet
@testable import Backfill
import TestSupport
import Testing

@Suite("Keys, dates, decimals, numbers")
struct KeyAndValueTests {
    @Test(arguments: [
        ("AAPL", "AAPL"), ("brk.b", "BRK.B"), ("BF-B", "BF-B"), ("^GSPC", "^GSPC"), ("RDS/A", "RDS%2FA"),
        ("100%", "100%25"), ("%2F", "%252F"), (".", "%2E"), ("..", "%2E%2E"), ("a/../b", "A%2F..%2FB"),
    ])
    func tickerComponent(ticker: String, expected: String) throws {
        #expect(try ObjectKey.tickerComponent(ticker) == expected)
    }

    @Test func keysHaveExactlyFiveLevels() throws {
        let key = try ObjectKey.key(dataset: .fundamentals, ticker: "rds/a", month: Month(year: 2024, month: 3))
        #expect(key == "fundamentals/v1/RDS%2FA/2024/03/data.parquet")
        #expect(key.split(separator: "/").count == 6)
    }

    @Test(arguments: ["A\nB", "A\u{0}", "\u{7F}", ""])
    func controlCharactersAndEmptyTickersAreRefused(ticker: String) {
        #expect(throws: BackfillError.self) { try ObjectKey.tickerComponent(ticker) }
    }

    @Test func dateRoundTripEveryDayFrom1900To2100() {
        var days = CivilDate(parsing: "1900-01-01")!.daysSinceEpoch
        #expect(days == -25567)
        #expect(CivilDate(parsing: "1970-01-01")!.daysSinceEpoch == 0)
        let end = CivilDate(parsing: "2100-12-31")!.daysSinceEpoch
        var previous = CivilDate(daysSinceEpoch: days - 1)!
        while days <= end {
            let d = CivilDate(daysSinceEpoch: days)!
            #expect(d > previous)
            #expect(CivilDate(parsing: d.description)?.daysSinceEpoch == days)
            previous = d
            days += 1
        }
    }

    @Test(arguments: ["2024-13-01", "2023-02-29", "2024-1-01", "2024-01-1", "20240101", "2024-01-01x", "", "0000-01-01", "2024-02-30", "２０２４-01-01"])
    func invalidDatesAreRejected(text: String) {
        #expect(CivilDate(parsing: text) == nil)
    }

    @Test func leapDay() { #expect(CivilDate(parsing: "2024-02-29") != nil) }

    /// Expected bytes computed with Python: int(Decimal(t).scaleb(scale)) as width-byte two's complement.
    @Test(arguments: [
        ("0", 4, 4, "00000000"), ("1.5", 4, 2, "00000096"), ("-1.5", 4, 2, "ffffff6a"),
        ("-0.0000", 4, 4, "00000000"), ("123.4567", 8, 4, "000000000012d687"),
        ("9999999999999999.9999", 9, 4, "056bc75e2d630fffff"),
        ("-9999999999999999.9999", 9, 4, "fa9438a1d29cf00001"),
    ])
    func decimalText(text: String, width: Int, scale: Int, hex: String) {
        let out = DecimalText.unscaledTwosComplement(Array(text.utf8), precision: 20, scale: scale, width: width)
        #expect(out.map(hexString) == hex)
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1e5", "12.34567", "abc", " 1", "1,0"])
    func malformedDecimalsAreRejected(text: String) {
        #expect(DecimalText.unscaledTwosComplement(Array(text.utf8), precision: 20, scale: 4, width: 9) == nil)
    }

    @Test func decimalThatExceedsPrecisionIsRejected() {
        #expect(DecimalText.unscaledTwosComplement(Array("123456".utf8), precision: 5, scale: 0, width: 4) == nil)
        #expect(DecimalText.unscaledTwosComplement(Array("12345".utf8), precision: 5, scale: 0, width: 4) != nil)
    }

    /// The fast path for small decimals must agree with the general path on every input, valid or
    /// not: 200,000 pseudo-random texts (fixed seed) around the 18-digit, width and sign edges.
    @Test func smallDecimalFastPathAgreesWithTheGeneralPath() {
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 { rng.next() }
        let alphabet = Array("0000123456789.-+x".utf8)
        var fastTaken = 0
        for n in 0..<200_000 {
            var text: [UInt8] = []
            if n % 2 == 0 {  // well-formed numbers: sign, integer digits, fraction digits
                if next() % 3 == 0 { text.append(UInt8(ascii: "-")) }
                for _ in 0..<Int(next() % 21) { text.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                if next() % 2 == 0 {
                    text.append(UInt8(ascii: "."))
                    for _ in 0..<Int(next() % 7) { text.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
            } else {
                for _ in 0..<Int(next() % 24) { text.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            }
            let precision = Int(next() % 22), scale = Int(next() % 6), width = [1, 2, 4, 7, 8, 9, 16][Int(next() % 7)]
            let general = DecimalText.generalUnscaled(text, precision: precision, scale: scale, width: width)
            if let fast = DecimalText.smallUnscaledValue(text.span, precision: precision, scale: scale, width: width).map({ DecimalText.twosComplement($0, width: width) }) {
                fastTaken += 1
                #expect(fast == general, "\(String(decoding: text, as: UTF8.self)) p\(precision) s\(scale) w\(width)")
            }
            #expect(DecimalText.unscaledTwosComplement(text, precision: precision, scale: scale, width: width) == general)
        }
        #expect(fastTaken > 20_000)
    }

    @Test func flbaWidths() {
        #expect(ColumnMapping.flbaLength(precision: 19) == 9)
        #expect(ColumnMapping.flbaLength(precision: 20) == 9)
        #expect(ColumnMapping.flbaLength(precision: 38) == 16)
        #expect(ColumnMapping.flbaLength(precision: 65) == 28)
    }

    @Test func dateTimeMicros() {
        #expect(ColumnMapping.parseDateTimeMicros(Array("1970-01-01 00:00:01".utf8)) == 1_000_000)
        #expect(ColumnMapping.parseDateTimeMicros(Array("1970-01-01 00:00:00.5".utf8)) == 500_000)
        #expect(ColumnMapping.parseDateTimeMicros(Array("2024-02-29 23:59:59.123456".utf8)) == (Int64(CivilDate(parsing: "2024-02-29")!.daysSinceEpoch) * 86400 + 86399) * 1_000_000 + 123_456)
        #expect(ColumnMapping.parseDateTimeMicros(Array("2024-02-29 24:00:00".utf8)) == nil)
    }

    @Test func thousandsSeparators() {
        #expect(thousands(0) == "0")
        #expect(thousands(999) == "999")
        #expect(thousands(1000) == "1,000")
        #expect(thousands(1_256) == "1,256")
        #expect(thousands(1_234_567) == "1,234,567")
        #expect(thousands(-1234) == "-1,234")
    }
}

func hexString(_ b: [UInt8]) -> String {
    let d = Array("0123456789abcdef")
    return String(b.flatMap { [d[Int($0 >> 4)], d[Int($0 & 15)]] })
}

@Suite("MySQL column → Parquet column")
struct TypeMappingTests {
    static func col(_ name: String, _ type: UInt8, flags: UInt16 = 0, decimals: UInt8 = 0, length: UInt32 = 0, charset: UInt16 = 45) -> MySQLColumn {
        MySQLColumn(name: name, originalName: name, table: "t", type: MySQLColumnType(rawValue: type), flags: flags, decimals: decimals, columnLength: length, characterSet: charset)
    }

    @Test func guideSchemaMapsAsDocumented() throws {
        // Column definitions as MariaDB sends them for the guide's prices table (DECIMAL(20,4): length 22).
        let ticker = try ColumnMapping(column: Self.col("ticker", 0xFD, flags: 0x1083, length: 80, charset: 46))
        #expect(ticker.schema == ParquetColumnSchema(name: "ticker", physicalType: .byteArray, logicalType: .string, isRequired: true))
        let date = try ColumnMapping(column: Self.col("date", 0x0A, flags: 0x1083, length: 10, charset: 63))
        #expect(date.schema == ParquetColumnSchema(name: "date", physicalType: .int32, logicalType: .date, isRequired: true))
        let open = try ColumnMapping(column: Self.col("open", 0xF6, decimals: 4, length: 22, charset: 63))
        #expect(open.schema == ParquetColumnSchema(name: "open", physicalType: .fixedLenByteArray(9), logicalType: .decimal(precision: 20, scale: 4), isRequired: false))
        let volume = try ColumnMapping(column: Self.col("volume", 0x08, length: 20, charset: 63))
        #expect(volume.schema == ParquetColumnSchema(name: "volume", physicalType: .int64, logicalType: .none, isRequired: false))
        let year = try ColumnMapping(column: Self.col("fiscal_year", 0x03, length: 11, charset: 63))
        #expect(year.schema == ParquetColumnSchema(name: "fiscal_year", physicalType: .int32, logicalType: .integer(bitWidth: 32, signed: true), isRequired: false))
    }

    @Test func decimalPhysicalTypeFollowsPrecision() throws {
        #expect(try ColumnMapping(column: Self.col("a", 0xF6, decimals: 2, length: 11)).schema.physicalType == .int32)  // DECIMAL(9,2)
        #expect(try ColumnMapping(column: Self.col("a", 0xF6, decimals: 2, length: 12)).schema.physicalType == .int64)  // DECIMAL(10,2)
        #expect(try ColumnMapping(column: Self.col("a", 0xF6, decimals: 0, length: 19)).schema.physicalType == .int64)  // DECIMAL(18,0)
        #expect(try ColumnMapping(column: Self.col("a", 0xF6, flags: 0x20, decimals: 0, length: 19)).schema.logicalType == .decimal(precision: 19, scale: 0))
    }

    @Test func valuesConvertExactly() throws {
        let d = try ColumnMapping(column: Self.col("d", 0xF6, decimals: 2, length: 11))
        #expect(try d.convert(Array("-1234567.89".utf8)) == .int32(-123_456_789))
        #expect(try d.convert(nil) == .null)
        let u = try ColumnMapping(column: Self.col("u", 0x03, flags: 0x20, length: 10))
        #expect(try u.convert(Array("4294967295".utf8)) == .int32(-1))
        #expect(u.schema.logicalType == .integer(bitWidth: 32, signed: false))
        let s = try ColumnMapping(column: Self.col("s", 0x0F, flags: 0x0080, charset: 46))
        #expect(try s.convert(Array("é".utf8)) == .bytes(Array("é".utf8)))
        let dt = try ColumnMapping(column: Self.col("t", 0x0C))
        #expect(try dt.convert(Array("1970-01-02 00:00:00".utf8)) == .int64(86_400_000_000))
        #expect(throws: BackfillError.self) { try d.convert(Array("12.345".utf8)) }
        let required = try ColumnMapping(column: Self.col("r", 0x08, flags: 0x01))
        #expect(throws: BackfillError.self) { try required.convert(nil) }
    }

    @Test(arguments: [UInt8(0x0B), 0x0D, 0x10, 0xF5, 0xF7, 0xF8, 0xFF])
    func unsupportedTypesNameTheColumn(type: UInt8) {
        #expect {
            try ColumnMapping(column: Self.col("weird", type))
        } throws: { ($0 as? BackfillError)?.message.contains("'weird'") == true }
    }

    @Test func binaryStringsAreRefused() {
        #expect(throws: BackfillError.self) { try ColumnMapping(column: Self.col("b", 0xFC, flags: 0x90, charset: 63)) }
    }
}
