/// Host names shared by every resolver step: case-folding and the syntax a DNS query can carry.
enum HostName {
    /// The longest name in presentation form without the trailing dot (RFC 1035 §2.3.4: 255 octets on the wire).
    static let maxLength = 253

    /// Lower-cased ASCII bytes of `name` without one trailing dot; nil when empty, too long,
    /// non-ASCII or holding bytes no host name has (controls, spaces, '/', '#', ...).
    static func normalized<C: Collection>(_ name: C) -> [UInt8]? where C.Element == UInt8 {
        var out = Array(name)
        if out.last == UInt8(ascii: ".") { out.removeLast() }
        guard !out.isEmpty, out.count <= maxLength else { return nil }
        for i in out.indices {
            let b = out[i]
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out[i] = b | 0x20
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                continue
            default: return nil
            }
        }
        return out
    }
}

/// `/etc/hosts` (hosts(5)): "address name [aliases...]" lines, '#' comments.
///
/// Sans-I/O: parsed from bytes the caller read (at most `maxBytes`). Lines whose address is not
/// a numeric IPv4/IPv6 literal (for example scoped "fe80::1%eth0") and names that are not host
/// names are skipped, as the C library does; nothing in the file can make the parse fail.
struct HostsFile: Sendable {
    /// Reading stops being reasonable long before this; a bigger file is refused by the reader.
    static let maxBytes = 1 << 20
    static let path = "/etc/hosts"

    struct Entry: Sendable, Equatable {
        var address: IPAddress
        /// Normalized (lower-case, no trailing dot) names, canonical name first.
        var names: [[UInt8]]
    }

    let entries: [Entry]

    static func parse(_ bytes: [UInt8]) -> HostsFile {
        var entries: [Entry] = []
        var lineStart = 0
        let limit = min(bytes.count, maxBytes)
        while lineStart < limit {
            var lineEnd = lineStart
            while lineEnd < limit, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if let entry = parseLine(bytes[lineStart..<lineEnd]) { entries.append(entry) }
            lineStart = lineEnd + 1
        }
        return HostsFile(entries: entries)
    }

    private static func parseLine(_ line: ArraySlice<UInt8>) -> Entry? {
        var content = line
        if let hash = content.firstIndex(of: UInt8(ascii: "#")) { content = content[..<hash] }
        let fields = content.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") })
        guard fields.count >= 2,
              let text = String(validating: fields[0], as: UTF8.self),
              let address = IPAddress(literal: text), !text.hasPrefix("[")
        else { return nil }
        let names = fields.dropFirst().compactMap { HostName.normalized($0) }
        return names.isEmpty ? nil : Entry(address: address, names: names)
    }

    /// Every address listed for `name` (case-insensitive, trailing dot ignored), in file order, without repeats.
    func addresses(for name: String) -> [IPAddress] {
        guard let wanted = HostName.normalized(name.utf8) else { return [] }
        var out: [IPAddress] = []
        for entry in entries where entry.names.contains(wanted) && !out.contains(entry.address) {
            out.append(entry.address)
        }
        return out
    }
}

/// `/etc/resolv.conf` (resolv.conf(5)): the nameserver, search/domain and options lines this client uses.
///
/// Sans-I/O and tolerant like the C library: unknown keywords and malformed values are ignored,
/// limits are clamped (3 nameservers, 6 search domains, ndots ≤ 15, timeout ≤ 30 s, attempts ≤ 5).
struct ResolvConf: Sendable, Equatable {
    static let maxBytes = 64 << 10
    static let path = "/etc/resolv.conf"
    static let maxNameservers = 3
    static let maxSearchDomains = 6

    var nameservers: [IPAddress] = []
    /// Normalized suffixes appended to relative names.
    var search: [[UInt8]] = []
    /// A name with at least this many dots is tried as given before the search list.
    var ndots = 1
    /// Seconds to wait for one answer from one nameserver.
    var timeoutSeconds = 5
    /// Rounds over all nameservers.
    var attempts = 2

    static func parse(_ bytes: [UInt8]) -> ResolvConf {
        var conf = ResolvConf()
        let limit = min(bytes.count, maxBytes)
        var lineStart = 0
        while lineStart < limit {
            var lineEnd = lineStart
            while lineEnd < limit, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            conf.apply(bytes[lineStart..<lineEnd])
            lineStart = lineEnd + 1
        }
        return conf
    }

    private mutating func apply(_ line: ArraySlice<UInt8>) {
        guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: ";") else { return }
        let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") })
            .prefix(16)
            .compactMap { String(validating: $0, as: UTF8.self) }
        guard let keyword = fields.first else { return }
        let values = fields.dropFirst()
        switch keyword {
        case "nameserver":
            // Scoped IPv6 ("fe80::1%eth0") is not supported and skipped.
            if let v = values.first, nameservers.count < Self.maxNameservers, let address = IPAddress(literal: v), !v.hasPrefix("[") {
                nameservers.append(address)
            }
        case "search", "domain":
            // The last search or domain line wins (resolv.conf(5)).
            search = Array(values.compactMap { HostName.normalized($0.utf8) }.prefix(Self.maxSearchDomains))
        case "options":
            for option in values {
                if let n = Self.optionValue(option, "ndots:") { ndots = min(n, 15) }
                if let n = Self.optionValue(option, "timeout:") { timeoutSeconds = max(1, min(n, 30)) }
                if let n = Self.optionValue(option, "attempts:") { attempts = max(1, min(n, 5)) }
            }
        default:
            return
        }
    }

    private static func optionValue(_ option: String, _ prefix: String) -> Int? {
        guard option.hasPrefix(prefix) else { return nil }
        let digits = option.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
