import ByteCoding

/// The RLE / bit-packing hybrid (Encodings.md "Run Length Encoding / Bit-Packing Hybrid (RLE = 3)")
/// used for definition levels and dictionary indices, plus the deprecated BIT_PACKED (4) levels.
enum RLEHybrid {
    /// Appends RLE runs only (the simplest valid encoding, as the reference writer does): for each run
    /// of equal values `varint(run << 1)` then the value in `ceil(bitWidth/8)` little-endian bytes.
    static func encodeRunsOnly(_ values: [UInt8], bitWidth: Int, into out: inout [UInt8]) {
        let byteWidth = (bitWidth + 7) / 8
        var i = 0
        while i < values.count {
            var j = i + 1
            while j < values.count && values[j] == values[i] { j += 1 }
            out.appendULEB128(UInt64(j - i) << 1)
            if byteWidth > 0 { out.append(values[i]) }
            for _ in 1..<max(byteWidth, 1) { out.append(0) }
            i = j
        }
    }

    /// Decodes exactly `count` values of `bitWidth` bits (0...32) from `bytes[start..<end]` (no length
    /// prefix). The caller bounds `count`; runs longer than needed are truncated (the last bit-packed
    /// group may be padded). Returns the values and the position after the last run consumed.
    static func decode(_ bytes: [UInt8], start: Int, end: Int, bitWidth: Int, count: Int) throws -> (values: [UInt32], end: Int) {
        guard bitWidth >= 0 && bitWidth <= 32 else { throw ParquetError.page("RLE bit width \(bitWidth) is out of range 0...32") }
        guard count >= 0 else { throw ParquetError.page("negative RLE value count") }
        var out = [UInt32]()
        out.reserveCapacity(count)
        var pos = start
        let byteWidth = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (UInt64(1) << UInt64(bitWidth)) - 1
        while out.count < count {
            var r = ByteReader(bytes, offset: pos, end: end)
            guard let header = r.readULEB128(maxBytes: 5) else {
                throw ParquetError.page("RLE data ends after \(out.count) of \(count) values")
            }
            pos = r.offset
            let need = count - out.count
            if header & 1 == 1 {
                let groups = header >> 1
                let available = UInt64(end - pos)
                guard bitWidth == 0 || groups <= available / UInt64(bitWidth) else {
                    throw ParquetError.page("bit-packed run of \(groups) groups overruns its data")
                }
                let nbytes = Int(groups) * bitWidth
                let values = Int(min(groups * 8, UInt64(need)))
                if bitWidth == 0 {
                    out.append(contentsOf: repeatElement(0, count: values))
                } else {
                    var bitPos = 0
                    for _ in 0..<values {
                        // Gather up to 5 bytes covering this value (LSB-first packing).
                        let byteIndex = pos + bitPos >> 3
                        var acc: UInt64 = 0
                        var k = 0
                        while k < 5 && byteIndex + k < pos + nbytes {
                            acc |= UInt64(bytes[byteIndex + k]) << UInt64(8 * k)
                            k += 1
                        }
                        out.append(UInt32(truncatingIfNeeded: (acc >> UInt64(bitPos & 7)) & mask))
                        bitPos += bitWidth
                    }
                }
                pos += nbytes
            } else {
                let run = header >> 1
                guard pos + byteWidth <= end else { throw ParquetError.page("RLE run value overruns its data") }
                var v: UInt32 = 0
                for k in 0..<byteWidth { v |= UInt32(bytes[pos + k]) << UInt32(8 * k) }
                pos += byteWidth
                guard UInt64(v) <= mask else { throw ParquetError.page("RLE run value \(v) wider than \(bitWidth) bits") }
                guard run > 0 else { throw ParquetError.page("RLE run of length 0") }
                out.append(contentsOf: repeatElement(v, count: Int(min(run, UInt64(need)))))
            }
        }
        return (out, pos)
    }

    /// Deprecated BIT_PACKED (4) levels: MSB-first, no header, `ceil(count·bitWidth/8)` bytes.
    static func decodeLegacyBitPacked(_ bytes: [UInt8], start: Int, end: Int, bitWidth: Int, count: Int) throws -> (values: [UInt32], end: Int) {
        guard bitWidth >= 0 && bitWidth <= 8, count >= 0 else { throw ParquetError.page("BIT_PACKED levels with bit width \(bitWidth)") }
        let (bits, overflow) = count.multipliedReportingOverflow(by: bitWidth)
        guard !overflow else { throw ParquetError.page("BIT_PACKED level count too large") }
        let nbytes = (bits + 7) / 8
        guard nbytes <= end - start else { throw ParquetError.page("BIT_PACKED levels overrun the page") }
        var out = [UInt32]()
        out.reserveCapacity(count)
        for i in 0..<count {
            var v: UInt32 = 0
            for b in 0..<bitWidth {
                let bit = i * bitWidth + b
                let byte = bytes[start + bit >> 3]
                v = v << 1 | UInt32((byte >> (7 - UInt8(bit & 7))) & 1)
            }
            out.append(v)
        }
        return (out, start + nbytes)
    }
}
