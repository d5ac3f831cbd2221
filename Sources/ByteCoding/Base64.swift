/// Strict standard-alphabet base64 (RFC 4648 §4) for PEM bodies: ASCII whitespace between
/// characters is skipped, `=` only at the end, and the unused bits of the last quantum must be zero.
public enum Base64 {
    /// Decodes `text`; nil for a character outside the alphabet, misplaced or excess padding,
    /// non-zero pad bits, or (with `requirePadding`) a final quantum without its `=` padding.
    public static func decode<C: Collection>(_ text: C, requirePadding: Bool = false) -> [UInt8]? where C.Element == UInt8 {
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
        case (2, 2), (3, 1):
            break
        case (2, 0), (3, 0):
            // A final quantum without its `=` padding: accepted unless the caller insists.
            guard !requirePadding else { return nil }
        default:
            return nil
        }
        switch n {
        case 2:
            guard quad & 0xF == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: quad >> 4))
        case 3:
            guard quad & 0x3 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: quad >> 10))
            out.append(UInt8(truncatingIfNeeded: quad >> 2))
        default:
            break
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
