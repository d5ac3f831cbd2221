import ByteCoding

/// The server greeting, Protocol::HandshakeV10 (MySQL internals "Initial Handshake Packet"):
///
/// ```
/// int<1>      protocol_version = 0x0A
/// string<NUL> server_version            (MariaDB 10.x: "5.5.5-10.11.x-MariaDB", Dolt: "8.0.33")
/// int<4>      connection_id
/// string[8]   auth_plugin_data_part_1
/// int<1>      filler 0x00
/// int<2>      capability_flags_1 (low 16 bits)
/// int<1>      character_set          } optional: absent in pre-4.1 greetings
/// int<2>      status_flags           }
/// int<2>      capability_flags_2 (high 16 bits)
/// int<1>      auth_plugin_data_len
/// string[10]  reserved (MariaDB, when bit 0 is clear: 6 zero + int<4> extended capabilities)
/// string[$]   auth_plugin_data_part_2, max(13, auth_plugin_data_len - 8) bytes, NUL-terminated
/// string<NUL> auth_plugin_name (some servers omit the NUL: MySQL bug #59453)
/// ```
public struct HandshakeV10: Equatable, Sendable {
    /// `server_version` as sent.
    public var rawServerVersion: String
    /// `connection_id` (4).
    public var connectionID: UInt32
    /// The 20-byte (usually) nonce: part 1 + part 2 without its trailing NUL.
    public var nonce: [UInt8]
    /// Full capability word.
    public var capabilities: CapabilityFlags
    /// MariaDB extended capabilities (bits 32+), 0 when not a MariaDB greeting.
    public var mariaDBExtendedCapabilities: UInt32
    /// `character_set` (Dolt: 33; MySQL 8: 255; MariaDB: the server collation).
    public var characterSet: UInt8
    /// `status_flags`.
    public var status: ServerStatusFlags
    /// `auth_plugin_name` ("" when the server lacks CLIENT_PLUGIN_AUTH).
    public var authPluginName: String

    /// MariaDB 10.x prefixes its version with "5.5.5-" (a replication hack, removed in 11.0.1,
    /// MDEV-28910).
    static let mariaDBVersionPrefix = "5.5.5-"

    /// The version without MariaDB's "5.5.5-" prefix.
    public var serverVersion: String {
        if self.rawServerVersion.hasPrefix(HandshakeV10.mariaDBVersionPrefix) {
            return String(self.rawServerVersion.dropFirst(HandshakeV10.mariaDBVersionPrefix.count))
        }
        return self.rawServerVersion
    }

    /// True when the greeting comes from MariaDB (capability bit 0 cleared or "MariaDB" in the version).
    public var isMariaDB: Bool {
        !self.capabilities.contains(.longPassword) || self.rawServerVersion.contains("MariaDB")
    }

    /// Decodes a greeting payload (the caller has already routed an 0xFF ERR greeting elsewhere).
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> HandshakeV10 {
        var r = ByteReader(payload)
        guard let version = r.readByte() else { throw .malformed("greeting", "empty") }
        guard version == 0x0A else {
            throw MySQLError(.unsupportedServer,
                             "the server speaks MySQL protocol version \(version), not 10; use a MySQL 4.1+ compatible server")
        }
        guard let versionBytes = r.readUntil(0x00) else { throw .malformed("greeting", "server version not terminated") }
        guard let connectionID = r.readUInt32LE() else { throw .malformed("greeting", "missing connection id") }
        guard let part1 = r.readBytes(8) else { throw .malformed("greeting", "missing auth plugin data part 1") }
        guard r.skip(1), let capsLow = r.readUInt16LE() else { throw .malformed("greeting", "missing capability flags") }
        var caps = UInt32(capsLow)
        var charset: UInt8 = 0
        var status: UInt16 = 0
        var extended: UInt32 = 0
        var nonce = part1
        var plugin = ""
        if !r.isAtEnd {
            guard let cs = r.readByte(), let st = r.readUInt16LE(), let capsHigh = r.readUInt16LE(),
                  let dataLength = r.readByte(), r.skip(6), let ext = r.readUInt32LE() else {
                throw .malformed("greeting", "truncated after capability flags")
            }
            charset = cs
            status = st
            caps |= UInt32(capsHigh) << 16
            let flags = CapabilityFlags(rawValue: caps)
            // MariaDB reuses the last 4 reserved bytes when it clears CLIENT_MYSQL (bit 0).
            extended = flags.contains(.longPassword) ? 0 : ext
            if flags.contains(.secureConnection) {
                let part2Length = max(13, Int(dataLength) - 8)
                guard let part2 = r.readBytes(part2Length) else {
                    throw .malformed("greeting", "missing auth plugin data part 2")
                }
                nonce += part2.last == 0 ? part2.dropLast() : part2[...]
            }
            if flags.contains(.pluginAuth) {
                let name = r.readUntil(0x00) ?? r.readRemaining()
                plugin = String(decoding: name, as: UTF8.self)
            }
            // Anything after the plugin name is ignored: future servers may add fields.
        }
        return HandshakeV10(
            rawServerVersion: String(decoding: versionBytes, as: UTF8.self), connectionID: connectionID,
            nonce: nonce, capabilities: CapabilityFlags(rawValue: caps), mariaDBExtendedCapabilities: extended,
            characterSet: charset, status: ServerStatusFlags(rawValue: status), authPluginName: plugin)
    }
}
