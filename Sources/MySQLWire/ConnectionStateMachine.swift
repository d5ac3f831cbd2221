import ByteCoding
import CryptoPrimitives

/// The MySQL client protocol as a value-type state machine (postgres-nio
/// `ConnectionStateMachine` shape): it consumes reassembled packet payloads and returns actions;
/// it never touches a stream. `MySQLConnection` is the I/O shell that executes the actions.
///
/// Covers the connection phase (greeting, optional SSLRequest + TLS upgrade, HandshakeResponse41,
/// auth switch, caching_sha2_password fast/full auth, optional COM_INIT_DB) and the command phase
/// (COM_QUERY with text result sets, with and without CLIENT_DEPRECATE_EOF; COM_PING; COM_QUIT).
///
/// Errors: a method that throws has already moved the machine to `.failed`, except for an ERR
/// packet answering a command (a query or ping error), after which the connection stays `.ready`.
struct ConnectionStateMachine {
    /// What the shell must do next.
    enum Action: Equatable {
        /// Frame and write `payload` continuing the current sequence, then read the next packet.
        case sendPacket([UInt8])
        /// Frame and write the SSLRequest `payload`, upgrade the stream to TLS, then call `tlsEstablished()`.
        case sendSSLRequestAndUpgrade([UInt8])
        /// Reset the sequence id, frame and write the command `payload`, then read the reply.
        case sendCommand([UInt8])
        /// Nothing to send: read the next packet.
        case readMore
        /// The connection phase finished; the connection is ready for commands.
        case authenticated
        /// A command that returns only OK (COM_PING) succeeded.
        case commandSucceeded
        /// The column definitions of a result set (then rows follow).
        case deliverColumns([MySQLColumn])
        /// One text row: raw cell bytes, nil for SQL NULL (from `packetReceived(_:)`; the in-place
        /// `packetReceived(_:rowBounds:)` answers `.rowScanned` instead).
        case deliverRow([[UInt8]?])
        /// The query's response is complete; the connection is ready again.
        case queryComplete
    }

    /// Per-authentication-exchange data.
    struct AuthExchange {
        /// The plugin whose response we sent last.
        var plugin: String
        /// The nonce for that plugin.
        var nonce: [UInt8]
        /// True after the server's one allowed AuthSwitchRequest.
        var switched = false
        /// True after caching_sha2_password's 0x01 0x03 (an OK must follow).
        var fastAuthSucceeded = false
        /// True after we asked for the server's RSA public key (0x02) on a plain connection.
        var publicKeyRequested = false
        /// True after we answered a full-authentication request.
        var fullAuthSent = false
    }

    enum State {
        case awaitingGreeting
        /// SSLRequest sent; waiting for the shell to finish the TLS upgrade.
        case awaitingTLS
        case authenticating(AuthExchange)
        /// COM_INIT_DB sent after auth because the server lacks CLIENT_CONNECT_WITH_DB.
        case selectingDatabase
        case ready
        /// COM_PING sent.
        case awaitingCommandOK
        /// COM_QUERY sent (or another result set announced): OK, ERR or a column count comes next.
        case awaitingResultHead
        case readingColumns(expected: Int, columns: [MySQLColumn])
        /// All column definitions read; the EOF packet (no CLIENT_DEPRECATE_EOF) comes next.
        case awaitingColumnsEOF([MySQLColumn])
        case readingRows(columnCount: Int)
        case closed
        case failed
    }

    /// Largest column count accepted in a result-set header (MySQL tables hold at most 4096).
    static let maxColumnCount: UInt64 = 65_535

    private(set) var state: State = .awaitingGreeting
    private let user: String
    private var password: [UInt8]
    private let database: String?
    private let wantsTLS: Bool
    /// Refuse a server without CLIENT_SSL before sending anything (MySQL --ssl-mode=REQUIRED+).
    private let requiresTLS: Bool
    /// OAEP seeds for caching_sha2_password full authentication over plain TCP.
    private let random: (Int) -> [UInt8]
    /// True once the shell has upgraded the stream to TLS.
    private(set) var isSecure = false
    /// The greeting, once received.
    private(set) var greeting: HandshakeV10?
    /// The capabilities we sent (always a subset of the server's).
    private(set) var negotiated: CapabilityFlags = []
    /// The plugin that completed authentication.
    private(set) var authPluginUsed = ""
    /// Status flags from the last OK or EOF packet.
    private(set) var status: ServerStatusFlags = []

    init(user: String, password: [UInt8], database: String?, wantsTLS: Bool, requiresTLS: Bool = false,
         random: @escaping (Int) -> [UInt8] = SystemRandom.bytes) {
        self.user = user
        self.password = password
        self.database = database
        self.wantsTLS = wantsTLS
        self.requiresTLS = requiresTLS
        self.random = random
    }

    var isReady: Bool {
        if case .ready = self.state { return true }
        return false
    }

    // MARK: events

    /// A reassembled packet payload arrived from the server.
    mutating func packetReceived(_ payload: [UInt8]) throws(MySQLError) -> Action {
        switch self.state {
        case .awaitingGreeting:
            return try self.greetingReceived(payload)
        case .awaitingTLS:
            throw self.fail(.protocolViolation("the server sent a packet before the TLS upgrade"))
        case .authenticating(let exchange):
            return try self.authPacketReceived(payload, exchange)
        case .selectingDatabase:
            return try self.initDBReplyReceived(payload)
        case .awaitingCommandOK:
            return try self.pingReplyReceived(payload)
        case .awaitingResultHead:
            return try self.resultHeadReceived(payload)
        case .readingColumns(let expected, var columns):
            let column: MySQLColumn
            do { column = try ColumnDefinition41.decode(payload) } catch { throw self.fail(error) }
            columns.append(column)
            if columns.count < expected {
                self.state = .readingColumns(expected: expected, columns: columns)
                return .readMore
            }
            if self.negotiated.contains(.deprecateEOF) {
                self.state = .readingRows(columnCount: expected)
                return .deliverColumns(columns)
            }
            self.state = .awaitingColumnsEOF(columns)
            return .readMore
        case .awaitingColumnsEOF(let columns):
            if payload.first == 0xFF { return try self.commandERR(payload, context: "after the column definitions") }
            guard EOFPacket.isEOF(payload) else {
                throw self.fail(.protocolViolation("expected an EOF packet after the column definitions"))
            }
            do { self.status = try EOFPacket.decode(payload).status } catch { throw self.fail(error) }
            self.state = .readingRows(columnCount: columns.count)
            return .deliverColumns(columns)
        case .readingRows:
            var bounds: [Int] = []
            switch try self.packetReceived(payload.span, rowBounds: &bounds) {
            case .rowScanned: return .deliverRow(TextRowView(payload: payload[...], bounds: bounds).cells)
            case .action(let action): return action
            }
        case .ready:
            // An unsolicited ERR (MySQL 8.0.24+ ER_CLIENT_INTERACTION_TIMEOUT, MariaDB shutdown).
            if payload.first == 0xFF, let err = try? ERRPacket.decode(payload) {
                throw self.fail(.server(err, context: "while the connection was idle"))
            }
            throw self.fail(.protocolViolation("unsolicited packet while idle"))
        case .closed, .failed:
            throw MySQLError.unusable()
        }
    }

    /// What `packetReceived(_:rowBounds:)` made of a packet.
    enum PacketOutcome: Equatable {
        /// A result row: its cells were checked and their places written to `rowBounds`.
        case rowScanned
        /// Anything else, exactly as `packetReceived(_:)` would answer it.
        case action(Action)
    }

    /// `packetReceived(_:)` without copies for result rows, the hot path of a large query: a row's
    /// cells are checked and located in place (`TextRow.scan` into `rowBounds`, whose storage is
    /// reused from row to row) and the shell hands the caller a `TextRowView`. Any other packet,
    /// in any state, is copied and handled by `packetReceived(_:)`. Same errors as that method.
    mutating func packetReceived(_ payload: Span<UInt8>, rowBounds: inout [Int]) throws(MySQLError) -> PacketOutcome {
        guard case .readingRows(let columnCount) = self.state else {
            return .action(try self.packetReceived(Self.copy(payload)))
        }
        if !payload.isEmpty {
            let first = payload[0]
            if first == 0xFF {
                return .action(try self.commandERR(Self.copy(payload), context: "in the middle of the rows"))
            }
            if first == 0xFE {
                let deprecateEOF = self.negotiated.contains(.deprecateEOF)
                let isTerminator = deprecateEOF ? payload.count < PacketFramer.maxPhysicalPayload : payload.count < 9
                if isTerminator { return .action(try self.rowsEnded(Self.copy(payload), deprecateEOF: deprecateEOF)) }
            }
        }
        do { try TextRow.scan(payload, columnCount: columnCount, into: &rowBounds) } catch { throw self.fail(error) }
        return .rowScanned
    }

    private static func copy(_ bytes: Span<UInt8>) -> [UInt8] {
        bytes.withUnsafeBufferPointer { Array($0) }
    }

    /// The shell finished the TLS upgrade requested by `.sendSSLRequestAndUpgrade`.
    mutating func tlsEstablished() throws(MySQLError) -> Action {
        switch self.state {
        case .awaitingTLS:
            self.isSecure = true
            return try self.sendHandshakeResponse()
        case .awaitingGreeting, .authenticating, .selectingDatabase, .ready, .awaitingCommandOK,
             .awaitingResultHead, .readingColumns, .awaitingColumnsEOF, .readingRows, .closed, .failed:
            fatalError("Internal inconsistency in ConnectionStateMachine: tlsEstablished in \(self.state)")
        }
    }

    /// Starts COM_QUERY (0x03 + SQL text).
    mutating func startQuery(_ sql: String) throws(MySQLError) -> Action {
        guard self.isReady else { throw MySQLError.unusable() }
        var payload: [UInt8] = [0x03]
        payload.append(contentsOf: sql.utf8)
        self.state = .awaitingResultHead
        return .sendCommand(payload)
    }

    /// Starts COM_PING (0x0E).
    mutating func startPing() throws(MySQLError) -> Action {
        guard self.isReady else { throw MySQLError.unusable() }
        self.state = .awaitingCommandOK
        return .sendCommand([0x0E])
    }

    /// The stream ended (or broke); returns the error to report. The machine is failed afterwards.
    mutating func connectionEnded() -> MySQLError {
        let error: MySQLError
        switch self.state {
        case .awaitingGreeting:
            error = .connectionClosed("before sending its greeting (too many connections, or not a MySQL server?)")
        case .awaitingTLS, .authenticating, .selectingDatabase:
            error = .connectionClosed("during authentication")
        case .readingColumns, .awaitingColumnsEOF, .readingRows:
            error = .connectionLostMidResult()
        case .awaitingResultHead, .awaitingCommandOK:
            error = .connectionClosed("before answering the command")
        case .ready:
            error = .connectionClosed("while the connection was idle")
        case .closed, .failed:
            error = .unusable()
        }
        self.state = .failed
        return error
    }

    /// Marks the connection broken (a callback or the stream failed mid-exchange).
    mutating func markFailed() { self.state = .failed }

    /// The COM_QUIT payload when a clean goodbye is possible; moves to `.closed` either way.
    mutating func close() -> [UInt8]? {
        let wasReady = self.isReady
        self.state = .closed
        wipe(&self.password)
        return wasReady ? [0x01] : nil
    }

    // MARK: connection phase

    private mutating func greetingReceived(_ payload: [UInt8]) throws(MySQLError) -> Action {
        if payload.first == 0xFF {
            throw self.fail(.server(try self.decodeERR(payload), context: "instead of the greeting"))
        }
        let greeting: HandshakeV10
        do { greeting = try HandshakeV10.decode(payload) } catch { throw self.fail(error) }
        self.greeting = greeting
        let server = greeting.capabilities
        guard server.contains(.protocol41), server.contains(.secureConnection) else {
            throw self.fail(MySQLError(.unsupportedServer,
                "the server \(greeting.rawServerVersion) lacks CLIENT_PROTOCOL_41/CLIENT_SECURE_CONNECTION; use MySQL 5.x+, MariaDB or Dolt"))
        }
        if self.requiresTLS, !(self.wantsTLS && server.contains(.ssl)) {
            // Nothing has been sent yet: not even a password scramble leaves this machine.
            throw self.fail(MySQLError(.tlsUnavailable,
                "the server \(Self.printable(greeting.rawServerVersion)) does not offer TLS (its greeting lacks CLIENT_SSL) and this connection requires TLS; nothing was sent. Enable TLS on the server (Dolt: tls_cert and tls_key under listener: in config.yaml; MySQL/MariaDB: ssl_cert and ssl_key), or allow a plain connection"))
        }
        var caps = CapabilityFlags.clientSupported.intersection(server)
        if self.database != nil, server.contains(.connectWithDB) { caps.insert(.connectWithDB) }
        if self.wantsTLS, server.contains(.ssl) { caps.insert(.ssl) }
        self.negotiated = caps
        if caps.contains(.ssl) {
            var ssl: [UInt8] = []
            HandshakeResponse41.encodeSSLRequest(capabilities: caps, into: &ssl)
            self.state = .awaitingTLS
            return .sendSSLRequestAndUpgrade(ssl)
        }
        return try self.sendHandshakeResponse()
    }

    private mutating func sendHandshakeResponse() throws(MySQLError) -> Action {
        guard let greeting = self.greeting else {
            fatalError("Internal inconsistency in ConnectionStateMachine: no greeting")
        }
        // Answer with the server's plugin when we can; otherwise with native, as libmysqlclient
        // does, and let the server switch us (an unknown switch target is then refused by name).
        let plugin: String
        switch greeting.authPluginName {
        case AuthPluginName.cachingSHA2Password: plugin = AuthPluginName.cachingSHA2Password
        default: plugin = AuthPluginName.nativePassword
        }
        guard greeting.nonce.count >= 20 else {
            throw self.fail(.malformed("greeting", "nonce of \(greeting.nonce.count) bytes, expected 20"))
        }
        let response = HandshakeResponse41(
            capabilities: self.negotiated, username: self.user,
            authResponse: self.token(plugin: plugin, nonce: greeting.nonce),
            database: self.database, authPluginName: plugin)
        var payload: [UInt8] = []
        do { try response.encode(into: &payload) } catch { throw self.fail(error) }
        self.state = .authenticating(AuthExchange(plugin: plugin, nonce: greeting.nonce))
        return .sendPacket(payload)
    }

    private func token(plugin: String, nonce: [UInt8]) -> [UInt8] {
        plugin == AuthPluginName.cachingSHA2Password
            ? CachingSHA2Password.scramble(password: self.password, nonce: nonce)
            : NativePassword.scramble(password: self.password, nonce: nonce)
    }

    private mutating func authPacketReceived(_ payload: [UInt8], _ exchange: AuthExchange) throws(MySQLError) -> Action {
        var exchange = exchange
        switch payload.first {
        case 0x00:
            do { self.status = try OKPacket.decode(payload).status } catch { throw self.fail(error) }
            self.authPluginUsed = exchange.plugin
            wipe(&self.password)
            if let db = self.database, !self.negotiated.contains(.connectWithDB) {
                self.state = .selectingDatabase
                var initDB: [UInt8] = [0x02]
                initDB.append(contentsOf: db.utf8)
                return .sendCommand(initDB)
            }
            self.state = .ready
            return .authenticated
        case 0xFF:
            throw self.fail(.server(try self.decodeERR(payload), context: "during authentication"))
        case 0xFE:
            guard !exchange.switched else {
                throw self.fail(.protocolViolation("a second authentication switch request"))
            }
            let request: AuthSwitchRequest
            do { request = try AuthSwitchRequest.decode(payload) } catch { throw self.fail(error) }
            exchange = AuthExchange(plugin: request.pluginName, nonce: request.pluginData, switched: true)
            switch request.pluginName {
            case AuthPluginName.nativePassword, AuthPluginName.cachingSHA2Password:
                guard request.pluginData.count >= 20 else {
                    throw self.fail(.malformed("AuthSwitchRequest", "nonce of \(request.pluginData.count) bytes, expected 20"))
                }
                self.state = .authenticating(exchange)
                return .sendPacket(self.token(plugin: request.pluginName, nonce: request.pluginData))
            case AuthPluginName.clearPassword:
                guard self.isSecure else {
                    throw self.fail(MySQLError(.authenticationUnsupported,
                        "the server asked for mysql_clear_password, which would send the password unencrypted; refused because the connection is not TLS. Use a mysql_native_password account or connect over TLS"))
                }
                self.state = .authenticating(exchange)
                return .sendPacket(self.password + [0x00])
            default:
                throw self.fail(MySQLError(.authenticationUnsupported,
                    "the server asked for the authentication plugin '\(Self.printable(request.pluginName))', which this client does not support; give the account mysql_native_password (or caching_sha2_password)"))
            }
        case 0x01:
            guard exchange.plugin == AuthPluginName.cachingSHA2Password else {
                throw self.fail(.protocolViolation("AuthMoreData during \(exchange.plugin) authentication"))
            }
            let more: AuthMoreData
            do { more = try AuthMoreData.decode(payload) } catch { throw self.fail(error) }
            if more.data == [AuthMoreData.fastAuthSuccess], !exchange.fastAuthSucceeded, !exchange.fullAuthSent {
                exchange.fastAuthSucceeded = true
                self.state = .authenticating(exchange)
                return .readMore
            }
            if exchange.publicKeyRequested, !exchange.fullAuthSent {
                // The answer to our 0x02: the server's RSA key as PEM. Never fall back to clear text.
                let cipher: [UInt8]
                do {
                    let key = try CachingSHA2PublicKey.parse(pem: more.data)
                    cipher = try CachingSHA2PublicKey.encryptPassword(self.password, nonce: exchange.nonce, key: key, random: self.random)
                } catch { throw self.fail(error) }
                exchange.fullAuthSent = true
                self.state = .authenticating(exchange)
                return .sendPacket(cipher)
            }
            if more.data == [AuthMoreData.performFullAuthentication], !exchange.fastAuthSucceeded, !exchange.fullAuthSent,
               !exchange.publicKeyRequested {
                if self.isSecure {
                    // Inside TLS the password itself is the proof (MySQL internals, caching_sha2 exchange).
                    exchange.fullAuthSent = true
                    self.state = .authenticating(exchange)
                    return .sendPacket(self.password + [0x00])
                }
                // Plain TCP: ask for the server's RSA public key (0x02, "request public key").
                exchange.publicKeyRequested = true
                self.state = .authenticating(exchange)
                return .sendPacket([CachingSHA2PublicKey.requestPublicKey])
            }
            throw self.fail(.protocolViolation("unexpected caching_sha2_password AuthMoreData"))
        default:
            throw self.fail(.protocolViolation("unexpected packet during authentication"))
        }
    }

    private mutating func initDBReplyReceived(_ payload: [UInt8]) throws(MySQLError) -> Action {
        switch payload.first {
        case 0x00:
            do { self.status = try OKPacket.decode(payload).status } catch { throw self.fail(error) }
            self.state = .ready
            return .authenticated
        case 0xFF:
            throw self.fail(.server(try self.decodeERR(payload), context: "selecting the database"))
        default:
            throw self.fail(.protocolViolation("unexpected reply to COM_INIT_DB"))
        }
    }

    // MARK: command phase

    private mutating func pingReplyReceived(_ payload: [UInt8]) throws(MySQLError) -> Action {
        switch payload.first {
        case 0x00:
            do { self.status = try OKPacket.decode(payload).status } catch { throw self.fail(error) }
            self.state = .ready
            return .commandSucceeded
        case 0xFF:
            return try self.commandERR(payload, context: "to COM_PING")
        default:
            throw self.fail(.protocolViolation("unexpected reply to COM_PING"))
        }
    }

    private mutating func resultHeadReceived(_ payload: [UInt8]) throws(MySQLError) -> Action {
        switch payload.first {
        case 0x00:
            let ok: OKPacket
            do { ok = try OKPacket.decode(payload) } catch { throw self.fail(error) }
            self.status = ok.status
            if ok.status.contains(.moreResultsExist) { return .readMore }
            self.state = .ready
            return .queryComplete
        case 0xFF:
            return try self.commandERR(payload, context: "for the query")
        case 0xFB:
            // LOCAL INFILE request: we never set CLIENT_LOCAL_FILES, so a server asking is hostile.
            throw self.fail(.protocolViolation("LOAD DATA LOCAL INFILE request although CLIENT_LOCAL_FILES was not requested"))
        default:
            var r = ByteReader(payload)
            guard let count = LengthEncoded.readInteger(&r), r.isAtEnd, count >= 1,
                  count <= ConnectionStateMachine.maxColumnCount else {
                throw self.fail(.malformed("result set header", "bad column count"))
            }
            self.state = .readingColumns(expected: Int(count), columns: [])
            return .readMore
        }
    }

    /// The OK (CLIENT_DEPRECATE_EOF) or EOF packet after the last row.
    private mutating func rowsEnded(_ payload: [UInt8], deprecateEOF: Bool) throws(MySQLError) -> Action {
        do {
            self.status = deprecateEOF ? try OKPacket.decode(payload).status : try EOFPacket.decode(payload).status
        } catch { throw self.fail(error) }
        if self.status.contains(.moreResultsExist) {
            self.state = .awaitingResultHead
            return .readMore
        }
        self.state = .ready
        return .queryComplete
    }

    /// An ERR answering a command: the exchange is over and the connection stays usable.
    private mutating func commandERR(_ payload: [UInt8], context: String) throws(MySQLError) -> Action {
        let err = try self.decodeERR(payload)
        self.state = .ready
        throw MySQLError.server(err, context: context)
    }

    private mutating func decodeERR(_ payload: [UInt8]) throws(MySQLError) -> ERRPacket {
        do { return try ERRPacket.decode(payload) } catch { throw self.fail(error) }
    }

    private mutating func fail(_ error: MySQLError) -> MySQLError {
        self.state = .failed
        wipe(&self.password)
        return error
    }

    /// A peer-supplied name made safe for messages: printable ASCII only, at most 64 characters.
    static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}
