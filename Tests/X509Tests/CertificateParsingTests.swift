// Certificate fields of real Web-PKI certificates, algorithm recognition, and PEM/base64.
import ByteCoding
import Testing
@testable import X509

@Suite("Certificate parsing")
struct CertificateParsingTests {
    @Test("the signed bytes, algorithm and signature re-assemble the certificate", arguments: X509Fixtures.limboNames)
    func reassembles(name: String) throws {
        let c = try LimboCase(name)
        for der in [c.peer] + c.intermediates + c.trusted.map(\.der) {
            let cert = try Certificate(derEncoded: der)
            let parts = try TestDER.children(der)
            #expect(parts.count == 3)
            #expect(parts[0] == cert.tbsCertificate)
            #expect(parts[2] == TestDER.tlv(0x03, [0] + cert.signature))
            #expect(cert.version == 3)
            #expect(cert.notBefore < cert.notAfter)
        }
    }

    @Test("cloudflare.com: P-256 leaf under GTS WE1 (signed ecdsa-with-SHA384) under the P-384 GTS Root R4")
    func cloudflareFields() throws {
        let c = try LimboCase("cloudflare.com")
        let leaf = try Certificate(derEncoded: c.peer)
        let we1 = try Certificate(derEncoded: c.intermediates[0])
        guard case .ecP256 = leaf.publicKey else { Issue.record("leaf key \(leaf.publicKey)"); return }
        #expect(leaf.signatureAlgorithm == .ecdsa(.sha256))
        #expect(we1.signatureAlgorithm == .ecdsa(.sha384))
        guard case .ecP384 = c.trusted[0].publicKey else { Issue.record("root key"); return }
        #expect(leaf.issuer == we1.subject)
        #expect(we1.subject.commonName == "WE1")
        #expect(leaf.authorityKeyIdentifier != nil && leaf.authorityKeyIdentifier == we1.subjectKeyIdentifier)
        #expect(we1.basicConstraints?.isCA == true)
        #expect(we1.keyUsage?.contains(.keyCertSign) == true)
        #expect(leaf.subjectAlternativeNames?.contains(.dnsName("cloudflare.com")) == true)
        #expect(leaf.extendedKeyUsage?.contains("1.3.6.1.5.5.7.3.1") == true)
        #expect(leaf.basicConstraints?.isCA != true)
    }

    @Test("google.com: a P-256 key signed sha256WithRSA; GTS Root R1 is RSA-4096 signed sha384WithRSA")
    func googleFields() throws {
        let c = try LimboCase("google.com")
        let leaf = try Certificate(derEncoded: c.peer)
        guard case .ecP256 = leaf.publicKey else { Issue.record("leaf key"); return }
        #expect(leaf.signatureAlgorithm == .rsaPKCS1(.sha256))
        guard case .rsa(_, let e, let bits) = c.trusted[0].publicKey else { Issue.record("root key"); return }
        #expect(bits == 4096)
        #expect(e == [0x01, 0x00, 0x01])
        #expect(c.trusted[0].signatureAlgorithm == .rsaPKCS1(.sha384))
        #expect(c.trusted[0].subject.description.hasPrefix("CN=GTS Root R1"))
    }

    @Test("fastly.com's root Starfield Root G2 has serial number 0 and parses")
    func serialZeroRoot() throws {
        let root = try LimboCase("fastly.com").trusted[0]
        #expect(root.serialNumber == [0x00])
        #expect(root.subject.description.contains("Starfield"))
        #expect(root.isSelfIssued)
    }

    @Test("s3.amazonaws.com lists its wildcard and dual-stack names")
    func s3Names() throws {
        let leaf = try Certificate(derEncoded: try LimboCase("s3.amazonaws.com").peer)
        let names = leaf.subjectAlternativeNames ?? []
        #expect(names.contains(.dnsName("s3.amazonaws.com")))
        #expect(names.contains(.dnsName("*.s3.amazonaws.com")))
        guard case .rsa(_, _, 2048) = leaf.publicKey else { Issue.record("key \(leaf.publicKey)"); return }
    }

    @Test("name strings: UTF8, Printable, IA5, Teletex (Latin-1), BMP and Universal decode; others show as hex; control characters are masked")
    func directoryStrings() throws {
        func decode(_ tag: UInt8, _ content: [UInt8]) throws -> String {
            DirectoryString.decode(try DER.parse(TestDER.tlv(tag, content), what: "x"))
        }
        #expect(try decode(0x0C, Array("Zürich".utf8)) == "Zürich")
        #expect(try decode(0x13, Array("Test CA".utf8)) == "Test CA")
        #expect(try decode(0x16, Array("a@b.example".utf8)) == "a@b.example")
        #expect(try decode(0x14, [0x5A, 0xFC, 0x72]) == "Zür")
        #expect(try decode(0x1E, [0x00, 0x5A, 0x00, 0xFC]) == "Zü")
        #expect(try decode(0x1C, [0, 0, 0, 0x5A, 0, 0x01, 0xF6, 0x00]) == "Z\u{1F600}")
        #expect(try decode(0x04, [0xAB, 0x01]) == "#ab01")
        #expect(try decode(0x0C, Array("a\u{1b}[31mb".utf8)) == "a?[31mb")
        // A Name with two RDNs renders most specific first.
        let name = TestDER.sequence([
            TestDER.tlv(0x31, TestDER.sequence([TestDER.oid("2.5.4.6"), TestDER.tlv(0x13, Array("US".utf8))])),
            TestDER.tlv(0x31, TestDER.sequence([TestDER.oid("2.5.4.3"), TestDER.tlv(0x1E, [0, 0x52, 0, 0x31])])),
        ])
        let dn = try Certificate.parseName(try DER.parse(name, what: "x"), what: "x")
        #expect(dn.description == "CN=R1, C=US")
        #expect(dn.commonName == "R1")
        #expect(dn.der == name)
    }

    /// Rebuilds `der` with both AlgorithmIdentifiers replaced by `algorithm`.
    static func withAlgorithm(_ der: [UInt8], _ algorithm: [UInt8]) throws -> [UInt8] {
        let parts = try TestDER.children(der)
        var tbs = try TestDER.children(parts[0])
        tbs[2] = algorithm
        return TestDER.sequence([TestDER.sequence(tbs), algorithm, parts[2]])
    }

    static func pss(hash: String, mgfHash: String, salt: Int, nullParams: Bool = true) -> [UInt8] {
        let hashID = TestDER.sequence([TestDER.oid(hash)] + (nullParams ? [[0x05, 0x00]] : []))
        let mgfHashID = TestDER.sequence([TestDER.oid(mgfHash), [0x05, 0x00]])
        return TestDER.sequence([
            TestDER.oid("1.2.840.113549.1.1.10"),
            TestDER.sequence([
                TestDER.tlv(0xA0, hashID),
                TestDER.tlv(0xA1, TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.8"), mgfHashID])),
                TestDER.tlv(0xA2, TestDER.tlv(0x02, [UInt8(salt)])),
            ]),
        ])
    }

    @Test("signature algorithms: SHA-2 accepted, SHA-1/MD5 recognised as weak, RSA-PSS parameters parsed strictly")
    func algorithms() throws {
        let der = try LimboCase("cloudflare.com").peer
        let sha256 = "2.16.840.1.101.3.4.2.1", sha384 = "2.16.840.1.101.3.4.2.2"
        let cases: [([UInt8], SignatureAlgorithm)] = [
            (TestDER.sequence([TestDER.oid("1.2.840.10045.4.3.4")]), .ecdsa(.sha512)),
            (TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.13"), [0x05, 0x00]]), .rsaPKCS1(.sha512)),
            (TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.5"), [0x05, 0x00]]), .weak("RSA PKCS#1 v1.5 with SHA-1")),
            (TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.4"), [0x05, 0x00]]), .weak("RSA with MD5")),
            (TestDER.sequence([TestDER.oid("1.2.840.10045.4.1")]), .weak("ECDSA with SHA-1")),
            (TestDER.sequence([TestDER.oid("1.2.840.10045.4.3.2"), [0x05, 0x00]]), .unsupported("ECDSA signature algorithm with parameters")),
            (TestDER.sequence([TestDER.oid("1.2.840.10045.4.3.1")]), .unsupported("signature algorithm 1.2.840.10045.4.3.1")),
            (Self.pss(hash: sha256, mgfHash: sha256, salt: 32), .rsaPSS(.sha256)),
            (Self.pss(hash: sha384, mgfHash: sha384, salt: 48, nullParams: false), .rsaPSS(.sha384)),
            (Self.pss(hash: sha256, mgfHash: sha256, salt: 20), .unsupported("RSA-PSS with a 20-byte salt (32 required)")),
            (Self.pss(hash: sha256, mgfHash: sha384, salt: 32), .unsupported("RSA-PSS with different message and MGF1 hashes")),
            (TestDER.sequence([TestDER.oid("1.2.840.113549.1.1.10")]), .weak("RSA-PSS with SHA-1 (default parameters)")),
        ]
        for (algorithm, expected) in cases {
            let cert = try Certificate(derEncoded: try Self.withAlgorithm(der, algorithm))
            #expect(cert.signatureAlgorithm == expected)
        }
        // The tbsCertificate and outer algorithms must be identical.
        let parts = try TestDER.children(der)
        var tbs = try TestDER.children(parts[0])
        tbs[2] = TestDER.sequence([TestDER.oid("1.2.840.10045.4.3.3")])
        #expect(throws: X509Error.malformed) {
            try Certificate(derEncoded: TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]]))
        }
    }

    @Test("a certificate repeating an extension is malformed")
    func duplicateExtension() throws {
        let der = try LimboCase("cloudflare.com").peer
        let parts = try TestDER.children(der)
        var tbs = try TestDER.children(parts[0])
        guard let last = tbs.last, last.first == 0xA3 else { Issue.record("no extensions"); return }
        let extList = try TestDER.children(Array(try TestDER.children(last)[0]))
        let duplicated = TestDER.tlv(0xA3, TestDER.sequence(extList + [extList[0]]))
        tbs[tbs.count - 1] = duplicated
        #expect(throws: X509Error.malformed) { try Certificate(derEncoded: TestDER.sequence([TestDER.sequence(tbs), parts[1], parts[2]])) }
    }
}

@Suite("PEM and base64")
struct PEMTests {
    @Test("bundles with comments, other PEM types and CRLF line ends yield only the certificates")
    func bundle() throws {
        let c = try LimboCase("amazon.com")
        let pemBody = try #require(Self.pemBody(c.peer))
        let text = "# Amazon\r\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            + "-----BEGIN CERTIFICATE-----\r\n\(pemBody.replacingAll("\n", with: "\r\n"))-----END CERTIFICATE-----\r\n"
            + "trailing words\n-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"
            + "-----BEGIN CERTIFICATE-----\n\(pemBody)-----END CERTIFICATE-----"
        let blocks = PEM.certificateBlocks(in: text)
        #expect(blocks.certificates == [c.peer, c.peer])
        #expect(blocks.malformedCount == 1)
        let parsed = Certificate.parsePEMBundle(Array(text.utf8))
        #expect(parsed.certificates.count == 2)
        #expect(parsed.skipped == 1)
        // A block without an END line is counted, not fatal.
        #expect(PEM.certificateBlocks(in: "-----BEGIN CERTIFICATE-----\n\(pemBody)").malformedCount == 1)
    }

    static func pemBody(_ der: [UInt8]) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        var line = 0
        while i < der.count {
            let b0 = Int(der[i]), b1 = i + 1 < der.count ? Int(der[i + 1]) : 0, b2 = i + 2 < der.count ? Int(der[i + 2]) : 0
            out.append(alphabet[b0 >> 2])
            out.append(alphabet[(b0 & 3) << 4 | b1 >> 4])
            out.append(i + 1 < der.count ? alphabet[(b1 & 15) << 2 | b2 >> 6] : "=")
            out.append(i + 2 < der.count ? alphabet[b2 & 63] : "=")
            i += 3
            line += 4
            if line == 64 { out.append("\n"); line = 0 }
        }
        return out + "\n"
    }

    @Test("base64 decoding is strict", arguments: [
        ("TWFu", [77, 97, 110]), ("TWE=", [77, 97]), ("TQ==", [77]), ("TWE", [77, 97]), ("", []),
        ("T Q = =", [77]),
    ] as [(String, [UInt8])])
    func base64Valid(text: String, bytes: [UInt8]) {
        #expect(Base64.decode(Array(text.utf8)) == bytes)
    }

    @Test("base64 refuses bad characters, misplaced padding and non-zero pad bits",
          arguments: ["TW-u", "T===", "TQ==TQ==", "TR==", "TWF=", "T", "TWFu=", "TQ=a"])
    func base64Invalid(text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }
}

extension String {
    fileprivate func replacingAll(_ a: String, with b: String) -> String {
        self.split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

@Suite("Signature checks with CryptoPrimitives")
struct CryptoSignatureCheckerTests {
    @Test("each limbo root's own self-signature verifies; a flipped bit does not", arguments: X509Fixtures.limboNames)
    func rootSelfSignatures(name: String) throws {
        let root = try LimboCase(name).trusted[0]
        let checker = CryptoSignatureChecker()
        #expect(checker.check(algorithm: root.signatureAlgorithm, key: root.publicKey, message: root.tbsCertificate, signature: root.signature) == .valid,
                "\(name): \(root.signatureAlgorithm) with \(root.publicKey.summary)")
        var tampered = root.tbsCertificate
        tampered[tampered.count / 2] ^= 0x04
        #expect(checker.check(algorithm: root.signatureAlgorithm, key: root.publicKey, message: tampered, signature: root.signature) == .invalid)
    }
}
