import ByteCoding
import MySQLWire
import Testing

@Suite("Quoting")
struct QuotingTests {
    struct Case: Sendable {
        let input: String
        let backslash: String
        let noBackslash: String
    }

    @Test("string literals in both escaping modes", arguments: [
        Case(input: "AAPL", backslash: "'AAPL'", noBackslash: "'AAPL'"),
        Case(input: "X' OR '1'='1", backslash: #"'X\' OR \'1\'=\'1'"#, noBackslash: "'X'' OR ''1''=''1'"),
        Case(input: #"a\b"#, backslash: #"'a\\b'"#, noBackslash: #"'a\b'"#),
        Case(input: #"\' OR 1=1 -- "#, backslash: #"'\\\' OR 1=1 -- '"#, noBackslash: #"'\'' OR 1=1 -- '"#),
        Case(input: "q\"d", backslash: #"'q\"d'"#, noBackslash: "'q\"d'"),
        Case(input: "nul\u{0}lf\ncr\rsub\u{1A}", backslash: #"'nul\0lf\ncr\rsub\Z'"#, noBackslash: "'nul\u{0}lf\ncr\rsub\u{1A}'"),
        Case(input: "BRK.B ^GSPC RDS/A é", backslash: "'BRK.B ^GSPC RDS/A é'", noBackslash: "'BRK.B ^GSPC RDS/A é'"),
        Case(input: "", backslash: "''", noBackslash: "''"),
    ])
    func quote(c: Case) {
        #expect(MySQLQuoting.quote(c.input, noBackslashEscapes: false) == c.backslash)
        #expect(MySQLQuoting.quote(c.input, noBackslashEscapes: true) == c.noBackslash)
    }

    @Test("the connection quotes according to the server's last status flags")
    func connectionMode() throws {
        let plain = try MySQLConnection(stream: ScriptedByteStream(serverChunks: [doltLogin(status: 0x0002)]),
                                        user: "u", password: "", database: nil)
        #expect(plain.quote("X' OR '1'='1") == #"'X\' OR \'1\'=\'1'"#)
        let nbe = try MySQLConnection(stream: ScriptedByteStream(serverChunks: [doltLogin(status: 0x0202)]),
                                      user: "u", password: "", database: nil)
        #expect(nbe.noBackslashEscapes)
        #expect(nbe.quote("X' OR '1'='1") == "'X'' OR ''1''=''1'")
    }

    @Test("identifiers are backtick-quoted")
    func identifiers() throws {
        #expect(try MySQLQuoting.quoteIdentifier("prices") == "`prices`")
        #expect(try MySQLQuoting.quoteIdentifier("a`b") == "`a``b`")
        expectMySQLError(.invalidArgument) { _ = try MySQLQuoting.quoteIdentifier("a\u{0}") }
    }
}

@Suite("TLS upgrade seam")
struct TLSUpgradeTests {
    @Test("with CLIENT_SSL: SSLRequest at sequence 1 on the plain stream, the response at sequence 2 inside TLS")
    func upgrade() throws {
        let plain = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x013B_AA8F))])
        let tlsInner = ScriptedByteStream(serverChunks: [packet(3, okPayload())])
        var upgradedFrom: String?
        let c = try MySQLConnection(stream: plain, user: "backfill", password: "s3cr3t", database: "market_data",
                                    upgradeToTLS: { s in upgradedFrom = s.peerDescription; return RecordingStream(tlsInner) })
        #expect(upgradedFrom == "scripted peer")
        let caps: UInt32 = 0x012A_A20D | 0x800
        #expect(plain.written == packet(1, le32(caps) + le32(0xFF_FFFF) + [45] + [UInt8](repeating: 0, count: 23)))
        let sent = try #require(splitPackets(tlsInner.written))
        #expect(sent.count == 1)
        #expect(sent[0].seq == 2)
        #expect(Array(sent[0].payload.prefix(32)) == Array(plain.written.dropFirst(4)))
        #expect(c.isSecureTransport)
        c.close()
        #expect(tlsInner.isClosed)
        #expect(tlsInner.written.suffix(5) == packet(0, [0x01]))
    }

    @Test("without CLIENT_SSL the upgrader is not called and the connection stays plain")
    func noSSL() throws {
        let plain = ScriptedByteStream(serverChunks: [doltLogin()])
        var called = false
        let c = try MySQLConnection(stream: plain, user: "u", password: "p", database: nil,
                                    upgradeToTLS: { s in called = true; return s })
        #expect(!called)
        #expect(!c.isSecureTransport)
        #expect(c.negotiatedCapabilities.contains(.ssl) == false)
    }

    @Test("requireTLS: a server without CLIENT_SSL is refused before anything is sent", arguments: [true, false])
    func requiredButUnavailable(withUpgrader: Bool) {
        let plain = ScriptedByteStream(serverChunks: [doltLogin()])
        var called = false
        let e = expectMySQLError(.tlsUnavailable) {
            _ = try MySQLConnection(stream: plain, user: "u", password: "s3cr3t", database: nil,
                                    upgradeToTLS: withUpgrader ? { s in called = true; return s } : nil, requireTLS: true)
        }
        #expect(e?.description.contains("CLIENT_SSL") == true)
        #expect(!called)
        #expect(plain.written.isEmpty)
        #expect(plain.isClosed)
    }

    @Test("requireTLS with a server that offers TLS upgrades as usual")
    func requiredAndAvailable() throws {
        let plain = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x013B_AA8F))])
        let tlsInner = ScriptedByteStream(serverChunks: [packet(3, okPayload())])
        let c = try MySQLConnection(stream: plain, user: "u", password: "p", database: nil,
                                    upgradeToTLS: { _ in RecordingStream(tlsInner) }, requireTLS: true)
        #expect(c.isSecureTransport)
    }

    @Test("over TLS, caching_sha2_password full authentication sends the password NUL-terminated")
    func fullAuthOverTLS() throws {
        let plain = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x013B_AA8F, plugin: "caching_sha2_password"))])
        let tlsInner = ScriptedByteStream(serverChunks: [packet(3, [0x01, 0x04]), packet(5, okPayload())])
        let c = try MySQLConnection(stream: plain, user: "backfill", password: "s3cr3t", database: nil,
                                    upgradeToTLS: { _ in RecordingStream(tlsInner) })
        let sent = try #require(splitPackets(tlsInner.written))
        #expect(sent.count == 2)
        #expect(sent[1].seq == 4)
        #expect(sent[1].payload == cstr("s3cr3t"))
        #expect(c.authPluginUsed == "caching_sha2_password")
        #expect(!String(decoding: plain.written, as: UTF8.self).contains("s3cr3t"))
    }

    @Test("over TLS, mysql_clear_password is answered")
    func clearOverTLS() throws {
        let plain = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x013B_AA8F))])
        let tlsInner = ScriptedByteStream(serverChunks: [packet(3, [0xFE] + cstr("mysql_clear_password")), packet(5, okPayload())])
        let c = try MySQLConnection(stream: plain, user: "u", password: "pw", database: nil,
                                    upgradeToTLS: { _ in RecordingStream(tlsInner) })
        #expect(try #require(splitPackets(tlsInner.written)).last?.payload == cstr("pw"))
        #expect(c.authPluginUsed == "mysql_clear_password")
    }

    @Test("bytes after the greeting before the upgrade are a protocol violation")
    func bytesBeforeUpgrade() {
        let plain = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: 0x013B_AA8F)) + packet(2, okPayload())])
        expectMySQLError(.protocolViolation) {
            _ = try MySQLConnection(stream: plain, user: "u", password: "p", database: nil, upgradeToTLS: { $0 })
        }
        #expect(plain.isClosed)
    }
}
