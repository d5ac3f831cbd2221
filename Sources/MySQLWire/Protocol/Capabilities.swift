/// Capability flags (MySQL internals "Capability Flags", `CLIENT_*`), 32 bits; MariaDB's
/// extended flags (bits 32+) travel separately and this client sends none of them.
public struct CapabilityFlags: OptionSet, Hashable, Sendable {
    /// The raw 32-bit flag word.
    public var rawValue: UInt32
    /// Wraps a raw flag word.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// CLIENT_LONG_PASSWORD; on MariaDB this bit is CLIENT_MYSQL, cleared by MariaDB servers.
    public static let longPassword = CapabilityFlags(rawValue: 0x0000_0001)
    /// CLIENT_FOUND_ROWS.
    public static let foundRows = CapabilityFlags(rawValue: 0x0000_0002)
    /// CLIENT_LONG_FLAG: 2-byte column flags.
    public static let longFlag = CapabilityFlags(rawValue: 0x0000_0004)
    /// CLIENT_CONNECT_WITH_DB: the handshake response names the database.
    public static let connectWithDB = CapabilityFlags(rawValue: 0x0000_0008)
    /// CLIENT_COMPRESS.
    public static let compress = CapabilityFlags(rawValue: 0x0000_0020)
    /// CLIENT_LOCAL_FILES: LOAD DATA LOCAL; never requested (the server could read client files).
    public static let localFiles = CapabilityFlags(rawValue: 0x0000_0080)
    /// CLIENT_PROTOCOL_41.
    public static let protocol41 = CapabilityFlags(rawValue: 0x0000_0200)
    /// CLIENT_INTERACTIVE.
    public static let interactive = CapabilityFlags(rawValue: 0x0000_0400)
    /// CLIENT_SSL.
    public static let ssl = CapabilityFlags(rawValue: 0x0000_0800)
    /// CLIENT_TRANSACTIONS.
    public static let transactions = CapabilityFlags(rawValue: 0x0000_2000)
    /// CLIENT_SECURE_CONNECTION (4.1 authentication: length-prefixed auth response).
    public static let secureConnection = CapabilityFlags(rawValue: 0x0000_8000)
    /// CLIENT_MULTI_STATEMENTS; never requested (defence in depth against injection).
    public static let multiStatements = CapabilityFlags(rawValue: 0x0001_0000)
    /// CLIENT_MULTI_RESULTS.
    public static let multiResults = CapabilityFlags(rawValue: 0x0002_0000)
    /// CLIENT_PS_MULTI_RESULTS.
    public static let psMultiResults = CapabilityFlags(rawValue: 0x0004_0000)
    /// CLIENT_PLUGIN_AUTH.
    public static let pluginAuth = CapabilityFlags(rawValue: 0x0008_0000)
    /// CLIENT_CONNECT_ATTRS.
    public static let connectAttrs = CapabilityFlags(rawValue: 0x0010_0000)
    /// CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA.
    public static let pluginAuthLenencClientData = CapabilityFlags(rawValue: 0x0020_0000)
    /// CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS.
    public static let canHandleExpiredPasswords = CapabilityFlags(rawValue: 0x0040_0000)
    /// CLIENT_SESSION_TRACK.
    public static let sessionTrack = CapabilityFlags(rawValue: 0x0080_0000)
    /// CLIENT_DEPRECATE_EOF: OK packets replace EOF packets in result sets.
    public static let deprecateEOF = CapabilityFlags(rawValue: 0x0100_0000)
    /// CLIENT_QUERY_ATTRIBUTES; never requested (changes the COM_QUERY layout).
    public static let queryAttributes = CapabilityFlags(rawValue: 0x0800_0000)

    /// Everything this client implements; the request is this ∩ the server's flags (plus
    /// CONNECT_WITH_DB when a database is given and SSL when upgrading).
    public static let clientSupported: CapabilityFlags = [
        .longPassword, .longFlag, .protocol41, .transactions, .secureConnection, .multiResults,
        .pluginAuth, .pluginAuthLenencClientData, .deprecateEOF,
    ]
}

/// Server status flags from OK and EOF packets (`SERVER_STATUS_*`).
public struct ServerStatusFlags: OptionSet, Hashable, Sendable {
    /// The raw 16-bit word.
    public var rawValue: UInt16
    /// Wraps a raw status word.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// SERVER_STATUS_IN_TRANS.
    public static let inTransaction = ServerStatusFlags(rawValue: 0x0001)
    /// SERVER_STATUS_AUTOCOMMIT.
    public static let autocommit = ServerStatusFlags(rawValue: 0x0002)
    /// SERVER_MORE_RESULTS_EXISTS: another result set follows.
    public static let moreResultsExist = ServerStatusFlags(rawValue: 0x0008)
    /// SERVER_STATUS_NO_BACKSLASH_ESCAPES: string literals treat `\` as an ordinary character.
    public static let noBackslashEscapes = ServerStatusFlags(rawValue: 0x0200)
    /// SERVER_SESSION_STATE_CHANGED.
    public static let sessionStateChanged = ServerStatusFlags(rawValue: 0x4000)
}
