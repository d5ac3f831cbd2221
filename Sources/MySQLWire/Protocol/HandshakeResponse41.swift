import ByteCoding

/// The client's answer to the greeting, Protocol::HandshakeResponse41 (MySQL internals
/// "Handshake Response Packet"):
///
/// ```
/// int<4>      client_flag        (only flags the server advertised)
/// int<4>      max_packet_size
/// int<1>      character_set      (45 = utf8mb4_general_ci)
/// string[23]  filler, zero       (MariaDB: 19 zero + int<4> extended capabilities; we send 0)
/// string<NUL> username
/// lenenc auth_response           if CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
///   else int<1> length + bytes   (CLIENT_SECURE_CONNECTION)
/// string<NUL> database           if CLIENT_CONNECT_WITH_DB
/// string<NUL> client_plugin_name if CLIENT_PLUGIN_AUTH
/// ```
/// No connection attributes are sent (CLIENT_CONNECT_ATTRS is never requested).
public struct HandshakeResponse41: Equatable, Sendable {
    /// utf8mb4_general_ci. Chosen over 255 (utf8mb4_0900_ai_ci) because every server we target
    /// knows it: MariaDB 10.11 has no collation 255, and Dolt ignores the byte anyway (its sessions
    /// start as utf8mb4). The result charset (utf8mb4) is what matters to us, not the collation.
    public static let utf8mb4GeneralCI: UInt8 = 45
    /// The max_packet_size we announce (0xFFFFFF, as go-sql-driver does).
    public static let announcedMaxPacketSize: UInt32 = 0xFF_FF_FF

    /// `client_flag`.
    public var capabilities: CapabilityFlags
    /// `username`.
    public var username: String
    /// `auth_response` (a scramble, never a cleartext password on a plain connection).
    public var authResponse: [UInt8]
    /// `database`, sent only with CLIENT_CONNECT_WITH_DB.
    public var database: String?
    /// `client_plugin_name`, sent only with CLIENT_PLUGIN_AUTH.
    public var authPluginName: String

    /// The 32-byte SSLRequest prefix (the first fields of this message, with CLIENT_SSL set).
    public static func encodeSSLRequest(capabilities: CapabilityFlags, into out: inout [UInt8]) {
        out.appendUInt32LE(capabilities.rawValue)
        out.appendUInt32LE(HandshakeResponse41.announcedMaxPacketSize)
        out.append(HandshakeResponse41.utf8mb4GeneralCI)
        out.append(contentsOf: repeatElement(0, count: 23))
    }

    /// Appends the payload to `out`. Throws when the user name or database contains NUL.
    public func encode(into out: inout [UInt8]) throws(MySQLError) {
        let user = Array(self.username.utf8)
        guard !user.contains(0) else {
            throw MySQLError(.invalidArgument, "the MySQL user name contains a NUL character; remove it")
        }
        HandshakeResponse41.encodeSSLRequest(capabilities: self.capabilities, into: &out)
        out.append(contentsOf: user)
        out.append(0)
        if self.capabilities.contains(.pluginAuthLenencClientData) {
            LengthEncoded.appendBytes(self.authResponse, to: &out)
        } else {
            guard self.authResponse.count <= 0xFF else {
                throw MySQLError(.invalidArgument, "the authentication response is longer than 255 bytes and the server lacks CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA")
            }
            out.append(UInt8(self.authResponse.count))
            out.append(contentsOf: self.authResponse)
        }
        if self.capabilities.contains(.connectWithDB), let db = self.database {
            let bytes = Array(db.utf8)
            guard !bytes.contains(0) else {
                throw MySQLError(.invalidArgument, "the database name contains a NUL character; remove it")
            }
            out.append(contentsOf: bytes)
            out.append(0)
        }
        if self.capabilities.contains(.pluginAuth) {
            out.append(contentsOf: self.authPluginName.utf8)
            out.append(0)
        }
    }
}
