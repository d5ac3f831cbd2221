/// Errors of the backfill layer. Messages are written for the person running the tool.
public struct BackfillError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case invalidTicker, unsupportedColumnType, badValue, schemaMismatch, unreadableObject
        case tickerCaseCollision, conflict, missingColumn, source, store
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
    public static func == (a: BackfillError, b: BackfillError) -> Bool { a.code == b.code }
}
