/// R2 settings from the environment and `./.env` (the real environment wins).
struct R2Settings {
    var endpoint: String
    var accessKeyID: String
    var secretAccessKey: String
    var bucket: String
    var region: String

    /// Looks settings up; `lookup` consults the real environment first, then `.env`.
    static func load(lookup: (String) -> String?) throws -> R2Settings {
        func first(_ names: [String]) -> String? {
            for n in names { if let v = lookup(n), !v.isEmpty { return v } }
            return nil
        }
        var endpoint = first(["R2_ENDPOINT", "R2_ENDPOINT_URL"])
        if endpoint == nil, let account = first(["R2_ACCOUNT_ID"]) {
            guard account.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw UsageError("R2_ACCOUNT_ID '\(account)' is not an account id (letters and digits)")
            }
            endpoint = "https://\(account).r2.cloudflarestorage.com"
        }
        if endpoint == nil { endpoint = first(["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]) }
        let key = first(["R2_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"])
        let secret = first(["R2_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"])
        let bucket = first(["R2_BUCKET", "R2_BUCKET_NAME"])
        var missing: [String] = []
        if endpoint == nil { missing.append("R2_ENDPOINT (or R2_ENDPOINT_URL, or R2_ACCOUNT_ID)") }
        if key == nil { missing.append("R2_ACCESS_KEY_ID") }
        if secret == nil { missing.append("R2_SECRET_ACCESS_KEY") }
        if bucket == nil { missing.append("R2_BUCKET (or R2_BUCKET_NAME)") }
        guard missing.isEmpty, let endpoint, let key, let secret, let bucket else {
            throw UsageError("missing R2 settings: \(missing.joined(separator: ", ")); set them in the environment or in ./.env")
        }
        return R2Settings(endpoint: endpoint, accessKeyID: key, secretAccessKey: secret, bucket: bucket,
            region: first(["R2_REGION", "AWS_REGION"]) ?? "auto")
    }
}

/// A `.env` file: `KEY=VALUE` lines, optional `export `, `#` comments, single or double quotes.
enum DotEnv {
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = rawLine.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters() }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmingCharacters()
            var value = String(line[line.index(after: eq)...]).trimmingCharacters()
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { continue }
            if let q = value.first, q == "\"" || q == "'", value.count >= 2, value.last == q {
                value = String(value.dropFirst().dropLast())
                if q == "\"" { value = value.replacingEscapes() }
            } else if let hash = value.range(of: " #") {
                value = String(value[..<hash.lowerBound]).trimmingCharacters()
            }
            out[key] = value
        }
        return out
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    fileprivate func replacingEscapes() -> String {
        var out = ""
        var escaping = false
        for c in self {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The first occurrence of `needle` (the standard library has no substring search without Foundation).
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var i = self.startIndex
        while i < self.endIndex {
            if self[i...].hasPrefix(needle) { return i..<self.index(i, offsetBy: needle.count) }
            i = self.index(after: i)
        }
        return nil
    }
}
