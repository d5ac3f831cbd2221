// Server identity checks (RFC 9525 / RFC 6125 as profiled by the CA/B Forum and webpki):
// subjectAltName only (no Common Name fallback), ASCII case-insensitive DNS comparison, one
// trailing dot on the reference name tolerated, a wildcard only as the entire left-most label
// matching exactly one label, and IP literals compared only with iPAddress entries.

/// A reference identity: what the client connected to.
enum ReferenceName: Equatable {
    /// A lower-cased DNS name without a trailing dot.
    case dns(String)
    /// 4 or 16 address bytes.
    case ip([UInt8])

    /// Parses a host name or IP literal (IPv6 optionally in brackets); nil when it is neither.
    init?(_ host: String) {
        var h = host
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if let v4 = IPAddress.parseIPv4(h) {
            self = .ip(v4)
            return
        }
        if h.contains(":") {
            guard let v6 = IPAddress.parseIPv6(h) else { return nil }
            self = .ip(v6)
            return
        }
        if h.hasSuffix(".") { h.removeLast() }
        guard !h.isEmpty, h.utf8.count <= 253, let ascii = ASCII.string(h.utf8) else { return nil }
        let labels = ascii.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else { return nil }
        self = .dns(ascii.lowercased())
    }
}

/// Host-name matching against a certificate's subjectAltName.
enum HostNameMatcher {
    /// True when a SAN entry covers the reference name.
    static func matches(_ reference: ReferenceName, _ names: [GeneralName]) -> Bool {
        for name in names {
            switch (reference, name) {
            case (.dns(let ref), .dnsName(let pattern)):
                if Self.dnsMatches(reference: ref, pattern: pattern) { return true }
            case (.ip(let ref), .ipAddress(let bytes)):
                if ref == bytes { return true }
            default:
                continue
            }
        }
        return false
    }

    /// `pattern` is a SAN dNSName; `reference` is lower-cased with no trailing dot.
    static func dnsMatches(reference: String, pattern rawPattern: String) -> Bool {
        let pattern = rawPattern.lowercased()
        guard !pattern.isEmpty, !pattern.hasSuffix(".") else { return false }
        guard pattern.contains("*") else { return pattern == reference }
        // Only "*.<rest>" with no other '*': partial-label and non-left-most wildcards are
        // refused (CA/B BR §3.2.2.6; webpki and pyca do the same).
        guard pattern.hasPrefix("*."), !pattern.dropFirst().contains("*") else { return false }
        let suffix = pattern.dropFirst(1)  // ".rest"
        guard suffix.count > 1 else { return false }
        guard reference.hasSuffix(suffix) else { return false }
        let firstLabel = reference.dropLast(suffix.count)
        return !firstLabel.isEmpty && !firstLabel.contains(".")
    }
}

/// IP address literal parsing and formatting.
enum IPAddress {
    /// Dotted-quad IPv4: four decimal parts 0…255, no leading zeros (which some parsers read as octal).
    static func parseIPv4(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            guard p.count == 1 || !p.hasPrefix("0"), let v = Int(p), v <= 255 else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    /// IPv6 text (RFC 4291 §2.2): eight groups or "::" compression, optional trailing dotted IPv4.
    static func parseIPv6(_ s: String) -> [UInt8]? {
        guard s.utf8.count <= 45, !s.contains("%") else { return nil }
        let halves = s.components(separatedByString: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let items = part.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var out: [UInt16] = []
            for (i, item) in items.enumerated() {
                if allowIPv4Tail, i == items.count - 1, item.contains(".") {
                    guard let v4 = parseIPv4(item) else { return nil }
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard !item.isEmpty, item.count <= 4, let v = UInt16(item, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        var words: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            words = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = groups(s, allowIPv4Tail: true), all.count == 8 else { return nil }
            words = all
        }
        var out: [UInt8] = []
        for w in words {
            out.append(UInt8(w >> 8))
            out.append(UInt8(w & 0xFF))
        }
        return out
    }

    /// Text form for messages (IPv6 uncompressed, lower-case hex).
    static func format(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        guard b.count == 16 else { return "(invalid address)" }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(b[i]) << 8 | UInt16(b[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}

extension String {
    /// Splits on a multi-character separator (standard library only).
    fileprivate func components(separatedByString sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}
