import ByteCoding

/// Protocol::OK_Packet (MySQL internals "OK_Packet"), header 0x00, or 0xFE when it ends a
/// result set under CLIENT_DEPRECATE_EOF:
///
/// ```
/// int<1>      header 0x00 | 0xFE
/// int<lenenc> affected_rows
/// int<lenenc> last_insert_id
/// int<2>      status_flags
/// int<2>      warnings
/// ...         info / session state: ignored (Dolt writes a stray '#' before the info, MariaDB
///             may set SESSION_STATE_CHANGED with nothing after it)
/// ```
public struct OKPacket: Equatable, Sendable {
    /// `affected_rows`.
    public var affectedRows: UInt64
    /// `last_insert_id`.
    public var lastInsertID: UInt64
    /// `status_flags`.
    public var status: ServerStatusFlags
    /// `warnings`.
    public var warnings: UInt16

    /// Decodes a payload that starts with 0x00 or 0xFE.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> OKPacket {
        var r = ByteReader(payload)
        guard let h = r.readByte(), h == 0x00 || h == 0xFE else { throw .malformed("OK", "bad header") }
        guard let affected = LengthEncoded.readInteger(&r), let lastID = LengthEncoded.readInteger(&r),
              let status = r.readUInt16LE(), let warnings = r.readUInt16LE() else {
            throw .malformed("OK", "truncated")
        }
        return OKPacket(affectedRows: affected, lastInsertID: lastID,
                        status: ServerStatusFlags(rawValue: status), warnings: warnings)
    }
}
