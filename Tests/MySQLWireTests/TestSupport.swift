import ByteCoding
import Testing
import MySQLWire

// Independent builders for server-side bytes, written from the layouts in the MySQL internals
// docs (and the research note for Dolt), not by calling the code under test.

/// One physical packet: 3-byte LE length, sequence id, payload (payload < 0xFFFFFF).
func packet(_ seq: UInt8, _ payload: [UInt8]) -> [UInt8] {
    precondition(payload.count < 0xFF_FF_FF)
    return [UInt8(payload.count & 0xFF), UInt8((payload.count >> 8) & 0xFF), UInt8(payload.count >> 16), seq] + payload
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
func cstr(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

/// A length-encoded string for payloads under 64 KiB.
func lenenc(_ b: [UInt8]) -> [UInt8] {
    if b.count < 0xFB { return [UInt8(b.count)] + b }
    return [0xFC] + le16(UInt16(b.count)) + b
}
func lenenc(_ s: String) -> [UInt8] { lenenc(bytes(s)) }

/// The nonce used in the scramble vectors: bytes 0x21...0x34 (computed by python3 hashlib, see AuthTests).
let testNonce: [UInt8] = Array(0x21...0x34)
/// A second nonce (0x41...0x54) used for auth-switch requests.
let switchNonce: [UInt8] = Array(0x41...0x54)

/// Dolt's HandshakeV10 as laid out in research/dolt-mysql-protocol.md section 1
/// (vitess server.go writeHandshakeV10): version 8.0.33, caps 0x013BA28F (0x013BAA8F with TLS),
/// charset 33, status 0, auth data length 21, 10 reserved zero bytes, mysql_native_password.
func doltGreeting(connectionID: UInt32 = 7, capabilities: UInt32 = 0x013B_A28F,
                  plugin: String = "mysql_native_password", nonce: [UInt8] = testNonce) -> [UInt8] {
    var p: [UInt8] = [0x0A] + cstr("8.0.33") + le32(connectionID) + Array(nonce[0..<8]) + [0x00]
    p += le16(UInt16(capabilities & 0xFFFF)) + [33] + le16(0) + le16(UInt16(capabilities >> 16))
    p += [21] + [UInt8](repeating: 0, count: 10) + Array(nonce[8..<20]) + [0x00] + cstr(plugin)
    return p
}

/// A MariaDB 10.11 greeting: "5.5.5-" version prefix, capability bit 0 (CLIENT_MYSQL) cleared,
/// extended capabilities in the last 4 reserved bytes.
func mariaDBGreeting(capabilities: UInt32 = 0xA1FF_F7FE, extended: UInt32 = 0x0000_001D) -> [UInt8] {
    var p: [UInt8] = [0x0A] + cstr("5.5.5-10.11.19-MariaDB-0+deb12u1") + le32(42) + Array(testNonce[0..<8]) + [0x00]
    p += le16(UInt16(capabilities & 0xFFFF)) + [45] + le16(0x0002) + le16(UInt16(capabilities >> 16))
    p += [21] + [UInt8](repeating: 0, count: 6) + le32(extended) + Array(testNonce[8..<20]) + [0x00]
    p += cstr("mysql_native_password")
    return p
}

/// OK packet: header, affected rows 0, last insert id 0, status, warnings 0.
func okPayload(status: UInt16 = 0x0002, header: UInt8 = 0x00) -> [UInt8] { [header, 0, 0] + le16(status) + le16(0) }
/// Classic EOF packet.
func eofPayload(status: UInt16 = 0x0002) -> [UInt8] { [0xFE] + le16(0) + le16(status) }
/// ERR packet with SQLSTATE marker.
func errPayload(_ code: UInt16, _ state: String, _ message: String) -> [UInt8] {
    [0xFF] + le16(code) + bytes("#") + bytes(state) + bytes(message)
}

/// ColumnDefinition41 payload.
func columnPayload(_ name: String, table: String = "prices", type: UInt8, charset: UInt16 = 255,
                   length: UInt32 = 20, flags: UInt16 = 0, decimals: UInt8 = 0) -> [UInt8] {
    var p = lenenc("def") + lenenc("market_data") + lenenc(table) + lenenc(table) + lenenc(name) + lenenc(name)
    p += [0x0C] + le16(charset) + le32(length) + [type] + le16(flags) + [decimals] + [0, 0]
    return p
}

/// A text row of lenenc cells; nil is 0xFB.
func rowPayload(_ cells: [String?]) -> [UInt8] {
    cells.flatMap { $0.map { lenenc($0) } ?? [0xFB] }
}

/// Splits client output into (seq, payload) physical packets; nil when the bytes do not frame exactly.
func splitPackets(_ out: [UInt8]) -> [(seq: UInt8, payload: [UInt8])]? {
    var result: [(UInt8, [UInt8])] = []
    var i = 0
    while i < out.count {
        guard out.count - i >= 4 else { return nil }
        let n = Int(out[i]) | Int(out[i + 1]) << 8 | Int(out[i + 2]) << 16
        guard out.count - i - 4 >= n else { return nil }
        result.append((out[i + 3], Array(out[(i + 4)..<(i + 4 + n)])))
        i += 4 + n
    }
    return result
}

/// The server side of a successful native-password login against the Dolt greeting (OK at seq 2).
func doltLogin(status: UInt16 = 0x0002) -> [UInt8] {
    packet(0, doltGreeting()) + packet(2, okPayload(status: status))
}

/// A stream wrapper whose `write` also feeds scripted replies (for the TLS seam test).
final class RecordingStream: ByteStream {
    let inner: ScriptedByteStream
    init(_ inner: ScriptedByteStream) { self.inner = inner }
    func read(maxBytes: Int) throws -> [UInt8] { try self.inner.read(maxBytes: maxBytes) }
    func write(_ bytes: [UInt8]) throws { try self.inner.write(bytes) }
    func close() { self.inner.close() }
    var peerDescription: String { "tls(\(self.inner.peerDescription))" }
}

struct StreamFailure: Error, Equatable {}
struct CallbackFailure: Error, Equatable {}

/// Small deterministic PRNG (xorshift64*) for the garbage-input tests.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        self.state ^= self.state >> 12
        self.state ^= self.state << 25
        self.state ^= self.state >> 27
        return self.state &* 2_685_821_657_736_338_717
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: self.next()) } }
}

/// Expects `body` to throw a MySQLError with `code`; returns it for further checks.
@discardableResult
func expectMySQLError(_ code: MySQLError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) -> MySQLError? {
    do {
        try body()
        Issue.record("expected MySQLError.\(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MySQLError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected MySQLError.\(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
