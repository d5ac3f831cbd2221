/// The one error type of the HTTP/1.1 layer: a stable `code` plus a human `reason`.
///
/// `beforeResponse` tells whether the failure happened before a single byte of the response
/// arrived: on a reused keep-alive connection that is the classic "server closed the idle
/// connection" race, which callers may retry once on a fresh connection (RFC 9112 §9.3.1).
public struct HTTPError: Error, CustomStringConvertible, Equatable {
    /// Stable error categories.
    public enum Code: String, Sendable {
        /// The peer closed the connection before the response was complete (or before it began).
        case connectionClosed
        /// The peer sent bytes that are not a valid HTTP/1.1 response.
        case malformed
        /// A line, the header block or the body exceeded a configured bound.
        case tooLarge
        /// The request we were asked to send cannot be encoded safely (e.g. CR/LF in a header).
        case invalidRequest
        /// The underlying byte stream threw (socket, TLS or deadline error); see `underlying`.
        case streamFailed
    }

    /// The stable category.
    public let code: Code
    /// What exactly went wrong, for people.
    public let reason: String
    /// True when no byte of the response had been received when the failure happened.
    public let beforeResponse: Bool
    /// The stream error that caused a `.streamFailed`, if any.
    public let underlying: (any Error)?

    /// Creates an error; prefer the static factories.
    public init(code: Code, reason: String, beforeResponse: Bool = false, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.beforeResponse = beforeResponse
        self.underlying = underlying
    }

    /// The connection ended before (or in the middle of) a response.
    public static func connectionClosed(_ reason: String, beforeResponse: Bool) -> HTTPError {
        HTTPError(code: .connectionClosed, reason: reason, beforeResponse: beforeResponse)
    }

    /// The response violates HTTP/1.1 syntax.
    public static func malformed(_ what: String) -> HTTPError {
        HTTPError(code: .malformed, reason: what)
    }

    /// A bound was exceeded.
    public static func tooLarge(_ what: String) -> HTTPError {
        HTTPError(code: .tooLarge, reason: what)
    }

    /// The request cannot be encoded.
    public static func invalidRequest(_ what: String) -> HTTPError {
        HTTPError(code: .invalidRequest, reason: what)
    }

    /// Equality compares the stable code only (STYLE.md rule 5).
    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool { lhs.code == rhs.code }

    /// A one-sentence explanation with a hint where one helps.
    public var description: String {
        switch self.code {
        case .connectionClosed:
            return "HTTP connection closed by the server: \(self.reason). If this repeats, check the endpoint URL and any proxy in between."
        case .malformed:
            return "malformed HTTP response: \(self.reason). The endpoint does not look like an HTTP/1.1 S3 server; check the endpoint URL and scheme (http vs https)."
        case .tooLarge:
            return "HTTP response too large: \(self.reason)."
        case .invalidRequest:
            return "invalid HTTP request: \(self.reason)."
        case .streamFailed:
            let detail = self.underlying.map { String(describing: $0) } ?? "unknown error"
            return "HTTP connection failed: \(self.reason): \(detail)."
        }
    }
}
