/// Errors from connecting and moving bytes. Messages name the peer and suggest the fix.
public struct TransportError: Error, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case resolveFailed, connectionRefused, connectTimeout, unreachable, readTimeout, writeTimeout
        case connectionReset, socketError
    }
    public let code: Code
    public let peer: String
    public let reason: String

    public init(_ code: Code, peer: String, reason: String) {
        self.code = code
        self.peer = peer
        self.reason = reason
    }

    public static func == (a: TransportError, b: TransportError) -> Bool { a.code == b.code }

    /// True for failures that a fresh connection may not repeat (worth retrying).
    public var isTransient: Bool {
        switch self.code {
        case .connectionRefused, .connectTimeout, .readTimeout, .writeTimeout, .connectionReset, .unreachable: return true
        case .resolveFailed, .socketError: return false
        }
    }

    public var description: String {
        switch self.code {
        case .resolveFailed: return "cannot resolve host \(self.peer): \(self.reason)"
        case .connectionRefused: return "connection refused by \(self.peer): is the server running and listening on that port?"
        case .connectTimeout: return "timed out connecting to \(self.peer): \(self.reason)"
        case .unreachable: return "cannot reach \(self.peer): \(self.reason)"
        case .readTimeout: return "timed out waiting for \(self.peer) to answer: \(self.reason)"
        case .writeTimeout: return "timed out sending to \(self.peer): \(self.reason)"
        case .connectionReset: return "connection to \(self.peer) was reset: \(self.reason)"
        case .socketError: return "network error with \(self.peer): \(self.reason)"
        }
    }
}
