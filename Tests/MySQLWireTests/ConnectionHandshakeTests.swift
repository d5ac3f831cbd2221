import ByteCoding
import MySQLWire
import Testing

@Suite("MySQLConnection handshake and authentication")
struct ConnectionHandshakeTests {
    @Test("Dolt: native password login writes exactly the expected HandshakeResponse41")
    func doltNativeLogin() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin()])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
        // LONG_PASSWORD|LONG_FLAG|CONNECT_WITH_DB|PROTOCOL_41|TRANSACTIONS|SECURE_CONNECTION|
        // MULTI_RESULTS|PLUGIN_AUTH|PLUGIN_AUTH_LENENC_CLIENT_DATA|DEPRECATE_EOF
        var expected: [UInt8] = le32(0x012A_A20D) + le32(0xFF_FFFF) + [45] + [UInt8](repeating: 0, count: 23)
        expected += cstr("backfill") + [20] + Hex.decode(nativeVector)! + cstr("market_data") + cstr("mysql_native_password")
        #expect(s.written == packet(1, expected))
        #expect(c.serverVersion == "8.0.33")
        #expect(c.connectionID == 7)
        #expect(c.authPluginUsed == "mysql_native_password")
        #expect(!c.noBackslashEscapes)
        #expect(c.isUsable)
        #expect(!c.isSecureTransport)
    }

    @Test("an empty password sends an empty auth response and no database when none is given")
    func emptyPassword() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin()])
        _ = try MySQLConnection(stream: s, user: "root", password: "", database: nil)
        let sent = try #require(splitPackets(s.written))
        #expect(sent.count == 1)
        let caps = UInt32(sent[0].payload[0]) | UInt32(sent[0].payload[1]) << 8 | UInt32(sent[0].payload[2]) << 16 | UInt32(sent[0].payload[3]) << 24
        #expect(caps & 0x08 == 0)
        #expect(Array(sent[0].payload[32...]) == cstr("root") + [0x00] + cstr("mysql_native_password"))
    }

    @Test("MariaDB greeting: login works, CLIENT_MYSQL bit and extended caps are not echoed")
    func mariaDB() throws {
        let s = ScriptedByteStream(serverChunks: [packet(0, mariaDBGreeting()) + packet(2, okPayload())])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
        #expect(c.serverVersion == "10.11.19-MariaDB-0+deb12u1")
        let p = try #require(splitPackets(s.written)).first?.payload ?? []
        #expect(p[0] & 0x01 == 0)                 // CLIENT_MYSQL/LONG_PASSWORD not advertised, not sent
        #expect(Array(p[9..<32]) == [UInt8](repeating: 0, count: 23))   // ext caps sent as 0
    }

    struct CapsCase: Sendable, CustomTestStringConvertible {
        let server: UInt32
        let database: String?
        var testDescription: String { "0x" + String(self.server, radix: 16) + (self.database == nil ? "" : " +db") }
    }

    @Test("negotiated capabilities are a subset of the server's and never include dangerous flags", arguments: [
        CapsCase(server: 0x013B_A28F, database: "market_data"), CapsCase(server: 0x013B_AA8F, database: nil),
        CapsCase(server: 0xA1FF_F7FE, database: "x"), CapsCase(server: 0xFFFF_FFFF, database: "x"),
        CapsCase(server: 0xFFFF_FFFF, database: nil), CapsCase(server: 0x0000_A200, database: "x"),
        CapsCase(server: 0x000F_A28F, database: nil), CapsCase(server: 0x0008_A204, database: nil),
    ])
    func capabilities(c: CapsCase) throws {
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: c.server)), packet(2, okPayload())])
        var initDB = false
        if c.database != nil && c.server & 0x08 == 0 {
            s.enqueue(packet(1, okPayload()))   // reply to COM_INIT_DB
            initDB = true
        }
        _ = try MySQLConnection(stream: s, user: "u", password: "p", database: c.database)
        let sent = try #require(splitPackets(s.written))
        let p = sent[0].payload
        let caps = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
        #expect(caps & ~c.server == 0, "sent unadvertised flags 0x\(String(caps & ~c.server, radix: 16))")
        let forbidden: UInt32 = 0x80 | 0x1_0000 | 0x10_0000 | 0x800_0000 | 0x20 | 0x800 | 0x80_0000 | 0x2
        #expect(caps & forbidden == 0)
        #expect(caps & 0x200 != 0)
        #expect((caps & 0x100_0000 != 0) == (c.server & 0x100_0000 != 0))
        #expect((caps & 0x08 != 0) == (c.database != nil && c.server & 0x08 != 0))
        if initDB {
            #expect(sent.count == 2)
            #expect(sent[1].seq == 0)
            #expect(sent[1].payload == [0x02] + bytes(c.database ?? ""))
        } else {
            #expect(sent.count == 1)
        }
    }

    @Test("servers without PROTOCOL_41 are refused")
    func noProtocol41() {
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x0000_8000))])
        expectMySQLError(.unsupportedServer) { _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil) }
        #expect(s.isClosed)
        #expect(s.written.isEmpty)
    }

    @Test("auth switch native -> caching_sha2_password, fast auth success then OK")
    func switchToCachingSHA2() throws {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting()),
            packet(2, [0xFE] + cstr("caching_sha2_password") + switchNonce + [0]),
            packet(4, [0x01, 0x03]), packet(5, okPayload()),
        ])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: nil)
        let sent = try #require(splitPackets(s.written))
        #expect(sent.count == 2)
        #expect(sent[1].seq == 3)
        #expect(sent[1].payload == Hex.decode(sha2SwitchVector)!)
        #expect(c.authPluginUsed == "caching_sha2_password")
    }

    @Test("greeting with caching_sha2_password, auth switch to mysql_native_password")
    func switchToNative() throws {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0xFE] + cstr("mysql_native_password") + switchNonce + [0]),
            packet(4, okPayload()),
        ])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: nil)
        let sent = try #require(splitPackets(s.written))
        #expect(sent.count == 2)
        // The first response used the server's plugin: the SHA-256 scramble of the greeting nonce.
        #expect(sent[0].payload.suffix(22 + 33) == [32] + Hex.decode(sha2Vector)! + cstr("caching_sha2_password"))
        #expect(sent[1].seq == 3)
        #expect(sent[1].payload == Hex.decode(nativeSwitchVector)!)
        #expect(c.authPluginUsed == "mysql_native_password")
    }

    @Test("caching_sha2_password fast auth in the first response")
    func cachingSHA2Direct() throws {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")), packet(2, [0x01, 0x03]), packet(3, okPayload()),
        ])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: nil)
        #expect(c.authPluginUsed == "caching_sha2_password")
        #expect(try #require(splitPackets(s.written)).count == 1)
    }

    @Test("caching_sha2_password full authentication over plain TCP asks for the RSA key, never sends the password in clear")
    func cachingSHA2FullAuthPlainAsksForKey() {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")), packet(2, [0x01, 0x04]),
        ])
        // A server that never answers the key request (like Dolt) ends the login.
        let e = expectMySQLError(.connectionClosed) {
            _ = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: nil)
        }
        #expect(e?.description.contains("s3cr3t") == false)
        let sent = try! #require(splitPackets(s.written))
        #expect(sent.count == 2)
        #expect(sent[1].seq == 3)
        #expect(sent[1].payload == [0x02])
        #expect(!String(decoding: s.written, as: UTF8.self).contains("s3cr3t"))
        #expect(s.isClosed)
    }

    @Test("an unknown plugin in an auth switch is refused by name")
    func unknownPlugin() {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting()), packet(2, [0xFE] + cstr("client_ed25519") + switchNonce + [0]),
        ])
        let e = expectMySQLError(.authenticationUnsupported) {
            _ = try MySQLConnection(stream: s, user: "u", password: "s3cr3t", database: nil)
        }
        #expect(e?.description.contains("client_ed25519") == true)
    }

    @Test("mysql_clear_password is refused on a plain connection")
    func clearPasswordRefused() {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting()), packet(2, [0xFE] + cstr("mysql_clear_password")),
        ])
        let e = expectMySQLError(.authenticationUnsupported) {
            _ = try MySQLConnection(stream: s, user: "u", password: "s3cr3t", database: nil)
        }
        #expect(e?.description.contains("mysql_clear_password") == true)
        #expect(!String(decoding: s.written, as: UTF8.self).contains("s3cr3t"))
    }

    @Test("a second auth switch is a protocol violation")
    func secondSwitch() {
        let sw = [0xFE] + cstr("mysql_native_password") + switchNonce + [0]
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting()), packet(2, sw), packet(4, sw)])
        expectMySQLError(.protocolViolation) { _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil) }
    }

    @Test("ERR instead of the greeting (too many connections, no SQLSTATE)")
    func errAtGreeting() {
        let s = ScriptedByteStream(serverChunks: [packet(0, [0xFF] + le16(1040) + bytes("Too many connections"))])
        let e = expectMySQLError(.serverError) { _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil) }
        #expect(e?.serverErrorNumber == 1040)
        #expect(e?.serverMessage == "Too many connections")
        #expect(s.isClosed)
    }

    @Test("ERR during authentication is classified", arguments: [
        (UInt16(1045), "28000", MySQLError.Code.accessDenied),
        (UInt16(1049), "HY000", MySQLError.Code.unknownDatabase),
        (UInt16(1105), "HY000", MySQLError.Code.serverError),
        (UInt16(2012), "HY000", MySQLError.Code.serverError),
    ])
    func errDuringAuth(code: UInt16, state: String, expected: MySQLError.Code) {
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting()), packet(2, errPayload(code, state, "nope"))])
        let e = expectMySQLError(expected) {
            _ = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
        }
        #expect(e?.serverErrorNumber == code)
        #expect(e?.sqlState == state)
        #expect(e?.description.contains("s3cr3t") == false)
        #expect(s.isClosed)
    }

    @Test("end of stream before the greeting or during auth is connectionClosed")
    func closedEarly() {
        expectMySQLError(.connectionClosed) {
            _ = try MySQLConnection(stream: ScriptedByteStream(serverChunks: []), user: "u", password: "p", database: nil)
        }
        expectMySQLError(.connectionClosed) {
            _ = try MySQLConnection(stream: ScriptedByteStream(serverChunks: [packet(0, doltGreeting())]),
                                    user: "u", password: "p", database: nil)
        }
    }

    @Test("a transport error is rethrown unchanged and the stream closed")
    func transportError() {
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting())])
        s.errorAtEnd = StreamFailure()
        #expect(throws: StreamFailure()) { _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil) }
        #expect(s.isClosed)
    }

    @Test("every truncation of the greeting payload fails cleanly", arguments: [false, true])
    func truncatedGreetingPayloads(mariaDB: Bool) {
        let full = mariaDB ? mariaDBGreeting() : doltGreeting()
        for n in 0..<full.count - 22 {
            let s = ScriptedByteStream(serverChunks: [packet(0, Array(full.prefix(n)))])
            do {
                _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil)
                Issue.record("truncated greeting of \(n) bytes accepted")
            } catch let e as MySQLError {
                #expect([.protocolViolation, .unsupportedServer, .connectionClosed, .serverError].contains(e.code))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("random garbage after the greeting never crashes", arguments: 0..<4)
    func garbage(seed: Int) {
        var rng = TestRandom(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(seed))
        for _ in 0..<300 {
            let n = Int(rng.next() % 40)
            var payload = rng.bytes(n)
            if !payload.isEmpty, rng.next() % 2 == 0 { payload[0] = [0x00, 0x01, 0xFE, 0xFF][Int(rng.next() % 4)] }
            let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(plugin: "caching_sha2_password")), packet(2, payload)])
            do {
                _ = try MySQLConnection(stream: s, user: "u", password: "p", database: nil)
            } catch is MySQLError {
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
