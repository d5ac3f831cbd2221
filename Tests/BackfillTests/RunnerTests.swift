@testable import Backfill
import Parquet
import Testing

@Suite("The run: output, merge, failures")
struct RunnerTests {
    func options(_ tickers: TickerSelection, datasets: [Dataset] = [.prices], dryRun: Bool = false, range: DateRange = DateRange(start: nil, end: nil)) -> RunOptions {
        RunOptions(tickers: tickers, datasets: datasets, range: range, dryRun: dryRun, verbose: false, createdBy: "test version 0 (build x)")
    }

    func source() -> MemorySource {
        let s = MemorySource()
        s.schemas[.prices] = priceSchema
        s.schemas[.fundamentals] = priceSchema
        s.tables[.prices] = [
            "AAPL": [priceRow("AAPL", "2024-01-30", close: 1), priceRow("AAPL", "2024-01-31", close: 2), priceRow("AAPL", "2024-02-01", close: 3)],
            "MSFT": [priceRow("MSFT", "2024-03-01", close: 10)],
        ]
        return s
    }

    @Test func printsTheGuideFormatLineForLine() throws {
        let sink = LinesSink()
        let store = MemoryStore()
        let summary = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["AAPL", "NONE"])), sink: sink).run()
        #expect(sink.outLines == [
            String(repeating: "=", count: 70), "DOLT → R2 BACKFILL", String(repeating: "=", count: 70),
            "", "[1/2] AAPL", String(repeating: "-", count: 70),
            "", "Backfilling prices for AAPL...",
            "  ✓ Fetched 3 rows from Dolt",
            "  Merged: 0 existing + 2 new = 2 total",
            "  ✓ Wrote 2 rows to prices/v1/AAPL/2024/01/data.parquet",
            "  Merged: 0 existing + 1 new = 1 total",
            "  ✓ Wrote 1 rows to prices/v1/AAPL/2024/02/data.parquet",
            "  ✓ Wrote 2 monthly files to R2",
            "", "[2/2] NONE", String(repeating: "-", count: 70),
            "", "Backfilling prices for NONE...",
            "  ⚠ No prices data found for NONE",
            "", String(repeating: "=", count: 70), "BACKFILL SUMMARY", String(repeating: "=", count: 70),
            "Total tickers processed: 2", "Successful: 1", "No data: 1", "Total rows: 3", "Total files: 2",
        ])
        #expect(sink.errLines.isEmpty)
        #expect(summary.failed == 0)
        #expect(store.puts.map(\.condition) == [.ifNoneMatch, .ifNoneMatch])
    }

    @Test func secondRunMergesNewRowsWinAndKeepsOldOnes() throws {
        let store = MemoryStore()
        let src = self.source()
        _ = try BackfillRunner(source: src, store: store, options: self.options(.list(["AAPL"])), sink: LinesSink()).run()
        // The database changes one row and loses another; a narrower second run must replace the
        // changed row and keep every row it did not fetch.
        src.tables[.prices]?["AAPL"] = [priceRow("AAPL", "2024-01-31", close: 99)]
        let sink = LinesSink()
        _ = try BackfillRunner(source: src, store: store, options: self.options(.list(["AAPL"])), sink: sink).run()
        #expect(sink.outLines.contains("  Merged: 2 existing + 1 new = 2 total"))
        let table = try ParquetReader.read(store.objects["prices/v1/AAPL/2024/01/data.parquet"]!.body)
        #expect(table.rows == [priceRow("AAPL", "2024-01-30", close: 1), priceRow("AAPL", "2024-01-31", close: 99)])
        #expect(store.puts.last?.condition == .ifMatch("\"v1\""))
    }

    @Test func identicalRerunLeavesRowsUnchanged() throws {
        let store = MemoryStore()
        let src = self.source()
        _ = try BackfillRunner(source: src, store: store, options: self.options(.all), sink: LinesSink()).run()
        let before = store.objects.mapValues { try! ParquetReader.read($0.body).rows }
        _ = try BackfillRunner(source: src, store: store, options: self.options(.all), sink: LinesSink()).run()
        let after = store.objects.mapValues { try! ParquetReader.read($0.body).rows }
        #expect(before == after)
        #expect(Set(store.objects.keys) == ["prices/v1/AAPL/2024/01/data.parquet", "prices/v1/AAPL/2024/02/data.parquet", "prices/v1/MSFT/2024/03/data.parquet"])
    }

    @Test func dryRunWritesNothing() throws {
        let store = MemoryStore()
        let sink = LinesSink()
        let summary = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["AAPL"]), dryRun: true), sink: sink).run()
        #expect(store.puts.isEmpty && store.objects.isEmpty)
        #expect(sink.outLines.contains("DRY RUN: nothing will be written to R2"))
        #expect(sink.outLines.contains("  [dry run] Would write 2 rows to prices/v1/AAPL/2024/01/data.parquet"))
        #expect(sink.outLines.contains("  [dry run] Would write 2 monthly files to R2"))
        #expect(summary.totalFiles == 2)
    }

    @Test func aLostRaceIsMergedAgainNotOverwritten() throws {
        let store = MemoryStore()
        let key = "prices/v1/MSFT/2024/03/data.parquet"
        var raced = false
        // Another writer stores a different row for the same month between our read and our write.
        store.beforePut = { k in
            guard k == key, !raced else { return }
            raced = true
            let other = try! ParquetWriter.write(schema: priceSchema, rows: [priceRow("MSFT", "2024-03-04", close: 7)], createdBy: "other")
            store.store(key: key, body: other)
        }
        _ = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["MSFT"])), sink: LinesSink()).run()
        let rows = try ParquetReader.read(store.objects[key]!.body).rows
        #expect(rows == [priceRow("MSFT", "2024-03-01", close: 10), priceRow("MSFT", "2024-03-04", close: 7)])
    }

    /// `--compression snappy`: every file has SNAPPY chunks and the same rows; a rerun with the same
    /// setting recognises its files by ETag (no GET, no PUT); switching back to none rewrites them.
    @Test func compressionSnappyWritesSnappyFilesAndRerunsAreUnchanged() throws {
        let store = MemoryStore()
        store.md5ETags = true
        var snappy = self.options(.all)
        snappy.compression = .snappy
        _ = try BackfillRunner(source: self.source(), store: store, options: snappy, sink: LinesSink()).run()
        let plainStore = MemoryStore()
        _ = try BackfillRunner(source: self.source(), store: plainStore, options: self.options(.all), sink: LinesSink()).run()
        #expect(store.objects.keys.sorted() == plainStore.objects.keys.sorted())
        for (key, object) in store.objects {
            let meta = try ParquetReader.readMetadata(object.body)
            #expect(meta.rowGroups.allSatisfy { $0.columns.allSatisfy { $0.metaData?.codec == 1 } }, "\(key)")
            #expect(try ParquetReader.read(object.body).rows == ParquetReader.read(try #require(plainStore.objects[key]).body).rows)
        }
        store.lock.locked { store.gets = []; store.puts = [] }
        let again = try BackfillRunner(source: self.source(), store: store, options: snappy, sink: LinesSink()).run()
        #expect(store.gets.isEmpty && store.puts.isEmpty && again.totalFiles == 0)
        _ = try BackfillRunner(source: self.source(), store: store, options: self.options(.all), sink: LinesSink()).run()
        #expect(store.puts.count == store.objects.count)
        #expect(store.objects.allSatisfy { (try? ParquetReader.readMetadata($0.value.body).rowGroups[0].columns[0].metaData?.codec) == 0 })
    }

    @Test func aRetriedWriteThatMetItsOwnObjectCountsAsWritten() throws {
        let store = MemoryStore()
        let key = "prices/v1/MSFT/2024/03/data.parquet"
        store.landThenConflict = [key]
        let sink = LinesSink()
        let summary = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["MSFT"])), sink: sink).run()
        #expect(try ParquetReader.read(store.objects[key]!.body).rows == [priceRow("MSFT", "2024-03-01", close: 10)])
        let block = sink.outLines.drop { !$0.hasPrefix("  ✓ Fetched") }.prefix(3)
        #expect(Array(block) == ["  ✓ Fetched 1 rows from Dolt", "  Merged: 0 existing + 1 new = 1 total", "  ✓ Wrote 1 rows to \(key)"], "\(sink.outLines)")
        #expect(!sink.outLines.contains { $0.contains("Unchanged") })
        #expect(summary.totalFiles == 1 && summary.unchangedFiles == 0 && summary.failed == 0)
        // The re-read found exactly our bytes: no second PUT.
        #expect(store.puts.filter { $0.key == key }.count == 1)
    }

    @Test func aRetriedWriteBeatenByAnotherWriterIsMergedWithIt() throws {
        let store = MemoryStore()
        let key = "prices/v1/MSFT/2024/03/data.parquet"
        store.landThenConflict = [key]
        // Our write lands, then another writer replaces it before our retry's 412 is handled.
        let other = try ParquetWriter.write(schema: priceSchema, rows: [priceRow("MSFT", "2024-03-04", close: 7)], createdBy: "other")
        let tracking = OverwriteAfterPut(store: store, key: key, body: other)
        _ = try BackfillRunner(source: self.source(), store: tracking, options: self.options(.list(["MSFT"])), sink: LinesSink()).run()
        let rows = try ParquetReader.read(store.objects[key]!.body).rows
        #expect(rows == [priceRow("MSFT", "2024-03-01", close: 10), priceRow("MSFT", "2024-03-04", close: 7)])
    }

    @Test func unreadableExistingObjectIsLeftUntouchedAndCounted() throws {
        let store = MemoryStore()
        let key = "prices/v1/AAPL/2024/01/data.parquet"
        store.store(key: key, body: Array("not parquet".utf8))
        let sink = LinesSink()
        let summary = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["AAPL"])), sink: sink).run()
        #expect(store.objects[key]?.body == Array("not parquet".utf8))
        #expect(summary.failed == 1)
        #expect(sink.outLines.last == "Failed: 1")
        #expect(sink.errLines.count == 1 && sink.errLines[0].contains(key) && sink.errLines[0].contains("left untouched"))
        // The other month still went through.
        #expect(store.objects["prices/v1/AAPL/2024/02/data.parquet"] != nil)
    }

    @Test func oneTickerFailingDoesNotStopTheOthers() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "the connection dropped" } }
        let src = self.source()
        src.failures["AAPL"] = Boom()
        let sink = LinesSink()
        let store = MemoryStore()
        let summary = try BackfillRunner(source: src, store: store, options: self.options(.list(["AAPL", "MSFT"])), sink: sink).run()
        #expect(summary.failed == 1 && summary.successful == 1)
        #expect(sink.errLines == ["  ✗ prices for AAPL: the connection dropped"])
        #expect(store.objects.keys.contains("prices/v1/MSFT/2024/03/data.parquet"))
    }

    @Test func allRefusesTickersThatDifferOnlyInCase() throws {
        let src = self.source()
        src.tables[.prices]?["aapl"] = [priceRow("aapl", "2024-01-02", close: 5)]
        let sink = LinesSink()
        let store = MemoryStore()
        let summary = try BackfillRunner(source: src, store: store, options: self.options(.all), sink: sink).run()
        // Byte order: "AAPL" < "MSFT" < "aapl"; the later one is refused, never mixed into AAPL's files.
        #expect(sink.outLines.contains("[3/3] AAPL"))
        #expect(summary.failed == 1)
        #expect(sink.errLines.count == 1 && sink.errLines[0].contains("'aapl'") && sink.errLines[0].contains("'AAPL'"))
        let rows = try ParquetReader.read(store.objects["prices/v1/AAPL/2024/01/data.parquet"]!.body).rows
        #expect(rows.count == 2)
    }

    @Test func allWritesUpperCaseKeysForLowerCaseTickers() throws {
        let src = MemorySource()
        src.schemas[.prices] = priceSchema
        src.tables[.prices] = ["aapl.x": [priceRow("aapl.x", "2024-05-02", close: 5)]]
        let store = MemoryStore()
        _ = try BackfillRunner(source: src, store: store, options: self.options(.all), sink: LinesSink()).run()
        #expect(Array(store.objects.keys) == ["prices/v1/AAPL.X/2024/05/data.parquet"])
        #expect(src.fetches.map(\.1) == ["aapl.x"])
    }

    @Test func dateRangeIsPassedToTheSource() throws {
        let store = MemoryStore()
        let range = DateRange(start: CivilDate(parsing: "2024-01-31"), end: CivilDate(parsing: "2024-01-31"))
        let summary = try BackfillRunner(source: self.source(), store: store, options: self.options(.list(["AAPL"]), range: range), sink: LinesSink()).run()
        #expect(summary.totalRows == 1)
        #expect(Array(store.objects.keys) == ["prices/v1/AAPL/2024/01/data.parquet"])
    }
}

@Suite("Merge compatibility")
struct MergeCompatibilityTests {
    @Test func annotationOnlyDifferencesMerge() throws {
        var stored = priceSchema
        stored[3] = ParquetColumnSchema(name: "volume", physicalType: .int64, logicalType: .integer(bitWidth: 64, signed: true), isRequired: false)
        let existing = ParquetTable(schema: stored, rows: [priceRow("A", "2024-01-02", close: 1)], keyValueMetadata: [], createdBy: nil)
        let merged = try MonthMerge.merge(existing: existing, newRows: [priceRow("A", "2024-01-03", close: 2)], schema: priceSchema, dateColumn: 1, key: "k")
        #expect(merged.rows.count == 2 && merged.existingCount == 1)
    }

    @Test func missingColumnsBecomeNullAndOldOnlyColumnsAreKept() throws {
        var stored = Array(priceSchema.prefix(3))
        stored.append(ParquetColumnSchema(name: "extra", physicalType: .int32, logicalType: .none, isRequired: true))
        let existing = ParquetTable(schema: stored, rows: [[.bytes(Array("A".utf8)), .int32(day("2024-01-02")), .int64(5), .int32(77)]])
        let merged = try MonthMerge.merge(existing: existing, newRows: [priceRow("A", "2024-01-03", close: 2)], schema: priceSchema, dateColumn: 1, key: "k")
        #expect(merged.schema.map(\.name) == ["ticker", "date", "close", "volume", "extra"])
        #expect(merged.schema[4].isRequired == false)
        #expect(merged.rows == [
            [.bytes(Array("A".utf8)), .int32(day("2024-01-02")), .int64(5), .null, .int32(77)],
            priceRow("A", "2024-01-03", close: 2) + [.null],
        ])
    }

    @Test func aRequiredColumnMissingFromTheObjectIsRefused() {
        let stored = [priceSchema[1], priceSchema[2]]
        let existing = ParquetTable(schema: stored, rows: [])
        #expect {
            try MonthMerge.merge(existing: existing, newRows: [], schema: priceSchema, dateColumn: 1, key: "k")
        } throws: { ($0 as? BackfillError)?.message.contains("no column 'ticker'") == true }
    }
}

@Suite("Files from the replaced script convert exactly")
struct LegacyConversionTests {
    static let decimal = ParquetColumnSchema(name: "close", physicalType: .fixedLenByteArray(9), logicalType: .decimal(precision: 20, scale: 4), isRequired: false)
    static let double = ParquetColumnSchema(name: "close", physicalType: .double, logicalType: .none, isRequired: false)

    func fixed(_ text: String) -> ParquetValue {
        .bytes(DecimalText.unscaledTwosComplement(Array(text.utf8), precision: 20, scale: 4, width: 9)!)
    }

    @Test(arguments: [
        (0.1, "0.1000"), (9.25, "9.2500"), (-1234.5678, "-1234.5678"), (1e-05, "0.0000"), (0.00005, "0.0000"),
        (0.00015, "0.0002"), (0.000250001, "0.0003"), (123456789012.1234, "123456789012.1234"), (-0.00005, "0.0000"), (1e15, "1000000000000000.0000"),
        (-0.0, "0.0000"), (Double.leastNonzeroMagnitude, "0.0000"), (1e-07, "0.0000"), (0.00005000001, "0.0001"), (100.0, "100.0000"), (-2.5e-4, "-0.0002"),
    ])
    func doublesRoundHalfToEvenAtTheScale(value: Double, expected: String) throws {
        #expect(try LegacyConversion.convert(.double(value), from: Self.double, to: Self.decimal) == self.fixed(expected))
    }

    @Test func nanIsNullAndInfinityIsAnError() throws {
        #expect(try LegacyConversion.convert(.double(.nan), from: Self.double, to: Self.decimal) == .null)
        #expect(throws: (any Error).self) { try LegacyConversion.convert(.double(.infinity), from: Self.double, to: Self.decimal) }
    }

    @Test func aDoubleTooLargeForThePrecisionIsAnError() {
        #expect(throws: (any Error).self) { try LegacyConversion.convert(.double(1e17), from: Self.double, to: Self.decimal) }
    }

    @Test func timestampsAtMidnightBecomeDates() throws {
        let date = ParquetColumnSchema(name: "date", physicalType: .int32, logicalType: .date, isRequired: true)
        let d = Int64(day("2024-02-29"))
        for (unit, perDay) in [(ParquetTimeUnit.millis, Int64(86_400_000)), (.micros, 86_400_000_000), (.nanos, 86_400_000_000_000)] {
            let ts = ParquetColumnSchema(name: "date", physicalType: .int64, logicalType: .timestamp(unit: unit, isAdjustedToUTC: false), isRequired: false)
            #expect(try LegacyConversion.convert(.int64(d * perDay), from: ts, to: date) == .int32(Int32(d)))
            #expect(throws: (any Error).self) { try LegacyConversion.convert(.int64(d * perDay + 1), from: ts, to: date) }
        }
        // INT96: nanoseconds of the day (LE 8 bytes) then the Julian day (LE 4 bytes).
        let julian = UInt32(2_440_588 + d)
        let int96 = ParquetColumnSchema(name: "date", physicalType: .int96, logicalType: .none, isRequired: false)
        let bytes = [UInt8](repeating: 0, count: 8) + (0..<4).map { UInt8(truncatingIfNeeded: julian >> (8 * $0)) }
        #expect(try LegacyConversion.convert(.bytes(bytes), from: int96, to: date) == .int32(Int32(d)))
    }

    @Test func integerWidthsAndFloatVolumes() throws {
        let int32 = ParquetColumnSchema(name: "fiscal_year", physicalType: .int32, logicalType: .integer(bitWidth: 32, signed: true), isRequired: false)
        let int64 = ParquetColumnSchema(name: "v", physicalType: .int64, logicalType: .none, isRequired: false)
        #expect(try LegacyConversion.convert(.int64(2024), from: int64, to: int32) == .int32(2024))
        #expect(throws: (any Error).self) { try LegacyConversion.convert(.int64(1 << 40), from: int64, to: int32) }
        // pandas turns an integer column with NULLs into float64.
        #expect(try LegacyConversion.convert(.double(1200.0), from: Self.double, to: int64) == .int64(1200))
        #expect(try LegacyConversion.convert(.double(.nan), from: Self.double, to: int64) == .null)
        #expect(throws: (any Error).self) { try LegacyConversion.convert(.double(1.5), from: Self.double, to: int64) }
    }

    @Test func decimalsRescaleOnlyExactly() throws {
        let two = ParquetColumnSchema(name: "x", physicalType: .int64, logicalType: .decimal(precision: 18, scale: 2), isRequired: false)
        #expect(try LegacyConversion.convert(.int64(-12345), from: two, to: Self.decimal) == self.fixed("-123.45"))
        #expect(throws: (any Error).self) { try LegacyConversion.convert(self.fixed("1.2345"), from: Self.decimal, to: two) }
        #expect(try LegacyConversion.convert(self.fixed("-1.2300"), from: Self.decimal, to: two) == .int64(-123))
    }

    @Test func pandasIndexColumnsAreDropped() throws {
        let stored = [priceSchema[0], ParquetColumnSchema(name: "date", physicalType: .int64, logicalType: .timestamp(unit: .nanos, isAdjustedToUTC: false), isRequired: false),
            ParquetColumnSchema(name: "__index_level_0__", physicalType: .int64, logicalType: .none, isRequired: false)]
        let d = Int64(day("2024-01-05"))
        let table = ParquetTable(schema: stored, rows: [[.bytes(Array("A".utf8)), .int64(d * 86_400_000_000_000), .int64(7)]])
        let out = try LegacyConversion.conform(table, to: [priceSchema[0], priceSchema[1]], key: "k")
        #expect(out.schema.map(\.name) == ["ticker", "date"])
        #expect(out.rows == [[.bytes(Array("A".utf8)), .int32(Int32(d))]])
    }

    /// fastparquet writes an unnamed index as a column "index" and lists it in the pandas metadata;
    /// an index on a real column (here `date`) stays data.
    @Test func indexColumnsNamedInThePandasMetadataAreDropped() throws {
        let stored = [priceSchema[0], priceSchema[1], ParquetColumnSchema(name: "index", physicalType: .int64, logicalType: .none, isRequired: false)]
        let d = Int32(day("2024-01-05"))
        let pandas = #"{"index_columns": ["index", "date", {"kind": "range", "start": 0, "stop": 1, "step": 1}], "column_indexes": [{"name": null}], "pandas_version": "2.2.3"}"#
        let table = ParquetTable(
            schema: stored, rows: [[.bytes(Array("A".utf8)), .int32(d), .int64(7)]], keyValueMetadata: [ParquetKeyValue(key: "pandas", value: pandas)])
        let out = try LegacyConversion.conform(table, to: [priceSchema[0], priceSchema[1]], key: "k")
        #expect(out.schema.map(\.name) == ["ticker", "date"])
        #expect(out.rows == [[.bytes(Array("A".utf8)), .int32(d)]])
        // Without the metadata the column is kept (nullable), so nothing is lost.
        let kept = try LegacyConversion.conform(ParquetTable(schema: stored, rows: table.rows), to: [priceSchema[0], priceSchema[1]], key: "k")
        #expect(kept.schema.map(\.name) == ["ticker", "date", "index"])
        #expect(kept.schema[2].isRequired == false)
    }

    @Test(arguments: [
        (#"{"index_columns": ["a", "b\u00e9\ud83d\ude00\"x"]}"#, ["a", "bé😀\"x"]),
        (#"{"columns": [{"name": "x", "metadata": {"a": [1, -2.5e3, true, null]}}], "index_columns": []}"#, []),
        (#"{"index_columns": "x"}"#, []),
        (#"{"index_columns": ["a""#, []),
        (#"{"index_columns": ["\ud800"]}"#, []),
        ("not json", []),
        (String(repeating: "[", count: 10_000), []),
        (#"{"x": "#  + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #", "index_columns": ["i"]}"#, []),
    ])
    func pandasMetadataIsParsedDefensively(json: String, names: [String]) {
        #expect(LegacyConversion.pandasIndexColumns([ParquetKeyValue(key: "pandas", value: json)]) == Set(names))
    }

    @Test func floatAndIntegerDecimalsConvertToTheColumnsDecimal() throws {
        let float = ParquetColumnSchema(name: "close", physicalType: .float, logicalType: .none, isRequired: false)
        // FLOAT uses its own shortest text: 1.1f is 1.1, not 1.100000023841858.
        #expect(try LegacyConversion.convert(.float(1.1), from: float, to: Self.decimal) == self.fixed("1.1000"))
        #expect(try LegacyConversion.convert(.float(.nan), from: float, to: Self.decimal) == .null)
        let int32Decimal = ParquetColumnSchema(name: "close", physicalType: .int32, logicalType: .decimal(precision: 9, scale: 4), isRequired: false)
        #expect(try LegacyConversion.convert(.int32(-92_500), from: int32Decimal, to: Self.decimal) == self.fixed("-9.2500"))
        let int64Decimal = ParquetColumnSchema(name: "close", physicalType: .int64, logicalType: .decimal(precision: 18, scale: 6), isRequired: false)
        #expect(try LegacyConversion.convert(.int64(1_234_500), from: int64Decimal, to: Self.decimal) == self.fixed("1.2345"))
        #expect(throws: (any Error).self) { try LegacyConversion.convert(.int64(1_234_567), from: int64Decimal, to: Self.decimal) }
        let wide = ParquetColumnSchema(name: "close", physicalType: .fixedLenByteArray(16), logicalType: .decimal(precision: 38, scale: 4), isRequired: false)
        let unscaled: [UInt8] = [UInt8](repeating: 0xFF, count: 14) + [0xFF, 0x9C]  // -100 → -0.0100
        #expect(try LegacyConversion.convert(.bytes(unscaled), from: wide, to: Self.decimal) == self.fixed("-0.0100"))
    }
}

@Suite("The pipeline: parallel, frugal, stoppable")
struct PipelineTests {
    func manyTickers() -> MemorySource {
        let s = MemorySource()
        s.schemas[.prices] = priceSchema
        s.schemas[.fundamentals] = priceSchema
        var prices: [String: [[ParquetValue]]] = [:]
        var fundamentals: [String: [[ParquetValue]]] = [:]
        for t in 0..<25 {
            let ticker = "T\(t)"
            var rows: [[ParquetValue]] = []
            for m in 1...6 { for d in [3, 10, 17] { rows.append(priceRow(ticker, "2023-0\(m)-\(d < 10 ? "0" : "")\(d)", close: Int64(t * 100 + m * 10 + d))) } }
            prices[ticker] = rows
            if t % 3 != 0 { fundamentals[ticker] = [priceRow(ticker, "2023-03-31", close: Int64(t))] }
        }
        s.tables[.prices] = prices
        s.tables[.fundamentals] = fundamentals
        return s
    }

    func run(_ src: MemorySource, _ store: MemoryStore, jobs: Int, db: Int, tickers: TickerSelection = .all, stopped: Bool = false) throws -> (RunSummary, LinesSink) {
        let sink = LinesSink()
        let options = RunOptions(tickers: tickers, datasets: [.prices, .fundamentals], range: DateRange(start: nil, end: nil), dryRun: false, verbose: false,
            createdBy: "test version 0 (build x)", jobs: jobs, databaseConnections: db, shouldStop: { stopped })
        let summary = try BackfillRunner(makeSource: { src }, makeStore: { store }, options: options, sink: sink).run()
        return (summary, sink)
    }

    @Test func parallelRunPrintsExactlyWhatASequentialRunPrints() throws {
        let (s1, sequential) = try self.run(self.manyTickers(), MemoryStore(), jobs: 1, db: 1)
        let store = MemoryStore()
        let (s2, parallel) = try self.run(self.manyTickers(), store, jobs: 8, db: 3)
        #expect(parallel.outLines == sequential.outLines)
        #expect(s1.totalFiles == 25 * 6 + 16 && s2.totalFiles == s1.totalFiles)
        #expect(s2.successful == 25 + 16 && s2.noData == 9)
        #expect(store.objects.count == 25 * 6 + 16)
    }

    @Test(arguments: [1, 4])
    func unchangedRerunCostsOneListPagePerDatasetAndNoReads(jobs: Int) throws {
        let src = self.manyTickers()
        let store = MemoryStore()
        store.md5ETags = true
        _ = try self.run(src, store, jobs: jobs, db: min(jobs, 2))
        store.lock.locked { store.gets = []; store.puts = []; store.lists = [] }
        let (summary, sink) = try self.run(src, store, jobs: jobs, db: min(jobs, 2))
        #expect(store.gets.isEmpty)
        #expect(store.puts.isEmpty)
        // 166 keys fit one page per dataset; in parallel a ticker asked for ahead of the first
        // page's may start a page of its own, never one per ticker.
        if jobs == 1 {
            #expect(store.lists == ["prices/v1/", "fundamentals/v1/"])
        } else {
            #expect(store.lists.count >= 2 && store.lists.count <= 2 * jobs)
            #expect(Set(store.lists) == ["prices/v1/", "fundamentals/v1/"])
        }
        #expect(summary.totalFiles == 0 && summary.unchangedFiles == 25 * 6 + 16)
        #expect(sink.outLines.contains("  ✓ Unchanged: 3 rows already in prices/v1/T0/2023/01/data.parquet"))
        #expect(sink.outLines.contains("Unchanged files: 166"))
    }

    @Test func identicalContentUnderAnotherETagIsReadButNotWritten() throws {
        let src = self.manyTickers()
        let store = MemoryStore()  // ETags are not MD5s here, like a multipart upload's
        _ = try self.run(src, store, jobs: 2, db: 1, tickers: .list(["T1"]))
        store.lock.locked { store.gets = []; store.puts = [] }
        let (summary, _) = try self.run(src, store, jobs: 2, db: 1, tickers: .list(["T1"]))
        #expect(store.gets.count == 7)
        #expect(store.puts.isEmpty)
        #expect(summary.unchangedFiles == 7)
    }

    @Test func aStopBeforeTheRunDoesNothingAndSaysSo() throws {
        let store = MemoryStore()
        let (summary, sink) = try self.run(self.manyTickers(), store, jobs: 4, db: 2, stopped: true)
        #expect(store.puts.isEmpty)
        #expect(summary.notDone == 50 && summary.successful == 0)
        #expect(sink.outLines.contains("Not done (stopped): 50"))
    }

    @Test func aListingFailureFailsOnlyThatPair() throws {
        struct Down: Error, CustomStringConvertible { var description: String { "503 SlowDown" } }
        let store = MemoryStore()
        store.failList = Down()
        let (summary, sink) = try self.run(self.manyTickers(), store, jobs: 3, db: 1, tickers: .list(["T1"]))
        #expect(summary.failed == 2)
        #expect(sink.errLines.allSatisfy { $0.contains("listing the existing files failed: 503 SlowDown") })
        #expect(store.objects.isEmpty)
    }

    /// 40 tickers of 30 months: 1,200 price keys, more than a listing page holds.
    func longHistories() -> MemorySource {
        let s = MemorySource()
        s.schemas[.prices] = priceSchema
        var prices: [String: [[ParquetValue]]] = [:]
        for t in 0..<40 {
            let ticker = "L\(t < 10 ? "0" : "")\(t)"
            prices[ticker] = (0..<30).map { m in priceRow(ticker, "\(2020 + m / 12)-\(m % 12 < 9 ? "0" : "")\(m % 12 + 1)-15", close: Int64(t * 100 + m)) }
        }
        s.tables[.prices] = prices
        return s
    }

    func options(jobs: Int, db: Int = 1, datasets: [Dataset] = [.prices], tickers: TickerSelection = .all, verbose: Bool = false) -> RunOptions {
        RunOptions(tickers: tickers, datasets: datasets, range: DateRange(start: nil, end: nil), dryRun: false, verbose: verbose,
            createdBy: "test version 0 (build x)", jobs: jobs, databaseConnections: db, shouldStop: { false })
    }

    @Test(arguments: [1, 6])
    func listingPagesSpanTickersAndEndInsideThem(jobs: Int) throws {
        let src = self.longHistories()
        let store = MemoryStore()
        store.md5ETags = true
        _ = try BackfillRunner(makeSource: { src }, makeStore: { store }, options: self.options(jobs: jobs, db: min(jobs, 2)), sink: LinesSink()).run()
        // Another writer changed L33's last month. L33's keys are the 991st to 1020th: a
        // 1000-key page ends inside them, so its last month comes from the next page.
        let changed = try ObjectKey.key(dataset: .prices, ticker: "L33", month: Month(year: 2022, month: 6))
        store.store(key: changed, body: try ParquetWriter.write(schema: priceSchema, rows: [priceRow("L33", "2022-06-01", close: 7)], createdBy: "other"))
        store.lock.locked { store.gets = []; store.puts = []; store.lists = [] }
        let summary = try BackfillRunner(makeSource: { src }, makeStore: { store }, options: self.options(jobs: jobs, db: min(jobs, 2)), sink: LinesSink()).run()
        // Every other month was listed with its ETag (no GET, no PUT); the changed one was
        // listed with the other writer's, so it was read, merged and written back.
        #expect(summary.unchangedFiles == 40 * 30 - 1 && summary.totalFiles == 1)
        #expect(store.gets == [changed] && store.puts.map(\.key) == [changed])
        if jobs == 1 { #expect(store.lists == ["prices/v1/", "prices/v1/"]) } else { #expect(store.lists.count >= 2 && store.lists.count < 40) }
    }

    /// Wraps a store and spoils its listing pages (a server that ignores start-after, say).
    final class SpoiledPages: ObjectStore, @unchecked Sendable {
        let base: MemoryStore
        let spoil: (ListedPage) -> ListedPage
        init(_ base: MemoryStore, spoil: @escaping (ListedPage) -> ListedPage) {
            self.base = base
            self.spoil = spoil
        }
        func list(prefix: String) throws -> [String: ListedObject] { try self.base.list(prefix: prefix) }
        func listPage(prefix: String, startAfter: String, maxKeys: Int) throws -> ListedPage {
            self.spoil(try self.base.listPage(prefix: prefix, startAfter: "", maxKeys: maxKeys))
        }
        func get(key: String) throws -> StoredObject? { try self.base.get(key: key) }
        func put(key: String, body: [UInt8], condition: WriteCondition?) throws { try self.base.put(key: key, body: body, condition: condition) }
    }

    @Test func aServerThatIgnoresStartAfterIsListedTickerByTicker() throws {
        let src = self.longHistories()
        let store = MemoryStore()
        store.md5ETags = true
        _ = try BackfillRunner(source: src, store: store, options: self.options(jobs: 1), sink: LinesSink()).run()
        store.lock.locked { store.gets = []; store.puts = []; store.lists = [] }
        let sink = LinesSink()
        let spoiled = SpoiledPages(store) { $0 }  // every page starts at the first key
        let summary = try BackfillRunner(makeSource: { src }, makeStore: { spoiled }, options: self.options(jobs: 3, verbose: true), sink: sink).run()
        #expect(summary.unchangedFiles == 40 * 30 && summary.failed == 0)
        #expect(store.gets.isEmpty && store.puts.isEmpty)
        // The first page starts at L00 and passes; the first resumed page does not: from then on
        // one listing per ticker.
        #expect(store.lists.filter { $0 == "prices/v1/" }.count >= 2)
        #expect(store.lists.filter { $0 != "prices/v1/" }.count >= 5)
        #expect(sink.errLines.contains { $0.contains("out of order") && $0.contains("listing each ticker's files on its own from now on") })
    }

    @Test func aFailingListingPageFallsBackAndFailsOnlyWhatCannotBeListed() throws {
        struct Down: Error, CustomStringConvertible { var description: String { "503 SlowDown" } }
        let store = MemoryStore()
        store.failList = Down()
        let (summary, sink) = try self.run(self.manyTickers(), store, jobs: 3, db: 1)
        #expect(summary.failed == 25 + 16 && summary.noData == 9)
        #expect(!sink.errLines.isEmpty && sink.errLines.allSatisfy { $0.contains("listing the existing files failed: 503 SlowDown") })
        // One page per dataset failed, then every ticker's own prefix was tried.
        #expect(store.lists.filter { $0.hasSuffix("/v1/") }.count == 2)
        #expect(store.lists.count == 2 + 25 + 16)
        #expect(store.objects.isEmpty)
    }

    /// Calls `probe` at each ticker heading, from the thread that prints.
    final class ProbingSink: ReportSink, @unchecked Sendable {
        let lines = LinesSink()
        var probe: () -> Void = {}
        func out(_ line: String) {
            if line.hasPrefix("[") { self.probe() }
            self.lines.out(line)
        }
        func err(_ line: String) { self.lines.err(line) }
    }

    @Test func rowsAreReleasedOnceWrittenAndPairsOncePrinted() throws {
        let sink = ProbingSink()
        let options = RunOptions(tickers: .all, datasets: [.prices, .fundamentals], range: DateRange(start: nil, end: nil), dryRun: false, verbose: false,
            createdBy: "test version 0 (build x)", jobs: 4, databaseConnections: 2, shouldStop: { false })
        let src = self.manyTickers()
        let store = MemoryStore()
        let runner = BackfillRunner(makeSource: { src }, makeStore: { store }, options: options, sink: sink)
        var heldRows: [Int] = []
        sink.probe = { heldRows.append(runner.retained.rows) }
        let summary = try runner.run()
        #expect(summary.totalFiles == 25 * 6 + 16)
        #expect(heldRows.count == 25)
        // Completed pairs keep their report lines until printed, never their rows.
        #expect(heldRows.allSatisfy { $0 == 0 })
        #expect(runner.retained.pairs == 0)
        #expect(runner.retainedEntries == 0)
    }

    func run(_ src: MemorySource, _ store: MemoryStore, jobs: Int, rowsInFlight: Int) throws -> (RunSummary, LinesSink) {
        let sink = LinesSink()
        let options = RunOptions(tickers: .all, datasets: [.prices, .fundamentals], range: DateRange(start: nil, end: nil), dryRun: false, verbose: false,
            createdBy: "test version 0 (build x)", jobs: jobs, databaseConnections: 2, rowsInFlight: rowsInFlight, shouldStop: { false })
        return (try BackfillRunner(makeSource: { src }, makeStore: { store }, options: options, sink: sink).run(), sink)
    }

    @Test func theRowBudgetHoldsBackTheNextPairUntilTheRowsAreWritten() throws {
        // A prices pair has 18 rows: with a budget of 18 only one pair is fetched-but-unwritten at
        // a time, so one pair's writes never interleave with another's although 4 jobs run.
        let store = MemoryStore()
        let (summary, sink) = try self.run(self.manyTickers(), store, jobs: 4, rowsInFlight: 18)
        let pairs = store.puts.map { $0.key.split(separator: "/").prefix(3).joined(separator: "/") }
        var runs: [String] = []
        for p in pairs where runs.last != p { runs.append(p) }
        #expect(runs.count == Set(runs).count)
        #expect(runs.count == 25 + 16)
        #expect(summary.totalFiles == 25 * 6 + 16)
        let (_, sequential) = try self.run(self.manyTickers(), MemoryStore(), jobs: 1, db: 1)
        #expect(sink.outLines == sequential.outLines)
    }

    @Test func aPairLargerThanTheRowBudgetStillRuns() throws {
        let store = MemoryStore()
        let (summary, _) = try self.run(self.manyTickers(), store, jobs: 3, rowsInFlight: 1)
        #expect(summary.totalFiles == 25 * 6 + 16 && summary.failed == 0)
        #expect(store.objects.count == 25 * 6 + 16)
    }
}

/// Passes everything to `store`, but after the first put of `key` (which fails as a conflict)
/// another writer stores `body` there, replacing ours.
final class OverwriteAfterPut: ObjectStore, @unchecked Sendable {
    let store: MemoryStore
    let key: String
    let body: [UInt8]
    var done = false
    init(store: MemoryStore, key: String, body: [UInt8]) {
        self.store = store
        self.key = key
        self.body = body
    }
    func list(prefix: String) throws -> [String: ListedObject] { try self.store.list(prefix: prefix) }
    func get(key: String) throws -> StoredObject? { try self.store.get(key: key) }
    func put(key: String, body: [UInt8], condition: WriteCondition?) throws {
        do {
            try self.store.put(key: key, body: body, condition: condition)
        } catch let e as WriteConflict where key == self.key && !self.done {
            self.done = true
            self.store.store(key: key, body: self.body)
            throw e
        }
    }
}
