import ByteCoding

/// Length-encoded integers and strings (MySQL internals "Basic Data Types", `int<lenenc>`,
/// `string<lenenc>`): `< 0xFB` is the value itself; `0xFC` + 2 bytes, `0xFD` + 3 bytes,
/// `0xFE` + 8 bytes (little-endian). `0xFB` means NULL and is only valid as a text-row cell;
/// `0xFF` is never valid (it is the ERR header).
public enum LengthEncoded {
    /// The result of reading a length-encoded integer.
    public enum Value: Equatable, Sendable {
        /// An integer.
        case integer(UInt64)
        /// The 0xFB marker (SQL NULL in a text row).
        case null
    }

    /// Reads an `int<lenenc>`; `nil` when the bytes are truncated or the first byte is 0xFF.
    public static func read(_ reader: inout ByteReader) -> Value? {
        guard let first = reader.readByte() else { return nil }
        switch first {
        case 0x00...0xFA: return .integer(UInt64(first))
        case 0xFB: return .null
        case 0xFC: return reader.readUInt16LE().map { .integer(UInt64($0)) }
        case 0xFD: return reader.readUInt24LE().map { .integer(UInt64($0)) }
        case 0xFE: return reader.readUInt64LE().map { .integer($0) }
        default: return nil   // 0xFF
        }
    }

    /// Reads an `int<lenenc>` where NULL is not allowed; `nil` on NULL, 0xFF or truncation.
    public static func readInteger(_ reader: inout ByteReader) -> UInt64? {
        guard case .integer(let v)? = read(&reader) else { return nil }
        return v
    }

    /// Reads a `string<lenenc>` as bytes; `nil` on NULL, 0xFF, truncation or an impossible length.
    public static func readBytes(_ reader: inout ByteReader) -> [UInt8]? {
        guard let n = readInteger(&reader), n <= UInt64(reader.remaining) else { return nil }
        return reader.readBytes(Int(n))
    }

    /// Reads a `string<lenenc>` as UTF-8 text (invalid sequences are replaced).
    public static func readString(_ reader: inout ByteReader) -> String? {
        guard let n = readInteger(&reader), n <= UInt64(reader.remaining),
              let slice = reader.readSlice(Int(n)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Appends `value` as an `int<lenenc>` (shortest form).
    public static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        switch value {
        case 0..<0xFB: out.append(UInt8(value))
        case 0xFB...0xFFFF: out.append(0xFC); out.appendUInt16LE(UInt16(value))
        case 0x1_0000...0xFF_FFFF: out.append(0xFD); out.appendUInt24LE(UInt32(value))
        default: out.append(0xFE); out.appendUInt64LE(value)
        }
    }

    /// Appends `bytes` as a `string<lenenc>`.
    public static func appendBytes(_ bytes: [UInt8], to out: inout [UInt8]) {
        appendInteger(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}
