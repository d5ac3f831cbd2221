import ByteCoding
import MySQLWire
import Testing

/// The server side of `SELECT ticker, date, close, volume FROM prices ...` after a Dolt login.
/// Sequence ids restart at 1 for the replies to COM_QUERY (sequence 0).
func priceResult(deprecateEOF: Bool, rows: [[String?]]) -> [UInt8] {
    let cols = [
        columnPayload("ticker", type: 0xFD, length: 80, flags: 0x0003),
        columnPayload("date", type: 0x0A, length: 10, flags: 0x0003),
        columnPayload("close", type: 0xF6, length: 22, decimals: 4),
        columnPayload("volume", type: 0x08, length: 20),
    ]
    var seq: UInt8 = 1
    var out = packet(seq, [4]); seq += 1
    for c in cols { out += packet(seq, c); seq += 1 }
    if !deprecateEOF { out += packet(seq, eofPayload()); seq += 1 }
    for r in rows { out += packet(seq, rowPayload(r)); seq += 1 }
    out += packet(seq, deprecateEOF ? okPayload(header: 0xFE) : eofPayload())
    return out
}

let sampleRows: [[String?]] = [
    ["AAPL", "2024-01-02", "185.6400", "82488700"],
    ["AAPL", "2024-01-03", nil, nil],
    ["AAPL", "2024-01-04", "", "0"],
]

let sampleSQL = "SELECT ticker, date, close, volume FROM prices WHERE ticker = 'AAPL' ORDER BY date"

@Suite("MySQLConnection queries")
struct ConnectionQueryTests {
    func connect(_ s: ScriptedByteStream) throws -> MySQLConnection {
        try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
    }

    @Test("result sets with and without CLIENT_DEPRECATE_EOF", arguments: [true, false])
    func resultSet(deprecateEOF: Bool) throws {
        let caps: UInt32 = deprecateEOF ? 0x013B_A28F : 0x003B_A28F
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(capabilities: caps)) + packet(2, okPayload()),
            priceResult(deprecateEOF: deprecateEOF, rows: sampleRows),
        ])
        let c = try connect(s)
        let loginBytes = s.written.count
        let (cols, rows) = try c.queryAll(sampleSQL)
        #expect(Array(s.written[loginBytes...]) == packet(0, [0x03] + bytes(sampleSQL)))
        #expect(cols.map(\.name) == ["ticker", "date", "close", "volume"])
        #expect(cols.map(\.type) == [.varString, .date, .newdecimal, .longlong])
        #expect(cols[2].decimals == 4)
        #expect(cols[0].isNotNull)
        #expect(rows == sampleRows.map { $0.map { $0.map(bytes) } })
        #expect(c.isUsable)
    }

    @Test("columns are delivered once, before the rows; zero-row results still deliver columns")
    func callbackOrder() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), priceResult(deprecateEOF: true, rows: sampleRows),
                                                  priceResult(deprecateEOF: true, rows: [])])
        let c = try connect(s)
        var events: [String] = []
        try c.query(sampleSQL, columns: { events.append("columns \($0.count)") }, row: { _ in events.append("row") })
        #expect(events == ["columns 4", "row", "row", "row"])
        events = []
        try c.query(sampleSQL, columns: { events.append("columns \($0.count)") }, row: { _ in events.append("row") })
        #expect(events == ["columns 4"])
    }

    @Test("a statement answered by OK calls neither callback and updates the status flags")
    func okOnly() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), packet(1, okPayload(status: 0x0202))])
        let c = try connect(s)
        #expect(!c.noBackslashEscapes)
        try c.query("SET sql_mode = 'NO_BACKSLASH_ESCAPES'", columns: { _ in Issue.record("columns") },
                    row: { _ in Issue.record("row") })
        #expect(c.noBackslashEscapes)
        #expect(c.quote("a\\b") == "'a\\b'")
    }

    @Test("ERR instead of a result set leaves the connection usable", arguments: [
        (UInt16(1146), MySQLError.Code.tableNotFound), (UInt16(1105), MySQLError.Code.serverError),
    ])
    func errInsteadOfResult(code: UInt16, expected: MySQLError.Code) throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), packet(1, errPayload(code, "HY000", "table not found: pricez")),
                                                  priceResult(deprecateEOF: true, rows: sampleRows)])
        let c = try connect(s)
        let e = expectMySQLError(expected) { _ = try c.queryAll("SELECT * FROM pricez") }
        #expect(e?.serverMessage == "table not found: pricez")
        #expect(c.isUsable)
        #expect(try c.queryAll(sampleSQL).rows.count == 3)
    }

    @Test("ERR in the middle of the rows is surfaced after the rows before it", arguments: [true, false])
    func errMidRows(deprecateEOF: Bool) throws {
        var result = priceResult(deprecateEOF: deprecateEOF, rows: sampleRows)
        // Replace the terminator by an ERR with the same sequence id.
        let terminatorLength = deprecateEOF ? 7 + 4 : 5 + 4
        let seq = result[result.count - terminatorLength + 3]
        result.removeLast(terminatorLength)
        result += packet(seq, errPayload(1317, "70100", "Query execution was interrupted"))
        let caps: UInt32 = deprecateEOF ? 0x013B_A28F : 0x003B_A28F
        let s = ScriptedByteStream(serverChunks: [packet(0, doltGreeting(capabilities: caps)) + packet(2, okPayload()), result])
        let c = try connect(s)
        var rows = 0
        let e = expectMySQLError(.serverError) { try c.query(sampleSQL, columns: { _ in }, row: { _ in rows += 1 }) }
        #expect(rows == 3)
        #expect(e?.serverErrorNumber == 1317)
        #expect(c.isUsable)
    }

    @Test("the server dropping the connection mid-result is connectionLostMidResult")
    func dropMidResult() throws {
        let full = priceResult(deprecateEOF: true, rows: sampleRows)
        for cut in [12, full.count - 12, full.count - 1] {
            let s = ScriptedByteStream(serverChunks: [doltLogin(), Array(full.prefix(cut))])
            let c = try connect(s)
            let e = expectMySQLError(.connectionLostMidResult) { _ = try c.queryAll(sampleSQL) }
            #expect(e?.description.contains("the server closed the connection in the middle of a result set") == true)
            #expect(!c.isUsable)
            #expect(s.isClosed)
            expectMySQLError(.connectionUnusable) { _ = try c.queryAll(sampleSQL) }
        }
    }

    @Test("no reply at all to a query is connectionClosed")
    func noReply() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin()])
        let c = try connect(s)
        expectMySQLError(.connectionClosed) { _ = try c.queryAll(sampleSQL) }
        #expect(!c.isUsable)
    }

    @Test("a throwing row callback closes the connection and rethrows its error")
    func callbackThrows() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), priceResult(deprecateEOF: true, rows: sampleRows)])
        let c = try connect(s)
        #expect(throws: CallbackFailure()) {
            try c.query(sampleSQL, columns: { _ in }, row: { _ in throw CallbackFailure() })
        }
        #expect(!c.isUsable)
        #expect(s.isClosed)
        expectMySQLError(.connectionUnusable) { _ = try c.queryAll("SELECT 1") }
    }

    @Test("LOCAL INFILE requests are refused as a protocol violation")
    func localInfile() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), packet(1, [0xFB] + bytes("/etc/passwd"))])
        let c = try connect(s)
        expectMySQLError(.protocolViolation) { _ = try c.queryAll("SELECT 1") }
        #expect(!String(decoding: s.written, as: UTF8.self).contains("root:"))
        #expect(!c.isUsable)
    }

    @Test("a whole session drip-fed one byte at a time gives the same result")
    func dripFeed() throws {
        let server = doltLogin() + priceResult(deprecateEOF: true, rows: sampleRows) + packet(1, okPayload())
        let whole = ScriptedByteStream(serverChunks: [server])
        let drip = ScriptedByteStream(serverChunks: [server], chunkSize: 1)
        var results: [[[[UInt8]?]]] = []
        for s in [whole, drip] {
            let c = try connect(s)
            results.append(try c.queryAll(sampleSQL).rows)
            try c.ping()
            c.close()
            #expect(s.isClosed)
        }
        #expect(results[0] == results[1])
        #expect(results[0].count == 3)
        #expect(whole.written == drip.written)
        // COM_PING and COM_QUIT each start at sequence 0.
        #expect(whole.written.suffix(10) == packet(0, [0x0E]) + packet(0, [0x01]))
    }

    @Test("a 16 MiB+ row arrives split in continuation packets, including the exact 0xFFFFFF case",
          arguments: [0xFF_FF_FF, 0xFF_FF_FF - 4, 0xFF_FF_FF + 100])
    func hugeRow(cellLength: Int) throws {
        var cell = [UInt8](repeating: 0x61, count: cellLength)
        for k in stride(from: 0, to: cellLength, by: 65_521) { cell[k] = UInt8(truncatingIfNeeded: k >> 16) }
        var rowPayload: [UInt8]
        if cellLength < 0x100_0000 {
            rowPayload = [0xFD, UInt8(cellLength & 0xFF), UInt8((cellLength >> 8) & 0xFF), UInt8(cellLength >> 16)] + cell
        } else {
            rowPayload = [0xFE] + (0..<8).map { UInt8(truncatingIfNeeded: cellLength >> (8 * $0)) } + cell
        }
        // Physical packets: 0xFFFFFF-byte chunks then the rest (an empty packet for exact multiples).
        var wire = packet(1, [1]) + packet(2, columnPayload("blob", type: 0xFC, charset: 63))
        var seq: UInt8 = 3
        var off = 0
        while true {
            let n = min(0xFF_FF_FF, rowPayload.count - off)
            wire += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n >> 16), seq] + rowPayload[off..<(off + n)]
            seq += 1
            off += n
            if n < 0xFF_FF_FF { break }
        }
        wire += packet(seq, okPayload(header: 0xFE))
        let s = ScriptedByteStream(serverChunks: [doltLogin(), wire])
        let c = try connect(s)
        let rows = try c.queryAll("SELECT blob FROM big").rows
        #expect(rows.count == 1)
        #expect(rows.first?.first??.count == cellLength)
        let same = rows.first?.first ?? nil == cell   // not #expect(a == b): a failure would print 16 MiB
        #expect(same)
    }

    @Test("a query of 16 MiB+ is written as continuation packets")
    func hugeQuery() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), packet(2, okPayload())])
        let c = try connect(s)
        let loginBytes = s.written.count
        let sql = "SELECT '" + String(repeating: "a", count: 0xFF_FF_FF - 10) + "'"   // 1 + 9 + n = 0xFFFFFF exactly
        try c.query(sql, columns: { _ in }, row: { _ in })
        let sent = try #require(splitPackets(Array(s.written[loginBytes...])))
        #expect(sent.map(\.seq) == [0, 1])
        #expect(sent.map(\.payload.count) == [0xFF_FF_FF, 0])
        let same = sent[0].payload == [0x03] + bytes(sql)   // not #expect(a == b): a failure would print 16 MiB
        #expect(same)
    }

    @Test("a row over the payload limit is packetTooLarge")
    func rowTooLarge() throws {
        let s = ScriptedByteStream(serverChunks: [doltLogin(), packet(1, [1]) + packet(2, columnPayload("t", type: 0xFD)) +
                                                  packet(3, rowPayload([String(repeating: "z", count: 5000)]))])
        let c = try MySQLConnection(stream: s, user: "u", password: "p", database: nil, maxPayloadSize: 4096)
        expectMySQLError(.packetTooLarge) { _ = try c.queryAll("SELECT t FROM x") }
        #expect(!c.isUsable)
    }

    @Test("multi-result responses (CALL) deliver each result set, then finish on the last OK")
    func multiResults() throws {
        var second = priceResult(deprecateEOF: true, rows: sampleRows)
        second.removeLast(11)
        second += packet(9, okPayload(status: 0x000A, header: 0xFE)) + packet(10, okPayload())
        let s = ScriptedByteStream(serverChunks: [doltLogin(), second, priceResult(deprecateEOF: true, rows: [])])
        let c = try connect(s)
        var columnsCalls = 0
        var rows = 0
        try c.query("CALL p()", columns: { _ in columnsCalls += 1 }, row: { _ in rows += 1 })
        #expect(columnsCalls == 1)
        #expect(rows == 3)
        #expect(try c.queryAll(sampleSQL).columns.count == 4)   // the stream is in step afterwards
    }

    @Test("garbage in a result set never crashes", arguments: 0..<4)
    func garbageResult(seed: Int) throws {
        var rng = TestRandom(state: 0xD1B5_4A32_D192_ED03 &+ UInt64(seed))
        for _ in 0..<300 {
            var wire = packet(1, [2]) + packet(2, columnPayload("a", type: 0xFD))
            let n = Int(rng.next() % 48)
            var junk = rng.bytes(n)
            if !junk.isEmpty, rng.next() % 3 == 0 { junk[0] = [0x00, 0xFB, 0xFE, 0xFF][Int(rng.next() % 4)] }
            wire += packet(3, junk) + packet(4, rowPayload(["x", nil])) + packet(5, okPayload(header: 0xFE))
            let s = ScriptedByteStream(serverChunks: [doltLogin(), wire])
            let c = try connect(s)
            do {
                _ = try c.queryAll("SELECT a, b FROM t")
            } catch is MySQLError {
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
