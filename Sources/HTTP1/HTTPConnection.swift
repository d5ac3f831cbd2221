public import ByteCoding

/// A blocking HTTP/1.1 client connection over one `ByteStream`, one request at a time.
///
/// It keeps the connection for further requests while the server allows it (RFC 9112 §9.3);
/// callers check `isReusable` and open a new connection otherwise. Not thread-safe: use it
/// from one thread.
public final class HTTPConnection {
    private let stream: any ByteStream
    private let limits: HTTPLimits
    /// Bytes the server sent after the previous response (a pipelined next response).
    private var pending: [UInt8] = []
    private var closed = false
    private var broken = false
    /// Number of complete responses received on this connection.
    public private(set) var completedResponses = 0

    /// Wraps `stream` with the default limits.
    public convenience init(stream: any ByteStream) {
        self.init(stream: stream, limits: HTTPLimits())
    }

    /// Wraps `stream` with explicit limits.
    public init(stream: any ByteStream, limits: HTTPLimits) {
        self.stream = stream
        self.limits = limits
    }

    /// True when another request may be sent on this connection.
    public var isReusable: Bool { !self.closed && !self.broken }

    /// A short description of the server for messages.
    public var peerDescription: String { self.stream.peerDescription }

    /// Sends `request` and reads its complete response.
    ///
    /// Throws `HTTPError`; stream failures are wrapped as `.streamFailed` with `beforeResponse`
    /// set when no response byte had arrived. After any error the connection is not reusable.
    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        guard self.isReusable else {
            throw .connectionClosed("the connection is no longer usable", beforeResponse: true)
        }
        let wire = try request.encoded()
        do {
            try self.stream.write(wire)
        } catch {
            self.fail()
            throw HTTPError(code: .streamFailed, reason: "sending the request to \(self.stream.peerDescription) failed", beforeResponse: true, underlying: error)
        }
        var decoder = HTTPResponseDecoder(requestMethod: request.method, limits: self.limits)
        do throws(HTTPError) {
            var response: HTTPResponse?
            if !self.pending.isEmpty {
                let early = self.pending
                self.pending = []
                response = try decoder.receive(early)
            }
            while response == nil {
                let chunk: [UInt8]
                do {
                    chunk = try self.stream.read(maxBytes: 64 * 1024)
                } catch {
                    throw HTTPError(code: .streamFailed, reason: "reading the response from \(self.stream.peerDescription) failed", beforeResponse: !decoder.hasReceivedBytes, underlying: error)
                }
                if chunk.isEmpty {
                    response = try decoder.receiveEndOfStream()
                    self.closed = true
                    self.stream.close()
                } else {
                    response = try decoder.receive(chunk)
                }
            }
            guard let complete = response else { fatalError("HTTPConnection: loop ended without a response") }
            self.pending = decoder.takeUnconsumedBytes()
            self.completedResponses += 1
            if !complete.keepAlive { self.close() }
            return complete
        } catch {
            self.fail()
            throw error
        }
    }

    /// Closes the underlying stream. Idempotent.
    public func close() {
        guard !self.closed else { return }
        self.closed = true
        self.stream.close()
    }

    private func fail() {
        self.broken = true
        self.close()
    }
}
