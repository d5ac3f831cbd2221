import ByteCoding

/// PLAIN encoding (Encodings.md "Plain (PLAIN = 0)"): little-endian fixed-width numbers,
/// bit-packed booleans (LSB first), length-prefixed BYTE_ARRAY, raw FIXED_LEN_BYTE_ARRAY.
enum Plain {
    /// Appends the PLAIN encoding of non-null values already validated against `type`.
    static func encode(_ values: ArraySlice<ParquetValue>, type: ParquetPhysicalType, into out: inout [UInt8]) {
        if case .boolean = type {
            var byte: UInt8 = 0
            var bit = 0
            for v in values {
                if case .boolean(true) = v { byte |= 1 << UInt8(bit) }
                bit += 1
                if bit == 8 {
                    out.append(byte)
                    byte = 0
                    bit = 0
                }
            }
            if bit > 0 { out.append(byte) }
            return
        }
        for v in values {
            switch v {
            case .int32(let x): out.appendUInt32LE(UInt32(bitPattern: x))
            case .int64(let x): out.appendUInt64LE(UInt64(bitPattern: x))
            case .float(let x): out.appendUInt32LE(x.bitPattern)
            case .double(let x): out.appendUInt64LE(x.bitPattern)
            case .bytes(let b):
                if case .byteArray = type { out.appendUInt32LE(UInt32(b.count)) }
                out.append(contentsOf: b)
            case .boolean(let x): out.append(x ? 1 : 0)
            case .null: break
            }
        }
    }

    /// Decodes `count` PLAIN values from `bytes[start..<end]`, appending to `out`; returns the end position.
    /// `count` is checked against the available bytes before anything is reserved.
    static func decode(_ bytes: [UInt8], start: Int, end: Int, count: Int, type: ParquetPhysicalType, into out: inout [ParquetValue]) throws -> Int {
        guard count >= 0 else { throw ParquetError.page("negative PLAIN value count") }
        let available = end - start
        func need(_ width: Int) throws {
            let (total, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow, total <= available else {
                throw ParquetError.page("\(count) PLAIN values of \(width) bytes overrun the \(available) bytes of the page")
            }
        }
        var pos = start
        switch type {
        case .boolean:
            guard (count + 7) / 8 <= available else { throw ParquetError.page("PLAIN booleans overrun the page") }
            out.reserveCapacity(out.count + count)
            for i in 0..<count { out.append(.boolean((bytes[start + i >> 3] >> UInt8(i & 7)) & 1 == 1)) }
            pos += (count + 7) / 8
        case .int32:
            try need(4)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.int32(Int32(bitPattern: Self.le32(bytes, pos))))
                pos += 4
            }
        case .float:
            try need(4)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.float(Float(bitPattern: Self.le32(bytes, pos))))
                pos += 4
            }
        case .int64:
            try need(8)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.int64(Int64(bitPattern: Self.le64(bytes, pos))))
                pos += 8
            }
        case .double:
            try need(8)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.double(Double(bitPattern: Self.le64(bytes, pos))))
                pos += 8
            }
        case .int96:
            try need(12)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.bytes(Array(bytes[pos..<(pos + 12)])))
                pos += 12
            }
        case .fixedLenByteArray(let n):
            guard n > 0 else { throw ParquetError.page("FIXED_LEN_BYTE_ARRAY length \(n) is invalid") }
            try need(n)
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                out.append(.bytes(Array(bytes[pos..<(pos + n)])))
                pos += n
            }
        case .byteArray:
            try need(4)  // every value has at least its 4-byte length
            out.reserveCapacity(out.count + count)
            for _ in 0..<count {
                guard end - pos >= 4 else { throw ParquetError.page("BYTE_ARRAY length prefix overruns the page") }
                let len = Int(Self.le32(bytes, pos))
                pos += 4
                guard len <= end - pos else { throw ParquetError.page("BYTE_ARRAY value of \(len) bytes overruns the page") }
                out.append(.bytes(Array(bytes[pos..<(pos + len)])))
                pos += len
            }
        }
        return pos
    }

    @inline(__always) static func le32(_ b: [UInt8], _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    @inline(__always) static func le64(_ b: [UInt8], _ p: Int) -> UInt64 {
        UInt64(le32(b, p)) | UInt64(le32(b, p + 4)) << 32
    }
}
