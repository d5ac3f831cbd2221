import ByteCoding
import TestSupport
import Testing

@testable import Parquet

/// The SNAPPY compressor against the format description (google/snappy `format_description.txt`)
/// and our decompressor; independent decoders (pyarrow, DuckDB, polars, fastparquet, cramjam) read
/// its output in Tests/Integration/test_legacy.py.
@Suite("Snappy compressor")
struct SnappyCompressorTests {
    /// Deterministic inputs of every shape the writer produces: empty, tiny, runs, text, random
    /// (incompressible), PLAIN pages of numbers, and sizes around the 64 KiB block boundary.
    static let inputs: [(String, [UInt8])] = {
        var rng = SplitMix64(seed: 0x5EED)
        let random = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let text = Array(String(repeating: "AAPL,2024-01-02,185.6400,188.4400,183.8900,185.6400\n", count: 3000).utf8)
        var plainInt64: [UInt8] = []
        for i in 0..<20_000 { plainInt64.appendUInt64LE(UInt64(1_700_000_000 + i * 37)) }
        var mixed: [UInt8] = []
        for i in 0..<70_000 { mixed.append(i % 97 < 50 ? UInt8(truncatingIfNeeded: rng.next()) : UInt8(i % 13)) }
        return [
            ("empty", []), ("one byte", [42]), ("three bytes", [1, 2, 3]), ("four equal", [7, 7, 7, 7]),
            ("run of 1000", [UInt8](repeating: 0x61, count: 1000)),
            ("run across blocks", [UInt8](repeating: 0, count: 3 * Snappy.blockSize + 5)),
            ("exactly one block", Array(text.prefix(Snappy.blockSize))),
            ("one block plus one", Array(text.prefix(Snappy.blockSize + 1))),
            ("csv text", text), ("random", random), ("plain int64 page", plainInt64), ("mixed", mixed),
        ]
    }()

    @Test(arguments: Self.inputs.map(\.0))
    func compressedBlocksDecompressToTheInput(name: String) throws {
        let input = try #require(Self.inputs.first { $0.0 == name }?.1)
        let block = Snappy.compress(input)
        try FormatChecker.check(block, decodesTo: input)
        #expect(try Snappy.decompress(block, start: 0, end: block.count, maxSize: input.count) == input)
        // Worst case of the format for incompressible data: 32 + n + n/6 (snappy's MaxCompressedLength).
        #expect(block.count <= 32 + input.count + input.count / 6)
    }

    @Test func repetitiveInputShrinks() {
        let input = [UInt8](repeating: 0x61, count: 100_000)
        #expect(Snappy.compress(input).count < 5_000)
        let text = Array(String(repeating: "AAPL,2024-01-02,185.6400\n", count: 4000).utf8)
        #expect(Snappy.compress(text).count * 10 < text.count)
    }

    /// A file written with SNAPPY has codec 1 in every chunk, sizes that add up, and reads back
    /// exactly; the same rows with `.none` give the documented uncompressed file.
    @Test func snappyFilesReadBackAndDeclareTheirSizes() throws {
        let (schema, rows) = RoundTripTests.table()
        var many: [[ParquetValue]] = []
        for _ in 0..<400 { many += rows }
        let bytes = try ParquetWriter.write(
            schema: schema, rows: many, createdBy: RoundTripTests.createdBy, keyValueMetadata: [], pageSizeLimit: 512, compression: .snappy)
        Fixture.dumpIfRequested("all_types_snappy.parquet", bytes)
        let plain = try ParquetWriter.write(schema: schema, rows: many, createdBy: RoundTripTests.createdBy, keyValueMetadata: [], pageSizeLimit: 512)
        #expect(bytes.count < plain.count)
        let table = try ParquetReader.read(bytes)
        #expect(table.rows.count == many.count)
        #expect(try ParquetReader.read(plain).rows.count == many.count)
        for (got, want) in zip(table.rows, many) {
            #expect(got.map(Self.bits) == want.map(Self.bits))
        }
        let meta = try ParquetReader.readMetadata(bytes)
        let group = meta.rowGroups[0]
        var compressedTotal: Int64 = 0, uncompressedTotal: Int64 = 0
        for column in group.columns {
            let chunk = try #require(column.metaData)
            #expect(chunk.codec == 1)
            // Walk the pages: header + stored body add up to the compressed size, header + body to the uncompressed one.
            var pos = Int(chunk.dataPageOffset)
            var stored = 0, raw = 0
            while pos < Int(chunk.dataPageOffset + chunk.totalCompressedSize) {
                var r = try CompactReader(bytes, start: pos, end: bytes.count)
                let h = try ParquetFormat.PageHeader.decode(&r)
                let headerSize = r.position - pos
                stored += headerSize + Int(h.compressedPageSize)
                raw += headerSize + Int(h.uncompressedPageSize)
                pos = r.position + Int(h.compressedPageSize)
            }
            #expect(Int64(stored) == chunk.totalCompressedSize)
            #expect(Int64(raw) == chunk.totalUncompressedSize)
            compressedTotal += chunk.totalCompressedSize
            uncompressedTotal += chunk.totalUncompressedSize
        }
        #expect(group.totalCompressedSize == compressedTotal)
        #expect(group.totalByteSize == uncompressedTotal)
        #expect(try ParquetReader.readMetadata(plain).rowGroups[0].columns.allSatisfy { $0.metaData?.codec == 0 })
    }

    static func bits(_ v: ParquetValue) -> ParquetValue {
        switch v {
        case .double(let d): return .int64(Int64(bitPattern: d.bitPattern))
        case .float(let f): return .int32(Int32(bitPattern: f.bitPattern))
        default: return v
        }
    }
}

/// An independent walk over a raw snappy block that enforces what the format allows (tag kinds,
/// literal length forms, copy-1 limits, offsets inside the output) while rebuilding the data.
enum FormatChecker {
    struct Violation: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ block: [UInt8], decodesTo expected: [UInt8]) throws {
        var pos = 0
        var length = 0
        var shift = 0
        while true {
            guard pos < block.count, shift < 35 else { throw Violation(description: "bad preamble") }
            let b = block[pos]
            pos += 1
            length |= Int(b & 0x7F) << shift
            shift += 7
            if b < 0x80 { break }
        }
        guard length == expected.count else { throw Violation(description: "preamble \(length), input \(expected.count)") }
        var out: [UInt8] = []
        while pos < block.count {
            let tag = block[pos]
            pos += 1
            switch tag & 3 {
            case 0:
                var n = Int(tag >> 2)
                if n >= 60 {
                    let extra = n - 59
                    guard extra <= 4, pos + extra <= block.count else { throw Violation(description: "literal length bytes") }
                    n = 0
                    for k in 0..<extra { n |= Int(block[pos + k]) << (8 * k) }
                    // The shortest form is used: one extra byte only for lengths above 60.
                    guard n >= 60 else { throw Violation(description: "long literal form for a short literal") }
                    pos += extra
                }
                n += 1
                guard pos + n <= block.count else { throw Violation(description: "literal overruns") }
                out += block[pos..<(pos + n)]
                pos += n
            case 1:
                guard pos < block.count else { throw Violation(description: "truncated copy-1") }
                let n = 4 + Int((tag >> 2) & 7)
                let offset = Int(tag >> 5) << 8 | Int(block[pos])
                pos += 1
                guard offset > 0, offset <= out.count, offset < 2048 else { throw Violation(description: "copy-1 offset \(offset)") }
                for _ in 0..<n { out.append(out[out.count - offset]) }
            case 2:
                guard pos + 2 <= block.count else { throw Violation(description: "truncated copy-2") }
                let n = Int(tag >> 2) + 1
                let offset = Int(block[pos]) | Int(block[pos + 1]) << 8
                pos += 2
                guard offset > 0, offset <= out.count else { throw Violation(description: "copy-2 offset \(offset)") }
                for _ in 0..<n { out.append(out[out.count - offset]) }
            default:
                throw Violation(description: "4-byte-offset copies are never needed within 64 KiB blocks")
            }
        }
        guard out == expected else { throw Violation(description: "decoded bytes differ from the input") }
    }
}


/// The table-driven inflater on streams made by zlib (Fixtures/parquet/deflate, see PROVENANCE.md):
/// dynamic codes up to 15 bits long (table misses), stored blocks across the 64 KiB limit, fixed codes.
@Suite("Inflate")
struct InflateTests {
    static let streams = [("skewed.bin.gz", "skewed.bin"), ("random-stored.bin.gz", "random.bin"), ("text-fixed.bin.gz", "text.bin")]

    @Test(arguments: Self.streams.map(\.0))
    func zlibStreamsInflateToTheirInput(gz: String) throws {
        let raw = try #require(Self.streams.first { $0.0 == gz }?.1)
        let compressed = try Fixture.bytes("deflate/\(gz)")
        let expected = try Fixture.bytes("deflate/\(raw)")
        #expect(try Gzip.decompress(compressed, start: 0, end: compressed.count, expectedSize: expected.count) == expected)
        // Two members back to back, and the stream inside a larger buffer (offsets respected).
        let twice = [0xAB] + compressed + compressed + [0xCD]
        #expect(try Gzip.decompress(twice, start: 1, end: twice.count - 1, expectedSize: nil) == expected + expected)
    }

    /// Every truncation and many single-bit flips are errors (CRC-32, sizes, codes), never a trap or a hang.
    @Test(arguments: Self.streams.map(\.0))
    func damagedStreamsAreErrors(gz: String) throws {
        let compressed = try Fixture.bytes("deflate/\(gz)")
        var cuts = Array(0..<min(64, compressed.count))
        cuts += stride(from: 64, to: compressed.count, by: max(1, compressed.count / 200))
        for cut in cuts {
            #expect(throws: ParquetError(.malformedCompressedData, "")) {
                _ = try Gzip.decompress(compressed, start: 0, end: cut, expectedSize: nil)
            }
        }
        var rng = SplitMix64(seed: UInt64(compressed.count))
        for _ in 0..<150 {
            var bad = compressed
            let at = 10 + Int(rng.next() % UInt64(compressed.count - 10))
            bad[at] ^= UInt8(1) << UInt8(rng.next() % 8)
            #expect(throws: ParquetError(.malformedCompressedData, "")) { _ = try Gzip.decompress(bad, start: 0, end: bad.count, expectedSize: nil) }
        }
    }

    @Test func outputBeyondTheDeclaredSizeIsRefused() throws {
        let compressed = try Fixture.bytes("deflate/skewed.bin.gz")
        #expect(throws: ParquetError(.malformedCompressedData, "")) {
            _ = try Gzip.decompress(compressed, start: 0, end: compressed.count, expectedSize: 39_999)
        }
    }
}
