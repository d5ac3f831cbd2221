import ByteCoding
@testable import CryptoPrimitives
import Testing

/// The suites that need SHA-384/512 (Symmetric/SHA512.swift).
@Suite("Public-key vectors needing SHA-384/512 (ECDSA P-384, RSA PKCS#1 v1.5 and PSS)")
struct PublicKeySHA2Tests {
    @Test func wycheproofP384SHA384DER() throws {
        try pkRunECDSA("ecdsa_secp384r1_sha384_test.json") { ECDSA.verifyP384SHA384(publicKey: $0, message: $1, derSignature: $2) }
    }

    /// The same vectors through the raw r‖s entry point: valid DER signatures re-encoded as
    /// r‖s must verify (invalid DER has no r‖s form, so only valid cases are re-encoded).
    @Test func p384SHA384P1363FromValidDERVectors() throws {
        let file = try PKWycheproofFile("ecdsa_secp384r1_sha384_test.json")
        var count = 0
        for c in file.cases where c.isValid {
            let key = try c.groupHex("publicKey", "uncompressed")
            let (r, s) = try #require(ECDSA.parseDER(try c.hex("sig"), byteCount: 48), "tcId \(c.id)")
            #expect(ECDSA.verifyP384SHA384P1363(publicKey: key, message: try c.hex("msg"), signature: r + s), "tcId \(c.id)")
            count += 1
        }
        #expect(count > 0)
        print("[vectors] ecdsa_secp384r1_sha384 valid cases re-checked as P1363: \(count)")
    }

    @Test func wycheproofPKCS1v15_2048_SHA384() throws { try pkRunPKCS1("rsa_signature_2048_sha384_test.json", .sha384) }
    @Test func wycheproofPKCS1v15_2048_SHA512() throws { try pkRunPKCS1("rsa_signature_2048_sha512_test.json", .sha512) }
    @Test func wycheproofPSS_2048_SHA384_MGF1_48() throws { try pkRunPSS("rsa_pss_2048_sha384_mgf1_48_test.json", .sha384) }
    @Test func wycheproofPSS_4096_SHA512_MGF1_64() throws { try pkRunPSS("rsa_pss_4096_sha512_mgf1_64_test.json", .sha512) }

    /// A digest longer than the P-256 order is truncated to its leftmost 256 bits (FIPS 186-5
    /// §6.4.2): a valid P-256 signature over SHA-256(m) also verifies for any longer digest
    /// starting with SHA-256(m), and fails when those leading bytes change.
    @Test func longDigestIsTruncatedToOrderLength() throws {
        let file = try PKWycheproofFile("ecdsa_secp256r1_sha256_test.json")
        let c = try #require(file.cases.first { $0.isValid })
        let key = try c.groupHex("publicKey", "uncompressed"), sig = try c.hex("sig")
        let digest = SHA256.hash(try c.hex("msg"))
        #expect(ECDSA.verify(curve: .p256, publicKey: key, digest: digest + SHA512.hash(digest), derSignature: sig))
        var changed = digest
        changed[31] ^= 1
        #expect(!ECDSA.verify(curve: .p256, publicKey: key, digest: changed + SHA512.hash(digest), derSignature: sig))
    }
}
