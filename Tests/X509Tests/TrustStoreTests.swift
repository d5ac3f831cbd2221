// Trust store discovery and tolerant bundle parsing.
import Foundation
import Testing
@testable import X509

@Suite("Trust store")
struct TrustStoreTests {
    static func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "x509-test-\(UInt64.random(in: 0...UInt64.max)).pem"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func pem(_ der: [UInt8]) -> String {
        "-----BEGIN CERTIFICATE-----\n" + (PEMTests.pemBody(der) ?? "") + "-----END CERTIFICATE-----\n"
    }

    @Test("this machine's system bundle loads with more than 100 roots")
    func systemBundle() throws {
        let result = try TrustStore.loadReporting(caBundlePath: nil, environment: { _ in nil })
        print("system trust store \(result.source): \(result.certificates.count) certificates parsed, \(result.skipped) skipped")
        #expect(result.certificates.count > 100)
        #expect(TrustStore.systemBundlePaths.contains(result.source))
        // Every parsed root is a v1 or v3 certificate with a usable subject.
        #expect(result.certificates.allSatisfy { $0.version == 1 || $0.version == 3 })
    }

    @Test("an explicit bundle wins over SSL_CERT_FILE; unparseable blocks are skipped")
    func explicitBundle() throws {
        let c = try LimboCase("fastly.com")
        let text = "junk\n" + Self.pem(c.trusted[0].der) + "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            + Self.pem([0x30, 0x03, 0x02, 0x01, 0x00])
        let path = try Self.temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try TrustStore.loadReporting(caBundlePath: path, environment: { _ in "/nonexistent" })
        #expect(result.certificates == [c.trusted[0]])
        #expect(result.skipped == 2)
        #expect(try TrustStore.load(caBundlePath: path) == [c.trusted[0]])
    }

    @Test("SSL_CERT_FILE, then SSL_CERT_DIR, are honoured before the system bundles")
    func environmentOrder() throws {
        let c = try LimboCase("cloudflare.com")
        let path = try Self.temporaryFile(Self.pem(c.trusted[0].der))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let viaFile = try TrustStore.loadReporting(caBundlePath: nil, environment: { $0 == "SSL_CERT_FILE" ? path : "/etc/ssl/certs" })
        #expect(viaFile.certificates == [c.trusted[0]])
        let viaDir = try TrustStore.loadReporting(caBundlePath: nil, environment: { $0 == "SSL_CERT_DIR" ? "/etc/ssl/certs" : nil })
        print("SSL_CERT_DIR=/etc/ssl/certs: \(viaDir.certificates.count) distinct certificates, \(viaDir.skipped) skipped")
        #expect(viaDir.certificates.count > 100)
        let twoDirs = try TrustStore.loadReporting(caBundlePath: nil, environment: { $0 == "SSL_CERT_DIR" ? "/nonexistent-dir:/etc/ssl/certs" : nil })
        #expect(twoDirs.certificates.count == viaDir.certificates.count)
    }

    @Test("a bundle without usable certificates, a missing file and a bad directory are errors naming them")
    func errors() throws {
        let empty = try Self.temporaryFile("no certificates here\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        do {
            _ = try TrustStore.load(caBundlePath: empty)
            Issue.record("must fail")
        } catch let e as X509Error {
            #expect(e == .trustStore)
            #expect(e.description.contains(empty))
        }
        do {
            _ = try TrustStore.load(caBundlePath: "/nonexistent/ca.pem")
            Issue.record("must fail")
        } catch let e as X509Error {
            #expect(e == .trustStore)
            #expect(e.description.contains("/nonexistent/ca.pem"))
        }
        #expect(throws: X509Error.trustStore) {
            try TrustStore.loadReporting(caBundlePath: nil, environment: { $0 == "SSL_CERT_DIR" ? "/nonexistent-dir" : nil })
        }
    }

    @Test("certificate directory file names: *.pem, *.crt and OpenSSL hash links", arguments: [
        ("ca.pem", true), ("root.crt", true), ("002c0b4f.0", true), ("002c0b4f.12", true),
        ("README", false), ("002c0b4f.r0", false), ("02c0b4f.0", false), ("ca.pem.bak", false),
    ] as [(String, Bool)])
    func fileNames(name: String, expected: Bool) {
        #expect(TrustStore.isCertificateFileName(name) == expected)
    }
}
