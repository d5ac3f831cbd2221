// The project's synthetic chain and host-name vectors (pyca/cryptography's verifier decided
// `expected`) and real chains from x509-limbo, run through CertificateVerifier with real crypto.
import Testing
@testable import X509

/// The error each FAILURE case of x509-chain-cases.json must produce.
private let expectedChainErrors: [String: X509Error] = [
    "missing-intermediate": .unknownIssuer,
    "expired-leaf": .expired,
    "not-yet-valid-leaf": .notYetValid,
    "expired-intermediate": .expired,
    "intermediate-not-ca": .notACA,
    "intermediate-no-basic-constraints": .notACA,
    "intermediate-no-keycertsign": .keyUsage,
    "pathlen-violation": .pathLengthExceeded,
    "leaf-eku-clientauth-only": .extendedKeyUsage,
    "leaf-is-ca": .leafIsCA,
    "hostname-mismatch": .hostnameMismatch,
    "unknown-critical-extension": .unknownCriticalExtension,
    "bad-signature": .badSignature,
    "self-signed-leaf": .unknownIssuer,
    "name-constraints-violation": .nameConstraints,
    "weak-rsa-1024-intermediate": .weakKey,
]

@Suite("x509-chain-cases.json")
struct ChainCaseTests {
    @Test("every synthetic chain case gives pyca's result and the expected error code")
    func allChainCases() throws {
        let root = try X509Fixtures.json("x509-chain-cases.json")
        let cases = root["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 24)  // SOURCE.md says 25; the file holds 24
        var passed = 0
        for c in cases {
            let id = c["id"] as? String ?? "?"
            let roots = try (c["trusted_roots_pem"] as? [String] ?? []).map { try X509Fixtures.certificate($0) }
            let intermediates = try (c["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) }
            let peer = try X509Fixtures.der(c["peer_certificate_pem"] as? String ?? "")
            let now = try X509Fixtures.isoTime(c["validation_time"] as? String ?? "")
            let host = c["expected_peer_name"] as? String ?? ""
            let verifier = CertificateVerifier(trustAnchors: roots)
            let outcome = Result { try verifier.verify(chain: [peer] + intermediates, hostname: host, now: now) }
            switch (c["expected"] as? String, outcome) {
            case ("SUCCESS", .success(let path)):
                #expect(path.leaf.der == peer, "\(id)")
                #expect(roots.contains(path.anchor), "\(id): path must end at a configured root")
                passed += 1
            case ("FAILURE", .failure(let error)):
                let e = error as? X509Error
                #expect(e != nil, "\(id): \(error)")
                if let want = expectedChainErrors[id] {
                    #expect(e == want, "\(id): got \(e?.code.name ?? "?"): \(error)")
                    if e == want { passed += 1 }
                } else {
                    Issue.record("\(id): no expected error code listed")
                }
                #expect(!(e?.reason.isEmpty ?? true), "\(id): the reason must say what happened")
            case (let expected, let got):
                Issue.record("\(id): expected \(expected ?? "?"), got \(got)")
            }
        }
        print("x509-chain-cases.json: \(cases.count) cases run, \(passed) as expected")
        #expect(passed == cases.count)
    }

    @Test("presented certificates are an unordered pool: reversed, duplicated and padded chains validate")
    func unorderedPool() throws {
        let root = try X509Fixtures.json("x509-chain-cases.json")
        let cases = root["cases"] as? [[String: Any]] ?? []
        guard let c = cases.first(where: { $0["id"] as? String == "pathlen-ok-two-intermediates" }),
            let extra = cases.first(where: { $0["id"] as? String == "valid-extra-unrelated-intermediate" })
        else { throw X509FixtureError("cases missing") }
        let roots = try (c["trusted_roots_pem"] as? [String] ?? []).map { try X509Fixtures.certificate($0) }
        let inter = try (c["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) }
        let unrelated = try (extra["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) }
        let peer = try X509Fixtures.der(c["peer_certificate_pem"] as? String ?? "")
        let now = try X509Fixtures.isoTime("2025-06-01T12:00:00+00:00")
        let verifier = CertificateVerifier(trustAnchors: roots)
        let rootDER = roots.map(\.der)
        let variants: [[[UInt8]]] = [
            inter, inter.reversed(), inter + inter, unrelated + inter.reversed() + rootDER, rootDER + inter + [peer],
        ]
        for (i, rest) in variants.enumerated() {
            let path = try verifier.verify(chain: [peer] + rest, hostname: "server.example.com", now: now)
            #expect(path.certificates.count == 4, "variant \(i)")
            #expect(path.anchor == roots[0], "variant \(i)")
        }
    }

    @Test("when two intermediates share a name the search backtracks past the failing one")
    func backtracksOverFailingIssuer() throws {
        let root = try X509Fixtures.json("x509-chain-cases.json")
        let cases = root["cases"] as? [[String: Any]] ?? []
        func intermediates(_ id: String) throws -> [[UInt8]] {
            guard let c = cases.first(where: { $0["id"] as? String == id }) else { throw X509FixtureError("no \(id)") }
            return try (c["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) }
        }
        guard let valid = cases.first(where: { $0["id"] as? String == "valid-ecdsa" }) else { throw X509FixtureError("no valid-ecdsa") }
        let roots = try (valid["trusted_roots_pem"] as? [String] ?? []).map { try X509Fixtures.certificate($0) }
        let peer = try X509Fixtures.der(valid["peer_certificate_pem"] as? String ?? "")
        let good = try intermediates("valid-ecdsa")
        let now = try X509Fixtures.isoTime("2025-06-01T12:00:00+00:00")
        let verifier = CertificateVerifier(trustAnchors: roots)
        for decoyCase in ["expired-intermediate", "intermediate-not-ca", "intermediate-no-keycertsign", "intermediate-no-basic-constraints"] {
            let decoys = try intermediates(decoyCase)
            let path = try verifier.verify(chain: [peer] + decoys + good, hostname: "server.example.com", now: now)
            #expect(path.certificates.map(\.der) == [peer] + good + [roots[0].der], "decoy from \(decoyCase)")
            // Without the good intermediate, the decoy's own problem is reported.
            #expect(throws: X509Error.self) { try verifier.verify(chain: [peer] + decoys, hostname: "server.example.com", now: now) }
        }
    }
}

/// The error each FAILURE case of x509-extra-cases.json must produce.
private let expectedExtraErrors: [String: X509Error] = [
    "rsa-pss-salt-20": .unsupportedAlgorithm,
    "leaf-any-eku-only": .extendedKeyUsage,
    "intermediate-clientauth-eku": .extendedKeyUsage,
    "leaf-ku-keycertsign": .keyUsage,
    "nc-excluded-violation": .nameConstraints,
    "nc-ip-permitted-violation": .nameConstraints,
]

/// Cases where this client knowingly differs from pyca, with the error it gives instead.
private let extraDeviations: [String: X509Error] = [
    // CryptoPrimitives' RSA stops at 4096 bits (bounding attacker-chosen work); pyca accepts 8192.
    "rsa-8192-intermediate": .unsupportedAlgorithm
]

@Suite("x509-extra-cases.json (generated here, pyca as oracle)")
struct ExtraCaseTests {
    @Test("RSA-PSS, SHA-512, EKU, keyUsage and name-constraint cases give pyca's result (one documented deviation)")
    func allExtraCases() throws {
        let root = try X509Fixtures.json("x509-extra-cases.json")
        let cases = root["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 18)
        var passed = 0
        for c in cases {
            let id = c["id"] as? String ?? "?"
            let roots = try (c["trusted_roots_pem"] as? [String] ?? []).map { try X509Fixtures.certificate($0) }
            let intermediates = try (c["untrusted_intermediates_pem"] as? [String] ?? []).map { try X509Fixtures.der($0) }
            let peer = try X509Fixtures.der(c["peer_certificate_pem"] as? String ?? "")
            let now = try X509Fixtures.isoTime(c["validation_time"] as? String ?? "")
            let host = c["expected_peer_name"] as? String ?? ""
            let outcome = Result { try CertificateVerifier(trustAnchors: roots).verify(chain: [peer] + intermediates, hostname: host, now: now) }
            let expected = extraDeviations[id] != nil ? "FAILURE" : c["expected"] as? String
            switch (expected, outcome) {
            case ("SUCCESS", .success):
                passed += 1
            case ("FAILURE", .failure(let error)):
                let want = extraDeviations[id] ?? expectedExtraErrors[id]
                #expect(want != nil, "\(id): no expected error listed")
                #expect(error as? X509Error == want, "\(id): \(error)")
                if error as? X509Error == want { passed += 1 }
            case (let e, let got):
                Issue.record("\(id): expected \(e ?? "?"), got \(got)")
            }
        }
        print("x509-extra-cases.json: \(cases.count) cases run, \(passed) as expected (\(extraDeviations.count) known deviation from pyca)")
        #expect(passed == cases.count)
    }
}

@Suite("x509-hostname-cases.json")
struct HostnameCaseTests {
    @Test("every host-name case gives pyca's result")
    func allHostnameCases() throws {
        let root = try X509Fixtures.json("x509-hostname-cases.json")
        let anchor = try X509Fixtures.certificate(root["root_pem"] as? String ?? "")
        let intermediate = try X509Fixtures.der(root["intermediate_pem"] as? String ?? "")
        let now = try X509Fixtures.isoTime("2025-06-01T12:00:00+00:00")
        let verifier = CertificateVerifier(trustAnchors: [anchor])
        let cases = root["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 23)
        var passed = 0
        for c in cases {
            let id = c["id"] as? Int ?? -1
            let leaf = try X509Fixtures.der(c["leaf_pem"] as? String ?? "")
            let reference = c["reference_name"] as? String ?? ""
            let outcome = Result { try verifier.verify(chain: [leaf, intermediate], hostname: reference, now: now) }
            switch (c["expected"] as? String, outcome) {
            case ("SUCCESS", .success):
                passed += 1
            case ("FAILURE", .failure(let error)):
                #expect(error as? X509Error == .hostnameMismatch, "case \(id) (\(reference)): \(error)")
                if error as? X509Error == .hostnameMismatch { passed += 1 }
            case (let expected, let got):
                Issue.record("case \(id) \(reference): expected \(expected ?? "?"), got \(got)")
            }
        }
        print("x509-hostname-cases.json: \(cases.count) cases run, \(passed) as expected")
        #expect(passed == cases.count)
    }

    @Test("mismatch and missing-SAN messages list the names and the reference")
    func mismatchMessages() throws {
        let root = try X509Fixtures.json("x509-hostname-cases.json")
        let anchor = try X509Fixtures.certificate(root["root_pem"] as? String ?? "")
        let intermediate = try X509Fixtures.der(root["intermediate_pem"] as? String ?? "")
        let now = try X509Fixtures.isoTime("2025-06-01T12:00:00+00:00")
        let verifier = CertificateVerifier(trustAnchors: [anchor])
        let cases = root["cases"] as? [[String: Any]] ?? []
        func leaf(_ id: Int) throws -> [UInt8] {
            guard let c = cases.first(where: { $0["id"] as? Int == id }) else { throw X509FixtureError("no case \(id)") }
            return try X509Fixtures.der(c["leaf_pem"] as? String ?? "")
        }
        do {
            _ = try verifier.verify(chain: [try leaf(8), intermediate], hostname: "my.bucket.s3.amazonaws.com", now: now)
            Issue.record("dotted bucket must fail")
        } catch let e as X509Error {
            #expect(e.description.hasPrefix("the certificate is for *.s3.amazonaws.com, s3.amazonaws.com, not for my.bucket.s3.amazonaws.com"))
            #expect(e.description.contains("path-style"))
        }
        do {
            _ = try verifier.verify(chain: [try leaf(23), intermediate], hostname: "cn-only.example.com", now: now)
            Issue.record("CN-only must fail")
        } catch let e as X509Error {
            #expect(e == .hostnameMismatch)
            #expect(e.description.contains("subjectAltName"))
            #expect(e.description.contains("CN=cn-only.example.com"))
        }
    }
}

@Suite("x509-limbo online chains")
struct LimboOnlineTests {
    @Test("each real chain validates at its validation time", arguments: X509Fixtures.limboNames)
    func validates(name: String) throws {
        let c = try LimboCase(name)
        let verifier = CertificateVerifier(trustAnchors: c.trusted)
        let path = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName, now: c.validationTime)
        #expect(path.certificates.count == 3)
        #expect(path.anchor == c.trusted[0])
        // Upper-case and trailing-dot spellings of the same name also match.
        _ = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName.uppercased() + ".", now: c.validationTime)
    }

    @Test("each real chain fails three hours after the leaf's notAfter", arguments: X509Fixtures.limboNames)
    func expiresAfterNotAfter(name: String) throws {
        let c = try LimboCase(name)
        let leaf = try Certificate(derEncoded: c.peer)
        let verifier = CertificateVerifier(trustAnchors: c.trusted)
        do {
            _ = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName, now: leaf.notAfter + 3 * 3600)
            Issue.record("\(name): must be expired")
        } catch let e as X509Error {
            #expect(e == .expired)
            #expect(e.description.contains("expired on \(DERTime.format(leaf.notAfter))"))
            #expect(e.description.hasPrefix("the certificate for "))
        }
        // At notAfter itself it is still valid (the validity period is inclusive, RFC 5280 §4.1.2.5).
        _ = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName, now: leaf.notAfter)
    }

    @Test("each real chain fails for a host name it does not cover", arguments: X509Fixtures.limboNames)
    func wrongHost(name: String) throws {
        let c = try LimboCase(name)
        let verifier = CertificateVerifier(trustAnchors: c.trusted)
        #expect(throws: X509Error.hostnameMismatch) {
            try verifier.verify(chain: [c.peer] + c.intermediates, hostname: "not-\(c.peerName).invalid", now: c.validationTime)
        }
        #expect(throws: X509Error.hostnameMismatch) {
            try verifier.verify(chain: [c.peer] + c.intermediates, hostname: "192.0.2.1", now: c.validationTime)
        }
    }

    @Test("each real chain fails against an unrelated root with an actionable message", arguments: X509Fixtures.limboNames)
    func unknownRoot(name: String) throws {
        let c = try LimboCase(name)
        let other = try LimboCase(name == "cloudflare.com" ? "fastly.com" : "cloudflare.com")
        let verifier = CertificateVerifier(trustAnchors: other.trusted)
        do {
            _ = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName, now: c.validationTime)
            Issue.record("\(name): must fail without its root")
        } catch let e as X509Error {
            #expect(e == .unknownIssuer)
            #expect(e.description.hasPrefix("no trusted root issued the certificate of "))
            #expect(e.description.contains("SSL_CERT_FILE"))
        }
    }

    @Test("a real chain validates against this machine's trust store when it holds the root")
    func systemStore() throws {
        let store = try TrustStore.loadReporting(caBundlePath: nil, environment: { _ in nil })
        let verifier = CertificateVerifier(trustAnchors: store.certificates)
        var validated = 0
        for name in X509Fixtures.limboNames {
            let c = try LimboCase(name)
            guard store.certificates.contains(where: { $0.subject == c.trusted[0].subject }) else { continue }
            let path = try verifier.verify(chain: [c.peer] + c.intermediates, hostname: c.peerName, now: c.validationTime)
            #expect(path.anchor.subject == c.trusted[0].subject, "\(name)")
            validated += 1
        }
        print("limbo chains validated against \(store.source): \(validated) of \(X509Fixtures.limboNames.count)")
    }
}
