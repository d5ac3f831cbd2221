import Testing
@testable import Transport

@Suite("/etc/hosts and /etc/resolv.conf parsing")
struct ResolverConfigTests {
    static let hosts = """
        # static table
        127.0.0.1\tlocalhost
        ::1     localhost ip6-localhost ip6-loopback
        10.0.0.5  db.internal   db   # the database
        10.0.0.6  S3.Internal.  minio\r
        fe80::1%eth0  scoped
        999.1.1.1 broken
        10.0.0.7
        2001:db8::5 db.internal
        10.0.0.5 db
          10.0.0.9 indented bad/name ok-name
        10.0.0.10 last-line-without-newline
        """

    @Test("names resolve case-insensitively, trailing dot ignored, in file order, without repeats",
          arguments: [
            ("db.internal", ["10.0.0.5", "2001:db8::5"]),
            ("DB", ["10.0.0.5"]),
            ("db.internal.", ["10.0.0.5", "2001:db8::5"]),
            ("s3.internal", ["10.0.0.6"]),
            ("minio", ["10.0.0.6"]),
            ("ok-name", ["10.0.0.9"]),
            ("last-line-without-newline", ["10.0.0.10"]),
            ("ip6-localhost", ["::1"]),
            ("scoped", []),
            ("broken", []),
            ("bad/name", []),
            ("nothere", []),
            ("", []),
          ])
    func hostsLookup(name: String, expected: [String]) {
        let file = HostsFile.parse(Array(Self.hosts.utf8))
        #expect(file.addresses(for: name).map(\.description) == expected)
    }

    @Test("hostile bytes never make the parse fail or trap", arguments: [
        [UInt8](),
        [0xFF, 0xFE, 0x0A, 0x00, 0x23],
        Array("10.0.0.1 \u{0}name\n".utf8),
        [UInt8](repeating: UInt8(ascii: "\n"), count: 10_000),
        Array(("10.0.0.1 " + String(repeating: "a", count: 300) + "\n").utf8),
        [0x31, 0x30, 0x2E, 0x30, 0x2E, 0x30, 0x2E, 0x31, 0x20, 0xC3, 0xA9, 0x0A],
    ])
    func hostsHostile(bytes: [UInt8]) {
        #expect(HostsFile.parse(bytes).entries.isEmpty)
    }

    @Test("only the first maxBytes of a hosts file are read")
    func hostsBounded() {
        let filler = [UInt8](repeating: UInt8(ascii: "#"), count: HostsFile.maxBytes)
        let file = HostsFile.parse(filler + Array("\n10.0.0.1 late\n".utf8))
        #expect(file.addresses(for: "late").isEmpty)
    }

    @Test("resolv.conf: nameservers (at most 3), the last search/domain line, clamped options")
    func resolvConf() {
        let text = """
            # generated
            ; also a comment
            domain old.example
            nameserver 10.96.0.10
            nameserver fe80::1%eth0
            nameserver not-an-ip
            nameserver 2001:db8::53
            nameserver 10.0.0.2
            nameserver 10.0.0.3
            search default.svc.cluster.local svc.cluster.local cluster.local bad/domain
            options ndots:5 timeout:99 attempts:0 rotate edns0 ndots:x
            unknown keyword
            """
        let conf = ResolvConf.parse(Array(text.utf8))
        #expect(conf.nameservers.map(\.description) == ["10.96.0.10", "2001:db8::53", "10.0.0.2"])
        #expect(conf.search.map { String(decoding: $0, as: UTF8.self) } == ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"])
        #expect(conf.ndots == 5)
        #expect(conf.timeoutSeconds == 30)
        #expect(conf.attempts == 1)
    }

    @Test("an empty or hostile resolv.conf gives the defaults", arguments: [
        [UInt8](), [0xFF, 0x00, 0x0A], Array("options timeout:-1 attempts:99999999999\n".utf8),
    ])
    func resolvDefaults(bytes: [UInt8]) {
        let conf = ResolvConf.parse(bytes)
        #expect(conf.nameservers.isEmpty && conf.search.isEmpty && conf.ndots == 1 && conf.timeoutSeconds == 5 && conf.attempts == 2)
    }
}
