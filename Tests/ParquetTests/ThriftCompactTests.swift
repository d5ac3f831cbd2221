import ByteCoding
import Testing

@testable import Parquet

@Suite("Thrift compact protocol")
struct ThriftCompactTests {
    /// thrift-compact-protocol.md and research/parquet.md §2.1 examples.
    @Test(arguments: [
        (Int64(0), "00"), (3, "06"), (-1, "01"), (300, "d804"), (-300, "d704"),
        (2_147_483_647, "feffffff0f"), (Int64.min, "ffffffffffffffffff01"), (Int64.max, "feffffffffffffffff01"),
    ])
    func zigzagVarintsMatchTheSpecExamples(value: Int64, hex: String) throws {
        var w = CompactWriter()
        w.writeZigzag(value)
        #expect(Hex.encode(w.bytes) == hex)
        var r = try CompactReader(w.bytes)
        #expect(try r.readZigzag64() == value)
        #expect(r.remaining == 0)
    }

    @Test func unsignedVarintMatchesTheSpecExample() throws {
        var w = CompactWriter()
        w.writeVarint(50399)
        #expect(Hex.encode(w.bytes) == "df8903")
    }

    /// research/parquet.md §2.6: a page header written by pyarrow, with nested statistics whose
    /// field-id counter restarts at 0 and two bool fields carried in the header nibble.
    @Test func decodesThePyarrowPageHeaderExample() throws {
        let hex: String = "1500152c152c2c" + "1506150015061506" + "1c3602" + "28044d534654" + "18044141504c" + "1111000000"
        let bytes = try #require(Hex.decode(hex))
        var r = try CompactReader(bytes)
        let h = try ParquetFormat.PageHeader.decode(&r)
        #expect(r.remaining == 0)
        #expect(h.type == 0)
        #expect(h.uncompressedPageSize == 22)
        #expect(h.compressedPageSize == 22)
        let d = try #require(h.dataPageHeader)
        #expect(d.numValues == 3)
        #expect(d.encoding == 0)
        #expect(d.definitionLevelEncoding == 3)
        #expect(d.repetitionLevelEncoding == 3)
        let s = try #require(d.statistics)
        #expect(s.nullCount == 1)
        #expect(s.maxValue == Array("MSFT".utf8))
        #expect(s.minValue == Array("AAPL".utf8))
        #expect(s.isMaxValueExact == true)
        #expect(s.isMinValueExact == true)

        // Re-encoding the same header gives the same bytes (same field order, per-struct deltas).
        var w = CompactWriter()
        h.encode(into: &w)
        #expect(w.bytes == bytes)
    }

    @Test func fieldHeadersUseTheLongFormOutsideDeltas1To15() throws {
        var w = CompactWriter()
        w.beginStruct()
        w.writeI32(1, 7)
        w.writeI32(17, -2)  // delta 16: long form
        w.writeI32(3, 5)  // negative delta: long form
        w.endStruct()
        #expect(Hex.encode(w.bytes) == "150e" + "052203" + "05060a" + "00")
        var r = try CompactReader(w.bytes)
        var seen: [(Int16, Int32)] = []
        try r.readStruct { r, id, type in
            #expect(type == 5)
            seen.append((id, try r.readI32()))
            return true
        }
        #expect(seen.map(\.0) == [1, 17, 3])
        #expect(seen.map(\.1) == [7, -2, 5])
    }

    @Test func nestedStructsRestoreTheOuterFieldCounter() throws {
        var w = CompactWriter()
        w.beginStruct()
        w.writeI32(1, 1)
        w.beginStructField(5)
        w.writeI32(1, 2)
        w.endStruct()
        w.writeI32(6, 3)  // delta 1 from field 5, not from the inner field 1
        w.endStruct()
        #expect(Hex.encode(w.bytes) == "1502" + "4c" + "1504" + "00" + "1506" + "00")
    }

    @Test func boolFieldsLiveInTheTypeNibble() throws {
        var s = ParquetFormat.Statistics()
        s.isMaxValueExact = true
        s.isMinValueExact = false
        var w = CompactWriter()
        s.encode(into: &w)
        #expect(Hex.encode(w.bytes) == "711200")
        var r = try CompactReader(w.bytes)
        #expect(try ParquetFormat.Statistics.decode(&r) == s)
    }

    /// Bool list elements: 1 is true; both 0 and 2 mean false (arrow-rs parquet_thrift.rs).
    @Test(arguments: [([UInt8]([0x31, 0x01, 0x00, 0x02]), [true, false, false]), ([0x32, 0x02, 0x01, 0x01], [false, true, true])])
    func boolListElementsAcceptBothConventions(bytes: [UInt8], expected: [Bool]) throws {
        var r = try CompactReader(bytes)
        let list = try r.readList(of: 1) { try $0.readBoolElement() }
        #expect(list == expected)
        #expect(r.remaining == 0)
    }

    @Test func badBoolListElementIsAnError() throws {
        var r = try CompactReader([0x21, 0x01, 0x03])
        #expect(throws: ParquetError(.malformedThrift, "")) { _ = try r.readList(of: 1) { try $0.readBoolElement() } }
    }

    @Test func emptyListWithElementTypeZeroIsAccepted() throws {
        var r = try CompactReader([0x00])
        #expect(try r.readList(of: 12) { try $0.readI32() } == [])
    }

    @Test func longListHeaderRoundTrips() throws {
        var w = CompactWriter()
        w.writeListHeader(elementType: .struct, count: 20)
        #expect(Hex.encode(w.bytes) == "fc14")
        var r = try CompactReader(w.bytes + [UInt8](repeating: 0, count: 20))
        let h = try r.readListHeader()
        #expect(h.elementType == 12 && h.count == 20)
    }

    /// Unknown fields of every wire type are skipped, including maps, sets and nested containers.
    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        var w = CompactWriter()
        w.beginStruct()
        w.writeBool(20, true)
        w.writeBool(21, false)
        w.writeI8(22, -3)
        w.writeI16(23, 300)
        w.writeI32(1, 42)  // the one known field, between unknown ones
        w.writeI64(24, -1)
        w.writeDouble(25, 1.5)
        w.writeBinary(26, [1, 2, 3])
        w.writeListField(27, elementType: .booleanTrue, count: 2)
        w.bytes += [1, 2]
        w.writeFieldHeader(id: 28, type: .set)
        w.writeListHeader(elementType: .list, count: 1)
        w.writeListHeader(elementType: .i32, count: 1)
        w.writeZigzag(9)
        w.writeFieldHeader(id: 29, type: .map)
        w.writeVarint(1)
        w.bytes.append(0x8C)  // binary keys, struct values
        w.writeBinaryValue([0x41])
        w.beginStruct()
        w.writeI32(1, 5)
        w.endStruct()
        w.writeFieldHeader(id: 30, type: .map)
        w.writeVarint(0)  // empty map: no type byte
        w.beginStructField(31)
        w.beginStructField(1)
        w.endStruct()
        w.endStruct()
        w.endStruct()
        var r = try CompactReader(w.bytes)
        var known: Int32?
        try r.readStruct { r, id, type in
            guard id == 1, type == 5 else { return false }
            known = try r.readI32()
            return true
        }
        #expect(known == 42)
        #expect(r.remaining == 0)
    }

    @Test func aKnownFieldWithTheWrongWireTypeIsSkippedAndCountsAsMissing() throws {
        // FileMetaData with num_rows (i64 in the IDL) written as i32: pyarrow refuses such files.
        var w = CompactWriter()
        w.beginStruct()
        w.writeI32(1, 1)
        w.writeListField(2, elementType: .struct, count: 0)
        w.writeI32(3, 5)
        w.writeListField(4, elementType: .struct, count: 0)
        w.endStruct()
        #expect(throws: ParquetError(.malformedThrift, "")) {
            _ = try ParquetFormat.FileMetaData.decode(w.bytes, start: 0, end: w.bytes.count)
        }
    }

    @Test func nestingBeyondTheDepthLimitIsRejected() throws {
        // 70 nested unknown structs: field 1 struct, repeated.
        let bytes = [UInt8](repeating: 0x1C, count: 70) + [UInt8](repeating: 0, count: 71)
        var r = try CompactReader(bytes)
        #expect(throws: ParquetError(.malformedThrift, "")) { try r.readStruct { _, _, _ in false } }
        // 60 levels are fine.
        let ok = [UInt8](repeating: 0x1C, count: 60) + [UInt8](repeating: 0, count: 61)
        var r2 = try CompactReader(ok)
        try r2.readStruct { _, _, _ in false }
        #expect(r2.remaining == 0)
    }

    @Test(arguments: [
        "18ff0f41",  // binary claims 2047 bytes, 1 present
        "19fcff0f",  // list claims 2047 structs
        "1b80800100",  // map claims 16384 entries
        "15",  // truncated value
        "15ffffffffffffffffffff01",  // varint longer than 10 bytes
        "0f",  // invalid wire type 15
        "1d",  // invalid wire type 13
        "15feffffff1f00",  // i32 out of range
        "05",  // long-form header without its id
        "",  // no STOP
    ])
    func malformedInputIsAnErrorNotATrap(hex: String) throws {
        let bytes = try #require(Hex.decode(hex))
        var r = try CompactReader(bytes)
        #expect(throws: ParquetError(.malformedThrift, "")) {
            try r.readStruct { r, id, type in
                if type == 5 {
                    _ = try r.readI32()
                    return true
                }
                return false
            }
        }
    }

    @Test func fieldIdDeltaOverflowIsRejected() throws {
        // Long-form id 32767, then a short delta pushes past Int16.max.
        var w = CompactWriter()
        w.beginStruct()
        w.writeI32(32767, 1)
        w.endStruct()
        var bytes = w.bytes
        bytes.removeLast()
        bytes += [0x15, 0x02, 0x00]
        var r = try CompactReader(bytes)
        #expect(throws: ParquetError(.malformedThrift, "")) { try r.readStruct { _, _, _ in false } }
    }

    @Test func footerRoundTripsThroughEncodeAndDecode() throws {
        var m = ParquetFormat.FileMetaData()
        var root = ParquetFormat.SchemaElement(name: "schema")
        root.numChildren = 1
        var leaf = ParquetFormat.SchemaElement(name: "ts")
        leaf.type = 2
        leaf.repetitionType = 1
        leaf.logicalType = .timestamp(isAdjustedToUTC: false, unit: .nanos)
        var leaf2 = ParquetFormat.SchemaElement(name: "i")
        leaf2.logicalType = .integer(bitWidth: 16, isSigned: false)
        m.schema = [root, leaf, leaf2]
        m.numRows = 3
        var g = ParquetFormat.RowGroup()
        var meta = ParquetFormat.ColumnMetaData()
        meta.type = 2
        meta.encodings = [0, 3]
        meta.pathInSchema = ["ts"]
        meta.numValues = 3
        meta.dataPageOffset = 4
        meta.dictionaryPageOffset = 100
        g.columns = [ParquetFormat.ColumnChunk(metaData: meta)]
        g.numRows = 3
        g.ordinal = 0
        m.rowGroups = [g]
        m.keyValueMetadata = [ParquetFormat.KeyValue(key: "k", value: nil), ParquetFormat.KeyValue(key: "a", value: "b")]
        m.createdBy = "x version 1.0.0 (build y)"
        m.columnOrders = [.typeDefinedOrder]
        let bytes = m.encoded()
        #expect(try ParquetFormat.FileMetaData.decode(bytes, start: 0, end: bytes.count) == m)
        // Trailing bytes after the footer struct are rejected.
        #expect(throws: ParquetError(.malformedThrift, "")) {
            _ = try ParquetFormat.FileMetaData.decode(bytes + [0], start: 0, end: bytes.count + 1)
        }
    }

    @Test func unknownLogicalTypeMemberIsReportedAsUnrecognized() throws {
        var r = try CompactReader([0x0C, 0x32, 0x00, 0x00])  // long-form field 25 struct {}, stop
        let lt = try ParquetFormat.LogicalType.decode(&r)
        #expect(lt == .unrecognized(fieldId: 25))
    }
}
