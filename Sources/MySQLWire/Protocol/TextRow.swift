/// ProtocolText::ResultsetRow: one cell per column, each `0xFB` (SQL NULL) or a `string<lenenc>`.
public enum TextRow {
    /// Decodes a row of exactly `columnCount` cells; a short or over-long row is a protocol error.
    /// Hot path (called once per row): plain index arithmetic over the payload.
    public static func decode(_ payload: [UInt8], columnCount: Int) throws(MySQLError) -> [[UInt8]?] {
        var cells: [[UInt8]?] = []
        cells.reserveCapacity(columnCount)
        let end = payload.count
        var i = 0
        for _ in 0..<columnCount {
            guard i < end else { throw .malformed("row", "\(cells.count) of \(columnCount) cells") }
            let first = payload[i]
            i += 1
            var length: Int
            switch first {
            case 0x00...0xFA:
                length = Int(first)
            case 0xFB:
                cells.append(nil)
                continue
            case 0xFC:
                guard end - i >= 2 else { throw .malformed("row", "truncated cell length") }
                length = Int(payload[i]) | Int(payload[i + 1]) << 8
                i += 2
            case 0xFD:
                guard end - i >= 3 else { throw .malformed("row", "truncated cell length") }
                length = Int(payload[i]) | Int(payload[i + 1]) << 8 | Int(payload[i + 2]) << 16
                i += 3
            case 0xFE:
                guard end - i >= 8 else { throw .malformed("row", "truncated cell length") }
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(payload[i + k]) << (8 * UInt64(k)) }
                i += 8
                guard v <= UInt64(end - i) else { throw .malformed("row", "cell longer than the packet") }
                length = Int(v)
            default:
                throw .malformed("row", "invalid cell length byte 0xFF")
            }
            guard length <= end - i else { throw .malformed("row", "cell longer than the packet") }
            cells.append(Array(payload[i..<(i + length)]))
            i += length
        }
        guard i == end else { throw .malformed("row", "\(end - i) trailing bytes after \(columnCount) cells") }
        return cells
    }
}
