import ByteCoding

/// A malformed or unacceptable message: the alert to send and what was wrong.
struct MessageError: Error, Equatable {
    /// The alert this failure maps to (RFC 8446 §6.2).
    let alert: AlertDescription
    /// What was wrong, for the user-facing message.
    let reason: String

    init(_ alert: AlertDescription, _ reason: String) {
        self.alert = alert
        self.reason = reason
    }

    /// Failures compare by alert only; the reason is for people.
    static func == (lhs: MessageError, rhs: MessageError) -> Bool { lhs.alert == rhs.alert }

    /// decode_error: the bytes do not parse.
    static func decode(_ what: String) -> MessageError { MessageError(.decodeError, "malformed \(what)") }
}

/// Bounded vector readers over `ByteReader` (RFC 8446 §3.4 presentation-language vectors).
extension ByteReader {
    /// Reads a vector with a 1-byte length prefix.
    mutating func vector8(_ what: String) throws(MessageError) -> ByteReader {
        guard let n = self.readByte(), let sub = self.subReader(Int(n)) else { throw .decode(what) }
        return sub
    }

    /// Reads a vector with a 2-byte length prefix.
    mutating func vector16(_ what: String) throws(MessageError) -> ByteReader {
        guard let n = self.readUInt16BE(), let sub = self.subReader(Int(n)) else { throw .decode(what) }
        return sub
    }

    /// Reads a vector with a 3-byte length prefix.
    mutating func vector24(_ what: String) throws(MessageError) -> ByteReader {
        guard let n = self.readUInt24BE(), let sub = self.subReader(Int(n)) else { throw .decode(what) }
        return sub
    }

    /// Reads a big-endian UInt16 or fails with decode_error.
    mutating func u16(_ what: String) throws(MessageError) -> UInt16 {
        guard let v = self.readUInt16BE() else { throw .decode(what) }
        return v
    }

    /// Fails with decode_error unless everything was consumed (no trailing bytes).
    func expectEnd(_ what: String) throws(MessageError) {
        guard self.isAtEnd else { throw MessageError(.decodeError, "trailing bytes after \(what)") }
    }
}

/// Length-prefixed vector writers.
extension Array where Element == UInt8 {
    /// Appends `body` with a 1-byte length prefix.
    mutating func appendVector8(_ body: [UInt8]) {
        precondition(body.count <= 0xFF, "TLS vector8 too long")
        self.append(UInt8(body.count))
        self.append(contentsOf: body)
    }

    /// Appends `body` with a 2-byte length prefix.
    mutating func appendVector16(_ body: [UInt8]) {
        precondition(body.count <= 0xFFFF, "TLS vector16 too long")
        self.appendUInt16BE(UInt16(body.count))
        self.append(contentsOf: body)
    }

    /// Appends `body` with a 3-byte length prefix.
    mutating func appendVector24(_ body: [UInt8]) {
        precondition(body.count <= 0xFF_FFFF, "TLS vector24 too long")
        self.appendUInt24BE(UInt32(body.count))
        self.append(contentsOf: body)
    }
}

/// One extension: type and opaque extension_data (RFC 8446 §4.2).
public struct TLSExtension: Sendable, Equatable {
    /// ExtensionType code.
    public let type: UInt16
    /// extension_data.
    public let data: [UInt8]

    /// Builds an extension.
    public init(type: UInt16, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// Parses an extension block `Extension extensions<0..2^16-1>`, rejecting duplicates
    /// ("There MUST NOT be more than one extension of the same type", RFC 8446 §4.2).
    static func decodeList(_ reader: inout ByteReader, _ what: String) throws(MessageError) -> [TLSExtension] {
        var block = try reader.vector16("\(what) extensions")
        var out: [TLSExtension] = []
        var seen = Set<UInt16>()
        while !block.isAtEnd {
            let type = try block.u16("\(what) extension type")
            var body = try block.vector16("\(what) extension data")
            guard seen.insert(type).inserted else {
                throw MessageError(.illegalParameter, "\(what) contains extension 0x\(Hex.encode([UInt8(type >> 8), UInt8(type & 0xFF)])) twice")
            }
            out.append(TLSExtension(type: type, data: body.readRemaining()))
        }
        return out
    }

    /// Appends an extension block.
    static func encodeList(_ extensions: [TLSExtension], into out: inout [UInt8]) {
        var block: [UInt8] = []
        for e in extensions {
            block.appendUInt16BE(e.type)
            block.appendVector16(e.data)
        }
        out.appendVector16(block)
    }
}

/// A handshake message header: msg_type(1) ‖ length(3) (RFC 8446 §4).
enum HandshakeFraming {
    /// Wraps a message body with its handshake header.
    static func wrap(_ type: HandshakeType, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [type.rawValue]
        out.appendVector24(body)
        return out
    }
}
