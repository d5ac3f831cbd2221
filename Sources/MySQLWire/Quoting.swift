/// SQL string-literal quoting for the text protocol.
public enum MySQLQuoting {
    /// `value` as a single-quoted SQL string literal.
    ///
    /// * Backslash mode (the default everywhere; Dolt's tokenizer always treats `\` as an escape,
    ///   vitess sqlparser/token.go): escape `\0 \n \r \\ ' " \x1A` with backslashes, like
    ///   go-sql-driver utils.go `escapeBytesBackslash` and PyMySQL `_escape_table`.
    /// * `noBackslashEscapes` (SERVER_STATUS_NO_BACKSLASH_ESCAPES): backslash is an ordinary
    ///   character, so only `'` is doubled (go-sql-driver `escapeStringQuotes`).
    ///
    /// Safe only because this client always speaks UTF-8 (collation 45): in multibyte charsets
    /// such as GBK a trailing byte can be 0x5C and swallow the escape.
    public static func quote(_ value: String, noBackslashEscapes: Bool) -> String {
        var out: [UInt8] = [UInt8(ascii: "'")]
        out.reserveCapacity(value.utf8.count + 8)
        for byte in value.utf8 {
            if noBackslashEscapes {
                out.append(byte)
                if byte == UInt8(ascii: "'") { out.append(byte) }
                continue
            }
            switch byte {
            case 0x00: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "0"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x1A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "Z"))
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""):
                out.append(UInt8(ascii: "\\")); out.append(byte)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "'"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `name` as a backtick-quoted identifier (inner backticks doubled). Throws on NUL.
    public static func quoteIdentifier(_ name: String) throws(MySQLError) -> String {
        guard !name.utf8.contains(0) else {
            throw MySQLError(.invalidArgument, "an SQL identifier contains a NUL character")
        }
        return "`" + name.replacingBackticks() + "`"
    }
}

extension String {
    fileprivate func replacingBackticks() -> String {
        var out = ""
        out.reserveCapacity(self.utf8.count + 2)
        for ch in self {
            out.append(ch)
            if ch == "`" { out.append("`") }
        }
        return out
    }
}
