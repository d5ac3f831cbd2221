import ByteCoding

/// The record types this client asks for or follows (RFC 1035 §3.2.2, RFC 3596).
enum DNSRecordType: UInt16, Sendable {
    case a = 1
    case cname = 5
    case aaaa = 28
}

/// What one nameserver said about one question.
enum DNSAnswer: Sendable, Equatable {
    /// The name (after CNAMEs) has records of the asked type.
    case addresses([IPAddress])
    /// The name exists but has no record of this type (NOERROR, empty answer).
    case noData
    /// NXDOMAIN: the name does not exist.
    case nameError
    /// TC bit: the answer did not fit a UDP datagram; ask again over TCP.
    case truncated
    /// Any other RCODE (SERVFAIL 2, REFUSED 5, ...): ask another nameserver.
    case serverFailure(rcode: UInt8)
}

/// Why a datagram was not an answer to the question we sent.
enum DNSParseError: Error, Equatable {
    /// Wrong ID, not a response, or another question: not ours (maybe spoofed); keep waiting.
    case notOurAnswer(String)
    /// Ours, but not a well-formed DNS message: give up on this nameserver.
    case malformed(String)
}

/// DNS messages, sans-I/O (RFC 1035 §4): building one query, checking and reading its answer.
///
/// Every length, count and compression pointer in an answer is peer data: names are at most
/// 255 octets on the wire, pointers must point backwards (so they cannot loop) and at most
/// `maxPointers` are followed, record data must lie inside the message and match its type's size,
/// and bytes after the last record are rejected.
enum DNSMessage {
    static let headerLength = 12
    static let maxPointers = 32
    static let maxCNAMEs = 8
    static let classIN: UInt16 = 1

    /// Wire labels of a host name ("a.example" -> ["a", "example"]); nil if it is not a host name
    /// or a label is longer than 63 octets.
    static func labels(of name: String) -> [[UInt8]]? {
        guard let normalized = HostName.normalized(name.utf8) else { return nil }
        let parts = normalized.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return nil }
        return parts.map { Array($0) }
    }

    /// A standard recursive query (RD set) for one name and type, class IN.
    static func query(id: UInt16, name: [[UInt8]], type: DNSRecordType) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerLength + 4 + name.reduce(1) { $0 + $1.count + 1 })
        out.appendUInt16BE(id)
        out.appendUInt16BE(0x0100)  // QR=0, opcode QUERY, RD=1
        out.appendUInt16BE(1)       // QDCOUNT
        out.appendUInt16BE(0)
        out.appendUInt16BE(0)
        out.appendUInt16BE(0)
        for label in name {
            out.append(UInt8(label.count))
            out.append(contentsOf: label)
        }
        out.append(0)
        out.appendUInt16BE(type.rawValue)
        out.appendUInt16BE(classIN)
        return out
    }

    /// Checks that `message` answers our query (`id`, `name`, `type`) and reads the addresses,
    /// following a CNAME chain inside the answer section.
    static func parseAnswer(_ message: [UInt8], id: UInt16, name: [[UInt8]], type: DNSRecordType) throws(DNSParseError) -> DNSAnswer {
        var r = ByteReader(message)
        guard let gotID = r.readUInt16BE(), let flags = r.readUInt16BE(), let qd = r.readUInt16BE(),
              let an = r.readUInt16BE(), let ns = r.readUInt16BE(), let ar = r.readUInt16BE()
        else { throw .notOurAnswer("shorter than a DNS header (\(message.count) bytes)") }
        guard gotID == id else { throw .notOurAnswer("ID \(gotID), expected \(id)") }
        guard flags & 0x8000 != 0 else { throw .notOurAnswer("a query, not a response") }
        guard (flags >> 11) & 0xF == 0 else { throw .malformed("opcode \((flags >> 11) & 0xF) in the response") }
        guard qd == 1 else { throw .notOurAnswer("\(qd) questions, expected our 1") }
        let (qname, afterName) = try readName(message, at: r.offset)
        guard r.skip(afterName - r.offset), let qtype = r.readUInt16BE(), let qclass = r.readUInt16BE() else {
            throw .malformed("question section cut short")
        }
        guard qname == name, qtype == type.rawValue, qclass == classIN else {
            throw .notOurAnswer("the question in the answer is not the one we asked")
        }
        if flags & 0x0200 != 0 { return .truncated }
        let rcode = UInt8(flags & 0xF)
        switch rcode {
        case 0: break
        case 3: return .nameError
        default: return .serverFailure(rcode: rcode)
        }

        var cnames: [([UInt8], [UInt8])] = []   // (owner, target), flattened lower-case wire names
        var records: [([UInt8], IPAddress)] = []
        for section in 0..<3 {
            let count = [an, ns, ar][section]
            for _ in 0..<count {
                let (owner, afterOwner) = try readName(message, at: r.offset)
                guard r.skip(afterOwner - r.offset), let rtype = r.readUInt16BE(), let rclass = r.readUInt16BE(),
                      r.readUInt32BE() != nil, let rdlength = r.readUInt16BE()
                else { throw .malformed("resource record header cut short") }
                let rdataStart = r.offset
                guard r.skip(Int(rdlength)) else { throw .malformed("record data longer than the message") }
                guard section == 0, rclass == classIN else { continue }
                switch rtype {
                case DNSRecordType.cname.rawValue:
                    let (target, afterTarget) = try readName(message, at: rdataStart)
                    guard afterTarget == r.offset else { throw .malformed("CNAME data length \(rdlength) does not match its name") }
                    cnames.append((flatten(owner), flatten(target)))
                case type.rawValue:
                    let want = type == .a ? 4 : 16
                    guard Int(rdlength) == want, let address = IPAddress(bytes: Array(message[rdataStart..<r.offset])) else {
                        throw .malformed("\(type == .a ? "A" : "AAAA") record of \(rdlength) bytes, expected \(want)")
                    }
                    records.append((flatten(owner), address))
                default:
                    continue
                }
            }
        }
        guard r.isAtEnd else { throw .malformed("\(r.remaining) bytes after the last record") }

        var target = flatten(name)
        var hops = 0
        while let next = cnames.first(where: { $0.0 == target })?.1 {
            hops += 1
            guard hops <= maxCNAMEs else { throw .malformed("more than \(maxCNAMEs) CNAMEs in a chain (a loop?)") }
            target = next
        }
        var addresses: [IPAddress] = []
        for (owner, address) in records where owner == target && !addresses.contains(address) {
            addresses.append(address)
        }
        return addresses.isEmpty ? .noData : .addresses(addresses)
    }

    /// Reads a possibly compressed name starting at `start`; returns its lower-cased labels and
    /// the offset just after the name's bytes at `start` (after the first pointer, if any).
    static func readName(_ message: [UInt8], at start: Int) throws(DNSParseError) -> ([[UInt8]], Int) {
        var labels: [[UInt8]] = []
        var wireLength = 1   // the root label
        var position = start
        var resume: Int?
        var pointers = 0
        while true {
            guard position >= 0, position < message.count else { throw .malformed("name runs past the end of the message") }
            let length = message[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 { return (labels, resume ?? position + 1) }
                let first = position + 1, end = first + Int(length)
                guard end <= message.count else { throw .malformed("label runs past the end of the message") }
                wireLength += Int(length) + 1
                guard wireLength <= 255 else { throw .malformed("name longer than 255 bytes") }
                labels.append(message[first..<end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
                position = end
            case 0xC0:
                guard position + 1 < message.count else { throw .malformed("compression pointer cut short") }
                let target = Int(length & 0x3F) << 8 | Int(message[position + 1])
                pointers += 1
                // Backwards only: every jump goes to a strictly smaller offset, so no loop is possible.
                guard target < position, target >= headerLength, pointers <= maxPointers else {
                    throw .malformed("compression pointer to offset \(target) from \(position) (forward or a loop)")
                }
                if resume == nil { resume = position + 2 }
                position = target
            default:
                throw .malformed("label type 0x\(String(length & 0xC0, radix: 16)) is not supported")
            }
        }
    }

    private static func flatten(_ labels: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for label in labels {
            out.append(UInt8(truncatingIfNeeded: label.count))
            out.append(contentsOf: label)
        }
        return out
    }
}
