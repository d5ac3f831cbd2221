import ByteCoding
import MySQLWire
import Testing

/// The in-place row path (`TextRow.scan`, `TextRowView`, `PacketFramer.nextPayloadSlice`,
/// `MySQLConnection.query(_:columns:rowView:)`) against the copying one and the wire layouts.
@Suite("TextRowView")
struct TextRowViewTests {
    /// Cells as the copying API reports them, read through every accessor of the view.
    func read(_ view: TextRowView) -> [[UInt8]?] {
        (0..<view.count).map { i in
            let viaClosure: [UInt8]? = view.withCell(i) { span in
                guard let span else { return nil }
                return (0..<span.count).map { span[$0] }
            }
            let viaSlice = view.cell(i).map { Array($0) }
            #expect(viaClosure == viaSlice)
            #expect(view.isNull(i) == (viaSlice == nil))
            return viaSlice
        }
    }

    @Test("values, NULL, empty string, 1-, 2- and 3-byte lengths through every accessor")
    func accessors() throws {
        let long = String(repeating: "x", count: 300)
        let payload = rowPayload(["AAPL", nil, "", long, "187.1500", nil])
        let view = try TextRowView(scanning: payload[...], columnCount: 6)
        #expect(view.count == 6)
        let expected: [[UInt8]?] = [bytes("AAPL"), nil, [], bytes(long), bytes("187.1500"), nil]
        #expect(self.read(view) == expected)
        #expect(view.cells == expected)
        #expect(try TextRow.decode(payload, columnCount: 6) == expected)
        #expect(view.isNull(1) && view.isNull(5) && !view.isNull(2))
        let big = [UInt8](repeating: 7, count: 70_000)
        #expect(try TextRowView(scanning: ([0xFD, 0x70, 0x11, 0x01] + big)[...], columnCount: 1).cells == [big])
        let eight = [0xFE] + [UInt8](le32(300)) + [0, 0, 0, 0] + [UInt8](repeating: 5, count: 300)
        #expect(try TextRowView(scanning: eight[...], columnCount: 1).cells == [[UInt8](repeating: 5, count: 300)])
    }

    @Test("a row in the middle of a larger buffer reads the same as on its own")
    func sliceOffsets() throws {
        let payload = rowPayload(["BN0001", "2015-01-02", nil, "108.5657"])
        let buffer = [UInt8](repeating: 0xEE, count: 37) + payload + [UInt8](repeating: 0xDD, count: 11)
        let slice = buffer[37..<(37 + payload.count)]
        let view = try TextRowView(scanning: slice, columnCount: 4)
        #expect(self.read(view) == [bytes("BN0001"), bytes("2015-01-02"), nil, bytes("108.5657")])
        #expect(view.cell(0)?.startIndex == 38)   // a slice of the same storage, not a copy
    }

    @Test("missing cells, trailing bytes, 0xFF and over-long lengths are protocol violations", arguments: [
        [UInt8]([0x04, 0x41, 0x41]), [0x01, 0x41], [0x01, 0x41, 0x01, 0x42, 0x00], [0xFF],
        [0xFC, 0x05], [0xFD, 0x01, 0x00], [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00], [0xFB], [],
        [0xFB, 0xFB, 0xFB], [0x01, 0x41, 0xFC, 0x10, 0x00, 0x41],
    ])
    func malformed(payload: [UInt8]) {
        expectMySQLError(.protocolViolation) { _ = try TextRowView(scanning: payload[...], columnCount: 2) }
        // Embedded in a larger buffer, the bytes after the slice must not be read as part of the row.
        let padded = payload + [0x00, 0x00, 0x00, 0x00]
        expectMySQLError(.protocolViolation) { _ = try TextRowView(scanning: padded[0..<payload.count], columnCount: 2) }
    }

    @Test("every truncation of a valid row is an error, never a shorter row")
    func truncations() throws {
        let payload = rowPayload(["AAPL", nil, String(repeating: "y", count: 260), "", "1"])
        _ = try TextRowView(scanning: payload[...], columnCount: 5)
        for n in 0..<payload.count {
            expectMySQLError(.protocolViolation) { _ = try TextRowView(scanning: payload[0..<n], columnCount: 5) }
        }
        expectMySQLError(.protocolViolation) { _ = try TextRowView(scanning: (payload + [0])[...], columnCount: 5) }
    }

    @Test("scan reuses its bounds array, also after a failed row")
    func scanReuse() throws {
        var bounds: [Int] = [99, 98, 97]
        try TextRow.scan(rowPayload(["a", nil]).span, columnCount: 2, into: &bounds)
        #expect(bounds == [1, 2, -1, -1])
        expectMySQLError(.protocolViolation) { try TextRow.scan([0x05, 0x41].span, columnCount: 1, into: &bounds) }
        try TextRow.scan(rowPayload(["", "bc"]).span, columnCount: 2, into: &bounds)
        #expect(bounds == [1, 1, 2, 4])
    }

    @Test("random rows: the view agrees with the copying decoder and the encoder", arguments: 0..<4)
    func randomRows(seed: Int) throws {
        var rng = TestRandom(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(seed))
        for _ in 0..<200 {
            let columns = Int(rng.next() % 9) + 1
            var cells: [[UInt8]?] = []
            var payload: [UInt8] = []
            for _ in 0..<columns {
                if rng.next() % 5 == 0 {
                    cells.append(nil)
                    payload.append(0xFB)
                    continue
                }
                let n = [0, 1, 250, 251, 252, 300, 65_535, 65_536][Int(rng.next() % 8)] % (rng.next() % 2 == 0 ? 20 : 70_000)
                let cell = rng.bytes(n)
                cells.append(cell)
                LengthEncoded.appendBytes(cell, to: &payload)
            }
            let view = try TextRowView(scanning: payload[...], columnCount: columns)
            #expect(self.read(view) == cells)
            #expect(try TextRow.decode(payload, columnCount: columns) == cells)
            if columns > 1 {
                expectMySQLError(.protocolViolation) { _ = try TextRowView(scanning: payload[...], columnCount: columns + 1) }
            }
        }
    }

    @Test("framer slices equal copied payloads however the bytes are chunked", arguments: [1, 3, 7, 4096])
    func framerSlices(chunk: Int) throws {
        var input: [UInt8] = []
        var expected: [[UInt8]] = []
        for i in 0..<200 {
            let payload = [UInt8](repeating: UInt8(i & 0xFF), count: (i * 37) % 400)
            input += packet(UInt8(i & 0xFF), payload)
            expected.append(payload)
        }
        var f = PacketFramer()
        var got: [ArraySlice<UInt8>] = []   // kept across feeds: each must keep its bytes
        var i = 0
        while i < input.count {
            f.feed(Array(input[i..<min(input.count, i + chunk)]))
            i += chunk
            while let p = try f.nextPayloadSlice() { got.append(p) }
        }
        #expect(got.map { Array($0) } == expected)
        #expect(f.bufferedByteCount == 0)
    }

    @Test("a framer slice kept while more bytes arrive (and the buffer compacts) keeps its bytes")
    func framerSliceSurvivesCompaction() throws {
        var f = PacketFramer()
        let first = [UInt8](repeating: 0xAB, count: 70_000)
        f.feed(packet(0, first) + packet(1, [1, 2]).prefix(3))
        let kept = try #require(try f.nextPayloadSlice())
        #expect(try f.nextPayloadSlice() == nil)
        f.feed(Array(packet(1, [1, 2]).dropFirst(3)) + packet(2, [3]))   // compacts: readIndex >= 64 KiB
        #expect(try f.nextPayloadSlice().map { Array($0) } == [1, 2])
        #expect(try f.nextPayload() == [3])
        #expect(Array(kept) == first)
    }
}

@Suite("MySQLConnection row views")
struct ConnectionRowViewTests {
    func connect(_ s: ScriptedByteStream) throws -> MySQLConnection {
        try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: "market_data")
    }

    @Test("rowView delivers the same rows as row, whole or drip-fed", arguments: [Int.max, 1, 5])
    func sameRows(chunk: Int) throws {
        let server = doltLogin() + priceResult(deprecateEOF: true, rows: sampleRows)
        let s = ScriptedByteStream(serverChunks: [server], chunkSize: chunk)
        let c = try connect(s)
        var columns = 0
        var rows: [[[UInt8]?]] = []
        try c.query(sampleSQL, columns: { columns = $0.count }, rowView: { row in
            #expect(row.count == 4)
            rows.append(row.cells)
        })
        #expect(columns == 4)
        #expect(rows == sampleRows.map { $0.map { $0.map(bytes) } })
        #expect(c.isUsable)
    }

    @Test("views kept past their callback stay valid while later rows arrive")
    func keptViews() throws {
        let many: [[String?]] = (0..<3000).map { i in ["T\(i % 7)", "2024-01-02", i % 3 == 0 ? nil : "\(i).5", "\(i)"] }
        // priceResult's UInt8 sequence ids stop at 255 rows: wrap them here.
        var wire = packet(1, [4])
        var seq: UInt8 = 2
        for name in ["ticker", "date", "close", "volume"] { wire += packet(seq, columnPayload(name, type: 0xFD)); seq &+= 1 }
        for r in many { wire += packet(seq, rowPayload(r)); seq &+= 1 }
        wire += packet(seq, okPayload(header: 0xFE))
        let s = ScriptedByteStream(serverChunks: [doltLogin(), wire], chunkSize: 1000)
        let c = try connect(s)
        var kept: [TextRowView] = []
        try c.query(sampleSQL, columns: { _ in }, rowView: { kept.append($0) })
        #expect(kept.map(\.cells) == many.map { $0.map { $0.map(bytes) } })
    }

    @Test("a malformed row mid-result is a protocol violation after the rows before it; the connection is closed",
          arguments: [[UInt8]([0x04, 0x41]), [0x01, 0x41, 0xFB, 0xFB, 0xFB, 0xFB], [0xFC, 0x05], []])
    func malformedRow(bad: [UInt8]) throws {
        var wire = packet(1, [4])
        var seq: UInt8 = 2
        for name in ["ticker", "date", "close", "volume"] { wire += packet(seq, columnPayload(name, type: 0xFD)); seq += 1 }
        wire += packet(seq, rowPayload(["AAPL", nil, "1", "2"])); seq += 1
        wire += packet(seq, bad); seq += 1
        wire += packet(seq, okPayload(header: 0xFE))
        let s = ScriptedByteStream(serverChunks: [doltLogin(), wire])
        let c = try connect(s)
        var rows = 0
        expectMySQLError(.protocolViolation) { try c.query(sampleSQL, columns: { _ in }, rowView: { _ in rows += 1 }) }
        #expect(rows == 1)
        #expect(!c.isUsable)
        #expect(s.isClosed)
    }

    @Test("a throwing rowView callback closes the connection and rethrows its error")
    func callbackThrows() throws {
        let classicEOF = packet(0, doltGreeting(capabilities: 0x003B_A28F)) + packet(2, okPayload())
        let s = ScriptedByteStream(serverChunks: [classicEOF, priceResult(deprecateEOF: false, rows: sampleRows)])
        let c = try connect(s)
        #expect(throws: CallbackFailure()) {
            try c.query(sampleSQL, columns: { _ in }, rowView: { _ in throw CallbackFailure() })
        }
        #expect(!c.isUsable)
        #expect(s.isClosed)
    }
}
