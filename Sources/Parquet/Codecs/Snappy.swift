import ByteCoding

/// Snappy raw block decompression (google/snappy `format_description.txt`; Parquet uses the raw
/// block format without framing, Compression.md "SNAPPY").
enum Snappy {
    /// Decompresses `bytes[start..<end]`. The preamble's length must not exceed `maxSize` and must be
    /// met exactly; copies are bounds-checked against the output produced so far.
    static func decompress(_ bytes: [UInt8], start: Int, end: Int, maxSize: Int) throws -> [UInt8] {
        var r = ByteReader(bytes, offset: start, end: end)
        guard let declared = r.readULEB128(maxBytes: 5), declared <= UInt64(UInt32.max) else {
            throw ParquetError.compressed("snappy: bad length preamble")
        }
        guard declared <= UInt64(maxSize) else {
            throw ParquetError.compressed("snappy: block declares \(declared) bytes, more than the page's \(maxSize)")
        }
        let total = Int(declared)
        var out = [UInt8]()
        // Snappy expands at most ~21x (a 3-byte tag copies 64 bytes); never trust the preamble beyond that.
        out.reserveCapacity(min(total, (end - start) &* 24 &+ 64))
        var pos = r.offset
        while pos < end {
            let tag = bytes[pos]
            pos += 1
            switch tag & 3 {
            case 0:
                var len = Int(tag >> 2)
                if len >= 60 {
                    let extra = len - 59
                    guard extra <= end - pos else { throw ParquetError.compressed("snappy: truncated literal length") }
                    len = 0
                    for k in 0..<extra { len |= Int(bytes[pos + k]) << (8 * k) }
                    pos += extra
                }
                len += 1
                guard len <= end - pos, len <= total - out.count else { throw ParquetError.compressed("snappy: literal overruns") }
                out.append(contentsOf: bytes[pos..<(pos + len)])
                pos += len
            case 1:
                guard pos < end else { throw ParquetError.compressed("snappy: truncated copy") }
                let len = 4 + Int((tag >> 2) & 7)
                let offset = Int(tag >> 5) << 8 | Int(bytes[pos])
                pos += 1
                try Self.copy(&out, offset: offset, length: len, total: total)
            case 2:
                guard end - pos >= 2 else { throw ParquetError.compressed("snappy: truncated copy") }
                let offset = Int(bytes[pos]) | Int(bytes[pos + 1]) << 8
                pos += 2
                try Self.copy(&out, offset: offset, length: Int(tag >> 2) + 1, total: total)
            default:
                guard end - pos >= 4 else { throw ParquetError.compressed("snappy: truncated copy") }
                let offset = Int(Plain.le32(bytes, pos))
                pos += 4
                try Self.copy(&out, offset: offset, length: Int(tag >> 2) + 1, total: total)
            }
        }
        guard out.count == total else { throw ParquetError.compressed("snappy: produced \(out.count) of \(total) declared bytes") }
        return out
    }

    private static func copy(_ out: inout [UInt8], offset: Int, length: Int, total: Int) throws {
        guard offset > 0, offset <= out.count else { throw ParquetError.compressed("snappy: copy offset \(offset) out of range") }
        guard length <= total - out.count else { throw ParquetError.compressed("snappy: copy overruns the declared length") }
        let from = out.count - offset
        // Overlapping copies (offset < length) repeat the pattern, so copy byte by byte.
        for k in 0..<length { out.append(out[from + k]) }
    }
}
