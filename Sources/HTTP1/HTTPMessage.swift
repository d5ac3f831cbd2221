import ByteCoding

/// An HTTP/1.1 request as it will go on the wire (RFC 9112 §3).
///
/// `target` is the request-target exactly as sent (already percent-encoded by the caller, e.g.
/// the S3 signer, which must sign the very same bytes). Headers are sent in the given order.
public struct HTTPRequest: Sendable {
    /// Method token, e.g. `GET`, `PUT`, `HEAD`.
    public var method: String
    /// Origin-form request-target, e.g. `/bucket/key%20name?list-type=2`.
    public var target: String
    /// Header fields in send order. `Content-Length` is added by the encoder when absent.
    public var headers: [(name: String, value: String)]
    /// Request body (sent with `Content-Length`; never chunked).
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// True when the method's response never has a body (RFC 9110 §9.3.2).
    public var isHead: Bool { self.method == "HEAD" }

    /// Appends the wire form to `out` (request line, headers, blank line, body).
    ///
    /// Throws `.invalidRequest` when a method, target, header name or value could smuggle a
    /// line break or is otherwise not representable (RFC 9110 §5.5: no CR, LF or NUL in values).
    public func encode(into out: inout [UInt8]) throws(HTTPError) {
        guard !self.method.isEmpty, self.method.utf8.allSatisfy(HTTPSyntax.isTokenChar) else {
            throw .invalidRequest("method \"\(self.method)\" is not an HTTP token")
        }
        guard !self.target.isEmpty, self.target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequest("request target contains spaces, control or non-ASCII bytes; it must be percent-encoded")
        }
        var hasContentLength = false
        for header in self.headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(HTTPSyntax.isTokenChar) else {
                throw .invalidRequest("header name \"\(header.name)\" is not an HTTP token")
            }
            guard header.value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0x00 }) else {
                throw .invalidRequest("header \(header.name) contains a line break or NUL")
            }
            if HTTPSyntax.equalsIgnoringASCIICase(header.name, "content-length") {
                guard header.value == String(self.body.count) else {
                    throw .invalidRequest("Content-Length header \(header.value) does not match the body size \(self.body.count)")
                }
                hasContentLength = true
            }
            if HTTPSyntax.equalsIgnoringASCIICase(header.name, "transfer-encoding") {
                throw .invalidRequest("Transfer-Encoding is not supported for requests; bodies are sent with Content-Length")
            }
        }
        out.reserveCapacity(out.count + 256 + self.body.count)
        out.appendString(self.method)
        out.append(0x20)
        out.appendString(self.target)
        out.appendString(" HTTP/1.1\r\n")
        for header in self.headers {
            out.appendString(header.name)
            out.appendString(": ")
            out.appendString(header.value)
            out.appendString("\r\n")
        }
        // RFC 9110 §8.6: a user agent SHOULD send Content-Length when the method defines a
        // meaning for content (PUT/POST), even when it is 0; R2 answers 411 without it.
        if !hasContentLength && (!self.body.isEmpty || self.method == "PUT" || self.method == "POST") {
            out.appendString("Content-Length: \(self.body.count)\r\n")
        }
        out.appendString("\r\n")
        out.append(contentsOf: self.body)
    }

    /// The wire form as a new array.
    public func encoded() throws(HTTPError) -> [UInt8] {
        var out: [UInt8] = []
        try self.encode(into: &out)
        return out
    }
}

/// A complete HTTP/1.1 response (RFC 9112 §4, §6).
public struct HTTPResponse: Sendable {
    /// Status code, 100…999.
    public var status: Int
    /// Reason phrase as sent (may be empty).
    public var reason: String
    /// Minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    public var minorVersion: Int
    /// Header fields in received order (trailers of a chunked body are not included).
    public var headers: [(name: String, value: String)]
    /// The decoded body (de-chunked).
    public var body: [UInt8]
    /// True when the connection may carry another request after this response (RFC 9112 §9.3).
    public var keepAlive: Bool

    /// Creates a response.
    public init(status: Int, reason: String = "", minorVersion: Int = 1, headers: [(name: String, value: String)] = [], body: [UInt8] = [], keepAlive: Bool = true) {
        self.status = status
        self.reason = reason
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The first value of header `name`, compared case-insensitively (RFC 9110 §5.1).
    public func header(_ name: String) -> String? {
        for header in self.headers where HTTPSyntax.equalsIgnoringASCIICase(header.name, name) {
            return header.value
        }
        return nil
    }

    /// All values of header `name`, in received order.
    public func headerValues(_ name: String) -> [String] {
        self.headers.filter { HTTPSyntax.equalsIgnoringASCIICase($0.name, name) }.map(\.value)
    }
}

/// Character classes and comparisons from RFC 9110 §5.6.
enum HTTPSyntax {
    /// `tchar` (RFC 9110 §5.6.2).
    @inline(__always)
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c | 0x20 : c
    }

    /// ASCII case-insensitive equality (header names, tokens).
    static func equalsIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where lower(p) != lower(q) { return false }
        return true
    }

    /// Splits a comma-separated list header into trimmed, lower-cased, non-empty elements.
    static func listTokens(_ value: String) -> [String] {
        value.split(separator: ",").map { part in
            String(decoding: part.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed().drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed().map(lower), as: UTF8.self)
        }.filter { !$0.isEmpty }
    }
}
