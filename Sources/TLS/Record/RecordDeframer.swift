/// Maximum TLSPlaintext.length and TLSInnerPlaintext content (RFC 8446 §5.1): 2^14.
let maxPlaintextLength = 1 << 14
/// Maximum TLSCiphertext.length (RFC 8446 §5.2): 2^14 + 256.
let maxCiphertextLength = (1 << 14) + 256

/// One record as framed on the wire: header fields plus its body.
struct WireRecord: Sendable {
    /// The content type byte (not yet validated).
    let type: UInt8
    /// The 5-byte header (the AEAD additional data of protected records).
    let header: ArraySlice<UInt8>
    /// The record body (fragment or encrypted_record).
    let body: ArraySlice<UInt8>
}

/// Why a record could not be framed.
enum DeframeFailure: Error, Equatable {
    /// The bytes are not a TLS record header at all (unknown type or major version).
    case notTLS
    /// length > 2^14 + 256.
    case overflow(Int)
}

/// Cuts TLS records out of a byte stream fed in arbitrary pieces (RFC 8446 §5.1).
/// Short input yields nil (wait for more); a malformed header throws.
struct RecordDeframer {
    private var buffer: [UInt8] = []
    private var start = 0

    /// Appends received bytes.
    mutating func feed(_ bytes: [UInt8]) {
        if self.start > 0 && self.start >= self.buffer.count / 2 {
            self.buffer.removeFirst(self.start)
            self.start = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// Bytes buffered but not yet returned as a record.
    var bufferedByteCount: Int { self.buffer.count - self.start }

    /// The next complete record, or nil if more bytes are needed.
    mutating func next() throws(DeframeFailure) -> WireRecord? {
        let available = self.buffer.count - self.start
        guard available >= 1 else { return nil }
        let type = self.buffer[self.start]
        guard (0x14...0x17).contains(type) else { throw .notTLS }
        guard available >= 5 else {
            if available >= 2 && self.buffer[self.start + 1] != 0x03 { throw .notTLS }
            return nil
        }
        guard self.buffer[self.start + 1] == 0x03 else { throw .notTLS }
        let length = Int(self.buffer[self.start + 3]) << 8 | Int(self.buffer[self.start + 4])
        guard length <= maxCiphertextLength else { throw .overflow(length) }
        guard available >= 5 + length else { return nil }
        let headerEnd = self.start + 5
        let record = WireRecord(
            type: type,
            header: self.buffer[self.start..<headerEnd],
            body: self.buffer[headerEnd..<(headerEnd + length)])
        self.start = headerEnd + length
        return record
    }
}
