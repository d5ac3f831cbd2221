// Host-name rules, name constraints, and verifier policy beyond the vector files: pinned
// self-signed leaves, weak algorithms, forged signatures, search limits.
import TestSupport
import Testing
@testable import X509

@Suite("Host names")
struct HostNameTests {
    @Test("DNS wildcard rules", arguments: [
        ("foo.example.com", "*.example.com", true),
        ("example.com", "*.example.com", false),
        ("a.b.example.com", "*.example.com", false),
        ("foo.example.com", "f*.example.com", false),
        ("a.b.example.com", "*.*.example.com", false),
        ("www.a.example.com", "www.*.example.com", false),
        ("example.com", "*.com", true),
        ("foo.example.com", "FOO.Example.COM", true),
        ("foo.example.com", "foo.example.com.", false),
        ("foo.example.com", "*", false),
        ("foo.example.com", "*.", false),
        (".example.com", "*.example.com", false),
    ] as [(String, String, Bool)])
    func wildcard(reference: String, pattern: String, expected: Bool) {
        #expect(HostNameMatcher.dnsMatches(reference: reference, pattern: pattern) == expected)
    }

    @Test("reference names: IPv4, IPv6 (compressed, bracketed, with IPv4 tail), DNS lower-cased without one trailing dot")
    func referenceNames() {
        #expect(ReferenceName("192.0.2.10") == .ip([192, 0, 2, 10]))
        #expect(ReferenceName("[::1]") == .ip([UInt8](repeating: 0, count: 15) + [1]))
        #expect(ReferenceName("2001:db8::1") == .ip([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]))
        #expect(ReferenceName("::ffff:192.0.2.1") == .ip([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1]))
        #expect(ReferenceName("1:2:3:4:5:6:7:8") == .ip([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]))
        #expect(ReferenceName("::") == .ip([UInt8](repeating: 0, count: 16)))
        #expect(ReferenceName("Bucket.S3.AmazonAWS.com.") == .dns("bucket.s3.amazonaws.com"))
        #expect(ReferenceName("1:2:3:4:5:6:7:8:9") == nil)
        #expect(ReferenceName("1::2::3") == nil)
        #expect(ReferenceName("12345::1") == nil)
        #expect(ReferenceName("fe80::1%eth0") == nil)
        #expect(ReferenceName("") == nil)
        #expect(ReferenceName("a..b") == nil)
        #expect(ReferenceName("bücher.example") == nil)
        // "010.0.0.1" is not a dotted quad (octal ambiguity), so it is treated as a DNS name.
        #expect(ReferenceName("010.0.0.1") == .dns("010.0.0.1"))
    }

    @Test("IP references match only iPAddress entries of the same bytes")
    func ipMatching() {
        let names: [GeneralName] = [.dnsName("192.0.2.10"), .ipAddress([192, 0, 2, 11]), .ipAddress([UInt8](repeating: 0, count: 15) + [1])]
        #expect(!HostNameMatcher.matches(.ip([192, 0, 2, 10]), names))
        #expect(HostNameMatcher.matches(.ip([192, 0, 2, 11]), names))
        #expect(HostNameMatcher.matches(.ip([UInt8](repeating: 0, count: 15) + [1]), names))
        #expect(!HostNameMatcher.matches(.dns("192.0.2.11"), names))
    }
}

@Suite("Name constraints")
struct NameConstraintTests {
    @Test("DNS subtrees: a domain covers itself and subdomains, a leading dot only subdomains")
    func dnsSubtrees() {
        #expect(CertificateVerifier.dnsWithin("allowed.example", "allowed.example"))
        #expect(CertificateVerifier.dnsWithin("www.allowed.example", "allowed.example"))
        #expect(!CertificateVerifier.dnsWithin("notallowed.example", "allowed.example"))
        #expect(!CertificateVerifier.dnsWithin("allowed.example", ".allowed.example"))
        #expect(CertificateVerifier.dnsWithin("a.allowed.example", ".allowed.example"))
        #expect(CertificateVerifier.dnsWithin("anything", ""))
    }

    @Test("permitted and excluded subtrees per name type")
    func constraints() {
        let nc = NameConstraints(permitted: [.dns("allowed.example"), .ip(address: [10, 0, 0, 0], mask: [255, 0, 0, 0])],
                                 excluded: [.dns("bad.allowed.example")])
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.dnsName("www.allowed.example"), .ipAddress([10, 1, 2, 3])]) == nil)
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.dnsName("server.example.com")]) != nil)
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.ipAddress([192, 0, 2, 1])]) != nil)
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.dnsName("x.bad.allowed.example")]) != nil)
        // A wildcard that could stand for an excluded name is refused.
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.dnsName("*.allowed.example")]) != nil)
        // IPv6 names are unconstrained by IPv4-only subtrees.
        #expect(CertificateVerifier.nameConstraintProblem(nc, names: [.ipAddress([UInt8](repeating: 0, count: 16))]) == nil)
        // directoryName subtrees do not constrain DNS names (server identity is never a directoryName).
        let directory = NameConstraints(permitted: [.other(0xA4)], excluded: [])
        #expect(CertificateVerifier.nameConstraintProblem(directory, names: [.dnsName("a.example")]) == nil)
    }
}

@Suite("Verifier policy")
struct VerifierPolicyTests {
    static func chainCase(_ id: String) throws -> (roots: [Certificate], inter: [[UInt8]], peer: [UInt8]) {
        let root = try X509Fixtures.json("x509-chain-cases.json")
        guard let c = (root["cases"] as? [[String: Any]] ?? []).first(where: { $0["id"] as? String == id }) else {
            throw X509FixtureError("no case \(id)")
        }
        return (try (c["trusted_roots_pem"] as? [String] ?? []).map { try X509Fixtures.certificate($0) },
                try (c["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) },
                try X509Fixtures.der(c["peer_certificate_pem"] as? String ?? ""))
    }

    static let now: Int64 = 1_748_779_200  // 2025-06-01T12:00:00Z, the vectors' validation time

    @Test("a self-signed server certificate validates when it is itself in the trust store (pinning)")
    func pinnedLeaf() throws {
        let c = try Self.chainCase("self-signed-leaf")
        let leaf = try Certificate(derEncoded: c.peer)
        do {
            _ = try CertificateVerifier(trustAnchors: c.roots).verify(chain: [c.peer], hostname: "server.example.com", now: Self.now)
            Issue.record("an untrusted self-signed leaf must be refused")
        } catch let e as X509Error {
            // Its own reason: advice to send intermediates would be wrong for a self-signed certificate.
            #expect(e == .unknownIssuer)
            #expect(e.reason.contains("server's certificate for") && e.reason.contains("is self-signed"))
            #expect(!e.reason.contains("intermediate"))
        }
        let path = try CertificateVerifier(trustAnchors: c.roots + [leaf]).verify(chain: [c.peer], hostname: "server.example.com", now: Self.now)
        #expect(path.certificates == [leaf])
        // Pinning does not bypass the host name or the validity period.
        #expect(throws: X509Error.hostnameMismatch) { try CertificateVerifier(trustAnchors: [leaf]).verify(chain: [c.peer], hostname: "other.example.com", now: Self.now) }
        #expect(throws: X509Error.expired) { try CertificateVerifier(trustAnchors: [leaf]).verify(chain: [c.peer], hostname: "server.example.com", now: leaf.notAfter + 1) }
    }

    @Test("verifyIgnoringHostName skips only the name: the trust anchor and validity still apply")
    func chainOnly() throws {
        let c = try Self.chainCase("self-signed-leaf")
        let leaf = try Certificate(derEncoded: c.peer)
        let pinned = CertificateVerifier(trustAnchors: [leaf])
        #expect(try pinned.verifyIgnoringHostName(chain: [c.peer], now: Self.now).leaf == leaf)
        #expect(throws: X509Error.unknownIssuer) { try CertificateVerifier(trustAnchors: c.roots).verifyIgnoringHostName(chain: [c.peer], now: Self.now) }
        #expect(throws: X509Error.expired) { try pinned.verifyIgnoringHostName(chain: [c.peer], now: leaf.notAfter + 1) }
        #expect(throws: X509Error.malformed) { try pinned.verifyIgnoringHostName(chain: [], now: Self.now) }
    }

    @Test("a SHA-1 or unsupported signature on an intermediate-issued certificate is refused before any crypto")
    func weakAlgorithms() throws {
        let c = try Self.chainCase("valid-ecdsa")
        let verifier = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker())
        let sha1 = try CertificateParsingTests.withAlgorithm(c.peer, TestDER.sequence([TestDER.oid("1.2.840.10045.4.1")]))
        do {
            _ = try verifier.verify(chain: [sha1] + c.inter, hostname: "server.example.com", now: Self.now)
            Issue.record("SHA-1 must be refused")
        } catch let e as X509Error {
            #expect(e == .weakSignatureAlgorithm)
            #expect(e.description.contains("SHA-1"))
        }
        let md5 = try CertificateParsingTests.withAlgorithm(c.peer, TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.4"), [0x05, 0x00]]))
        #expect(throws: X509Error.weakSignatureAlgorithm) { try verifier.verify(chain: [md5] + c.inter, hostname: "server.example.com", now: Self.now) }
        let sha224 = try CertificateParsingTests.withAlgorithm(c.peer, TestDER.sequence([TestDER.oid("1.2.840.10045.4.3.1")]))
        #expect(throws: X509Error.unsupportedAlgorithm) { try verifier.verify(chain: [sha224] + c.inter, hostname: "server.example.com", now: Self.now) }
        // An RSA signature algorithm under an ECDSA issuer key cannot verify.
        let rsa = try CertificateParsingTests.withAlgorithm(c.peer, TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.11"), [0x05, 0x00]]))
        #expect(throws: X509Error.badSignature) { try verifier.verify(chain: [rsa] + c.inter, hostname: "server.example.com", now: Self.now) }
    }

    @Test("flipping one bit of a real signature, or of the signed bytes, fails with badSignature", arguments: X509Fixtures.limboNames)
    func forgedSignatures(name: String) throws {
        let c = try LimboCase(name)
        let verifier = CertificateVerifier(trustAnchors: c.trusted)
        let parts = try TestDER.children(c.peer)
        var sig = parts[2]
        sig[sig.count - 5] ^= 0x01
        let forged = TestDER.sequence([parts[0], parts[1], sig])
        #expect(throws: X509Error.badSignature) { try verifier.verify(chain: [forged] + c.intermediates, hostname: c.peerName, now: c.validationTime) }
        // Change the serial number inside the signed part.
        var tbs = try TestDER.children(parts[0])
        var serial = tbs[1]
        serial[serial.count - 1] ^= 0x01
        tbs[1] = serial
        let altered = TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]])
        #expect(throws: X509Error.badSignature) { try verifier.verify(chain: [altered] + c.intermediates, hostname: c.peerName, now: c.validationTime) }
        // The intermediate's signature by the root is checked too.
        let iparts = try TestDER.children(c.intermediates[0])
        var isig = iparts[2]
        isig[isig.count - 3] ^= 0x10
        let forgedIntermediate = TestDER.sequence([iparts[0], iparts[1], isig])
        #expect(throws: X509Error.badSignature) { try verifier.verify(chain: [c.peer, forgedIntermediate], hostname: c.peerName, now: c.validationTime) }
    }

    @Test("the signature seam: a rejected issuer key makes the path fail, an accepted one passes")
    func fakeChecker() throws {
        let c = try Self.chainCase("valid-ecdsa")
        let intermediate = try Certificate(derEncoded: c.inter[0])
        let accept = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker())
        #expect(try accept.verify(chain: [c.peer] + c.inter, hostname: "server.example.com", now: Self.now).certificates.count == 3)
        let reject = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker(rejectKeys: [intermediate.publicKey]))
        #expect(throws: X509Error.badSignature) { try reject.verify(chain: [c.peer] + c.inter, hostname: "server.example.com", now: Self.now) }
    }

    @Test("the search stops after 100 signature checks on a pool of same-name decoys; over 32 certificates are refused")
    func signatureBudget() throws {
        let c = try Self.chainCase("pathlen-ok-two-intermediates")
        // 15 variants (distinct serials) of each intermediate: 15 × 15 paths, all failing at the root.
        func variants(_ der: [UInt8]) throws -> [[UInt8]] {
            let parts = try TestDER.children(der)
            return try (0..<15).map { i in
                var tbs = try TestDER.children(parts[0])
                tbs[1] = TestDER.tlv(0x02, [0x01, UInt8(i)])
                return TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]])
            }
        }
        let decoys = try c.inter.flatMap(variants)
        let counter = CheckCounter()
        let verifier = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker(rejectKeys: [c.roots[0].publicKey], counter: counter))
        #expect(throws: X509Error.badSignature) { try verifier.verify(chain: [c.peer] + decoys, hostname: "server.example.com", now: Self.now) }
        #expect(counter.count == CertificateVerifier.maximumSignatureChecks)
        #expect(throws: X509Error.malformed) { try verifier.verify(chain: [c.peer] + decoys + c.inter, hostname: "server.example.com", now: Self.now) }
    }

    @Test("empty chains, garbage leaves and invalid host names are reported, not crashed on")
    func badInputs() throws {
        let c = try Self.chainCase("valid-ecdsa")
        let verifier = CertificateVerifier(trustAnchors: c.roots)
        #expect(throws: X509Error.malformed) { try verifier.verify(chain: [], hostname: "server.example.com", now: Self.now) }
        #expect(throws: X509Error.malformed) { try verifier.verify(chain: [[0x30, 0x00]], hostname: "server.example.com", now: Self.now) }
        #expect(throws: X509Error.hostnameMismatch) { try verifier.verify(chain: [c.peer] + c.inter, hostname: "bad host\u{1b}", now: Self.now) }
        // Unparseable extra certificates are ignored.
        #expect(try verifier.verify(chain: [c.peer, [0x30, 0x03, 0x02, 0x01, 0x00]] + c.inter, hostname: "server.example.com", now: Self.now).certificates.count == 3)
    }

    @Test("the expired message names the certificate and the date")
    func expiredMessage() throws {
        let c = try Self.chainCase("expired-leaf")
        let leaf = try Certificate(derEncoded: c.peer)
        do {
            _ = try CertificateVerifier(trustAnchors: c.roots).verify(chain: [c.peer] + c.inter, hostname: "server.example.com", now: Self.now)
            Issue.record("must fail")
        } catch let e as X509Error {
            #expect(e.description.hasPrefix("the certificate for server.example.com expired on \(DERTime.format(leaf.notAfter))"))
        }
    }
}

@Suite("Extended key usage")
struct ExtendedKeyUsageTests {
    /// Rebuilds `der` with the extension `oid` given a new value (the signature is left stale).
    static func replacingExtension(_ der: [UInt8], oid: String, value: [UInt8]) throws -> [UInt8] {
        let parts = try TestDER.children(der)
        var tbs = try TestDER.children(parts[0])
        guard let last = tbs.last, last.first == 0xA3 else { throw X509FixtureError("no extensions") }
        var exts = try TestDER.children(try TestDER.children(last)[0])
        let target = TestDER.oid(oid)
        var replaced = false
        for i in exts.indices where try TestDER.children(exts[i])[0] == target {
            exts[i] = TestDER.sequence([target, TestDER.tlv(0x04, value)])
            replaced = true
        }
        if !replaced { exts.append(TestDER.sequence([target, TestDER.tlv(0x04, value)])) }
        tbs[tbs.count - 1] = TestDER.tlv(0xA3, TestDER.sequence(exts))
        return TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]])
    }

    @Test("leaf EKU: serverAuth required when present; anyExtendedKeyUsage alone is refused (CA/B BR, webpki, pyca)")
    func leafEKU() throws {
        let c = try VerifierPolicyTests.chainCase("valid-ecdsa")
        let verifier = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker())
        let eku = "2.5.29.37"
        let anyOnly = try Self.replacingExtension(c.peer, oid: eku, value: TestDER.sequence([TestDER.oid("2.5.29.37.0")]))
        #expect(throws: X509Error.extendedKeyUsage) { try verifier.verify(chain: [anyOnly] + c.inter, hostname: "server.example.com", now: VerifierPolicyTests.now) }
        let both = try Self.replacingExtension(c.peer, oid: eku, value: TestDER.sequence([TestDER.oid("2.5.29.37.0"), TestDER.oid("1.3.6.1.5.5.7.3.1")]))
        #expect(try verifier.verify(chain: [both] + c.inter, hostname: "server.example.com", now: VerifierPolicyTests.now).certificates.count == 3)
        // On an intermediate, anyExtendedKeyUsage is accepted and clientAuth alone is not.
        let interAny = try Self.replacingExtension(c.inter[0], oid: eku, value: TestDER.sequence([TestDER.oid("2.5.29.37.0")]))
        #expect(try verifier.verify(chain: [c.peer, interAny], hostname: "server.example.com", now: VerifierPolicyTests.now).certificates.count == 3)
        let interClient = try Self.replacingExtension(c.inter[0], oid: eku, value: TestDER.sequence([TestDER.oid("1.3.6.1.5.5.7.3.2")]))
        #expect(throws: X509Error.extendedKeyUsage) { try verifier.verify(chain: [c.peer, interClient], hostname: "server.example.com", now: VerifierPolicyTests.now) }
    }

    @Test("leaf keyUsage asserting keyCertSign is refused; a CA's nameConstraints with excluded names apply")
    func leafKeyUsageAndExcludedNames() throws {
        let c = try VerifierPolicyTests.chainCase("valid-ecdsa")
        let verifier = CertificateVerifier(trustAnchors: c.roots, signatureChecker: FakeSignatureChecker())
        // keyUsage = digitalSignature + keyCertSign (bits 0 and 5): BIT STRING 02 84.
        let certSign = try Self.replacingExtension(c.peer, oid: "2.5.29.15", value: [0x03, 0x02, 0x02, 0x84])
        #expect(throws: X509Error.keyUsage) { try verifier.verify(chain: [certSign] + c.inter, hostname: "server.example.com", now: VerifierPolicyTests.now) }
        // keyUsage = keyEncipherment only (bit 2) is accepted, as pyca, webpki and Go do.
        let encipherOnly = try Self.replacingExtension(c.peer, oid: "2.5.29.15", value: [0x03, 0x02, 0x05, 0x20])
        #expect(try verifier.verify(chain: [encipherOnly] + c.inter, hostname: "server.example.com", now: VerifierPolicyTests.now).certificates.count == 3)
        // nameConstraints excluding example.com on the intermediate.
        let excluded = TestDER.sequence([TestDER.tlv(0xA1, TestDER.sequence([TestDER.tlv(0x82, Array("example.com".utf8))]))])
        let constrained = try Self.replacingExtension(c.inter[0], oid: "2.5.29.30", value: excluded)
        do {
            _ = try verifier.verify(chain: [c.peer, constrained], hostname: "server.example.com", now: VerifierPolicyTests.now)
            Issue.record("excluded name must fail")
        } catch let e as X509Error {
            #expect(e == .nameConstraints)
            #expect(e.description.contains("excludes the name server.example.com"))
        }
        // A trust anchor's own unknown critical extension does not disqualify it; an intermediate's does.
        let critical = try Self.replacingExtension(c.inter[0], oid: "2.5.29.36", value: TestDER.sequence([TestDER.tlv(0x80, [0])]))
        let criticalExt = try Self.markCritical(critical, oid: "2.5.29.36")
        #expect(throws: X509Error.unknownCriticalExtension) { try verifier.verify(chain: [c.peer, criticalExt], hostname: "server.example.com", now: VerifierPolicyTests.now) }
        let anchored = CertificateVerifier(trustAnchors: [try Certificate(derEncoded: criticalExt)], signatureChecker: FakeSignatureChecker())
        #expect(try anchored.verify(chain: [c.peer], hostname: "server.example.com", now: VerifierPolicyTests.now).certificates.count == 2)
    }

    static func markCritical(_ der: [UInt8], oid: String) throws -> [UInt8] {
        let parts = try TestDER.children(der)
        var tbs = try TestDER.children(parts[0])
        var exts = try TestDER.children(try TestDER.children(tbs[tbs.count - 1])[0])
        let target = TestDER.oid(oid)
        for i in exts.indices {
            let fields = try TestDER.children(exts[i])
            if fields[0] == target { exts[i] = TestDER.sequence([fields[0], [0x01, 0x01, 0xFF], fields[fields.count - 1]]) }
        }
        tbs[tbs.count - 1] = TestDER.tlv(0xA3, TestDER.sequence(exts))
        return TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]])
    }
}

@Suite("Hostile chains")
struct HostileChainTests {

    @Test("2000 randomly corrupted chains (leaf or intermediate, 1–4 bytes) are rejected or accepted, never a crash")
    func randomCorruption() throws {
        let c = try LimboCase("cloudflare.com")
        let verifier = CertificateVerifier(trustAnchors: c.trusted, signatureChecker: FakeSignatureChecker())
        var rng = SplitMix64(seed: 0x5EED)
        var accepted = 0, rejected = 0
        for _ in 0..<2000 {
            var chain = [c.peer] + c.intermediates
            let which = Int.random(in: 0..<chain.count, using: &rng)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<chain[which].count, using: &rng)
                chain[which][i] = UInt8.random(in: 0...255, using: &rng)
            }
            if (try? verifier.verify(chain: chain, hostname: c.peerName, now: c.validationTime)) != nil { accepted += 1 } else { rejected += 1 }
        }
        #expect(accepted + rejected == 2000)
        #expect(rejected > 0)
    }
}
