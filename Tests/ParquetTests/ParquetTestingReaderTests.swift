import Testing

@testable import Parquet

/// apache/parquet-testing files (Fixtures/parquet/testing) against the rows pyarrow decoded from them
/// (`expected/*.json[.gz]`, made by shared/parquet/testing/make_expected.py).
@Suite("Reader on apache/parquet-testing files")
struct ParquetTestingReaderTests {
    /// Files the reader must decode to exactly the expected rows.
    static let readable: [String] = [
        "alltypes_plain", "alltypes_plain.snappy", "alltypes_dictionary", "alltypes_tiny_pages", "alltypes_tiny_pages_plain",
        "binary", "byte_array_decimal", "column_chunk_key_value_metadata", "concatenated_gzip_members",
        "data_index_bloom_encoding_stats", "datapage_v1-corrupt-checksum", "datapage_v1-snappy-compressed-checksum",
        "datapage_v2_empty_datapage.snappy", "dict-page-offset-zero", "fixed_length_decimal", "fixed_length_decimal_legacy",
        "int32_decimal", "int32_with_null_pages", "int64_decimal", "nan_in_stats", "plain-dict-uncompressed-checksum",
        "rle-dict-snappy-checksum", "sort_columns", "unknown-logical-type",
    ]

    @Test(arguments: Self.readable)
    func decodedRowsEqualTheExpectedRows(name: String) throws {
        let expectedPath = "testing/expected/\(name).json"
        let doc: JSON
        if let plain = try? Fixture.json(expectedPath) { doc = plain } else { doc = try Fixture.json(expectedPath + ".gz") }
        let table = try ParquetReader.read(try Fixture.bytes("testing/\(name).parquet"))
        let columns = doc["columns"]?.array ?? []
        let expectedRows = doc["rows"]?.array ?? []
        #expect(table.rows.count == expectedRows.count)
        // Expected columns are matched by name; every expected column must exist in the file.
        for c in columns {
            guard let colName = c["name"]?.string, let type = c["type"]?.string else { continue }
            guard let index = table.schema.firstIndex(where: { $0.name == colName }) else {
                Issue.record("column \(colName) missing")
                continue
            }
            #expect(table.schema[index].isRequired == (c["nullable"]?.bool == false), "nullability of \(colName)")
            var mismatches = 0
            for (r, row) in zip(table.rows, expectedRows).enumerated() {
                let got = ExpectedRows.canonical(row.0[index], column: table.schema[index], type: type)
                let want = ExpectedRows.canonical(expected: row.1[colName] ?? .null, type: type)
                if got != want {
                    mismatches += 1
                    if mismatches <= 3 { Issue.record("\(name) row \(r) column \(colName): got \(got), expected \(want)") }
                }
            }
            #expect(mismatches == 0)
        }
    }

    @Test func convertedAndLogicalTypesAreMapped() throws {
        let gzip = try ParquetReader.read(try Fixture.bytes("testing/concatenated_gzip_members.parquet"))
        #expect(gzip.schema.first?.logicalType == .integer(bitWidth: 64, signed: false))
        let fixed = try ParquetReader.read(try Fixture.bytes("testing/fixed_length_decimal_legacy.parquet"))
        #expect(fixed.schema.first?.logicalType == .decimal(precision: 13, scale: 2))
        #expect(fixed.schema.first?.physicalType == .fixedLenByteArray(6))
        let unknown = try ParquetReader.read(try Fixture.bytes("testing/unknown-logical-type.parquet"))
        #expect(unknown.schema.map(\.logicalType) == [.string, .none])
        let tiny = try ParquetReader.read(try Fixture.bytes("testing/alltypes_tiny_pages.parquet"))
        #expect(tiny.schema.first { $0.name == "tinyint_col" }?.logicalType == .integer(bitWidth: 8, signed: true))
    }

    /// Files with features the reader refuses: the error names the feature.
    @Test(arguments: [
        ("lz4_raw_compressed", "LZ4_RAW"),
        ("page_v2_empty_compressed", "ZSTD"),
        ("delta_length_byte_array", "ZSTD"),  // its pages are ZSTD-compressed, so the codec is refused first
        ("nulls.snappy", "nested"),
        ("datapage_v2.snappy", "nested"),
    ])
    func unsupportedFeaturesGiveAClearError(name: String, mention: String) throws {
        let bytes = try Fixture.bytes("testing/\(name).parquet")
        do {
            _ = try ParquetReader.read(bytes)
            Issue.record("\(name) was read, expected an unsupported-feature error")
        } catch let e as ParquetError {
            #expect(e.code == .unsupportedFeature)
            #expect(e.reason.contains(mention), "\(e.reason)")
        }
    }

    @Test(arguments: ["PARQUET-1481", "ARROW-RS-GH-6229-DICTHEADER", "ARROW-GH-47662"])
    func badDataFilesGiveErrorsNotCrashes(name: String) throws {
        let bytes = try Fixture.bytes("testing/bad_data/\(name).parquet")
        #expect(throws: ParquetError.self) { _ = try ParquetReader.read(bytes) }
    }
}

/// Files written by pyarrow 26 / pandas 3.1 with their defaults and common options
/// (Fixtures/parquet/pyarrow/make_pyarrow_fixtures.py), against pyarrow's own decoding.
@Suite("Reader on pyarrow/pandas-written files")
struct PyarrowFilesReaderTests {
    @Test(arguments: [
        "pa_default_snappy", "pa_v1_plain_dictionary", "pa_v2_pages_gzip", "pa_v2_pages_uncompressed",
        "pa_dict_fallback_multi_rowgroup", "pa_empty", "pandas_index_snappy",
    ])
    func decodedRowsEqualPyarrowsRows(name: String) throws {
        let doc = try Fixture.json("pyarrow/expected/\(name).json")
        let table = try ParquetReader.read(try Fixture.bytes("pyarrow/\(name).parquet"))
        let columns = doc["columns"]?.array ?? []
        let expectedRows = doc["rows"]?.array ?? []
        #expect(table.rows.count == expectedRows.count)
        #expect(table.schema.map(\.name) == columns.compactMap { $0["name"]?.string })
        for (index, c) in columns.enumerated() {
            guard let colName = c["name"]?.string, let type = c["type"]?.string else { continue }
            var mismatches = 0
            for (r, (got, want)) in zip(table.rows, expectedRows).enumerated() {
                let g = ExpectedRows.canonical(got[index], column: table.schema[index], type: type)
                let w = ExpectedRows.canonical(expected: want[colName] ?? .null, type: type)
                if g != w {
                    mismatches += 1
                    if mismatches <= 3 { Issue.record("\(name) row \(r) column \(colName): got \(g), expected \(w)") }
                }
            }
            #expect(mismatches == 0)
        }
    }

    @Test func pyarrowTypesMapToTheLogicalTypes() throws {
        let table = try ParquetReader.read(try Fixture.bytes("pyarrow/pa_default_snappy.parquet"))
        #expect(table.schema.map(\.logicalType) == [.string, .date, .decimal(precision: 20, scale: 4), .none, .none, .none, .none])
        #expect(table.schema.map(\.isRequired) == [false, false, false, false, false, false, true])
        #expect(table.createdBy?.hasPrefix("parquet-cpp-arrow version") == true)
        #expect(table.keyValueMetadata.contains { $0.key == "ARROW:schema" })
        let pandas = try ParquetReader.read(try Fixture.bytes("pyarrow/pandas_index_snappy.parquet"))
        #expect(pandas.schema[2].logicalType == .timestamp(unit: .micros, isAdjustedToUTC: false) || pandas.schema[2].logicalType == .timestamp(unit: .nanos, isAdjustedToUTC: false))
    }
}

/// Files from writers that only set the legacy ConvertedType (parquet-mr before 1.11, fastparquet,
/// old pyarrow): LogicalTypes.md "Backward compatibility" maps each one; a misfit is an error.
@Suite("Legacy converted types")
struct ConvertedTypeTests {
    static func element(_ physical: Int32, _ converted: Int32, precision: Int32? = nil, scale: Int32? = nil) -> ParquetFormat.SchemaElement {
        var e = ParquetFormat.SchemaElement(name: "c")
        e.type = physical
        e.convertedType = converted
        e.precision = precision
        e.scale = scale
        return e
    }

    @Test(arguments: [
        (Int32(6), Int32(0), ParquetPhysicalType.byteArray, ParquetLogicalType.string),  // UTF8
        (6, 19, .byteArray, .string),  // JSON
        (1, 6, .int32, .date),  // DATE
        (2, 9, .int64, .timestamp(unit: .millis, isAdjustedToUTC: true)),  // TIMESTAMP_MILLIS
        (2, 10, .int64, .timestamp(unit: .micros, isAdjustedToUTC: true)),  // TIMESTAMP_MICROS
        (1, 11, .int32, .integer(bitWidth: 8, signed: false)),  // UINT_8
        (1, 13, .int32, .integer(bitWidth: 32, signed: false)),  // UINT_32
        (2, 14, .int64, .integer(bitWidth: 64, signed: false)),  // UINT_64
        (1, 15, .int32, .integer(bitWidth: 8, signed: true)),  // INT_8
        (1, 16, .int32, .integer(bitWidth: 16, signed: true)),  // INT_16
        (2, 18, .int64, .integer(bitWidth: 64, signed: true)),  // INT_64
        (6, 4, .byteArray, .none),  // ENUM: plain bytes
    ])
    func convertedTypesMapToLogicalTypes(physical: Int32, converted: Int32, type: ParquetPhysicalType, expected: ParquetLogicalType) throws {
        #expect(try ParquetReader.logicalType(Self.element(physical, converted), type) == expected)
    }

    @Test func convertedDecimalsNeedPrecisionAndScale() throws {
        #expect(try ParquetReader.logicalType(Self.element(2, 5, precision: 18, scale: 4), .int64) == .decimal(precision: 18, scale: 4))
        #expect(try ParquetReader.logicalType(Self.element(1, 5, precision: 9, scale: 2), .int32) == .decimal(precision: 9, scale: 2))
        #expect(throws: ParquetError(.malformedFile, "")) { try ParquetReader.logicalType(Self.element(2, 5, precision: 18), .int64) }
        #expect(throws: ParquetError(.malformedFile, "")) { try ParquetReader.logicalType(Self.element(2, 5, precision: 4, scale: 6), .int64) }
    }

    @Test(arguments: [
        (Int32(2), Int32(6), ParquetPhysicalType.int64),  // DATE on INT64
        (1, 9, .int32),  // TIMESTAMP_MILLIS on INT32
        (2, 15, .int64),  // INT_8 on INT64
        (1, 0, .int32),  // UTF8 on INT32
    ])
    func convertedTypesOnTheWrongPhysicalTypeAreErrors(physical: Int32, converted: Int32, type: ParquetPhysicalType) {
        #expect(throws: ParquetError(.malformedFile, "")) { try ParquetReader.logicalType(Self.element(physical, converted), type) }
    }
}
