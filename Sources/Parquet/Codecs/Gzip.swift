/// GZIP (RFC 1952) members around DEFLATE (RFC 1951) streams. Parquet GZIP pages may hold several
/// concatenated members (Compression.md; parquet-testing `concatenated_gzip_members.parquet`).
enum Gzip {
    /// Decompresses every member in `bytes[start..<end]`, checking CRC-32 and ISIZE of each.
    /// `expectedSize`, when given, bounds the output and must be met exactly.
    static func decompress(_ bytes: [UInt8], start: Int, end: Int, expectedSize: Int?) throws -> [UInt8] {
        var out: [UInt8] = []
        let limit = expectedSize ?? Int.max
        var pos = start
        repeat {
            guard end - pos >= 18, bytes[pos] == 0x1F, bytes[pos + 1] == 0x8B, bytes[pos + 2] == 8 else {
                throw ParquetError.compressed("gzip: bad member header")
            }
            let flags = bytes[pos + 3]
            guard flags & 0xE0 == 0 else { throw ParquetError.compressed("gzip: reserved flags set") }
            pos += 10
            if flags & 4 != 0 {  // FEXTRA
                guard end - pos >= 2 else { throw ParquetError.compressed("gzip: truncated header") }
                let xlen = Int(bytes[pos]) | Int(bytes[pos + 1]) << 8
                guard xlen <= end - pos - 2 else { throw ParquetError.compressed("gzip: truncated extra field") }
                pos += 2 + xlen
            }
            for flag: UInt8 in [8, 16] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
                while pos < end && bytes[pos] != 0 { pos += 1 }
                guard pos < end else { throw ParquetError.compressed("gzip: unterminated header string") }
                pos += 1
            }
            if flags & 2 != 0 { pos += 2 }  // FHCRC
            guard pos <= end else { throw ParquetError.compressed("gzip: truncated header") }
            let memberStart = out.count
            var inflater = Inflater(bytes, start: pos, end: end, limit: limit)
            try inflater.run(into: &out)
            pos = inflater.bytePosition
            guard end - pos >= 8 else { throw ParquetError.compressed("gzip: truncated trailer") }
            let crc = Plain.le32(bytes, pos)
            let isize = Plain.le32(bytes, pos + 4)
            pos += 8
            guard CRC32.checksum(out[memberStart...]) == crc else { throw ParquetError.compressed("gzip: CRC-32 mismatch") }
            guard UInt32(truncatingIfNeeded: out.count - memberStart) == isize else { throw ParquetError.compressed("gzip: ISIZE mismatch") }
        } while pos < end
        if let expectedSize, out.count != expectedSize {
            throw ParquetError.compressed("gzip: produced \(out.count) bytes, the page declares \(expectedSize)")
        }
        return out
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as used by gzip and Parquet page CRCs.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ data: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = Self.table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// A DEFLATE decoder (RFC 1951 §3.2): stored, fixed-Huffman and dynamic-Huffman blocks.
/// Huffman codes are decoded through a table indexed by the next `Huffman.fastBits` input bits
/// (one lookup per symbol); the rare longer codes fall back to the canonical per-length walk of
/// zlib's `puff.c`. Input bits sit in a 64-bit buffer refilled a byte at a time.
struct Inflater {
    private let bytes: [UInt8]
    private var pos: Int
    private let end: Int
    private let limit: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    init(_ bytes: [UInt8], start: Int, end: Int, limit: Int) {
        self.bytes = bytes
        self.pos = start
        self.end = end
        self.limit = limit
    }

    /// The byte position after the final block (partial bits discarded).
    var bytePosition: Int { self.pos }

    struct Huffman {
        /// Codes up to this length are found with one table lookup.
        static let fastBits = 10
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        /// Indexed by the next `fastBits` input bits (LSB first): `symbol << 4 | length`, or 0 when
        /// the code is longer than `fastBits` or not assigned.
        var fast = [UInt16](repeating: 0, count: 1 << fastBits)

        init(lengths: ArraySlice<Int>) throws {
            for l in lengths { self.counts[l] += 1 }
            self.counts[0] = 0
            var left = 1
            for len in 1...15 {
                left <<= 1
                left -= self.counts[len]
                guard left >= 0 else { throw ParquetError.compressed("deflate: over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + self.counts[len] }
            self.symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, l) in lengths.enumerated() where l != 0 {
                self.symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
            // Canonical codes (RFC 1951 §3.2.2): consecutive within a length, in symbol order.
            var next = [Int](repeating: 0, count: 16)
            var code = 0
            for len in 1...15 {
                code = (code + self.counts[len - 1]) << 1
                next[len] = code
            }
            for (symbol, l) in lengths.enumerated() where l != 0 {
                let c = next[l]
                next[l] += 1
                guard l <= Self.fastBits else { continue }
                // Codes are sent most significant bit first into an LSB-first stream: index by the reversal.
                var reversed = 0
                for k in 0..<l where c & (1 << k) != 0 { reversed |= 1 << (l - 1 - k) }
                let entry = UInt16(symbol << 4 | l)
                var i = reversed
                while i < 1 << Self.fastBits {
                    self.fast[i] = entry
                    i += 1 << l
                }
            }
        }
    }

    /// Tops the bit buffer up to at least 57 bits, or to what the input has left.
    @inline(__always) private mutating func refill() {
        while self.bitCount <= 56 && self.pos < self.end {
            self.bitBuffer |= UInt64(self.bytes[self.pos]) << UInt64(self.bitCount)
            self.pos += 1
            self.bitCount += 8
        }
    }

    @inline(__always) private mutating func bits(_ n: Int) throws -> Int {
        if self.bitCount < n {
            self.refill()
            guard self.bitCount >= n else { throw ParquetError.compressed("deflate: input ends early") }
        }
        let v = Int(self.bitBuffer & ((1 << UInt64(n)) - 1))
        self.bitBuffer >>= UInt64(n)
        self.bitCount -= n
        return v
    }

    @inline(__always) private mutating func decode(_ h: Huffman) throws -> Int {
        if self.bitCount < 15 { self.refill() }
        let entry = Int(h.fast[Int(self.bitBuffer & UInt64((1 << Huffman.fastBits) - 1))])
        let length = entry & 15
        if length != 0 {
            guard length <= self.bitCount else { throw ParquetError.compressed("deflate: input ends early") }
            self.bitBuffer >>= UInt64(length)
            self.bitCount -= length
            return entry >> 4
        }
        // A code longer than the table, or an unassigned one: walk the lengths bit by bit (puff.c).
        var code = 0, first = 0, index = 0
        for len in 1...15 {
            guard len <= self.bitCount else { throw ParquetError.compressed("deflate: input ends early") }
            code |= Int((self.bitBuffer >> UInt64(len - 1)) & 1)
            let count = h.counts[len]
            if code - count < first {
                self.bitBuffer >>= UInt64(len)
                self.bitCount -= len
                return h.symbols[index + (code - first)]
            }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw ParquetError.compressed("deflate: invalid Huffman code")
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The fixed codes of RFC 1951 §3.2.6, built once per stream on first use.
    private var fixedCodes: (lit: Huffman, dist: Huffman)?

    /// Decodes blocks until the final one, appending to `out` (back-references may reach into
    /// earlier members' output only within this stream, checked against `streamStart`).
    mutating func run(into out: inout [UInt8]) throws {
        let streamStart = out.count
        var final = false
        while !final {
            final = try self.bits(1) == 1
            switch try self.bits(2) {
            case 0:
                // Stored block: drop the partial byte; whole bytes already buffered are read back from the buffer.
                _ = try self.bits(self.bitCount & 7)
                var header = [Int](repeating: 0, count: 4)
                for k in 0..<4 { header[k] = try self.bits(8) }
                let len = header[0] | header[1] << 8
                let nlen = header[2] | header[3] << 8
                guard len == (~nlen & 0xFFFF) else { throw ParquetError.compressed("deflate: stored block length check failed") }
                guard len <= self.limit - out.count else { throw ParquetError.compressed("deflate: output exceeds the declared size") }
                var remaining = len
                while remaining > 0 && self.bitCount >= 8 {
                    out.append(UInt8(try self.bits(8)))
                    remaining -= 1
                }
                guard remaining <= self.end - self.pos else { throw ParquetError.compressed("deflate: stored block overruns input") }
                out.append(contentsOf: self.bytes[self.pos..<(self.pos + remaining)])
                self.pos += remaining
            case 1:
                if self.fixedCodes == nil {
                    var lengths = [Int](repeating: 8, count: 288)
                    for i in 144..<256 { lengths[i] = 9 }
                    for i in 256..<280 { lengths[i] = 7 }
                    self.fixedCodes = (try Huffman(lengths: lengths[...]), try Huffman(lengths: [Int](repeating: 5, count: 30)[...]))
                }
                guard let fixed = self.fixedCodes else { throw ParquetError.compressed("deflate: fixed codes unavailable") }
                try self.codes(fixed.lit, fixed.dist, &out, streamStart)
            case 2:
                let nlen = try self.bits(5) + 257, ndist = try self.bits(5) + 1, ncode = try self.bits(4) + 4
                guard nlen <= 286, ndist <= 30 else { throw ParquetError.compressed("deflate: bad code counts") }
                var lengths = [Int](repeating: 0, count: 19)
                for i in 0..<ncode { lengths[Self.order[i]] = try self.bits(3) }
                let lencode = try Huffman(lengths: lengths[...])
                var all = [Int]()
                all.reserveCapacity(nlen + ndist)
                while all.count < nlen + ndist {
                    let sym = try self.decode(lencode)
                    if sym < 16 {
                        all.append(sym)
                        continue
                    }
                    var value = 0, repeatCount: Int
                    switch sym {
                    case 16:
                        guard let last = all.last else { throw ParquetError.compressed("deflate: repeat with no previous length") }
                        value = last
                        repeatCount = 3 + (try self.bits(2))
                    case 17: repeatCount = 3 + (try self.bits(3))
                    default: repeatCount = 11 + (try self.bits(7))
                    }
                    guard all.count + repeatCount <= nlen + ndist else { throw ParquetError.compressed("deflate: too many code lengths") }
                    all.append(contentsOf: repeatElement(value, count: repeatCount))
                }
                guard all[256] != 0 else { throw ParquetError.compressed("deflate: no end-of-block code") }
                let lit = try Huffman(lengths: all[0..<nlen])
                let dist = try Huffman(lengths: all[nlen...])
                try self.codes(lit, dist, &out, streamStart)
            default:
                throw ParquetError.compressed("deflate: invalid block type 3")
            }
        }
        // Discard the partial byte and hand back whole buffered bytes: the gzip trailer starts on the
        // next byte boundary after the last block.
        self.pos -= self.bitCount / 8
        self.bitBuffer = 0
        self.bitCount = 0
    }

    private mutating func codes(_ lit: Huffman, _ dist: Huffman, _ out: inout [UInt8], _ streamStart: Int) throws {
        while true {
            let sym = try self.decode(lit)
            if sym < 256 {
                guard out.count < self.limit else { throw ParquetError.compressed("deflate: output exceeds the declared size") }
                out.append(UInt8(sym))
            } else if sym == 256 {
                return
            } else {
                let li = sym - 257
                guard li < 29 else { throw ParquetError.compressed("deflate: invalid length symbol") }
                let length = Self.lengthBase[li] + (try self.bits(Self.lengthExtra[li]))
                let ds = try self.decode(dist)
                guard ds < 30 else { throw ParquetError.compressed("deflate: invalid distance symbol") }
                let distance = Self.distBase[ds] + (try self.bits(Self.distExtra[ds]))
                guard distance <= out.count - streamStart else { throw ParquetError.compressed("deflate: distance too far back") }
                guard length <= self.limit - out.count else { throw ParquetError.compressed("deflate: output exceeds the declared size") }
                let from = out.count - distance
                Backreference.copy(&out, from: from, length: length)
            }
        }
    }
}
