import ByteCoding

/// Protocol::EOF_Packet (MySQL internals "EOF_Packet"), used when CLIENT_DEPRECATE_EOF is off:
/// `0xFE, int<2> warnings, int<2> status_flags` (5 bytes with CLIENT_PROTOCOL_41).
public struct EOFPacket: Equatable, Sendable {
    /// `warnings`.
    public var warnings: UInt16
    /// `status_flags`.
    public var status: ServerStatusFlags

    /// True when `payload` is an EOF packet rather than a row: header 0xFE and shorter than 9
    /// bytes (a row starting with 0xFE has an 8-byte length and is at least 9 bytes).
    public static func isEOF(_ payload: [UInt8]) -> Bool {
        payload.first == 0xFE && payload.count < 9
    }

    /// Decodes a payload that `isEOF`.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> EOFPacket {
        var r = ByteReader(payload)
        guard r.readByte() == 0xFE else { throw .malformed("EOF", "bad header") }
        guard let warnings = r.readUInt16LE(), let status = r.readUInt16LE() else {
            throw .malformed("EOF", "truncated")
        }
        return EOFPacket(warnings: warnings, status: ServerStatusFlags(rawValue: status))
    }
}
