import ByteCoding
import Testing

@testable import Parquet

@Suite("Encodings and codecs")
struct EncodingTests {
    /// research/parquet.md §5.1: levels [1,1,0,1,1] → `04 01 02 00 04 01`.
    @Test func definitionLevelsAreWrittenAsRLERuns() {
        var out: [UInt8] = []
        RLEHybrid.encodeRunsOnly([1, 1, 0, 1, 1], bitWidth: 1, into: &out)
        #expect(Hex.encode(out) == "040102000401")
    }

    /// research/parquet.md §2.6: bit-packed run header 03 (1 group), bits 0b011 → [1,1,0].
    @Test func bitPackedRunsAreDecodedLSBFirst() throws {
        let d = try RLEHybrid.decode([0x03, 0x03], start: 0, end: 2, bitWidth: 1, count: 3)
        #expect(d.values == [1, 1, 0])
        #expect(d.end == 2)
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13, 17, 32])
    func bitPackedValuesOfAnyWidthDecode(width: Int) throws {
        // Pack 16 values (2 groups) LSB-first by hand.
        let mask: UInt64 = (1 << UInt64(width)) - 1
        let values: [UInt64] = (0..<16).map { (UInt64($0) &* 0x9E37_79B9) & mask }
        var bits: [UInt8] = []
        var acc: UInt64 = 0, n = 0
        for v in values {
            acc |= v << UInt64(n)
            n += width
            while n >= 8 {
                bits.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                n -= 8
            }
        }
        let bytes: [UInt8] = [0x05] + bits  // header: 2 groups, bit-packed
        let d = try RLEHybrid.decode(bytes, start: 0, end: bytes.count, bitWidth: width, count: 16)
        #expect(d.values.map(UInt64.init) == values)
    }

    @Test(arguments: ["", "03", "0401", "02", "80", "06ff"])
    func truncatedOrInvalidRLEDataIsAnError(hex: String) throws {
        let bytes = try #require(Hex.decode(hex))
        #expect(throws: ParquetError.self) { _ = try RLEHybrid.decode(bytes, start: 0, end: bytes.count, bitWidth: 1, count: 4) }
    }

    @Test func legacyBitPackedLevelsAreMSBFirst() throws {
        let d = try RLEHybrid.decodeLegacyBitPacked([0b1011_0000], start: 0, end: 1, bitWidth: 1, count: 4)
        #expect(d.values == [1, 0, 1, 1])
    }

    @Test func plainByteArraysThatOverrunThePageAreRejected() throws {
        var out: [ParquetValue] = []
        #expect(throws: ParquetError.self) {
            _ = try Plain.decode([5, 0, 0, 0, 0x41], start: 0, end: 5, count: 1, type: .byteArray, into: &out)
        }
        #expect(throws: ParquetError.self) {
            _ = try Plain.decode([1, 0, 0, 0], start: 0, end: 4, count: 1 << 40, type: .int64, into: &out)
        }
    }

    /// Snappy raw block (format_description.txt): literal "abcd" then a 2-byte-offset copy of 8
    /// bytes at offset 4 that overlaps its own output.
    @Test func snappyOverlappingCopiesRepeatThePattern() throws {
        let block: [UInt8] = [12, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x1E, 0x04, 0x00]
        let out = try Snappy.decompress(block, start: 0, end: block.count, maxSize: 12)
        #expect(String(decoding: out, as: UTF8.self) == "abcdabcdabcd")
    }

    @Test(arguments: [
        [UInt8]([12, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x1E, 0x05, 0x00]),  // copy offset beyond the output
        [5, 0x0C, 0x61, 0x62, 0x63, 0x64],  // declared 5, produced 4
        [4, 0x10, 0x61],  // literal overruns
        [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],  // declared size above the page's
    ])
    func corruptSnappyIsAnError(block: [UInt8]) {
        #expect(throws: ParquetError(.malformedCompressedData, "")) { _ = try Snappy.decompress(block, start: 0, end: block.count, maxSize: 100) }
    }

    /// Python `gzip.GzipFile(mtime=0)` of "hello hello hello hello\n", twice, concatenated (two members).
    @Test func gzipConcatenatedMembersAreAllInflated() throws {
        let member = try #require(Hex.decode("1f8b08000000000002ffcb48cdc9c957c84027b9000088590b18000000"))
        let out = try Gzip.decompress(member + member, start: 0, end: member.count * 2, expectedSize: 48)
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: "hello hello hello hello\n", count: 2))
        var bad = member
        bad[bad.count - 6] ^= 1  // CRC mismatch
        #expect(throws: ParquetError(.malformedCompressedData, "")) { _ = try Gzip.decompress(bad, start: 0, end: bad.count, expectedSize: nil) }
        #expect(throws: ParquetError(.malformedCompressedData, "")) { _ = try Gzip.decompress(member, start: 0, end: member.count, expectedSize: 10) }
    }

    @Test func crc32MatchesTheCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
    }
}
