// A minimal strict DER reader (X.690 §10): definite minimal lengths, single-byte tags, no
// trailing bytes. Enough for RSAPublicKey, SubjectPublicKeyInfo and ECDSA-Sig-Value.

/// Cursor over DER bytes; every read is bounds-checked and returns nil on any BER-ism.
struct DERReader: Sendable {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
    }

    private init(_ bytes: [UInt8], from: Int, to: Int) {
        self.bytes = bytes
        self.index = from
        self.end = to
    }

    var isAtEnd: Bool { self.index >= self.end }

    /// Reads one TLV with the given single-byte tag, returning its content range.
    mutating func read(tag: UInt8) -> Range<Int>? {
        guard self.end - self.index >= 2, self.bytes[self.index] == tag else { return nil }
        var i = self.index + 1
        let first = self.bytes[i]
        i += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            // Long form: 1–3 length bytes (≤ 16 MiB), minimal (no leading zero, ≥ 128).
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 3, self.end - i >= count, self.bytes[i] != 0 else { return nil }
            for _ in 0..<count {
                length = length << 8 | Int(self.bytes[i])
                i += 1
            }
            guard length >= 0x80 else { return nil }
        }
        guard length <= self.end - i else { return nil }
        self.index = i + length
        return i..<(i + length)
    }

    /// Reads a constructed TLV (e.g. SEQUENCE 0x30) and returns a reader over its contents.
    mutating func readConstructed(tag: UInt8) -> DERReader? {
        guard let r = self.read(tag: tag) else { return nil }
        return DERReader(self.bytes, from: r.lowerBound, to: r.upperBound)
    }

    /// Reads the contents of a primitive TLV.
    mutating func readPrimitive(tag: UInt8) -> ArraySlice<UInt8>? {
        guard let r = self.read(tag: tag) else { return nil }
        return self.bytes[r]
    }

    /// Reads a non-negative INTEGER in minimal two's-complement form and returns its magnitude
    /// without the sign octet (empty for zero).
    mutating func readUnsignedInteger() -> ArraySlice<UInt8>? {
        guard let v = self.readPrimitive(tag: 0x02), let first = v.first else { return nil }
        guard first & 0x80 == 0 else { return nil }  // negative
        if first == 0 {
            guard v.count >= 2 else { return v.dropFirst() }  // the value zero
            let second = v[v.startIndex + 1]
            guard second & 0x80 != 0 else { return nil }  // non-minimal leading zero
            return v.dropFirst()
        }
        return v
    }
}
