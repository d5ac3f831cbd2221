import ByteCoding
import CryptoPrimitives

/// A blocking MySQL client connection over any `ByteStream` (the I/O shell around
/// `ConnectionStateMachine` and `PacketFramer`). Used from one thread at a time.
///
/// Failure policy: an ERR packet answering a query leaves the connection usable. Anything else
/// that interrupts an exchange (a dropped or failing stream, a protocol violation, or a
/// `columns`/`row` callback that throws) closes the stream and marks the connection unusable:
/// the rest of the result set is not drained. Later calls throw `MySQLError.Code.connectionUnusable`.
/// Errors thrown by the stream itself (e.g. Transport timeouts) are rethrown unchanged; a clean
/// end of stream becomes `connectionClosed` or `connectionLostMidResult`.
public final class MySQLConnection {
    /// Bytes requested per stream read.
    private static let readSize = 64 << 10

    /// A `var` because a TLS upgrade replaces it after the greeting.
    private var stream: any ByteStream
    private var framer: PacketFramer
    private var machine: ConnectionStateMachine

    /// Performs the handshake and authentication over `stream`.
    ///
    /// `upgradeToTLS` is called only when the server advertises CLIENT_SSL: the client then sends
    /// the SSLRequest (sequence 1), replaces the stream by the closure's result, and sends the
    /// handshake response inside it (sequence 2). When the server lacks CLIENT_SSL the closure is
    /// ignored and the connection stays plain: check `isSecureTransport` to insist on TLS.
    /// With `requireTLS`, a server without CLIENT_SSL is refused with `tlsUnavailable` before
    /// anything is sent (this needs `upgradeToTLS`).
    /// caching_sha2_password full authentication on a plain connection asks for the server's RSA
    /// public key and sends the password RSA-OAEP encrypted (`random(20)` gives the OAEP seed);
    /// the password is never sent in clear outside TLS. On failure the stream is closed.
    public init(stream: any ByteStream, user: String, password: String, database: String?,
                upgradeToTLS: ((any ByteStream) throws -> any ByteStream)? = nil,
                requireTLS: Bool = false,
                random: @escaping (Int) -> [UInt8] = SystemRandom.bytes,
                maxPayloadSize: Int = PacketFramer.defaultMaxPayloadSize) throws {
        self.stream = stream
        self.framer = PacketFramer(maxPayloadSize: maxPayloadSize)
        self.machine = ConnectionStateMachine(user: user, password: Array(password.utf8), database: database,
                                              wantsTLS: upgradeToTLS != nil,
                                              requiresTLS: requireTLS, random: random)
        do {
            var action = try self.machine.packetReceived(try self.readPayload())
            while true {
                switch action {
                case .sendPacket(let payload):
                    try self.write(payload)
                    action = try self.machine.packetReceived(try self.readPayload())
                case .sendCommand(let payload):
                    self.framer.resetSequence()
                    try self.write(payload)
                    action = try self.machine.packetReceived(try self.readPayload())
                case .sendSSLRequestAndUpgrade(let payload):
                    try self.write(payload)
                    guard self.framer.bufferedByteCount == 0 else {
                        self.machine.markFailed()
                        throw MySQLError.protocolViolation("the server sent bytes after the greeting, before the TLS upgrade")
                    }
                    guard let upgrade = upgradeToTLS else {
                        fatalError("Internal inconsistency in MySQLConnection: TLS requested without an upgrader")
                    }
                    self.stream = try upgrade(self.stream)
                    action = try self.machine.tlsEstablished()
                case .readMore:
                    action = try self.machine.packetReceived(try self.readPayload())
                case .authenticated:
                    return
                case .commandSucceeded, .deliverColumns, .deliverRow, .queryComplete:
                    fatalError("Internal inconsistency in MySQLConnection: \(action) during the handshake")
                }
            }
        } catch {
            self.machine.markFailed()
            self.stream.close()
            throw error
        }
    }

    /// The server version from the greeting, without MariaDB's "5.5.5-" prefix.
    public var serverVersion: String { self.machine.greeting?.serverVersion ?? "" }
    /// The server's connection (thread) id from the greeting.
    public var connectionID: UInt32 { self.machine.greeting?.connectionID ?? 0 }
    /// The authentication plugin that succeeded (after any switch).
    public var authPluginUsed: String { self.machine.authPluginUsed }
    /// The capabilities this client sent (always a subset of the server's).
    public var negotiatedCapabilities: CapabilityFlags { self.machine.negotiated }
    /// True when the connection was upgraded to TLS after the greeting.
    public var isSecureTransport: Bool { self.machine.isSecure }
    /// True while the connection can run commands.
    public var isUsable: Bool { self.machine.isReady }
    /// True when the server's status flags (from the last OK/EOF) have SERVER_STATUS_NO_BACKSLASH_ESCAPES (0x0200).
    public var noBackslashEscapes: Bool { self.machine.status.contains(.noBackslashEscapes) }

    /// Runs a COM_QUERY text query and streams the result: `columns` once per result set, then
    /// `row` for every row (values as raw bytes, nil for SQL NULL). Throws MySQLError on ERR (also
    /// mid-rows) or a dropped connection. A statement with no result set (OK) calls neither callback.
    /// If a callback throws, its error is rethrown and the connection is closed (see the type's doc).
    /// Copies every cell into its own array; large results read faster with `query(_:columns:rowView:)`.
    public func query(_ sql: String, columns: ([MySQLColumn]) throws -> Void,
                      row: ([[UInt8]?]) throws -> Void) throws {
        try self.query(sql, columns: columns, rowView: { try row($0.cells) })
    }

    /// `query(_:columns:row:)` without per-row copies: each row comes as a `TextRowView` over the
    /// receive buffer (cells located and bounds-checked, nothing copied). Parse what you need from
    /// it inside the callback; a view kept afterwards stays valid but makes the next read copy the
    /// buffer. Same errors, callbacks order and failure policy as `query(_:columns:row:)`.
    public func query(_ sql: String, columns: ([MySQLColumn]) throws -> Void,
                      rowView: (TextRowView) throws -> Void) throws {
        let start = try self.machine.startQuery(sql)
        /// Where the current row's cells lie; its storage is reused for every row of the query.
        var rowBounds: [Int] = []
        do {
            var action = start
            while true {
                switch action {
                case .sendCommand(let payload):
                    self.framer.resetSequence()
                    try self.write(payload)
                case .readMore:
                    break
                case .deliverColumns(let cols):
                    try columns(cols)
                case .queryComplete:
                    return
                case .sendPacket, .sendSSLRequestAndUpgrade, .authenticated, .commandSucceeded, .deliverRow:
                    // Rows arrive as `.rowScanned` from `nextQueryAction`, never as `.deliverRow`.
                    fatalError("Internal inconsistency in MySQLConnection: \(action) during a query")
                }
                action = try self.nextQueryAction(rowBounds: &rowBounds, rowView)
            }
        } catch {
            self.breakUnlessReady()
            throw error
        }
    }

    /// Reads packets, handing each result row to `rowView` in place, until one asks for something
    /// else (more columns, the end of the result, an error). Hot path: per row, one framer slice
    /// (no copy), one scan of the cell lengths into `rowBounds`, one callback.
    private func nextQueryAction(rowBounds: inout [Int], _ rowView: (TextRowView) throws -> Void) throws -> ConnectionStateMachine.Action {
        while true {
            let payload = try self.readPayloadSlice()
            switch try self.machine.packetReceived(payload.span, rowBounds: &rowBounds) {
            case .rowScanned:
                try rowView(TextRowView(payload: payload, bounds: rowBounds))
            case .action(let action):
                return action
            }
        }
    }

    /// Convenience: collects all rows.
    public func queryAll(_ sql: String) throws -> (columns: [MySQLColumn], rows: [[[UInt8]?]]) {
        var cols: [MySQLColumn] = []
        var rows: [[[UInt8]?]] = []
        try self.query(sql, columns: { cols = $0 }, row: { rows.append($0) })
        return (cols, rows)
    }

    /// Sends COM_PING and waits for OK (use before reusing an idle connection).
    public func ping() throws {
        var action = try self.machine.startPing()
        do {
            while true {
                switch action {
                case .sendCommand(let payload):
                    self.framer.resetSequence()
                    try self.write(payload)
                case .commandSucceeded:
                    return
                case .readMore:
                    break
                case .sendPacket, .sendSSLRequestAndUpgrade, .authenticated, .deliverColumns, .deliverRow, .queryComplete:
                    fatalError("Internal inconsistency in MySQLConnection: \(action) during COM_PING")
                }
                action = try self.machine.packetReceived(try self.readPayload())
            }
        } catch {
            self.breakUnlessReady()
            throw error
        }
    }

    /// A quoted SQL string literal for `value`, injection-safe for this connection's
    /// NO_BACKSLASH_ESCAPES mode (escape \0 \n \r \\ ' " \x1a in backslash mode; double ' otherwise).
    public func quote(_ value: String) -> String {
        MySQLQuoting.quote(value, noBackslashEscapes: self.noBackslashEscapes)
    }

    /// Sends COM_QUIT and closes the stream. Never throws.
    public func close() {
        if let quit = self.machine.close() {
            self.framer.resetSequence()
            try? self.stream.write(self.framer.encode(quit))
        }
        self.stream.close()
    }

    // MARK: I/O

    private func breakUnlessReady() {
        guard !self.machine.isReady else { return }
        self.machine.markFailed()
        self.stream.close()
    }

    private func write(_ payload: [UInt8]) throws {
        try self.stream.write(self.framer.encode(payload))
    }

    /// Reads until the framer yields a whole payload.
    private func readPayload() throws -> [UInt8] {
        Array(try self.readPayloadSlice())
    }

    /// Reads until the framer yields a whole payload, and returns it in place (see
    /// `PacketFramer.nextPayloadSlice`: the caller drops it before the next read).
    private func readPayloadSlice() throws -> ArraySlice<UInt8> {
        while true {
            if let payload = try self.framer.nextPayloadSlice() { return payload }
            let bytes = try self.stream.read(maxBytes: MySQLConnection.readSize)
            if bytes.isEmpty { throw self.machine.connectionEnded() }
            self.framer.feed(bytes)
        }
    }
}
