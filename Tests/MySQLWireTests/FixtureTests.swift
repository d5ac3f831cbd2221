#if canImport(Glibc)
import Glibc
#endif
import ByteCoding
import MySQLWire
import Testing

/// Reads `Fixtures/<relative>` next to the Tests directory (located via #filePath).
func fixtureText(_ relative: String, filePath: String = #filePath) -> String? {
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard let tests = parts.lastIndex(of: "Tests") else { return nil }
    parts.removeSubrange(tests...)
    let path = parts.joined(separator: "/") + "/Fixtures/" + relative
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("Captured transcripts")
struct FixtureTests {
    func mariaDBGreetingPacket() throws -> [UInt8] {
        let hex = try #require(fixtureText("mysql/mariadb-10.11-greeting.hex"))
        return try #require(Hex.decode(hex.filter { !$0.isWhitespace }))
    }

    @Test("a real MariaDB 10.11 greeting decodes")
    func mariaDBGreeting() throws {
        let wire = try mariaDBGreetingPacket()
        var framer = PacketFramer()
        framer.feed(wire)
        let payload = try #require(try framer.nextPayload())
        let g = try HandshakeV10.decode(payload)
        #expect(g.serverVersion == "10.11.19-MariaDB-0+deb12u1")
        #expect(g.isMariaDB)
        #expect(g.connectionID == 14)
        #expect(g.capabilities.rawValue == 0x81FF_F7FE)
        #expect(g.mariaDBExtendedCapabilities == 0x1D)
        #expect(g.nonce.count == 20)
        #expect(g.authPluginName == "mysql_native_password")
        #expect(g.characterSet == 0x2E)
    }

    @Test("login against the real MariaDB greeting sends only advertised flags")
    func mariaDBLogin() throws {
        let s = ScriptedByteStream(serverChunks: [try mariaDBGreetingPacket(), packet(2, okPayload())])
        let c = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
        // The negotiated set the live server accepted on 2026-12-03 (see PROVENANCE.md):
        // LONG_FLAG|CONNECT_WITH_DB|PROTOCOL_41|TRANSACTIONS|SECURE_CONNECTION|MULTI_RESULTS|
        // PLUGIN_AUTH|PLUGIN_AUTH_LENENC_CLIENT_DATA|DEPRECATE_EOF (no CLIENT_MYSQL bit: MariaDB cleared it).
        #expect(c.negotiatedCapabilities.rawValue == 0x012A_A20C)
    }
}
