import TestSupport
import Testing

@testable import Parquet

/// Corrupt and truncated files must give a ParquetError (or, for a harmless flip, a table), never a
/// trap, an endless loop or a giant allocation.
@Suite("Corrupt and truncated files")
struct CorruptionTests {

    @Test func everyProperPrefixOfAFileIsRejected() throws {
        let bytes = try Fixture.bytes("golden/prices_minipq.parquet")
        for n in 0..<bytes.count {
            #expect(throws: ParquetError.self, "prefix \(n)") { _ = try ParquetReader.read(Array(bytes[0..<n])) }
        }
        #expect(try ParquetReader.read(bytes).rows.count == 5)
    }

    /// Truncating the page data but keeping a valid footer moves every offset out of range.
    @Test func cuttingBytesOutOfTheDataRegionIsRejected() throws {
        let bytes = try Fixture.bytes("golden/prices_minipq.parquet")
        for cut in stride(from: 5, to: 500, by: 7) {
            var damaged = bytes
            damaged.removeSubrange(4..<(4 + cut))
            #expect(throws: ParquetError.self, "cut \(cut)") { _ = try ParquetReader.read(damaged) }
        }
    }

    @Test(arguments: [
        "golden/prices_minipq.parquet", "golden/fundamentals_minipq.parquet", "testing/alltypes_dictionary.parquet",
        "testing/rle-dict-snappy-checksum.parquet", "testing/concatenated_gzip_members.parquet",
        "testing/datapage_v2_empty_datapage.snappy.parquet", "testing/byte_array_decimal.parquet", "testing/int32_with_null_pages.parquet",
        "pyarrow/pa_v2_pages_gzip.parquet", "pyarrow/pa_default_snappy.parquet", "pyarrow/pa_dict_fallback_multi_rowgroup.parquet",
    ])
    func randomByteFlipsNeverCrash(path: String) throws {
        let original = try Fixture.bytes(path)
        var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(original.count))
        var failures = 0
        let rounds = 400
        for _ in 0..<rounds {
            var damaged = original
            let flips = 1 + Int(rng.next() % 3)
            for _ in 0..<flips {
                let at = Int(rng.next() % UInt64(damaged.count))
                damaged[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            do {
                let table = try ParquetReader.read(damaged)
                #expect(table.rows.allSatisfy { $0.count == table.schema.count })
            } catch is ParquetError {
                failures += 1
            }
        }
        // Most flips must be noticed; some (inside values) legitimately decode to other values.
        #expect(failures > 0)
    }

    @Test func aFooterClaimingHugeRowCountsHitsTheCellLimit() throws {
        var meta = ParquetFormat.FileMetaData()
        var root = ParquetFormat.SchemaElement(name: "schema")
        root.numChildren = 1
        var leaf = ParquetFormat.SchemaElement(name: "a")
        leaf.type = 1
        leaf.repetitionType = 1
        meta.schema = [root, leaf]
        meta.numRows = 1 << 40
        var group = ParquetFormat.RowGroup()
        var col = ParquetFormat.ColumnMetaData()
        col.type = 1
        col.numValues = 1 << 40
        col.dataPageOffset = 4
        group.columns = [ParquetFormat.ColumnChunk(metaData: col)]
        group.numRows = 1 << 40
        meta.rowGroups = [group]
        let footer = meta.encoded()
        var file: [UInt8] = Array("PAR1".utf8) + footer
        file += [UInt8(footer.count & 0xFF), UInt8(footer.count >> 8 & 0xFF), 0, 0] + Array("PAR1".utf8)
        #expect(throws: ParquetError(.limitExceeded, "")) { _ = try ParquetReader.read(file) }
    }

    /// A page whose RLE levels claim far more values than the chunk holds is refused before decoding.
    @Test func aPageClaimingMoreValuesThanItsChunkIsRejected() throws {
        let schema = [ParquetColumnSchema(name: "a", physicalType: .int32, logicalType: .none, isRequired: false)]
        var bytes = try ParquetWriter.write(schema: schema, rows: [[.int32(1)], [.null]], createdBy: "t version 1.0.0 (build x)")
        // Page header at offset 4: 15 00 15 xx 15 xx 2c 15 <num_values zigzag 2 = 04>.
        #expect(bytes[11] == 0x15 && bytes[12] == 0x04)
        bytes[12] = 0x7E  // 63 values
        #expect(throws: ParquetError(.malformedFile, "")) { _ = try ParquetReader.read(bytes) }
    }

    @Test func encryptedFootersAreRefusedByName() throws {
        var bytes = try Fixture.bytes("golden/prices_minipq.parquet")
        bytes.replaceSubrange((bytes.count - 4)..., with: Array("PARE".utf8))
        #expect(throws: ParquetError(.unsupportedFeature, "")) { _ = try ParquetReader.read(bytes) }
    }
}
