import ByteCoding

/// Builds DNS messages byte by byte from RFC 1035 §4.1, independently of the code under test.
enum Wire {
    static func header(id: UInt16, flags: UInt16 = 0x8180, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
        var out: [UInt8] = []
        for v in [id, flags, qd, an, ns, ar] { out.appendUInt16BE(v) }
        return out
    }

    /// An uncompressed name: "www.example.com" -> 3www7example3com0.
    static func name(_ dotted: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in dotted.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out.append(contentsOf: label.utf8)
        }
        out.append(0)
        return out
    }

    static func question(_ dotted: String, type: UInt16 = 1, klass: UInt16 = 1) -> [UInt8] {
        var out = name(dotted)
        out.appendUInt16BE(type)
        out.appendUInt16BE(klass)
        return out
    }

    static func record(owner: [UInt8], type: UInt16, klass: UInt16 = 1, ttl: UInt32 = 300, rdata: [UInt8]) -> [UInt8] {
        var out = owner
        out.appendUInt16BE(type)
        out.appendUInt16BE(klass)
        out.appendUInt32BE(ttl)
        out.appendUInt16BE(UInt16(rdata.count))
        out.append(contentsOf: rdata)
        return out
    }

    /// A compression pointer to `offset` (RFC 1035 §4.1.4).
    static func pointer(_ offset: Int) -> [UInt8] { [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF)] }

    /// Offset of the question name in every message built with `header`.
    static let questionOffset = 12
}
