/// A bidirectional, blocking byte stream: the seam between protocol clients (HTTP/1.1, MySQL)
/// and what carries their bytes (a TCP socket, a TLS session over a socket, or an in-memory
/// script in tests).
///
/// Implementations are used from one thread at a time. Blocking calls must never run on Swift
/// concurrency's cooperative pool; the backfill drives streams from dedicated threads.
public protocol ByteStream: AnyObject {
    /// Reads at least one and at most `maxBytes` bytes. Returns an empty array at end of stream
    /// (the peer closed cleanly). Throws on a transport error or when the read deadline passes.
    func read(maxBytes: Int) throws -> [UInt8]
    /// Writes all of `bytes` or throws.
    func write(_ bytes: [UInt8]) throws
    /// Closes the stream. Idempotent; never throws.
    func close()
    /// A short description of the peer for messages, e.g. `127.0.0.1:3306`.
    var peerDescription: String { get }
}

/// A stream that replays scripted server bytes and records what the client writes.
/// Used by protocol tests in every layer, so it lives beside the protocol it fakes.
public final class ScriptedByteStream: ByteStream {
    private var incoming: [[UInt8]]
    public private(set) var written: [UInt8] = []
    public private(set) var isClosed = false
    /// Chunk size for reads: 1 drip-feeds the client byte by byte.
    public let chunkSize: Int
    public var peerDescription: String { "scripted peer" }
    /// When set, reading past the script throws this error instead of returning end of stream.
    public var errorAtEnd: (any Error)?

    public init(serverChunks: [[UInt8]], chunkSize: Int = Int.max) {
        self.incoming = serverChunks.filter { !$0.isEmpty }
        self.chunkSize = max(1, chunkSize)
    }

    public func read(maxBytes: Int) throws -> [UInt8] {
        guard !self.incoming.isEmpty else {
            if let e = self.errorAtEnd { throw e }
            return []
        }
        let n = min(maxBytes, self.chunkSize, self.incoming[0].count)
        let out = Array(self.incoming[0].prefix(n))
        self.incoming[0].removeFirst(n)
        if self.incoming[0].isEmpty { self.incoming.removeFirst() }
        return out
    }

    public func write(_ bytes: [UInt8]) throws { self.written.append(contentsOf: bytes) }
    public func close() { self.isClosed = true }

    /// Appends more server bytes (for tests that answer what the client wrote).
    public func enqueue(_ bytes: [UInt8]) { if !bytes.isEmpty { self.incoming.append(bytes) } }
}
