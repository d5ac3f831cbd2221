import ByteCoding
import MySQLWire
import Testing

@Suite("Length-encoded integers")
struct LengthEncodedTests {
    struct Case: Sendable {
        let wire: [UInt8]
        let value: UInt64
    }

    @Test("decode and shortest encode", arguments: [
        Case(wire: [0x00], value: 0), Case(wire: [0xFA], value: 250),
        Case(wire: [0xFC, 0xFB, 0x00], value: 251), Case(wire: [0xFC, 0xFF, 0xFF], value: 0xFFFF),
        Case(wire: [0xFD, 0x00, 0x00, 0x01], value: 0x1_0000), Case(wire: [0xFD, 0xFF, 0xFF, 0xFF], value: 0xFF_FFFF),
        Case(wire: [0xFE, 0, 0, 0, 1, 0, 0, 0, 0], value: 0x100_0000),
        Case(wire: [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], value: UInt64.max),
    ])
    func roundTrip(c: Case) {
        var r = ByteReader(c.wire)
        #expect(LengthEncoded.read(&r) == .integer(c.value))
        #expect(r.isAtEnd)
        var out: [UInt8] = []
        LengthEncoded.appendInteger(c.value, to: &out)
        #expect(out == c.wire)
    }

    @Test("0xFB is NULL, 0xFF and truncated forms are rejected")
    func special() {
        var r = ByteReader([0xFB])
        #expect(LengthEncoded.read(&r) == .null)
        for bad: [UInt8] in [[0xFF], [], [0xFC, 0x01], [0xFD, 1, 2], [0xFE, 1, 2, 3, 4, 5, 6, 7]] {
            var r = ByteReader(bad)
            #expect(LengthEncoded.read(&r) == nil)
        }
        var s = ByteReader([0x05, 0x41])
        #expect(LengthEncoded.readBytes(&s) == nil)
    }
}

@Suite("HandshakeV10")
struct HandshakeV10Tests {
    @Test("Dolt's greeting (research note layout, caps 0x013BA28F)")
    func dolt() throws {
        let g = try HandshakeV10.decode(doltGreeting(connectionID: 0x0102_0304))
        #expect(g.serverVersion == "8.0.33")
        #expect(g.connectionID == 0x0102_0304)
        #expect(g.capabilities.rawValue == 0x013B_A28F)
        #expect(g.nonce == testNonce)
        #expect(g.authPluginName == "mysql_native_password")
        #expect(g.characterSet == 33)
        #expect(!g.isMariaDB)
        #expect(g.mariaDBExtendedCapabilities == 0)
        #expect(g.capabilities.contains(.deprecateEOF))
        #expect(g.capabilities.contains(.localFiles))
        #expect(!g.capabilities.contains(.ssl))
    }

    @Test("MariaDB's greeting: 5.5.5- prefix stripped, extended caps read from the reserved bytes")
    func mariaDB() throws {
        let g = try HandshakeV10.decode(mariaDBGreeting())
        #expect(g.rawServerVersion == "5.5.5-10.11.19-MariaDB-0+deb12u1")
        #expect(g.serverVersion == "10.11.19-MariaDB-0+deb12u1")
        #expect(g.isMariaDB)
        #expect(g.mariaDBExtendedCapabilities == 0x1D)
        #expect(!g.capabilities.contains(.longPassword))
        #expect(g.nonce == testNonce)
        #expect(g.status == .autocommit)
    }

    @Test("a plugin name without its NUL (MySQL bug #59453) is accepted")
    func pluginWithoutNUL() throws {
        let g = try HandshakeV10.decode(Array(doltGreeting().dropLast()))
        #expect(g.authPluginName == "mysql_native_password")
    }

    @Test("every truncation of the greeting before the plugin name is an error, never a crash")
    func truncated() {
        let full = doltGreeting()
        // The optional tail starts after the low capability flags (offset 1+7+4+8+1+2 = 23).
        for n in 0..<(full.count - 22) where n != 23 {
            expectMySQLError(.protocolViolation) { _ = try HandshakeV10.decode(Array(full.prefix(n))) }
        }
    }

    @Test("protocol version other than 10 is unsupported")
    func oldProtocol() {
        expectMySQLError(.unsupportedServer) { _ = try HandshakeV10.decode([0x09] + cstr("3.23") + [0, 0, 0, 0]) }
    }
}

@Suite("OK, ERR, EOF, AuthSwitchRequest")
struct SmallPacketTests {
    @Test("OK with status and trailing info (Dolt writes a stray '#')")
    func ok() throws {
        let ok = try OKPacket.decode([0x00, 0xFC, 0x10, 0x27, 0x05] + le16(0x0202) + le16(3) + bytes("#Rows matched"))
        #expect(ok.affectedRows == 10_000)
        #expect(ok.lastInsertID == 5)
        #expect(ok.status == [.autocommit, .noBackslashEscapes])
        #expect(ok.warnings == 3)
        expectMySQLError(.protocolViolation) { _ = try OKPacket.decode([0x00, 0x00, 0x00, 0x02]) }
    }

    @Test("ERR with and without SQLSTATE")
    func err() throws {
        let e = try ERRPacket.decode(errPayload(1146, "42S02", "Table 'market_data.x' doesn't exist"))
        #expect(e.errorCode == 1146)
        #expect(e.sqlState == "42S02")
        #expect(e.message == "Table 'market_data.x' doesn't exist")
        let pre = try ERRPacket.decode([0xFF] + le16(1040) + bytes("Too many connections"))
        #expect(pre.sqlState == nil)
        #expect(pre.message == "Too many connections")
        expectMySQLError(.protocolViolation) { _ = try ERRPacket.decode([0xFF, 0x01]) }
    }

    @Test("EOF detection uses the payload length")
    func eof() throws {
        #expect(EOFPacket.isEOF(eofPayload()))
        #expect(!EOFPacket.isEOF([0xFE] + [UInt8](repeating: 0, count: 8)))
        let e = try EOFPacket.decode(eofPayload(status: 0x0208))
        #expect(e.status == [.moreResultsExist, .noBackslashEscapes])
    }

    @Test("AuthSwitchRequest strips the nonce's NUL; the bare 0xFE old-password switch is refused")
    func authSwitch() throws {
        let s = try AuthSwitchRequest.decode([0xFE] + cstr("caching_sha2_password") + switchNonce + [0])
        #expect(s.pluginName == "caching_sha2_password")
        #expect(s.pluginData == switchNonce)
        expectMySQLError(.authenticationUnsupported) { _ = try AuthSwitchRequest.decode([0xFE]) }
        expectMySQLError(.protocolViolation) { _ = try AuthSwitchRequest.decode([0xFE] + bytes("abc")) }
    }
}

@Suite("ColumnDefinition41 and text rows")
struct ResultSetMessageTests {
    @Test("Dolt DECIMAL(20,4) NOT NULL column")
    func decimalColumn() throws {
        let c = try ColumnDefinition41.decode(columnPayload("open", type: 0xF6, length: 22, flags: 0x0001, decimals: 4))
        #expect(c.name == "open")
        #expect(c.originalName == "open")
        #expect(c.table == "prices")
        #expect(c.type == .newdecimal)
        #expect(c.type.rawValue == 0xF6)
        #expect(c.decimals == 4)
        #expect(c.columnLength == 22)
        #expect(c.characterSet == 255)
        #expect(c.isNotNull)
        #expect(!c.isUnsigned)
        #expect(!c.isBinary)
    }

    @Test("flags and charset 63 classify unsigned and binary columns")
    func flags() throws {
        let u = try ColumnDefinition41.decode(columnPayload("volume", type: 0x08, flags: 0x0020))
        #expect(u.isUnsigned && !u.isBinary && u.type == .longlong)
        let b = try ColumnDefinition41.decode(columnPayload("raw", type: 0xFC, charset: 63))
        #expect(b.isBinary && b.type == .blob)
        let d = try ColumnDefinition41.decode(columnPayload("date", type: 0x0A, flags: 0x0080))
        #expect(d.isBinary && d.type == .date)
        #expect(MySQLColumnType(rawValue: 0x42).description == "type(0x42)")
        #expect(MySQLColumnType.varString.description == "varString")
    }

    @Test("truncated or padded column definitions are errors")
    func malformedColumn() {
        let full = columnPayload("close", type: 0xF6)
        for n in 0..<full.count {
            expectMySQLError(.protocolViolation) { _ = try ColumnDefinition41.decode(Array(full.prefix(n))) }
        }
        expectMySQLError(.protocolViolation) { _ = try ColumnDefinition41.decode(full + [0]) }
    }

    @Test("text rows: values, NULL, empty string, 2- and 3-byte lengths")
    func rows() throws {
        let long = String(repeating: "x", count: 300)
        let cells = try TextRow.decode(rowPayload(["AAPL", nil, "", long, "187.1500"]), columnCount: 5)
        #expect(cells == [bytes("AAPL"), nil, [], bytes(long), bytes("187.1500")])
        let big = [UInt8](repeating: 7, count: 70_000)
        #expect(try TextRow.decode([0xFD] + [0x70, 0x11, 0x01] + big, columnCount: 1) == [big])
    }

    @Test("rows with missing cells, extra bytes or over-long lengths are errors", arguments: [
        [UInt8]([0x04, 0x41, 0x41]), [0x01, 0x41], [0x01, 0x41, 0x01, 0x42, 0x00], [0xFF],
        [0xFC, 0x05], [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00], [0xFB],
    ])
    func malformedRows(payload: [UInt8]) {
        expectMySQLError(.protocolViolation) { _ = try TextRow.decode(payload, columnCount: 2) }
    }
}
