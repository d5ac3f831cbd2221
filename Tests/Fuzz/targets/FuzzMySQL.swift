// libFuzzer target: everything a MySQL/MariaDB server can send. Built by Tests/Fuzz/build.sh.
import ByteCoding
@testable import MySQLWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMySQL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let selector = input.first else { return 0 }
    let rest = Array(input.dropFirst())

    // Every message decoder on the raw bytes as one payload.
    _ = try? HandshakeV10.decode(rest)
    _ = try? OKPacket.decode(rest)
    _ = try? ERRPacket.decode(rest)
    _ = try? EOFPacket.decode(rest)
    _ = try? ColumnDefinition41.decode(rest)
    _ = try? AuthSwitchRequest.decode(rest)
    _ = try? AuthMoreData.decode(rest)
    _ = try? TextRow.decode(rest, columnCount: Int(selector))
    if let view = try? TextRowView(scanning: rest[...], columnCount: Int(selector)) {
        for i in 0..<view.count { _ = view.withCell(i) { $0?.count } }
    }

    // The framer, fed in chunks of 1 to 16 bytes, with a small payload limit.
    var framer = PacketFramer(maxPayloadSize: 1 << 16)
    var offset = 0
    let step = Int(selector & 0x0F) + 1
    outer: while offset < rest.count {
        let end = min(rest.count, offset + step)
        framer.feed(Array(rest[offset..<end]))
        offset = end
        while true {
            do {
                guard try framer.nextPayload() != nil else { break }
            } catch {
                break outer
            }
        }
    }

    // A whole session: the input is everything the server says (greeting, auth, a result set).
    let stream = ScriptedByteStream(serverChunks: [rest], chunkSize: step)
    if let connection = try? MySQLConnection(stream: stream, user: "fuzz", password: "secret", database: "market_data") {
        try? connection.query("SELECT * FROM prices", columns: { _ in }, row: { _ in })
        try? connection.query("SELECT 1", columns: { _ in }, row: { _ in })
        try? connection.query("SELECT 2", columns: { _ in }, rowView: { row in for i in 0..<row.count { _ = row.cell(i) } })
    }
    return 0
}
