/// Page compression codecs (parquet.thrift `CompressionCodec`, Compression.md).
struct Codec {
    let id: Int32
    let column: String

    static let names: [Int32: String] = [
        0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 6: "ZSTD", 7: "LZ4_RAW",
    ]

    /// Accepts the codecs this reader can decode; anything else is refused up front with its name.
    init(_ id: Int32, column: String) throws {
        guard Self.supported.contains(id) else {
            throw ParquetError.unsupported(
                "unsupported compression codec \(Self.names[id] ?? "unknown") (\(id)) in column \(column); "
                    + "re-write the file with SNAPPY, GZIP or no compression")
        }
        self.id = id
        self.column = column
    }

    static let supported: [Int32] = [0, 1, 2]

    /// Returns the decompressed bytes of `bytes[start..<end]`, which must be exactly `uncompressedSize` long.
    func decompress(_ bytes: [UInt8], start: Int, end: Int, uncompressedSize: Int) throws -> [UInt8] {
        switch self.id {
        case 0:
            return Array(bytes[start..<end])
        case 1:
            let out = try Snappy.decompress(bytes, start: start, end: end, maxSize: uncompressedSize)
            guard out.count == uncompressedSize else {
                throw ParquetError.compressed("snappy: page decompresses to \(out.count) bytes, its header says \(uncompressedSize)")
            }
            return out
        case 2:
            return try Gzip.decompress(bytes, start: start, end: end, expectedSize: uncompressedSize)
        default:
            throw ParquetError.unsupported("unsupported compression codec \(Self.names[self.id] ?? "unknown") in column \(self.column)")
        }
    }
}
