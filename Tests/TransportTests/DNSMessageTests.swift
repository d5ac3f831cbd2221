import ByteCoding
import Testing
@testable import Transport

@Suite("DNS messages")
struct DNSMessageTests {
    static let id: UInt16 = 0xBEEF
    static let asked = ["db", "example", "com"].map { Array($0.utf8) }

    /// A NOERROR answer to "db.example.com" A with `records` in the answer section.
    static func answer(_ records: [[UInt8]], flags: UInt16 = 0x8180, id: UInt16 = id, question: [UInt8] = Wire.question("db.example.com")) -> [UInt8] {
        Wire.header(id: id, flags: flags, an: UInt16(records.count)) + question + records.flatMap { $0 }
    }

    @Test("a query is the RFC 1035 header with RD set, one question, class IN")
    func encodesQuery() {
        let bytes = DNSMessage.query(id: 0x1234, name: Self.asked, type: .aaaa)
        let expected: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
            + [2] + Array("db".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
            + [0, 28, 0, 1]
        #expect(bytes == expected)
    }

    @Test("host names become lower-case labels; empty or over-long labels are refused",
          arguments: [
            ("DB.Example.COM", ["db", "example", "com"]),
            ("db.example.com.", ["db", "example", "com"]),
            (String(repeating: "a", count: 63) + ".x", [String(repeating: "a", count: 63), "x"]),
            (String(repeating: "a", count: 64) + ".x", nil),
            ("a..b", nil),
            (".a", nil),
            ("", nil),
            ("bad name", nil),
            ("bücher.example", nil),
          ] as [(String, [String]?)])
    func labels(input: String, expected: [String]?) {
        #expect(DNSMessage.labels(of: input) == expected?.map { Array($0.utf8) })
    }

    @Test("an A record whose owner points back at the question is returned")
    func compressedAnswer() throws {
        let message = Self.answer([Wire.record(owner: Wire.pointer(Wire.questionOffset), type: 1, rdata: [10, 0, 0, 7]),
                                   Wire.record(owner: Wire.pointer(Wire.questionOffset), type: 1, rdata: [10, 0, 0, 8])])
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a)
            == .addresses([.v4([10, 0, 0, 7]), .v4([10, 0, 0, 8])]))
    }

    @Test("the question is compared case-insensitively (0x20 mixing by resolvers)")
    func caseInsensitiveQuestion() throws {
        let message = Self.answer([Wire.record(owner: Wire.name("DB.EXAMPLE.com"), type: 1, rdata: [1, 2, 3, 4])],
                                  question: Wire.question("Db.ExAmPlE.CoM"))
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a) == .addresses([.v4([1, 2, 3, 4])]))
    }

    @Test("a CNAME chain is followed inside the answer; records of other names are ignored")
    func cnameChain() throws {
        // db.example.com CNAME lb.example.net; lb.example.net CNAME node.example.org; node A 192.0.2.9
        let q = Wire.questionOffset
        let cname1 = Wire.record(owner: Wire.pointer(q), type: 5, rdata: Wire.name("lb.example.net"))
        let lbOffset = q + Wire.question("db.example.com").count + 2 + 10   // owner pointer, fixed fields
        let cname2 = Wire.record(owner: Wire.pointer(lbOffset), type: 5, rdata: [4] + Array("node".utf8) + Wire.pointer(lbOffset + 3))
        let other = Wire.record(owner: Wire.name("elsewhere.example"), type: 1, rdata: [203, 0, 113, 1])
        let nodeOffset = lbOffset + Wire.name("lb.example.net").count + 2 + 10   // cname2's data
        let a = Wire.record(owner: Wire.pointer(nodeOffset), type: 1, rdata: [192, 0, 2, 9])
        let message = Self.answer([cname1, cname2, other, a])
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a) == .addresses([.v4([192, 0, 2, 9])]))
    }

    @Test("AAAA answers carry 16-byte addresses")
    func aaaa() throws {
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        let message = Wire.header(id: Self.id, an: 1) + Wire.question("db.example.com", type: 28)
            + Wire.record(owner: Wire.pointer(12), type: 28, rdata: v6)
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .aaaa) == .addresses([.v6(v6)]))
    }

    @Test("RCODE and TC map to outcomes", arguments: [
        (UInt16(0x8180), DNSAnswer.noData),
        (0x8183, .nameError),
        (0x8182, .serverFailure(rcode: 2)),
        (0x8185, .serverFailure(rcode: 5)),
        (0x8380, .truncated),
    ] as [(UInt16, DNSAnswer)])
    func outcomes(flags: UInt16, expected: DNSAnswer) throws {
        #expect(try DNSMessage.parseAnswer(Self.answer([], flags: flags), id: Self.id, name: Self.asked, type: .a) == expected)
    }

    @Test("datagrams that do not answer our question are not trusted", arguments: [
        ("wrong ID", Wire.header(id: 0xBEEE, an: 0) + Wire.question("db.example.com")),
        ("a query, not a response", Wire.header(id: id, flags: 0x0100) + Wire.question("db.example.com")),
        ("another name", Wire.header(id: id) + Wire.question("db.example.org")),
        ("another type", Wire.header(id: id) + Wire.question("db.example.com", type: 28)),
        ("another class", Wire.header(id: id) + Wire.question("db.example.com", klass: 3)),
        ("no question", Wire.header(id: id, qd: 0)),
        ("two questions", Wire.header(id: id, qd: 2) + Wire.question("db.example.com") + Wire.question("db.example.com")),
        ("shorter than a header", [0xBE, 0xEF, 0x81]),
    ] as [(String, [UInt8])])
    func notOurs(_ what: String, message: [UInt8]) {
        #expect(throws: DNSParseError.self) { try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a) }
        do {
            _ = try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a)
        } catch {
            guard case .notOurAnswer = error else { Issue.record("\(what): \(error) should be notOurAnswer"); return }
        }
    }

    static let q = Wire.questionOffset
    /// Type A, class IN, TTL 1, RDLENGTH 4, 1.2.3.4: a record's fields after its owner name.
    static let aFields: [UInt8] = [0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]

    /// An answer with one record whose bytes `tail` builds from the offset they start at.
    static func rawAnswer(_ tail: (Int) -> [UInt8]) -> [UInt8] {
        let head = answer([])
        return (head + tail(head.count)).withAnswerCount(1)
    }
    static let malformedCases: [(String, [UInt8])] = [
        ("question name pointing at itself",
         Wire.header(id: id) + Wire.pointer(12) + [0, 1, 0, 1]),
        ("answer owner pointing at itself",
         rawAnswer { at in Wire.pointer(at) + aFields }),
        ("pointer forward",
         rawAnswer { at in Wire.pointer(at + 2) + Wire.name("x") + aFields }),
        ("pointer into the header",
         answer([Wire.record(owner: Wire.pointer(2), type: 1, rdata: [1, 2, 3, 4])])),
        ("A record of 5 bytes",
         answer([Wire.record(owner: Wire.pointer(q), type: 1, rdata: [1, 2, 3, 4, 5])])),
        ("record data past the end",
         Array(answer([Wire.record(owner: Wire.pointer(q), type: 1, rdata: [1, 2, 3, 4])]).dropLast(2))),
        ("trailing garbage",
         answer([Wire.record(owner: Wire.pointer(q), type: 1, rdata: [1, 2, 3, 4])]) + [0]),
        ("fewer records than counted",
         answer([Wire.record(owner: Wire.pointer(q), type: 1, rdata: [1, 2, 3, 4])]).withAnswerCount(2)),
        ("label type 0x40",
         answer([[0x41, 0x00] + aFields])),
        ("CNAME data length not matching its name",
         answer([Wire.record(owner: Wire.pointer(q), type: 5, rdata: Wire.name("a.example") + [0])])),
        ("CNAME loop",
         answer([Wire.record(owner: Wire.pointer(q), type: 5, rdata: Wire.name("b.example")),
                 Wire.record(owner: Wire.name("b.example"), type: 5, rdata: Wire.pointer(q))])),
        ("opcode STATUS",
         answer([], flags: 0x9180)),
    ]

    @Test("malformed answers are rejected, never trusted or trapped on", arguments: malformedCases)
    func malformed(_ what: String, message: [UInt8]) {
        do {
            let got = try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a)
            Issue.record("\(what): accepted as \(got)")
        } catch {
            guard case .malformed = error else { Issue.record("\(what): \(error) should be malformed"); return }
        }
    }

    @Test("a name longer than 255 bytes built from pointers is refused")
    func overlongName() {
        // Four 63-byte labels chained by backward pointers (4 * 64 + 1 = 257 bytes on the wire), stored
        // as the data of a record of an unknown type, then an A record whose owner is that name.
        let head = Self.answer([])
        let chainStart = head.count + 2 + 10
        var chain: [UInt8] = []
        var previous = -1
        for _ in 0..<4 {
            let start = chainStart + chain.count
            chain += [63] + [UInt8](repeating: UInt8(ascii: "a"), count: 63)
            chain += previous < 0 ? [0] : Wire.pointer(previous)
            previous = start
        }
        let message = (head + Wire.record(owner: Wire.pointer(Wire.questionOffset), type: 99, rdata: chain)
            + Wire.pointer(previous) + Self.aFields).withAnswerCount(2)
        #expect(throws: DNSParseError.malformed("name longer than 255 bytes")) {
            try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a)
        }
    }

    @Test("every truncation of a valid answer is rejected")
    func truncations() throws {
        let q = Wire.questionOffset
        let message = Self.answer([Wire.record(owner: Wire.pointer(q), type: 5, rdata: Wire.name("lb.example.net")),
                                   Wire.record(owner: Wire.name("lb.example.net"), type: 1, rdata: [10, 1, 2, 3])])
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a) == .addresses([.v4([10, 1, 2, 3])]))
        for length in 0..<message.count {
            #expect(throws: DNSParseError.self, "cut at \(length)") {
                try DNSMessage.parseAnswer(Array(message[0..<length]), id: Self.id, name: Self.asked, type: .a)
            }
        }
    }

    @Test("records of another class or in the authority and additional sections are not used")
    func otherSections() throws {
        let q = Wire.questionOffset
        let chaos = Wire.record(owner: Wire.pointer(q), type: 1, klass: 3, rdata: [9, 9, 9, 9])
        let glue = Wire.record(owner: Wire.pointer(q), type: 1, rdata: [8, 8, 8, 8])
        let message = Wire.header(id: Self.id, an: 1, ns: 0, ar: 1) + Wire.question("db.example.com") + chaos + glue
        #expect(try DNSMessage.parseAnswer(message, id: Self.id, name: Self.asked, type: .a) == .noData)
    }
}

extension Array where Element == UInt8 {
    /// The same message with ANCOUNT replaced.
    func withAnswerCount(_ n: UInt16) -> [UInt8] {
        var copy = self
        copy[6] = UInt8(n >> 8)
        copy[7] = UInt8(n & 0xFF)
        return copy
    }
}
