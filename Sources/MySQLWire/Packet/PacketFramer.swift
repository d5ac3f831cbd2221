import ByteCoding

/// MySQL packet framing, sans-I/O: 3-byte little-endian payload length + 1-byte sequence id
/// (MySQL internals "MySQL Packets").
///
/// * A payload of 0xFFFFFF bytes or more is split into 0xFFFFFF-byte packets followed by a shorter
///   one; when the payload is an exact multiple of 0xFFFFFF the last packet is empty. Reading joins
///   them back.
/// * The sequence id is one counter shared by both directions within a command exchange: every
///   physical packet, whichever side sends it, takes the next id mod 256, and each command resets
///   it to 0 (`resetSequence()`). So after the server's greeting (id 0) the client writes id 1.
/// * Incoming ids are checked strictly (vitess conn.go:590 does the same); the single exception is
///   an ERR packet, which MariaDB sends with id 0 on shutdown (PyMySQL connections.py:774).
/// * Total reassembled size is bounded by `maxPayloadSize` (an error past it, checked from the
///   headers before the bytes are buffered).
public struct PacketFramer: Sendable {
    /// Largest payload of one physical packet; a packet this long continues in the next one.
    public static let maxPhysicalPayload = 0xFF_FF_FF
    /// Default bound on a reassembled payload: 64 MiB.
    public static let defaultMaxPayloadSize = 64 << 20

    /// Bound on a reassembled payload.
    public let maxPayloadSize: Int
    /// The id the next packet (read or written) must carry.
    public private(set) var sequence: UInt8 = 0

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Payload gathered so far from 0xFFFFFF-byte packets of a continued payload.
    private var pending: [UInt8] = []
    private var inContinuation = false

    /// A framer; `maxPayloadSize` bounds one reassembled payload.
    public init(maxPayloadSize: Int = PacketFramer.defaultMaxPayloadSize) {
        self.maxPayloadSize = max(0, maxPayloadSize)
    }

    /// Number of received bytes not yet returned as packets.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex + self.pending.count }

    /// Starts a new command exchange: the next packet carries id 0.
    public mutating func resetSequence() { self.sequence = 0 }

    /// Adds bytes received from the server.
    public mutating func feed(_ bytes: [UInt8]) {
        if self.readIndex == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.readIndex = 0
        } else if self.readIndex >= 64 << 10 {
            self.buffer.removeSubrange(0..<self.readIndex)
            self.readIndex = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// The next complete (reassembled) payload, or `nil` when more bytes are needed.
    /// Throws on a sequence-id mismatch or a payload over `maxPayloadSize`.
    /// A copy of `nextPayloadSlice()`'s bytes, for callers that keep the payload.
    public mutating func nextPayload() throws(MySQLError) -> [UInt8]? {
        try self.nextPayloadSlice().map { Array($0) }
    }

    /// The next complete payload without copying it out of the receive buffer: the slice shares
    /// the framer's storage. Same checks and errors as `nextPayload()`. Hot path (one call per
    /// result row).
    ///
    /// The slice stays valid whatever the framer does next (it is a value), but while it is alive
    /// the next `feed` must copy the whole buffer to mutate it: drop it before feeding more bytes.
    /// A payload joined from continuation packets comes in a slice of its own array.
    public mutating func nextPayloadSlice() throws(MySQLError) -> ArraySlice<UInt8>? {
        while true {
            let available = self.buffer.count - self.readIndex
            guard available >= 4 else { return nil }
            let i = self.readIndex
            let length = Int(self.buffer[i]) | Int(self.buffer[i + 1]) << 8 | Int(self.buffer[i + 2]) << 16
            let seq = self.buffer[i + 3]
            let total = self.pending.count + length
            if total > self.maxPayloadSize {
                throw MySQLError.packetTooLarge(total, limit: self.maxPayloadSize)
            }
            guard available - 4 >= length else { return nil }
            let start = i + 4
            if seq != self.sequence {
                // MariaDB/MySQL may send an ERR with an unexpected id (shutdown, idle timeout).
                let isLoneERR = !self.inContinuation && length > 0 && self.buffer[start] == 0xFF
                    && length < PacketFramer.maxPhysicalPayload
                guard isLoneERR else {
                    throw MySQLError.protocolViolation("invalid packet sequence id: expected \(self.sequence), got \(seq)")
                }
                self.sequence = seq
            }
            self.sequence &+= 1
            self.readIndex = start + length
            if length == PacketFramer.maxPhysicalPayload {
                self.pending.append(contentsOf: self.buffer[start..<(start + length)])
                self.inContinuation = true
                continue
            }
            if self.inContinuation {
                self.pending.append(contentsOf: self.buffer[start..<(start + length)])
                let out = self.pending
                self.pending = []
                self.inContinuation = false
                return out[...]
            }
            return self.buffer[start..<(start + length)]
        }
    }

    /// Frames `payload` (splitting at 0xFFFFFF, with a trailing empty packet for exact multiples)
    /// into `out`, consuming sequence ids.
    public mutating func encode(_ payload: [UInt8], into out: inout [UInt8]) {
        var offset = 0
        while true {
            let n = min(PacketFramer.maxPhysicalPayload, payload.count - offset)
            out.appendUInt24LE(UInt32(n))
            out.append(self.sequence)
            self.sequence &+= 1
            out.append(contentsOf: payload[offset..<(offset + n)])
            offset += n
            if n < PacketFramer.maxPhysicalPayload { break }
        }
    }

    /// Frames `payload` into a new buffer.
    public mutating func encode(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 4)
        self.encode(payload, into: &out)
        return out
    }
}
