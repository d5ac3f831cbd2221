/// ProtocolText::ResultsetRow: one cell per column, each `0xFB` (SQL NULL) or a `string<lenenc>`.
public enum TextRow {
    /// Decodes a row of exactly `columnCount` cells; a short or over-long row is a protocol error.
    /// One array per cell: callers on the hot path use `scan` and `TextRowView` instead.
    public static func decode(_ payload: [UInt8], columnCount: Int) throws(MySQLError) -> [[UInt8]?] {
        try TextRowView(scanning: payload[...], columnCount: columnCount).cells
    }

    /// Validates a row of exactly `columnCount` cells and records where each cell lies, without
    /// copying any: `bounds` is overwritten with two entries per cell, the cell's start and end
    /// offsets in `payload`, or `-1, -1` for SQL NULL (the layout `TextRowView` reads).
    /// Every length is checked against the bytes left, so the recorded ranges are in bounds.
    /// Hot path (called once per row): plain index arithmetic, and `bounds` keeps its capacity
    /// from row to row.
    public static func scan(_ payload: Span<UInt8>, columnCount: Int, into bounds: inout [Int]) throws(MySQLError) {
        bounds.removeAll(keepingCapacity: true)
        let end = payload.count
        var i = 0
        for cell in 0..<columnCount {
            guard i < end else { throw .malformed("row", "\(cell) of \(columnCount) cells") }
            let first = payload[i]
            i += 1
            var length: Int
            switch first {
            case 0x00...0xFA:
                length = Int(first)
            case 0xFB:
                bounds.append(-1)
                bounds.append(-1)
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
            bounds.append(i)
            bounds.append(i + length)
            i += length
        }
        guard i == end else { throw .malformed("row", "\(end - i) trailing bytes after \(columnCount) cells") }
    }
}
