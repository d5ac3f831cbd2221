// A strict DER reader (ITU-T X.690 §8 and §10) for certificates. Every byte comes from a peer or a
// file: lengths are definite and minimal, tags are single-byte, nesting is capped at 50 levels
// (swift-asn1's `_maximumNodeDepth`), and an element must be followed by nothing. Reads are index
// arithmetic over one shared [UInt8]; nothing here traps on input.

import ByteCoding

/// DER structure limits and entry points.
enum DER {
    /// Deepest nesting of constructed elements accepted (swift-asn1 uses the same value).
    static let maximumDepth = 50
    /// Largest single DER object accepted (a certificate is a few KiB; bundles are split first).
    static let maximumObjectSize = 1 << 20

    /// Parses `bytes` as exactly one DER element, validating the whole tree of constructed
    /// elements under it (lengths fill their parents exactly, depth ≤ `maximumDepth`).
    static func parse(_ bytes: [UInt8], what: String) throws -> DERElement {
        guard bytes.count <= Self.maximumObjectSize else {
            throw X509Error.malformed("\(what) is \(bytes.count) bytes long, more than the \(Self.maximumObjectSize) accepted")
        }
        var cursor = DERCursor(bytes, from: 0, to: bytes.count, what: what)
        let element = try cursor.next()
        guard cursor.isAtEnd else { throw X509Error.malformed("\(what) has trailing bytes after the DER structure") }
        try Self.validateTree(element, depth: 1, what: what)
        return element
    }

    /// Checks that every constructed element's children exactly fill it; recursion is bounded
    /// by `maximumDepth`, so hostile nesting cannot exhaust the stack.
    private static func validateTree(_ element: DERElement, depth: Int, what: String) throws {
        guard element.isConstructed else { return }
        guard depth < Self.maximumDepth else {
            throw X509Error.malformed("\(what) nests DER elements deeper than \(Self.maximumDepth) levels")
        }
        var children = element.children(what: what)
        while !children.isAtEnd {
            let child = try children.next()
            try Self.validateTree(child, depth: depth + 1, what: what)
        }
    }
}

/// One DER element (tag, length, content) inside a shared byte array.
struct DERElement: Sendable {
    /// The whole buffer the element lives in (shared, not copied).
    let bytes: [UInt8]
    /// The identifier octet (class, constructed bit, tag number < 31).
    let tag: UInt8
    /// Offset of the identifier octet.
    let start: Int
    /// Offset of the first content byte.
    let contentStart: Int
    /// One past the last content byte.
    let end: Int

    var isConstructed: Bool { self.tag & 0x20 != 0 }
    var content: ArraySlice<UInt8> { self.bytes[self.contentStart..<self.end] }
    var contentCount: Int { self.end - self.contentStart }
    /// The full encoding (identifier, length and content).
    var encoded: [UInt8] { Array(self.bytes[self.start..<self.end]) }

    /// A cursor over the element's content (its children when constructed).
    func children(what: String) -> DERCursor {
        DERCursor(self.bytes, from: self.contentStart, to: self.end, what: what)
    }
}

/// A bounded cursor over a sequence of DER elements.
struct DERCursor: Sendable {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int
    /// Names the object being parsed, for error messages ("the server certificate").
    let what: String

    init(_ bytes: [UInt8], from: Int, to: Int, what: String) {
        self.bytes = bytes
        self.index = max(0, min(from, bytes.count))
        self.end = max(self.index, min(to, bytes.count))
        self.what = what
    }

    var isAtEnd: Bool { self.index >= self.end }

    /// The identifier octet of the next element, if any.
    var peekTag: UInt8? { self.index < self.end ? self.bytes[self.index] : nil }

    /// Reads the next element (X.690 §8.1): single-byte tag, definite minimal length.
    mutating func next() throws -> DERElement {
        let start = self.index
        guard self.end - start >= 2 else { throw self.failure("is truncated (an element header is cut off)") }
        let tag = self.bytes[start]
        guard tag & 0x1F != 0x1F else { throw self.failure("uses a multi-byte tag, which certificates never need") }
        let first = self.bytes[start + 1]
        var i = start + 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else if first == 0x80 {
            throw self.failure("uses an indefinite length (BER, not DER)")
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4 else { throw self.failure("declares a length field of \(count) bytes (too large)") }
            guard self.end - i >= count else { throw self.failure("is truncated (a length field is cut off)") }
            guard self.bytes[i] != 0 else { throw self.failure("uses a non-minimal length encoding (leading zero)") }
            for _ in 0..<count {
                length = length << 8 | Int(self.bytes[i])
                i += 1
            }
            guard length >= 0x80 else { throw self.failure("uses the long length form for a length under 128 (not DER)") }
        }
        guard length <= self.end - i else {
            throw self.failure("is truncated (an element declares \(length) bytes but \(self.end - i) remain)")
        }
        self.index = i + length
        return DERElement(bytes: self.bytes, tag: tag, start: start, contentStart: i, end: i + length)
    }

    /// Reads the next element, which must carry `tag`.
    mutating func next(tag: UInt8, _ field: String) throws -> DERElement {
        guard let t = self.peekTag else { throw self.failure("ends before its \(field)") }
        guard t == tag else { throw self.failure("has an unexpected element where its \(field) belongs") }
        return try self.next()
    }

    /// Reads the next element when it carries `tag`; nil when absent.
    mutating func optional(tag: UInt8) throws -> DERElement? {
        guard self.peekTag == tag else { return nil }
        return try self.next()
    }

    /// Throws unless every byte has been consumed.
    func finish(_ field: String) throws {
        guard self.isAtEnd else { throw self.failure("has unexpected data after its \(field)") }
    }

    func failure(_ problem: String) -> X509Error {
        X509Error.malformed("\(self.what) \(problem)")
    }
}

/// Universal and context-specific identifier octets used in certificates.
enum DERTag {
    static let boolean: UInt8 = 0x01
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let oid: UInt8 = 0x06
    static let utf8String: UInt8 = 0x0C
    static let printableString: UInt8 = 0x13
    static let teletexString: UInt8 = 0x14
    static let ia5String: UInt8 = 0x16
    static let utcTime: UInt8 = 0x17
    static let generalizedTime: UInt8 = 0x18
    static let visibleString: UInt8 = 0x1A
    static let universalString: UInt8 = 0x1C
    static let bmpString: UInt8 = 0x1E
    static let sequence: UInt8 = 0x30
    static let set: UInt8 = 0x31

    /// Context-specific primitive [n].
    static func contextPrimitive(_ n: UInt8) -> UInt8 { 0x80 | n }
    /// Context-specific constructed [n].
    static func contextConstructed(_ n: UInt8) -> UInt8 { 0xA0 | n }
}

// MARK: - Primitive values

extension DERElement {
    /// BOOLEAN (X.690 §11.1: DER encodes TRUE as 0xFF).
    func boolean(_ field: String, what: String) throws -> Bool {
        guard self.tag == DERTag.boolean, self.contentCount == 1 else {
            throw X509Error.malformed("\(what) has a malformed BOOLEAN in its \(field)")
        }
        switch self.bytes[self.contentStart] {
        case 0x00: return false
        case 0xFF: return true
        default: throw X509Error.malformed("\(what) has a BOOLEAN that is not DER (neither 00 nor FF) in its \(field)")
        }
    }

    /// A non-negative INTEGER in minimal two's complement that fits `maximum`.
    func smallInteger(_ field: String, maximum: Int, what: String) throws -> Int {
        let magnitude = try self.unsignedIntegerBytes(field, what: what)
        guard magnitude.count <= 4 else { throw X509Error.malformed("\(what) has an out-of-range \(field)") }
        var value = 0
        for b in magnitude { value = value << 8 | Int(b) }
        guard value <= maximum else { throw X509Error.malformed("\(what) has an out-of-range \(field) (\(value))") }
        return value
    }

    /// The magnitude of a non-negative minimal INTEGER (leading sign byte removed).
    func unsignedIntegerBytes(_ field: String, what: String) throws -> ArraySlice<UInt8> {
        guard self.tag == DERTag.integer else { throw X509Error.malformed("\(what) has a \(field) that is not an INTEGER") }
        let c = self.content
        guard let first = c.first else { throw X509Error.malformed("\(what) has an empty INTEGER as its \(field)") }
        guard first & 0x80 == 0 else { throw X509Error.malformed("\(what) has a negative \(field)") }
        if c.count > 1, first == 0, c[c.startIndex + 1] & 0x80 == 0 {
            throw X509Error.malformed("\(what) has a non-minimal INTEGER as its \(field)")
        }
        return first == 0 ? c.dropFirst() : c
    }

    /// A BIT STRING with no unused bits (keys and signatures), returned without its pad byte.
    func octetAlignedBitString(_ field: String, what: String) throws -> [UInt8] {
        guard self.tag == DERTag.bitString, let pad = self.content.first else {
            throw X509Error.malformed("\(what) has a malformed BIT STRING as its \(field)")
        }
        guard pad == 0 else { throw X509Error.malformed("\(what) has a \(field) that is not a whole number of bytes") }
        return Array(self.content.dropFirst())
    }

    /// A BIT STRING as named bits (keyUsage): bit n of the result is ASN.1 bit n.
    func namedBits(_ field: String, what: String) throws -> UInt32 {
        guard self.tag == DERTag.bitString, let pad = self.content.first, pad < 8 else {
            throw X509Error.malformed("\(what) has a malformed BIT STRING as its \(field)")
        }
        let data = self.content.dropFirst()
        guard !(data.isEmpty && pad != 0) else { throw X509Error.malformed("\(what) has a malformed BIT STRING as its \(field)") }
        if let last = data.last, pad > 0, last & ((1 << pad) - 1) != 0 {
            throw X509Error.malformed("\(what) has non-zero unused bits in its \(field) (not DER)")
        }
        var bits: UInt32 = 0
        for (byteIndex, byte) in data.prefix(4).enumerated() {
            for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                bits |= 1 << UInt32(byteIndex * 8 + bit)
            }
        }
        return bits
    }

    /// An OBJECT IDENTIFIER (X.690 §8.19), validated (minimal base-128 arcs).
    func objectIdentifier(_ field: String, what: String) throws -> OID {
        guard self.tag == DERTag.oid, let oid = OID(encoded: self.content) else {
            throw X509Error.malformed("\(what) has a malformed OBJECT IDENTIFIER as its \(field)")
        }
        return oid
    }

    /// UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as seconds since the Unix epoch.
    func time(_ field: String, what: String) throws -> Int64 {
        let c = self.content
        let t: Int64?
        switch self.tag {
        case DERTag.utcTime: t = DERTime.parseUTCTime(c)
        case DERTag.generalizedTime: t = DERTime.parseGeneralizedTime(c)
        default: t = nil
        }
        guard let t else {
            throw X509Error.malformed("\(what) has a malformed \(field) time (RFC 5280 requires YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ)")
        }
        return t
    }
}

/// An OBJECT IDENTIFIER kept in its DER content encoding (compared byte for byte).
struct OID: Hashable, Sendable, CustomStringConvertible {
    let encoded: [UInt8]

    /// Validates DER content: non-empty, each arc minimal base-128, last byte terminates an arc.
    init?<C: Collection>(encoded bytes: C) where C.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var atArcStart = true
        for b in bytes {
            if atArcStart && b == 0x80 { return nil }
            atArcStart = b & 0x80 == 0
        }
        guard atArcStart else { return nil }
        self.encoded = Array(bytes)
    }

    /// Builds a constant from dotted notation. Only for literals in this module.
    init(_ dotted: String) {
        let arcs = dotted.split(separator: ".").map { UInt64($0) ?? 0 }
        var out: [UInt8] = []
        var values = arcs.count >= 2 ? [arcs[0] * 40 + arcs[1]] : arcs
        if arcs.count > 2 { values += arcs[2...] }
        for v in values {
            var chunk: [UInt8] = [UInt8(v & 0x7F)]
            var rest = v >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            out += chunk
        }
        self.encoded = out
    }

    /// Dotted-decimal form, e.g. `2.5.29.19`.
    var description: String {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for b in self.encoded {
            guard value < (UInt64(1) << 56) else { return "(oversized OID)" }
            value = value << 7 | UInt64(b & 0x7F)
            if b & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    arcs.append(first)
                    arcs.append(value - first * 40)
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        return arcs.map(String.init).joined(separator: ".")
    }
}

/// Time parsing and formatting in UTC (proleptic Gregorian calendar).
enum DERTime {
    /// UTCTime `YYMMDDHHMMSSZ`; years 50–99 are 19xx, 00–49 are 20xx (RFC 5280 §4.1.2.5.1).
    static func parseUTCTime(_ c: ArraySlice<UInt8>) -> Int64? {
        guard c.count == 13, c.last == UInt8(ascii: "Z") else { return nil }
        let s = c.startIndex
        guard let yy = Self.digits(c, s, 2) else { return nil }
        let year = yy >= 50 ? 1900 + yy : 2000 + yy
        return Self.assemble(year: year, c, s + 2)
    }

    /// GeneralizedTime `YYYYMMDDHHMMSSZ` without fractions (RFC 5280 §4.1.2.5.2).
    static func parseGeneralizedTime(_ c: ArraySlice<UInt8>) -> Int64? {
        guard c.count == 15, c.last == UInt8(ascii: "Z") else { return nil }
        let s = c.startIndex
        guard let year = Self.digits(c, s, 4) else { return nil }
        return Self.assemble(year: year, c, s + 4)
    }

    private static func assemble(year: Int, _ c: ArraySlice<UInt8>, _ i: Int) -> Int64? {
        guard let month = Self.digits(c, i, 2), let day = Self.digits(c, i + 2, 2),
            let hour = Self.digits(c, i + 4, 2), let minute = Self.digits(c, i + 6, 2),
            let second = Self.digits(c, i + 8, 2),
            (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year, month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func digits(_ c: ArraySlice<UInt8>, _ at: Int, _ count: Int) -> Int? {
        var v = 0
        for i in at..<(at + count) {
            guard i < c.endIndex else { return nil }
            let d = c[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        UnixCalendar.days(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD HH:MM:SS UTC` for messages.
    static func format(_ seconds: Int64) -> String {
        UnixCalendar.formatUTC(seconds)
    }
}
