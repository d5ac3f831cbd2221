import Testing
@testable import Transport

/// Scripted files and DNS for `Resolver.lookup`: records what was read and asked.
final class FakeSystem {
    var files: [String: ConfigFile]
    var dns: [String: [DNSRecordType: DNSAnswer]]
    var failing: Set<String> = []
    private(set) var reads: [String] = []
    private(set) var queries: [String] = []

    init(hosts: String? = nil, resolv: String? = nil, dns: [String: [DNSRecordType: DNSAnswer]] = [:]) {
        self.files = [:]
        self.files["/etc/hosts"] = hosts.map { .content(Array($0.utf8)) } ?? .absent
        self.files["/etc/resolv.conf"] = resolv.map { .content(Array($0.utf8)) } ?? .absent
        self.dns = dns
    }

    func lookup(_ host: String) throws -> [String] {
        try Resolver.lookup(host: host, peer: "\(host):1", readFile: { path, _ in
            self.reads.append(path)
            return self.files[path] ?? .absent
        }, query: { labels, type, _ in
            let name = labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
            self.queries.append("\(name) \(type == .a ? "A" : "AAAA")")
            if self.failing.contains(name) { throw DNSProblem("no answer from 10.0.0.53 within 5 s") }
            return self.dns[name]?[type] ?? .nameError
        }).map(\.description)
    }
}

@Suite("Host name resolution order")
struct ResolverPolicyTests {
    @Test("IP literals need no file and no DNS", arguments: [
        ("127.0.0.1", "127.0.0.1"), ("10.1.2.3", "10.1.2.3"), ("::1", "::1"), ("[2001:db8::1]", "2001:db8::1"),
    ])
    func literals(host: String, expected: String) throws {
        let fake = FakeSystem()
        #expect(try fake.lookup(host) == [expected])
        #expect(fake.reads.isEmpty && fake.queries.isEmpty)
    }

    @Test("localhost is loopback without reading any file", arguments: ["localhost", "LOCALHOST", "localhost."])
    func localhost(host: String) throws {
        let fake = FakeSystem()
        #expect(try fake.lookup(host) == ["127.0.0.1", "::1"])
        #expect(fake.reads.isEmpty)
    }

    @Test("/etc/hosts wins over DNS, IPv4 first")
    func hostsFirst() throws {
        let fake = FakeSystem(hosts: "2001:db8::7 db\n10.0.0.7 db\n", resolv: "nameserver 10.0.0.53\n",
                              dns: ["db": [.a: .addresses([.v4([192, 0, 2, 1])])]])
        #expect(try fake.lookup("db") == ["10.0.0.7", "2001:db8::7"])
        #expect(fake.queries.isEmpty)
    }

    @Test("without /etc/hosts and resolv.conf the error says how to fix it")
    func nothingToAsk() {
        let fake = FakeSystem()
        #expect {
            try fake.lookup("db.internal")
        } throws: { error in
            guard let e = error as? TransportError, e.code == .resolveFailed else { return false }
            let text = e.description
            return text.contains("db.internal:1") && text.contains("neither /etc/hosts nor /etc/resolv.conf")
                && text.contains("use an IP address") && text.contains("mount")
        }
    }

    @Test("a name missing from /etc/hosts with no resolv.conf names both files")
    func hostsButNoDNS() {
        let fake = FakeSystem(hosts: "10.0.0.1 other\n")
        #expect {
            try fake.lookup("db")
        } throws: { error in
            "\(error)".contains("not in /etc/hosts and there is no /etc/resolv.conf") && "\(error)".contains("IP address")
        }
    }

    @Test("a resolv.conf without a usable nameserver is reported")
    func noNameserver() {
        let fake = FakeSystem(resolv: "search example.com\nnameserver fe80::1%eth0\n")
        #expect { try fake.lookup("db") } throws: { "\($0)".contains("has no usable nameserver line") }
    }

    @Test("the search list goes first for names with fewer dots than ndots")
    func searchList() throws {
        let fake = FakeSystem(resolv: "nameserver 10.0.0.53\nsearch ns.svc.cluster.local svc.cluster.local\noptions ndots:5\n",
                              dns: ["dolt.svc.cluster.local": [.a: .addresses([.v4([10, 96, 1, 2])]), .aaaa: .noData]])
        #expect(try fake.lookup("dolt") == ["10.96.1.2"])
        #expect(fake.queries == ["dolt.ns.svc.cluster.local A", "dolt.svc.cluster.local A", "dolt.svc.cluster.local AAAA"])
    }

    @Test("names with enough dots and absolute names are asked as given first", arguments: [
        ("r2.example.com", ["r2.example.com A", "r2.example.com AAAA"]),
        ("r2.", ["r2 A", "r2 AAAA"]),
    ])
    func asGivenFirst(host: String, expected: [String]) throws {
        let fake = FakeSystem(resolv: "nameserver 10.0.0.53\nsearch corp.example\n",
                              dns: [host.hasSuffix(".") ? String(host.dropLast()) : host: [.a: .noData, .aaaa: .addresses([.v6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12))])]])
        #expect(try fake.lookup(host) == ["2001:db8::"])
        #expect(fake.queries == expected)
    }

    @Test("a failing AAAA query does not lose the IPv4 answer")
    func aaaaFailureKeepsA() throws {
        let fake = FakeSystem(resolv: "nameserver 10.0.0.53\n", dns: ["db.example": [.a: .addresses([.v4([10, 0, 0, 1])])]])
        fake.dns["db.example"]?[.aaaa] = .serverFailure(rcode: 2)
        #expect(try fake.lookup("db.example") == ["10.0.0.1"])
    }

    @Test("DNS without an answer is an error naming the server problem and the fix")
    func dnsDown() {
        let fake = FakeSystem(resolv: "nameserver 10.0.0.53\n")
        fake.failing = ["db.example"]
        #expect { try fake.lookup("db.example") } throws: { error in
            guard let e = error as? TransportError else { return false }
            return e.code == .resolveFailed && e.peer == "db.example:1" && e.reason.contains("no answer from 10.0.0.53")
        }
    }

    @Test("a name DNS does not know lists what was tried")
    func notFound() {
        let fake = FakeSystem(resolv: "nameserver 10.0.0.53\nsearch a.example\n")
        #expect { try fake.lookup("db") } throws: { "\($0)".contains("no A or AAAA record for db.a.example, db") }
    }

    @Test("strings that are not host names are refused before any lookup", arguments: ["", "db host", "db/x", "bücher.example", "a..b"])
    func invalidNames(host: String) {
        let fake = FakeSystem(hosts: "10.0.0.1 x\n", resolv: "nameserver 10.0.0.53\n")
        #expect(throws: TransportError.self) { try fake.lookup(host) }
        #expect(fake.queries.isEmpty)
    }
}
