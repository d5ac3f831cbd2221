import ByteCoding

/// Snappy raw block compression and decompression (google/snappy `format_description.txt`; Parquet
/// uses the raw block format without framing, Compression.md "SNAPPY").
enum Snappy {
    /// Bytes compressed independently, as the reference implementation does (`kBlockSize`): every
    /// copy offset then fits the 2-byte copy form.
    static let blockSize = 1 << 16
    /// Hash table entries (a power of two); 2^14 like the reference's maximum table.
    static let hashBits = 14

    /// Compresses `input` into one raw snappy block: the uncompressed length as a varint, then
    /// literals and back-references found by an LZ77 search over a hash table of 4-byte sequences.
    /// Incompressible input grows by at most about 1/6 plus a few bytes (literal headers).
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + input.count + input.count / 6)
        var n = UInt64(input.count)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        var table = [Int](repeating: -1, count: 1 << Self.hashBits)
        input.withUnsafeBufferPointer { src in
            var blockStart = 0
            while blockStart < src.count {
                let blockEnd = min(blockStart + Self.blockSize, src.count)
                Self.compressBlock(src, start: blockStart, end: blockEnd, table: &table, into: &out)
                blockStart = blockEnd
            }
        }
        return out
    }

    /// One block: positions in `table` older than `start` belong to earlier blocks and are ignored.
    private static func compressBlock(
        _ src: UnsafeBufferPointer<UInt8>, start: Int, end: Int, table: inout [Int], into out: inout [UInt8]
    ) {
        var nextEmit = start
        // The last 4-byte window that can still be hashed starts at end - 4.
        if end - start >= 4 {
            var i = start
            var skip = 32  // after 32 misses the step grows (reference heuristic for incompressible data)
            while i <= end - 4 {
                let word = Self.load32(src, i)
                let h = Self.hash(word)
                let candidate = table[h]
                table[h] = i
                guard candidate >= start, Self.load32(src, candidate) == word else {
                    i += skip >> 5
                    skip += 1
                    continue
                }
                skip = 32
                var length = 4
                while i + length < end && src[candidate + length] == src[i + length] { length += 1 }
                Self.emitLiteral(src, from: nextEmit, to: i, into: &out)
                Self.emitCopy(offset: i - candidate, length: length, into: &out)
                i += length
                nextEmit = i
                // Index the position just before the next search so runs keep matching.
                if i - 1 <= end - 4 { table[Self.hash(Self.load32(src, i - 1))] = i - 1 }
            }
        }
        Self.emitLiteral(src, from: nextEmit, to: end, into: &out)
    }

    @inline(__always) private static func load32(_ src: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(src[i]) | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2]) << 16 | UInt32(src[i + 3]) << 24
    }

    @inline(__always) private static func hash(_ word: UInt32) -> Int {
        Int((word &* 0x1E35_A7BD) >> UInt32(32 - Self.hashBits))
    }

    /// Literal tag: length - 1 in the tag for up to 60 bytes, else in 1 to 4 following bytes.
    private static func emitLiteral(_ src: UnsafeBufferPointer<UInt8>, from: Int, to: Int, into out: inout [UInt8]) {
        guard to > from else { return }
        let n = to - from - 1
        if n < 60 {
            out.append(UInt8(n << 2))
        } else {
            var bytes = 0
            var v = n
            while v > 0 {
                bytes += 1
                v >>= 8
            }
            out.append(UInt8((59 + bytes) << 2))
            for k in 0..<bytes { out.append(UInt8(truncatingIfNeeded: n >> (8 * k))) }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: src[from..<to]))
    }

    /// Copy tags for `length` bytes at `offset` (1...65535): 64-byte 2-byte-offset copies while long,
    /// then the 1-byte-offset form when it fits (length 4...11, offset < 2048).
    private static func emitCopy(offset: Int, length: Int, into out: inout [UInt8]) {
        var length = length
        while length >= 68 {
            Self.emitCopy2(offset: offset, length: 64, into: &out)
            length -= 64
        }
        if length > 64 {  // leave at least 4 for the last tag
            Self.emitCopy2(offset: offset, length: 60, into: &out)
            length -= 60
        }
        if length < 12 && offset < 2048 {
            out.append(UInt8(1 | (length - 4) << 2 | (offset >> 8) << 5))
            out.append(UInt8(truncatingIfNeeded: offset))
        } else {
            Self.emitCopy2(offset: offset, length: length, into: &out)
        }
    }

    private static func emitCopy2(offset: Int, length: Int, into out: inout [UInt8]) {
        out.append(UInt8(2 | (length - 1) << 2))
        out.append(UInt8(truncatingIfNeeded: offset))
        out.append(UInt8(truncatingIfNeeded: offset >> 8))
    }

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
        Backreference.copy(&out, from: from, length: length)
    }
}

/// LZ77 back-references shared by the snappy and inflate decoders.
enum Backreference {
    /// Appends `length` bytes that start at `from` in `out`. A forward byte-by-byte copy, so an
    /// overlapping reference (distance < length) repeats its pattern as the formats require. Never
    /// appends a slice of `out` to itself: that would copy the whole buffer on every reference.
    @inline(__always) static func copy(_ out: inout [UInt8], from: Int, length: Int) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { p in
            for k in 0..<length { p[start + k] = p[from + k] }
        }
    }
}
