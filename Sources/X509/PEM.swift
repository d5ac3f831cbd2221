// PEM (RFC 7468) certificate blocks and the base64 (RFC 4648 §4) they carry. Bundles mix
// certificates with comments, other PEM types and OpenSSL "TRUSTED CERTIFICATE" blocks, so
// text outside `-----BEGIN CERTIFICATE-----` … `-----END CERTIFICATE-----` is ignored.

import ByteCoding

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
