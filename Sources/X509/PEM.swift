// PEM (RFC 7468) certificate blocks and the base64 (RFC 4648 §4) they carry. Bundles mix
// certificates with comments, other PEM types and OpenSSL "TRUSTED CERTIFICATE" blocks, so
// text outside `-----BEGIN CERTIFICATE-----` … `-----END CERTIFICATE-----` is ignored.

/// PEM decoding of certificate bundles.
public enum PEM {
    /// The result of scanning a PEM text: decoded DER blocks, and how many blocks were not base64.
    public struct Blocks: Sendable {
        /// DER bytes of each well-formed CERTIFICATE block, in file order.
        public var certificates: [[UInt8]] = []
        /// CERTIFICATE blocks whose body was not valid base64 or had no END line.
        public var malformedCount = 0
    }

    private static let begin = Array("-----BEGIN CERTIFICATE-----".utf8)
    private static let end = Array("-----END CERTIFICATE-----".utf8)

    /// Extracts every CERTIFICATE block from `text` (any surrounding text is ignored).
    public static func certificateBlocks(in text: [UInt8]) -> Blocks {
        var out = Blocks()
        var i = 0
        while let b = Self.find(Self.begin, in: text, from: i) {
            let bodyStart = b + Self.begin.count
            guard let e = Self.find(Self.end, in: text, from: bodyStart) else {
                out.malformedCount += 1
                break
            }
            // A BEGIN line inside the body means the first block lost its END line.
            if let nested = Self.find(Self.begin, in: text, from: bodyStart), nested < e {
                out.malformedCount += 1
                i = nested
                continue
            }
            if let der = Base64.decode(text[bodyStart..<e]), !der.isEmpty {
                out.certificates.append(der)
            } else {
                out.malformedCount += 1
            }
            i = e + Self.end.count
        }
        return out
    }

    /// Convenience for string input.
    public static func certificateBlocks(in text: String) -> Blocks {
        Self.certificateBlocks(in: Array(text.utf8))
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, from >= 0 else { return nil }
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count, hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

/// Strict standard-alphabet base64 with `=` padding; ASCII whitespace between characters is skipped.
enum Base64 {
    /// Decodes; nil for a character outside the alphabet, bad padding or non-zero pad bits.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var quad: UInt32 = 0
        var n = 0
        var padding = 0
        for c in text {
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "="):
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            default: break
            }
            guard padding == 0, let v = Self.value(c) else { return nil }
            quad = quad << 6 | UInt32(v)
            n += 1
            if n == 4 {
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                out.append(UInt8(truncatingIfNeeded: quad >> 8))
                out.append(UInt8(truncatingIfNeeded: quad))
                quad = 0
                n = 0
            }
        }
        switch (n, padding) {
        case (0, 0): break
        case (2, 2), (2, 0):
            guard quad & 0xF == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: quad >> 4))
        case (3, 1), (3, 0):
            guard quad & 0x3 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: quad >> 10))
            out.append(UInt8(truncatingIfNeeded: quad >> 2))
        default: return nil
        }
        return out
    }

    @inline(__always) private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
