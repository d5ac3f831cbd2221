import ByteCoding
import Testing

@testable import Parquet

@Suite("Writer → reader round trips and statistics")
struct RoundTripTests {
    static let createdBy = "backfill-from-dolt version 1.0.0 (build 0123abc)"

    /// Every logical type the writer supports, each with a REQUIRED and an OPTIONAL column.
    static let allTypes: [(ParquetPhysicalType, ParquetLogicalType, [ParquetValue])] = [
        (.byteArray, .string, [.bytes([]), .bytes(Array("ØRSTED.CO".utf8)), .bytes(Array("AAPL".utf8)), .bytes(Array("日本語🙂".utf8))]),
        (.int32, .date, [.int32(19783), .int32(-1), .int32(0), .int32(47482)]),
        (.fixedLenByteArray(9), .decimal(precision: 20, scale: 4), [
            .bytes(Civil.bigEndian(1_871_500, bytes: 9)), .bytes(Civil.bigEndian(-1, bytes: 9)),
            .bytes(Civil.bigEndian(99_999_999_999_999_999_999, bytes: 9)), .bytes(Civil.bigEndian(-99_999_999_999_999_999_999, bytes: 9)),
        ]),
        (.fixedLenByteArray(16), .decimal(precision: 38, scale: 2), [
            .bytes(Civil.bigEndian(Int128(Int64.max) * 1_000_000_000_000, bytes: 16)), .bytes(Civil.bigEndian(-5, bytes: 16)),
            .bytes(Civil.bigEndian(0, bytes: 16)), .bytes(Civil.bigEndian(-(Int128(10) ** 37), bytes: 16)),
        ]),
        (.int32, .decimal(precision: 9, scale: 2), [.int32(999_999_999), .int32(-999_999_999), .int32(0), .int32(-1)]),
        (.int64, .decimal(precision: 18, scale: 6), [.int64(-12), .int64(999_999_999_999_999_999), .int64(7), .int64(0)]),
        (.byteArray, .decimal(precision: 10, scale: 0), [.bytes([0x80]), .bytes([0x7F]), .bytes([0x00, 0xFF]), .bytes([0xFF, 0x00])]),
        (.int64, .none, [.int64(.min), .int64(.max), .int64(0), .int64(-1)]),
        (.int32, .none, [.int32(.min), .int32(.max), .int32(2024), .int32(-1)]),
        (.int32, .integer(bitWidth: 8, signed: true), [.int32(-128), .int32(127), .int32(0), .int32(5)]),
        (.int32, .integer(bitWidth: 16, signed: false), [.int32(65535), .int32(0), .int32(300), .int32(1)]),
        (.int32, .integer(bitWidth: 32, signed: false), [.int32(-1), .int32(0), .int32(Int32.min), .int32(1)]),
        (.int64, .integer(bitWidth: 64, signed: false), [.int64(-1), .int64(0), .int64(1), .int64(.min)]),
        (.int64, .timestamp(unit: .millis, isAdjustedToUTC: true), [.int64(1_709_251_200_000), .int64(-1), .int64(0), .int64(5)]),
        (.int64, .timestamp(unit: .micros, isAdjustedToUTC: false), [.int64(1), .int64(2), .int64(-3), .int64(4)]),
        (.int64, .timestamp(unit: .nanos, isAdjustedToUTC: true), [.int64(1_000), .int64(1_709_251_200_123_456_000), .int64(-3_000), .int64(4_000)]),
        (.double, .none, [.double(1.5), .double(-0.0), .double(.infinity), .double(.nan)]),
        (.float, .none, [.float(0.0), .float(-2.5), .float(3), .float(.nan)]),
        (.boolean, .none, [.boolean(true), .boolean(false), .boolean(true), .boolean(true)]),
        (.byteArray, .none, [.bytes([0xFF, 0x00]), .bytes([]), .bytes([0x00]), .bytes([0x7F])]),
        (.fixedLenByteArray(3), .none, [.bytes([1, 2, 3]), .bytes([0xFF, 0, 0]), .bytes([0, 0, 0]), .bytes([9, 9, 9])]),
        (.int96, .none, [.bytes(Self.int96(julianDay: 2_440_588, nanos: 0)), .bytes(Self.int96(julianDay: 2_460_371, nanos: 3_600_000_001_000)), .bytes(Self.int96(julianDay: 2_440_587, nanos: 86_399_999_999_000)), .bytes(Self.int96(julianDay: 2_451_545, nanos: 1_000))]),
    ]

    /// INT96 legacy timestamp: nanoseconds of the day (u64 LE) then the Julian day (u32 LE).
    static func int96(julianDay: UInt32, nanos: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: nanos >> (8 * UInt64($0))) } + (0..<4).map { UInt8(truncatingIfNeeded: julianDay >> (8 * UInt32($0))) }
    }

    static func table() -> (schema: [ParquetColumnSchema], rows: [[ParquetValue]]) {
        var schema: [ParquetColumnSchema] = []
        for (i, (p, l, _)) in Self.allTypes.enumerated() {
            schema.append(ParquetColumnSchema(name: "req\(i)", physicalType: p, logicalType: l, isRequired: true))
            schema.append(ParquetColumnSchema(name: "opt\(i)", physicalType: p, logicalType: l, isRequired: false))
        }
        var rows: [[ParquetValue]] = []
        for r in 0..<5 {
            var row: [ParquetValue] = []
            for (_, _, values) in Self.allTypes {
                row.append(values[r % values.count])
                row.append(r == 1 || r == 4 ? .null : values[r % values.count])  // nulls in the middle and at the end
            }
            rows.append(row)
        }
        return (schema, rows)
    }

    @Test func everyLogicalTypeRoundTripsWithNulls() throws {
        let (schema, rows) = Self.table()
        let bytes = try ParquetWriter.write(schema: schema, rows: rows, createdBy: Self.createdBy)
        Fixture.dumpIfRequested("all_types.parquet", bytes)
        let table = try ParquetReader.read(bytes)
        #expect(table.schema == schema)
        #expect(table.createdBy == Self.createdBy)
        #expect(table.rows.count == rows.count)
        for (r, (got, want)) in zip(table.rows, rows).enumerated() {
            for (c, (g, w)) in zip(got, want).enumerated() {
                // NaN != NaN under Hashable synthesis? Compare bit patterns for floating values.
                switch (g, w) {
                case (.double(let a), .double(let b)): #expect(a.bitPattern == b.bitPattern, "row \(r) col \(schema[c].name)")
                case (.float(let a), .float(let b)): #expect(a.bitPattern == b.bitPattern, "row \(r) col \(schema[c].name)")
                default: #expect(g == w, "row \(r) col \(schema[c].name)")
                }
            }
        }
    }

    @Test func createdByFollowsTheParsedFormat() {
        #expect(ParquetWriter.createdBy(application: "backfill-from-dolt", version: "1.0.0", build: "0123abc") == Self.createdBy)
    }

    @Test func zeroRowsIsAValidFile() throws {
        let (schema, _) = Self.table()
        let bytes = try ParquetWriter.write(schema: schema, rows: [], createdBy: Self.createdBy)
        Fixture.dumpIfRequested("zero_rows.parquet", bytes)
        let table = try ParquetReader.read(bytes)
        #expect(table.schema == schema)
        #expect(table.rows.isEmpty)
        let meta = try ParquetReader.readMetadata(bytes)
        #expect(meta.numRows == 0)
        #expect(meta.rowGroups.count == 1)
        #expect(meta.rowGroups[0].columns.allSatisfy { $0.metaData?.statistics?.nullCount == 0 && $0.metaData?.statistics?.minValue == nil })
    }

    /// Statistics decoded from the footer equal the min/max computed here in each column's sort order.
    @Test func chunkStatisticsUseEachColumnsSortOrder() throws {
        let s = ParquetColumnSchema(name: "s", physicalType: .byteArray, logicalType: .string, isRequired: false)
        let d = ParquetColumnSchema(name: "d", physicalType: .fixedLenByteArray(9), logicalType: .decimal(precision: 20, scale: 4), isRequired: false)
        let i = ParquetColumnSchema(name: "i", physicalType: .int64, logicalType: .none, isRequired: false)
        let u = ParquetColumnSchema(name: "u", physicalType: .int32, logicalType: .integer(bitWidth: 32, signed: false), isRequired: true)
        let f = ParquetColumnSchema(name: "f", physicalType: .double, logicalType: .none, isRequired: true)
        let z = ParquetColumnSchema(name: "z", physicalType: .double, logicalType: .none, isRequired: true)
        let n = ParquetColumnSchema(name: "n", physicalType: .int32, logicalType: .date, isRequired: false)
        let rows: [[ParquetValue]] = [
            [.bytes(Array("ØRSTED.CO".utf8)), .bytes(Civil.bigEndian(-120_001, bytes: 9)), .int64(-5), .int32(-1), .double(.nan), .double(0.0), .null],
            [.bytes(Array("AAPL".utf8)), .bytes(Civil.bigEndian(1_871_500, bytes: 9)), .null, .int32(1), .double(2), .double(-0.0), .null],
            [.null, .bytes(Civil.bigEndian(-1, bytes: 9)), .int64(7), .int32(0), .double(-3), .double(0.0), .null],
            [.bytes(Array("brk.a".utf8)), .null, .int64(0), .int32(5), .double(.nan), .double(-0.0), .null],
        ]
        let bytes = try ParquetWriter.write(schema: [s, d, i, u, f, z, n], rows: rows, createdBy: Self.createdBy)
        Fixture.dumpIfRequested("statistics.parquet", bytes)
        let meta = try ParquetReader.readMetadata(bytes)
        #expect(meta.columnOrders == Array(repeating: .typeDefinedOrder, count: 7))
        let stats = meta.rowGroups[0].columns.map { $0.metaData?.statistics }

        // Strings: unsigned byte order, so "ØRSTED.CO" (0xC3...) is the max; no legacy min/max.
        #expect(stats[0]?.minValue == Array("AAPL".utf8))
        #expect(stats[0]?.maxValue == Array("ØRSTED.CO".utf8))
        #expect(stats[0]?.min == nil && stats[0]?.max == nil)
        #expect(stats[0]?.nullCount == 1)
        // Decimals: signed order; the legacy fields carry the same bytes.
        #expect(stats[1]?.minValue == Civil.bigEndian(-120_001, bytes: 9))
        #expect(stats[1]?.maxValue == Civil.bigEndian(1_871_500, bytes: 9))
        #expect(stats[1]?.min == stats[1]?.minValue && stats[1]?.max == stats[1]?.maxValue)
        #expect(stats[1]?.isMinValueExact == true && stats[1]?.isMaxValueExact == true)
        // INT64: 8 bytes little-endian.
        #expect(stats[2]?.minValue == [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(stats[2]?.maxValue == [7, 0, 0, 0, 0, 0, 0, 0])
        // UINT_32: unsigned order, so the bit pattern of -1 is the max; no legacy fields.
        #expect(stats[3]?.minValue == [0, 0, 0, 0])
        #expect(stats[3]?.maxValue == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(stats[3]?.min == nil)
        // Doubles: NaN ignored.
        #expect(stats[4]?.minValue == (-3.0).bitPattern.littleEndianBytes)
        #expect(stats[4]?.maxValue == (2.0).bitPattern.littleEndianBytes)
        // All zeros: min is -0.0, max is +0.0.
        #expect(stats[5]?.minValue == (-0.0).bitPattern.littleEndianBytes)
        #expect(stats[5]?.maxValue == (0.0).bitPattern.littleEndianBytes)
        // All null: null_count only.
        #expect(stats[6]?.nullCount == 4)
        #expect(stats[6]?.minValue == nil && stats[6]?.maxValue == nil && stats[6]?.min == nil)
    }

    @Test func largeChunksAreSplitIntoSeveralPages() throws {
        let schema = [
            ParquetColumnSchema(name: "s", physicalType: .byteArray, logicalType: .string, isRequired: false),
            ParquetColumnSchema(name: "v", physicalType: .int64, logicalType: .none, isRequired: true),
        ]
        let rows: [[ParquetValue]] = (0..<3000).map { r in
            [r % 7 == 0 ? .null : .bytes(Array("ticker-\(r)".utf8)), .int64(Int64(r))]
        }
        let bytes = try ParquetWriter.write(schema: schema, rows: rows, createdBy: Self.createdBy, keyValueMetadata: [], pageSizeLimit: 4096)
        Fixture.dumpIfRequested("multi_page.parquet", bytes)
        #expect(try ParquetReader.read(bytes).rows == rows)
        // Count the pages of the first chunk by walking its headers.
        let meta = try ParquetReader.readMetadata(bytes)
        let chunk = try #require(meta.rowGroups[0].columns[0].metaData)
        var pos = Int(chunk.dataPageOffset)
        var pages = 0
        var values = 0
        while pos < Int(chunk.dataPageOffset + chunk.totalCompressedSize) {
            var r = try CompactReader(bytes, start: pos, end: bytes.count)
            let h = try ParquetFormat.PageHeader.decode(&r)
            pos = r.position + Int(h.compressedPageSize)
            values += Int(h.dataPageHeader?.numValues ?? 0)
            pages += 1
        }
        #expect(pages > 5)
        #expect(values == 3000)
        #expect(pos == Int(chunk.dataPageOffset + chunk.totalCompressedSize))
    }

    @Test func keyValueMetadataIsWrittenOnlyWhenGiven() throws {
        let schema = [ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .none, isRequired: true)]
        let plain = try ParquetWriter.write(schema: schema, rows: [[.int32(1)]], createdBy: Self.createdBy)
        #expect(try ParquetReader.readMetadata(plain).keyValueMetadata == nil)
        let kv = [ParquetKeyValue(key: "source", value: "dolt"), ParquetKeyValue(key: "flag", value: nil)]
        let with = try ParquetWriter.write(schema: schema, rows: [[.int32(1)]], createdBy: Self.createdBy, keyValueMetadata: kv)
        #expect(try ParquetReader.read(with).keyValueMetadata == kv)
    }

    @Test(arguments: [
        (ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .none, isRequired: true), ParquetValue.null),
        (ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .none, isRequired: true), .int64(1)),
        (ParquetColumnSchema(name: "a", physicalType: .fixedLenByteArray(9), logicalType: .decimal(precision: 20, scale: 2), isRequired: false), .bytes([1, 2, 3, 4, 5, 6, 7, 8])),
        (ParquetColumnSchema(name: "a", physicalType: .fixedLenByteArray(9), logicalType: .decimal(precision: 20, scale: 2), isRequired: false), .bytes(Civil.bigEndian(Int128(10) ** 20, bytes: 9))),
        (ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .decimal(precision: 4, scale: 2), isRequired: false), .int32(10_000)),
        (ParquetColumnSchema(name: "a", physicalType: .byteArray, logicalType: .string, isRequired: false), .bytes([0xC3, 0x28])),
        (ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .integer(bitWidth: 8, signed: true), isRequired: false), .int32(128)),
        (ParquetColumnSchema(name: "a", physicalType: .int96, logicalType: .none, isRequired: false), .bytes([1])),
        (ParquetColumnSchema(name: "a", physicalType: .boolean, logicalType: .none, isRequired: false), .int32(1)),
    ])
    func valuesThatDoNotFitTheirColumnAreRejected(column: ParquetColumnSchema, value: ParquetValue) throws {
        #expect(throws: ParquetError(.invalidValue, "")) {
            _ = try ParquetWriter.write(schema: [column], rows: [[value]], createdBy: Self.createdBy)
        }
    }

    @Test(arguments: [
        ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .string, isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .fixedLenByteArray(8), logicalType: .decimal(precision: 20, scale: 4), isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .decimal(precision: 10, scale: 0), isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .int64, logicalType: .decimal(precision: 4, scale: 5), isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .int64, logicalType: .date, isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .timestamp(unit: .millis, isAdjustedToUTC: true), isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .integer(bitWidth: 64, signed: true), isRequired: true),
        ParquetColumnSchema(name: "a", physicalType: .fixedLenByteArray(0), logicalType: .none, isRequired: true),
        ParquetColumnSchema(name: "", physicalType: .int32, logicalType: .none, isRequired: true),
    ])
    func invalidSchemasAreRejected(column: ParquetColumnSchema) throws {
        #expect(throws: ParquetError(.invalidSchema, "")) {
            _ = try ParquetWriter.write(schema: [column], rows: [], createdBy: Self.createdBy)
        }
    }

    @Test func duplicateNamesAndRaggedRowsAreRejected() throws {
        let a = ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .none, isRequired: true)
        #expect(throws: ParquetError(.invalidSchema, "")) { _ = try ParquetWriter.write(schema: [a, a], rows: [], createdBy: Self.createdBy) }
        #expect(throws: ParquetError(.invalidValue, "")) { _ = try ParquetWriter.write(schema: [a], rows: [[]], createdBy: Self.createdBy) }
    }

    @Test(arguments: [(1, 1), (2, 1), (9, 4), (10, 5), (18, 8), (19, 9), (20, 9), (21, 9), (22, 10), (38, 16), (76, 32)])
    func decimalFLBALengthIsMinimal(precision: Int, bytes: Int) {
        #expect(ParquetWriter.decimalFLBALength(precision: precision) == bytes)
        #expect(ParquetColumnSchema.decimalFLBALength(precision: precision) == Civil.flbaLength(precision))
    }

    @Test func anUnsupportedValueEncodingIsNamedInTheError() throws {
        // The golden prices file's first page header has `encoding = PLAIN` at byte 16 (see its
        // annotated dump); patching it to 5 makes it DELTA_BINARY_PACKED.
        var bytes = try Fixture.bytes("golden/prices_minipq.parquet")
        #expect(bytes[15] == 0x15 && bytes[16] == 0x00)
        bytes[16] = 0x0A
        do {
            _ = try ParquetReader.read(bytes)
            Issue.record("expected an error")
        } catch let e as ParquetError {
            #expect(e.code == .unsupportedFeature)
            #expect(e.reason.contains("DELTA_BINARY_PACKED"))
        }
    }
}

extension UInt64 {
    var littleEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (8 * UInt64($0))) } }
}

extension Int128 {
    static func ** (base: Int128, exponent: Int) -> Int128 {
        var r: Int128 = 1
        for _ in 0..<exponent { r *= base }
        return r
    }
}

infix operator **: MultiplicationPrecedence
