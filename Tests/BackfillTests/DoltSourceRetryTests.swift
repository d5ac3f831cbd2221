import Backfill
import ByteCoding
import MySQLWire
import Testing

// Server bytes for DoltSource, built from the MySQL protocol layouts (not by the code under test).
private func packet(_ seq: UInt8, _ payload: [UInt8]) -> [UInt8] {
    [UInt8(payload.count & 0xFF), UInt8((payload.count >> 8) & 0xFF), UInt8(payload.count >> 16), seq] + payload
}
private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
private func lenenc(_ s: String) -> [UInt8] { [UInt8(s.utf8.count)] + Array(s.utf8) }

/// Dolt's greeting (HandshakeV10, mysql_native_password, CLIENT_DEPRECATE_EOF) and the OK after login.
private func login() -> [UInt8] {
    let caps: UInt32 = 0x013B_A28F
    let nonce: [UInt8] = Array(0x21...0x34)
    var p: [UInt8] = [0x0A] + Array("8.0.33".utf8) + [0] + le32(7) + Array(nonce[0..<8]) + [0x00]
    p += le16(UInt16(caps & 0xFFFF)) + [33] + le16(0) + le16(UInt16(caps >> 16))
    p += [21] + [UInt8](repeating: 0, count: 10) + Array(nonce[8..<20]) + [0x00] + Array("mysql_native_password".utf8) + [0]
    return packet(0, p) + packet(2, [0x00, 0, 0] + le16(0x0002) + le16(0))
}

private func column(_ name: String, type: UInt8, length: UInt32, flags: UInt16 = 0, decimals: UInt8 = 0) -> [UInt8] {
    var p = lenenc("def") + lenenc("market_data") + lenenc("prices") + lenenc("prices") + lenenc(name) + lenenc(name)
    p += [0x0C] + le16(255) + le32(length) + [type] + le16(flags) + [decimals] + [0, 0]
    return p
}

/// The reply to the prices query: three columns and `rows`; `complete: false` stops after the
/// first row, as when the server goes away mid-result.
private func result(_ rows: [(String, String)], complete: Bool = true) -> [UInt8] {
    var seq: UInt8 = 1
    var out = packet(seq, [3]); seq += 1
    for c in [column("ticker", type: 0xFD, length: 80, flags: 0x0003), column("date", type: 0x0A, length: 10, flags: 0x0003),
              column("close", type: 0xF6, length: 22, decimals: 4)] {
        out += packet(seq, c); seq += 1
    }
    for (i, r) in rows.enumerated() {
        if !complete && i == 1 { return out }
        out += packet(seq, lenenc("AAPL") + lenenc(r.0) + lenenc(r.1)); seq += 1
    }
    return out + packet(seq, [0xFE, 0, 0] + le16(0x0002) + le16(0))
}

private struct Refused: Error, CustomStringConvertible {
    var description: String { "connection refused by 127.0.0.1:3306" }
}
private struct Unresolvable: Error, CustomStringConvertible {
    var description: String { "cannot resolve host nowhere" }
}

private let rows = [("2024-01-02", "185.6400"), ("2024-01-03", "184.2500"), ("2024-01-04", "181.9100")]

/// Hands out the scripted connections in order.
final class DoltScriptedConnections {
    var scripts: [Result<[UInt8], any Error>]
    var opened = 0
    init(_ scripts: [Result<[UInt8], any Error>]) { self.scripts = scripts }
    func next() throws -> MySQLConnection {
        opened += 1
        guard !self.scripts.isEmpty else { throw Unresolvable() }
        switch self.scripts.removeFirst() {
        case .success(let bytes): return try MySQLConnection(stream: ScriptedByteStream(serverChunks: [login(), bytes], chunkSize: 7), user: "u", password: "p", database: "market_data")
        case .failure(let e): throw e
        }
    }
}

@Suite("DoltSource: a lost or refused connection is retried on a fresh one")
struct DoltSourceRetryTests {
    func source(_ connections: DoltScriptedConnections, retries: Int, sleeps: Recorder) -> DoltSource {
        let s = DoltSource(database: "market_data", describeServer: "127.0.0.1:3306", connector: { try connections.next() })
        s.retries = retries
        s.isTransient = { $0 is Refused }
        s.sleep = { sleeps.values.append($0) }
        return s
    }

    final class Recorder { var values: [Double] = [] }

    @Test("dropped mid-result, then refused, then whole: the rows of the last attempt, after two waits")
    func midResultAndRefusedAreRetried() throws {
        let connections = DoltScriptedConnections([.success(result(rows, complete: false)), .failure(Refused()), .success(result(rows))])
        let sleeps = Recorder()
        let fetched = try self.source(connections, retries: 2, sleeps: sleeps).fetch(.prices, ticker: "AAPL", range: DateRange(start: nil, end: nil))
        #expect(fetched.rows.count == 3)
        #expect(connections.opened == 3)
        #expect(sleeps.values.count == 2 && sleeps.values.allSatisfy { $0 >= 0 && $0 <= 8 })
    }

    @Test("without retries left, a connection lost mid-result fails the ticker (not the run)")
    func exhaustedMidResultFailsTheTicker() {
        let connections = DoltScriptedConnections([.success(result(rows, complete: false)), .success(result(rows, complete: false))])
        let sleeps = Recorder()
        #expect(throws: BackfillError.self) {
            _ = try self.source(connections, retries: 1, sleeps: sleeps).fetch(.prices, ticker: "AAPL", range: DateRange(start: nil, end: nil))
        }
        #expect(connections.opened == 2)
        #expect(sleeps.values.count == 1)
    }

    @Test("a connect error that is not transient stops the run at once")
    func permanentConnectErrorIsFatal() {
        let connections = DoltScriptedConnections([.failure(Unresolvable()), .success(result(rows))])
        let sleeps = Recorder()
        #expect(throws: FatalRunError.self) {
            _ = try self.source(connections, retries: 3, sleeps: sleeps).fetch(.prices, ticker: "AAPL", range: DateRange(start: nil, end: nil))
        }
        #expect(connections.opened == 1)
        #expect(sleeps.values.isEmpty)
    }

    @Test("a database that stays unreachable stops the run after the retries")
    func refusedEveryTimeIsFatalAfterTheRetries() {
        let connections = DoltScriptedConnections([.failure(Refused()), .failure(Refused()), .failure(Refused())])
        let sleeps = Recorder()
        #expect {
            _ = try self.source(connections, retries: 2, sleeps: sleeps).fetch(.prices, ticker: "AAPL", range: DateRange(start: nil, end: nil))
        } throws: { error in
            (error as? FatalRunError)?.message.contains("connection refused") == true
        }
        #expect(connections.opened == 3)
    }
}
