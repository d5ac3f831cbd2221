/// One text-protocol result row, read in place: the row's payload (a slice of the connection's
/// receive buffer, not a copy) and where each cell lies in it, as `TextRow.scan` recorded.
///
/// Why: copying every cell into its own array cost more than everything else in a large fetch;
/// a view lets the caller parse numbers and dates straight from the received bytes.
///
/// A view is a value and stays valid if kept, but keeping one past the row callback pins the
/// receive buffer, so the next read must copy it: take what you need (`cell(_:)`, `cells`) instead.
/// Cell indices are the caller's (0..<count); an index out of range traps like an array's.
public struct TextRowView: Sendable {
    /// The row's payload; `bounds` offsets count from its `startIndex`.
    @usableFromInline let payload: ArraySlice<UInt8>
    /// Two entries per cell: start and end offset in `payload`, or -1, -1 for SQL NULL.
    /// Checked against the payload by `TextRow.scan` before a view is made.
    @usableFromInline let bounds: [Int]

    /// A view of `payload` laid out by `TextRow.scan(payload.span, ..., into: &bounds)`.
    init(payload: ArraySlice<UInt8>, bounds: [Int]) {
        self.payload = payload
        self.bounds = bounds
    }

    /// A view of a row payload of exactly `columnCount` cells; throws like `TextRow.decode` on a
    /// short, over-long or malformed row.
    public init(scanning payload: ArraySlice<UInt8>, columnCount: Int) throws(MySQLError) {
        var bounds: [Int] = []
        try TextRow.scan(payload.span, columnCount: columnCount, into: &bounds)
        self.init(payload: payload, bounds: bounds)
    }

    /// Number of cells (the result set's column count).
    @inlinable public var count: Int { self.bounds.count / 2 }

    /// True when cell `i` is SQL NULL.
    @inlinable public func isNull(_ i: Int) -> Bool {
        precondition(i >= 0 && i < self.count, "TextRowView: cell index out of range")
        return self.bounds[2 * i] < 0
    }

    /// Calls `body` with cell `i`'s bytes, or with nil when it is SQL NULL; no copy is made.
    @inlinable public func withCell<R, E: Error>(_ i: Int, _ body: (Span<UInt8>?) throws(E) -> R) throws(E) -> R {
        precondition(i >= 0 && i < self.count, "TextRowView: cell index out of range")
        let start = self.bounds[2 * i], end = self.bounds[2 * i + 1]
        guard start >= 0 else { return try body(nil) }
        return try body(self.payload.span.extracting(start..<end))
    }

    /// Cell `i`'s bytes as a slice sharing the payload's storage, or nil for SQL NULL.
    @inlinable public func cell(_ i: Int) -> ArraySlice<UInt8>? {
        precondition(i >= 0 && i < self.count, "TextRowView: cell index out of range")
        let start = self.bounds[2 * i], end = self.bounds[2 * i + 1]
        guard start >= 0 else { return nil }
        let base = self.payload.startIndex
        return self.payload[(base + start)..<(base + end)]
    }

    /// Every cell copied into its own array (nil for SQL NULL): `TextRow.decode`'s result.
    public var cells: [[UInt8]?] {
        (0..<self.count).map { i in self.cell(i).map { Array($0) } }
    }
}
