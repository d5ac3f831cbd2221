import ByteCoding

/// Protocol::ERR_Packet (MySQL internals "ERR_Packet"):
/// `0xFF, int<2> error_code, ['#', string[5] sql_state], string<EOF> error_message`.
/// The SQLSTATE marker is absent in errors sent before the handshake is negotiated
/// (e.g. 1040 "Too many connections" in place of the greeting), so it is optional here.
public struct ERRPacket: Equatable, Sendable {
    /// `error_code`.
    public var errorCode: UInt16
    /// `sql_state` when the '#' marker is present.
    public var sqlState: String?
    /// `error_message` (UTF-8, invalid sequences replaced; bounded to 2048 bytes for messages).
    public var message: String

    /// Longest message kept, so a hostile server cannot make error strings huge.
    static let maxMessageBytes = 2048

    /// Decodes a payload that starts with 0xFF.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> ERRPacket {
        var r = ByteReader(payload)
        guard r.readByte() == 0xFF else { throw .malformed("ERR", "bad header") }
        guard let code = r.readUInt16LE() else { throw .malformed("ERR", "missing error code") }
        var state: String?
        if r.peekByte() == UInt8(ascii: "#"), r.remaining >= 6 {
            _ = r.skip(1)
            if let s = r.readBytes(5) { state = String(decoding: s, as: UTF8.self) }
        }
        let rest = r.readRemaining()
        let message = String(decoding: rest.prefix(ERRPacket.maxMessageBytes), as: UTF8.self)
        return ERRPacket(errorCode: code, sqlState: state, message: message)
    }
}
