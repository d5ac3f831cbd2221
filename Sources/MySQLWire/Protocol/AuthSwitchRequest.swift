import ByteCoding

/// Protocol::AuthSwitchRequest (MySQL internals "Authentication Method Switch Request"):
/// `0xFE, string<NUL> plugin_name, string<EOF> plugin_provided_data`. The data is usually the
/// 20-byte nonce followed by a NUL, which is stripped here. A bare `0xFE` (length 1) is the
/// pre-4.1 "old password" switch, which is refused.
public struct AuthSwitchRequest: Equatable, Sendable {
    /// `plugin_name`.
    public var pluginName: String
    /// `plugin_provided_data` without its trailing NUL.
    public var pluginData: [UInt8]

    /// Decodes a payload that starts with 0xFE.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> AuthSwitchRequest {
        var r = ByteReader(payload)
        guard r.readByte() == 0xFE else { throw .malformed("AuthSwitchRequest", "bad header") }
        guard !r.isAtEnd else {
            throw MySQLError(.authenticationUnsupported,
                             "the server asked for the pre-4.1 \"old password\" authentication, which is insecure and not supported; give the account a mysql_native_password or caching_sha2_password password")
        }
        guard let name = r.readUntil(0x00) else { throw .malformed("AuthSwitchRequest", "plugin name not terminated") }
        var data = r.readRemaining()
        if data.last == 0 { data.removeLast() }
        return AuthSwitchRequest(pluginName: String(decoding: name, as: UTF8.self), pluginData: data)
    }
}
