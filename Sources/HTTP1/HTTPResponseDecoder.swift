/// Bounds applied to every response (STYLE.md rule 2: every length from a peer is bounded).
public struct HTTPLimits: Sendable {
    /// Longest status, header, chunk-size or trailer line, excluding CRLF.
    public var maxLineBytes: Int
    /// Most header fields (and, separately, trailer fields) in one response.
    public var maxHeaderCount: Int
    /// Most bytes in the whole header block (status line and header lines).
    public var maxHeaderBytes: Int
    /// Largest decoded body.
    public var maxBodyBytes: Int
    /// Most interim (1xx) responses skipped before the final one.
    public var maxInterimResponses: Int

    /// Creates limits; the defaults fit S3/R2 (512 MiB bodies cover a monthly Parquet file).
    public init(maxLineBytes: Int = 8 * 1024, maxHeaderCount: Int = 100, maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 512 * 1024 * 1024, maxInterimResponses: Int = 8) {
        self.maxLineBytes = maxLineBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxInterimResponses = maxInterimResponses
    }
}

/// Incremental, sans-I/O decoder for one HTTP/1.1 response (RFC 9112).
///
/// Feed it bytes as they arrive with `receive(_:)`; it returns the response once complete.
/// When the peer closes, call `receiveEndOfStream()` (completes close-delimited bodies, and
/// reports a truncated response otherwise). Bytes after the end of the response (a pipelined
/// next response) stay available through `takeUnconsumedBytes()`.
public struct HTTPResponseDecoder: Sendable {
    private enum State: Sendable {
        case statusLine
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(count: Int, bytes: Int)
        case untilClose
        case done
    }

    private let limits: HTTPLimits
    private let isHeadRequest: Bool
    private var state: State = .statusLine
    private var buffer: [UInt8] = []
    /// Index of the first unconsumed byte of `buffer`.
    private var index = 0
    /// Bytes after `index` already searched for LF (so drip-feeding stays linear).
    private var scanned = 0

    private var status = 0
    private var reason = ""
    private var minorVersion = 1
    private var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var interimCount = 0
    private var body: [UInt8] = []
    private var keepAlive = true
    private var completed: HTTPResponse?

    /// True once any byte of the response (including interim responses) has been received.
    public private(set) var hasReceivedBytes = false

    /// Creates a decoder for the response to a request with method `requestMethod`.
    public init(requestMethod: String, limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        self.isHeadRequest = requestMethod == "HEAD"
    }

    /// True when the response is complete.
    public var isComplete: Bool { self.completed != nil }

    /// Consumes `bytes`; returns the response when it is complete, `nil` when more is needed.
    public mutating func receive<C: Collection>(_ bytes: C) throws(HTTPError) -> HTTPResponse? where C.Element == UInt8 {
        if !bytes.isEmpty {
            self.hasReceivedBytes = true
            self.buffer.append(contentsOf: bytes)
        }
        if let done = self.completed { return done }
        try self.process()
        self.compact()
        return self.completed
    }

    /// Reports that the peer closed the stream; returns the response if that completes it.
    public mutating func receiveEndOfStream() throws(HTTPError) -> HTTPResponse {
        if let done = self.completed { return done }
        switch self.state {
        case .untilClose:
            self.finish()
            if let done = self.completed { return done }
            fatalError("HTTPResponseDecoder: finish() did not complete")
        case .statusLine where !self.hasReceivedBytes:
            throw .connectionClosed("the connection was closed before any response byte arrived", beforeResponse: true)
        case .statusLine, .headers:
            throw .connectionClosed("the connection was closed in the middle of the response header", beforeResponse: false)
        case .fixedBody(let remaining):
            throw .connectionClosed("the connection was closed with \(remaining) bytes of the body still missing", beforeResponse: false)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            throw .connectionClosed("the connection was closed in the middle of a chunked body", beforeResponse: false)
        case .done:
            fatalError("HTTPResponseDecoder: .done without a completed response")
        }
    }

    /// Returns (and forgets) bytes received after the end of the complete response.
    public mutating func takeUnconsumedBytes() -> [UInt8] {
        guard self.completed != nil, self.index < self.buffer.count else { return [] }
        let rest = Array(self.buffer[self.index...])
        self.buffer.removeAll()
        self.index = 0
        return rest
    }

    // MARK: - State machine

    private mutating func process() throws(HTTPError) {
        while true {
            switch self.state {
            case .statusLine:
                guard let line = try self.nextLine() else { return }
                try self.parseStatusLine(line)
                self.state = .headers
            case .headers:
                guard let line = try self.nextLine() else { return }
                if line.isEmpty {
                    try self.endOfHeaders()
                } else {
                    try self.parseHeaderLine(line)
                }
            case .fixedBody(let remaining):
                let available = self.buffer.count - self.index
                guard available > 0 else { return }
                let n = min(remaining, available)
                self.body.append(contentsOf: self.buffer[self.index..<(self.index + n)])
                self.index += n
                if n == remaining {
                    self.finish()
                } else {
                    self.state = .fixedBody(remaining: remaining - n)
                }
            case .chunkSize:
                guard let line = try self.nextLine() else { return }
                let size = try Self.parseChunkSize(line)
                if size == 0 {
                    self.state = .trailers(count: 0, bytes: 0)
                } else {
                    guard size <= UInt64(self.limits.maxBodyBytes - self.body.count) else {
                        throw .tooLarge("chunked body exceeds the \(self.limits.maxBodyBytes)-byte limit")
                    }
                    self.state = .chunkData(remaining: Int(size))
                }
            case .chunkData(let remaining):
                let available = self.buffer.count - self.index
                guard available > 0 else { return }
                let n = min(remaining, available)
                self.body.append(contentsOf: self.buffer[self.index..<(self.index + n)])
                self.index += n
                self.state = n == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - n)
            case .chunkDataEnd:
                guard let line = try self.nextLine() else { return }
                guard line.isEmpty else { throw .malformed("chunk data is not followed by CRLF") }
                self.state = .chunkSize
            case .trailers(let count, let bytes):
                guard let line = try self.nextLine() else { return }
                if line.isEmpty {
                    self.finish()
                } else {
                    // RFC 9112 §7.1.2: trailer fields are consumed; we have no use for them.
                    let newCount = count + 1
                    let newBytes = bytes + line.count + 2
                    guard newCount <= self.limits.maxHeaderCount, newBytes <= self.limits.maxHeaderBytes else {
                        throw .tooLarge("chunked trailer section exceeds \(self.limits.maxHeaderCount) fields or \(self.limits.maxHeaderBytes) bytes")
                    }
                    guard line.firstIndex(of: UInt8(ascii: ":")) != nil else { throw .malformed("trailer line without a colon") }
                    self.state = .trailers(count: newCount, bytes: newBytes)
                }
            case .untilClose:
                let available = self.buffer.count - self.index
                guard available > 0 else { return }
                guard available <= self.limits.maxBodyBytes - self.body.count else {
                    throw .tooLarge("close-delimited body exceeds the \(self.limits.maxBodyBytes)-byte limit")
                }
                self.body.append(contentsOf: self.buffer[self.index...])
                self.index = self.buffer.count
                return
            case .done:
                return
            }
        }
    }

    /// Returns the next line without its CRLF (bare LF tolerated, RFC 9112 §2.2), or `nil` if
    /// no complete line is buffered yet. Throws when the line exceeds the bound.
    private mutating func nextLine() throws(HTTPError) -> ArraySlice<UInt8>? {
        let start = self.index
        var i = start + self.scanned
        let end = self.buffer.count
        while i < end {
            if self.buffer[i] == 0x0A {
                var lineEnd = i
                if lineEnd > start && self.buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                guard lineEnd - start <= self.limits.maxLineBytes else {
                    throw .tooLarge("a response line is longer than \(self.limits.maxLineBytes) bytes")
                }
                self.index = i + 1
                self.scanned = 0
                let line = self.buffer[start..<lineEnd]
                guard !line.contains(0x0D) else { throw .malformed("bare CR inside a line") }
                return line
            }
            i += 1
        }
        self.scanned = end - start
        guard self.scanned <= self.limits.maxLineBytes + 1 else {
            throw .tooLarge("a response line is longer than \(self.limits.maxLineBytes) bytes")
        }
        return nil
    }

    private mutating func addHeaderBytes(_ n: Int) throws(HTTPError) {
        self.headerBytes += n
        guard self.headerBytes <= self.limits.maxHeaderBytes else {
            throw .tooLarge("the response header block is larger than \(self.limits.maxHeaderBytes) bytes")
        }
    }

    /// `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4).
    private mutating func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPError) {
        try self.addHeaderBytes(line.count + 2)
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        let b = Array(line)
        guard b.count >= 12, Array(b[0..<7]) == prefix else {
            throw .malformed("the status line does not start with HTTP/1.x (got \(Self.printable(b.prefix(40))))")
        }
        guard b[7] == UInt8(ascii: "0") || b[7] == UInt8(ascii: "1") else {
            throw .malformed("unsupported HTTP version 1.\(Self.printable(b[7..<8]))")
        }
        guard b[8] == 0x20 else { throw .malformed("no space after the HTTP version") }
        var code = 0
        for i in 9..<12 {
            let c = b[i]
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { throw .malformed("the status code is not three digits") }
            code = code * 10 + Int(c - UInt8(ascii: "0"))
        }
        guard code >= 100 && code <= 599 else { throw .malformed("status code \(code) is out of range") }
        if b.count > 12 {
            guard b[12] == 0x20 else { throw .malformed("no space after the status code") }
        }
        self.minorVersion = Int(b[7] - UInt8(ascii: "0"))
        self.status = code
        self.reason = b.count > 13 ? String(decoding: b[13...], as: UTF8.self) : ""
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    private mutating func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPError) {
        try self.addHeaderBytes(line.count + 2)
        guard self.headers.count < self.limits.maxHeaderCount else {
            throw .tooLarge("the response has more than \(self.limits.maxHeaderCount) header fields")
        }
        guard let first = line.first, first != 0x20 && first != 0x09 else {
            // RFC 9112 §5.2: obsolete line folding may be rejected.
            throw .malformed("obsolete header line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("a header line has no colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPSyntax.isTokenChar) else {
            // RFC 9112 §5.1: no whitespace between the field name and the colon.
            throw .malformed("invalid header name \"\(Self.printable(name.prefix(40)))\"")
        }
        var value = line[(colon + 1)...]
        while let c = value.first, c == 0x20 || c == 0x09 { value = value.dropFirst() }
        while let c = value.last, c == 0x20 || c == 0x09 { value = value.dropLast() }
        guard !value.contains(0x00) else { throw .malformed("a header value contains NUL") }
        self.headers.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    }

    /// Decides how the body is delimited (RFC 9112 §6.3) and whether the connection persists (§9.3).
    private mutating func endOfHeaders() throws(HTTPError) {
        if self.status < 200 {
            // RFC 9110 §15.2: interim responses (100 Continue, 103 Early Hints) precede the final one.
            guard self.status != 101 else { throw .malformed("unexpected 101 Switching Protocols") }
            self.interimCount += 1
            guard self.interimCount <= self.limits.maxInterimResponses else {
                throw .malformed("more than \(self.limits.maxInterimResponses) interim 1xx responses")
            }
            self.headers.removeAll()
            self.headerBytes = 0
            self.state = .statusLine
            return
        }
        var connectionTokens: [String] = []
        var transferCodings: [String] = []
        var hasTransferEncoding = false
        var contentLength: Int?
        for header in self.headers {
            if HTTPSyntax.equalsIgnoringASCIICase(header.name, "connection") {
                connectionTokens.append(contentsOf: HTTPSyntax.listTokens(header.value))
            } else if HTTPSyntax.equalsIgnoringASCIICase(header.name, "transfer-encoding") {
                hasTransferEncoding = true
                transferCodings.append(contentsOf: HTTPSyntax.listTokens(header.value))
            } else if HTTPSyntax.equalsIgnoringASCIICase(header.name, "content-length") {
                // RFC 9110 §8.6: a list of identical values may be treated as one value.
                for element in header.value.split(separator: ",", omittingEmptySubsequences: false) {
                    let n = try Self.parseContentLength(element.utf8)
                    if let previous = contentLength, previous != n {
                        throw .malformed("conflicting Content-Length values \(previous) and \(n)")
                    }
                    contentLength = n
                }
            }
        }
        if self.minorVersion == 0 {
            self.keepAlive = connectionTokens.contains("keep-alive") && !connectionTokens.contains("close")
        } else {
            self.keepAlive = !connectionTokens.contains("close")
        }
        if self.isHeadRequest || self.status == 204 || self.status == 304 {
            self.finish()
            return
        }
        if hasTransferEncoding {
            guard transferCodings == ["chunked"] else {
                // We never send TE/Accept-Encoding, so any other coding is unexpected.
                throw .malformed("unsupported Transfer-Encoding \"\(transferCodings.joined(separator: ", "))\"")
            }
            // RFC 9112 §6.1: with both TE and CL, TE wins and the connection must be closed after.
            if contentLength != nil { self.keepAlive = false }
            self.state = .chunkSize
            return
        }
        if let length = contentLength {
            guard length <= self.limits.maxBodyBytes else {
                throw .tooLarge("Content-Length \(length) exceeds the \(self.limits.maxBodyBytes)-byte limit")
            }
            self.body.reserveCapacity(min(length, 8 * 1024 * 1024))
            if length == 0 {
                self.finish()
            } else {
                self.state = .fixedBody(remaining: length)
            }
            return
        }
        // RFC 9112 §6.3 rule 8: no length, so the body runs until the server closes.
        self.keepAlive = false
        self.state = .untilClose
    }

    private mutating func finish() {
        self.state = .done
        self.completed = HTTPResponse(
            status: self.status, reason: self.reason, minorVersion: self.minorVersion,
            headers: self.headers, body: self.body, keepAlive: self.keepAlive)
        self.body = []
        self.headers = []
    }

    /// Drops consumed bytes so the buffer does not grow with the body.
    private mutating func compact() {
        if self.completed != nil { return }
        if self.index == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.index = 0
        } else if self.index >= 64 * 1024 {
            self.buffer.removeSubrange(0..<self.index)
            self.index = 0
        }
    }

    // MARK: - Leaf parsers

    /// `Content-Length = 1*DIGIT` (RFC 9110 §8.6), at most 18 digits so it fits an `Int`.
    static func parseContentLength<C: Collection>(_ raw: C) throws(HTTPError) -> Int where C.Element == UInt8 {
        var digits = Array(raw)[...]
        while let c = digits.first, c == 0x20 || c == 0x09 { digits = digits.dropFirst() }
        while let c = digits.last, c == 0x20 || c == 0x09 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 18 else { throw .malformed("invalid Content-Length") }
        var n = 0
        for c in digits {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { throw .malformed("invalid Content-Length") }
            n = n * 10 + Int(c - UInt8(ascii: "0"))
        }
        return n
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1): 1–16 hex digits; extensions are ignored.
    static func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPError) -> UInt64 {
        var size: UInt64 = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex, let nibble = Self.hexNibble(line[i]) {
            digits += 1
            guard digits <= 16 else { throw .malformed("chunk size has more than 16 hex digits") }
            size = size << 4 | UInt64(nibble)
            i += 1
        }
        guard digits > 0 else { throw .malformed("chunk size line does not start with a hex number") }
        while i < line.endIndex, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        guard i == line.endIndex || line[i] == UInt8(ascii: ";") else { throw .malformed("garbage after the chunk size") }
        return size
    }

    @inline(__always)
    static func hexNibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Renders peer bytes for an error message: printable ASCII kept, the rest as `?`.
    static func printable<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes.map { ($0 >= 0x20 && $0 < 0x7F) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
