import ByteCoding
import Foundation
import Testing
import X509

@testable import TLS

/// The adapter between the X.509 verifier and the handshake: alerts and leaf keys.
@Suite struct X509AuthenticatorTests {
    static let now: Int64 = 1_796_321_321

    static func chain(_ kind: String) throws -> [[UInt8]] {
        let pem = try Data(contentsOf: TLSFixtures.url("openssl/chain-\(kind).pem"))
        return Certificate.parsePEMBundle(Array(pem)).certificates.map(\.der)
    }

    static func authenticator() throws -> X509Authenticator {
        X509Authenticator(verifier: try Transcript.verifier())
    }

    @Test(arguments: [
        ("ecdsa", SignatureScheme.ecdsaSecp256r1SHA256),
        ("rsa", .rsaPSSRSAESHA256),
        ("p384", .ecdsaSecp384r1SHA384),
    ])
    func validChainYieldsALeafKeyOfTheRightType(kind: String, scheme: SignatureScheme) throws {
        let chain = try Self.chain(kind)
        #expect(chain.count == 2)
        let key = try Self.authenticator().authenticate(chain: chain, serverName: "localhost", now: Self.now)
        // A garbage signature of the matching scheme is "invalid"; other key types are mismatches.
        #expect(key.check(scheme: scheme, signedContent: [1], signature: [0x30, 0x00]) == .invalid)
        for other in SignatureScheme.handshakeSchemes where other != scheme {
            let sameFamily = kind == "rsa" && other.rawValue >> 8 == 0x08
            if !sameFamily {
                #expect(key.check(scheme: other, signedContent: [1], signature: [0x30, 0x00]) == .keyMismatch, "\(kind) \(other)")
            }
        }
        #expect(key.check(scheme: .rsaPKCS1SHA256, signedContent: [1], signature: [1]) == .keyMismatch)
    }

    @Test(arguments: [
        ("db.example.org", Self.now, AlertDescription.badCertificate, "db.example.org"),
        ("localhost", Self.now + 2 * 366 * 86_400, .certificateExpired, "expired"),
        ("localhost", Self.now - 86_400, .certificateExpired, ""),
    ])
    func verifierFailuresMapToAlertsAndKeepTheText(host: String, now: Int64, alert: AlertDescription, text: String) throws {
        let error = try #require(throws: CertificateFailure.self) {
            try Self.authenticator().authenticate(chain: Self.chain("ecdsa"), serverName: host, now: now)
        }
        #expect(error.alert == alert)
        #expect(text.isEmpty || error.detail.contains(text), "\(error.detail)")
    }

    @Test func chainFromAnUntrustedRootIsUnknownCA() throws {
        let error = try #require(throws: CertificateFailure.self) {
            try X509Authenticator(verifier: CertificateVerifier(trustAnchors: [])).authenticate(chain: Self.chain("rsa"), serverName: "localhost", now: Self.now)
        }
        #expect(error.alert == .unknownCA)
    }

    @Test func garbageCertificateIsBadCertificate() throws {
        let error = try #require(throws: CertificateFailure.self) {
            try Self.authenticator().authenticate(chain: [[0x30, 0x03, 0x02, 0x01, 0x07]], serverName: "localhost", now: Self.now)
        }
        #expect(error.alert == .badCertificate)
    }

    // MySQL --ssl-mode levels: verify-ca skips only the name; "unverified" skips the chain but
    // still yields the leaf key, so CertificateVerify must still verify.

    @Test func chainOnlyPolicyAcceptsAnotherNameButStillChecksTheChain() throws {
        let verifier = try Transcript.verifier()
        let chainOnly = X509Authenticator(policy: .verifyChainOnly(verifier))
        let key = try chainOnly.authenticate(chain: Self.chain("ecdsa"), serverName: "db.example.org", now: Self.now)
        #expect(key.check(scheme: .ecdsaSecp256r1SHA256, signedContent: [1], signature: [0x30, 0x00]) == .invalid)
        let untrusted = try #require(throws: CertificateFailure.self) {
            try X509Authenticator(policy: .verifyChainOnly(CertificateVerifier(trustAnchors: []))).authenticate(chain: Self.chain("ecdsa"), serverName: "localhost", now: Self.now)
        }
        #expect(untrusted.alert == .unknownCA)
        let expired = try #require(throws: CertificateFailure.self) {
            try chainOnly.authenticate(chain: Self.chain("ecdsa"), serverName: "localhost", now: Self.now + 2 * 366 * 86_400)
        }
        #expect(expired.alert == .certificateExpired)
        // The full policy refuses the same wrong name.
        #expect(throws: CertificateFailure.self) {
            try X509Authenticator(policy: .verifyChainAndHostName(verifier)).authenticate(chain: Self.chain("ecdsa"), serverName: "db.example.org", now: Self.now)
        }
    }

    @Test(arguments: [("ecdsa", SignatureScheme.ecdsaSecp256r1SHA256), ("rsa", .rsaPSSRSAESHA256)])
    func unverifiedPolicyStillYieldsTheLeafKey(kind: String, scheme: SignatureScheme) throws {
        let auth = X509Authenticator(policy: .unverifiedEncryptionOnly)
        let key = try auth.authenticate(chain: Self.chain(kind), serverName: "anything.invalid", now: Self.now)
        #expect(key.check(scheme: scheme, signedContent: [1], signature: [0x30, 0x00]) == .invalid)
        #expect(key.check(scheme: .ecdsaSecp384r1SHA384, signedContent: [1], signature: [0x30, 0x00]) == .keyMismatch)
        #expect(throws: CertificateFailure.self) { try auth.authenticate(chain: [], serverName: "x", now: Self.now) }
        #expect(throws: CertificateFailure.self) { try auth.authenticate(chain: [[0x30, 0x03, 0x02, 0x01, 0x07]], serverName: "x", now: Self.now) }
    }
}
