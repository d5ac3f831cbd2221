/// The one error type of MySQLWire: a stable `code`, a human `reason`, and for server ERR packets
/// the server's error number, SQLSTATE and message.
///
/// Equality compares `code` only (swift-asn1 `ASN1Error` model), so tests can `#expect(throws:)` a
/// code. Descriptions never contain the password: no error is ever built from it.
public struct MySQLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, stable across versions; switch on it, do not parse `description`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case serverError, accessDenied, unknownDatabase, tableNotFound
            case connectionClosed, connectionLostMidResult, protocolViolation, packetTooLarge
            case unsupportedServer, authenticationUnsupported, invalidArgument, connectionUnusable
            case tlsUnavailable
        }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The server answered with an ERR packet whose number has no dedicated code below.
        public static let serverError = Code(.serverError)
        /// ERR 1045 (ER_ACCESS_DENIED_ERROR): wrong user name or password.
        public static let accessDenied = Code(.accessDenied)
        /// ERR 1049 (ER_BAD_DB_ERROR): the database does not exist.
        public static let unknownDatabase = Code(.unknownDatabase)
        /// ERR 1146 (ER_NO_SUCH_TABLE): the table does not exist.
        public static let tableNotFound = Code(.tableNotFound)
        /// The server closed the connection (end of stream) outside a result set.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server closed the connection in the middle of a result set (CR_SERVER_LOST 2013).
        public static let connectionLostMidResult = Code(.connectionLostMidResult)
        /// The server sent bytes that break the protocol (bad sequence id, truncated or malformed packet).
        public static let protocolViolation = Code(.protocolViolation)
        /// A reassembled packet exceeded the configured maximum payload size.
        public static let packetTooLarge = Code(.packetTooLarge)
        /// The server lacks something this client requires (e.g. CLIENT_PROTOCOL_41).
        public static let unsupportedServer = Code(.unsupportedServer)
        /// The server asked for an authentication method this client will not or cannot perform.
        public static let authenticationUnsupported = Code(.authenticationUnsupported)
        /// A caller-supplied value cannot be sent (e.g. a user name containing NUL).
        public static let invalidArgument = Code(.invalidArgument)
        /// The connection was closed or broken by an earlier failure and cannot run commands.
        public static let connectionUnusable = Code(.connectionUnusable)
        /// TLS is required but the server's greeting does not offer it (no CLIENT_SSL).
        public static let tlsUnavailable = Code(.tlsUnavailable)

        /// The code's name, e.g. `accessDenied`.
        public var description: String { self.base.rawValue }
    }

    /// The stable code.
    public let code: Code
    /// A human explanation including what to do about it.
    public let reason: String
    /// For ERR packets: the server's error number (e.g. 1045).
    public let serverErrorNumber: UInt16?
    /// For ERR packets: the five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// For ERR packets: the server's message text.
    public let serverMessage: String?
    /// Where the error was raised (for bug reports).
    public let file: String
    /// Line where the error was raised.
    public let line: UInt

    init(_ code: Code, _ reason: String, serverErrorNumber: UInt16? = nil, sqlState: String? = nil,
         serverMessage: String? = nil, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.serverErrorNumber = serverErrorNumber
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.file = file
        self.line = line
    }

    /// Equality on `code` only.
    public static func == (lhs: MySQLError, rhs: MySQLError) -> Bool { lhs.code == rhs.code }

    /// `MySQLError.<code>: <reason>` plus the server's number/state/message for ERR packets.
    public var description: String {
        var s = "MySQLError.\(self.code): \(self.reason)"
        if let n = self.serverErrorNumber {
            s += " [server error \(n)"
            if let st = self.sqlState { s += " (\(st))" }
            if let m = self.serverMessage { s += ": \(m)" }
            s += "]"
        }
        return s
    }

    /// True for every error that came from a server ERR packet.
    public var isServerError: Bool { self.serverErrorNumber != nil }
    /// True for ERR 1045.
    public var isAccessDenied: Bool { self.code == .accessDenied }
    /// True for ERR 1049.
    public var isUnknownDatabase: Bool { self.code == .unknownDatabase }
    /// True for ERR 1146.
    public var isTableNotFound: Bool { self.code == .tableNotFound }
    /// True when the server dropped the connection while a result set was streaming.
    public var isConnectionLostMidResult: Bool { self.code == .connectionLostMidResult }

    // MARK: factories

    /// An error for a server ERR packet, classified by its number.
    static func server(_ packet: ERRPacket, context: String, file: String = #fileID, line: UInt = #line) -> MySQLError {
        let code: Code
        let hint: String
        switch packet.errorCode {
        case 1045:
            code = .accessDenied
            hint = "check the user name and password (and that the account may connect from this host)"
        case 1049:
            code = .unknownDatabase
            hint = "check the database name; it must already exist on the server"
        case 1146:
            code = .tableNotFound
            hint = "check the table name and that it exists in the selected database"
        default:
            code = .serverError
            hint = "see the server message"
        }
        return MySQLError(code, "the server returned an error \(context); \(hint)",
                          serverErrorNumber: packet.errorCode, sqlState: packet.sqlState,
                          serverMessage: packet.message, file: file, line: line)
    }

    static func protocolViolation(_ what: String, file: String = #fileID, line: UInt = #line) -> MySQLError {
        MySQLError(.protocolViolation,
                   "the server broke the MySQL protocol: \(what); the connection was closed (is this really a MySQL/Dolt/MariaDB server?)",
                   file: file, line: line)
    }

    static func malformed(_ message: String, _ what: String, file: String = #fileID, line: UInt = #line) -> MySQLError {
        protocolViolation("malformed \(message) packet (\(what))", file: file, line: line)
    }

    static func packetTooLarge(_ size: Int, limit: Int, file: String = #fileID, line: UInt = #line) -> MySQLError {
        MySQLError(.packetTooLarge,
                   "the server sent a packet of at least \(size) bytes, over this client's limit of \(limit) bytes; raise the limit or select fewer/smaller columns",
                   file: file, line: line)
    }

    static func connectionClosed(_ when: String, file: String = #fileID, line: UInt = #line) -> MySQLError {
        MySQLError(.connectionClosed,
                   "the server closed the connection \(when); check that the server is up and that this client is allowed to connect (connection limits, require_secure_transport)",
                   file: file, line: line)
    }

    static func connectionLostMidResult(file: String = #fileID, line: UInt = #line) -> MySQLError {
        MySQLError(.connectionLostMidResult,
                   "the server closed the connection in the middle of a result set (CR_SERVER_LOST); Dolt does this when a query fails after rows were sent: check the server log, then retry",
                   file: file, line: line)
    }

    static func unusable(file: String = #fileID, line: UInt = #line) -> MySQLError {
        MySQLError(.connectionUnusable,
                   "this MySQL connection was closed or broken by an earlier error; open a new connection",
                   file: file, line: line)
    }
}
