import ByteCoding
@testable import CryptoPrimitives
import Testing

/// Runs a Wycheproof ECDSA file: valid → true, invalid → false (the files have no acceptable).
func pkRunECDSA(_ name: String, verify: ([UInt8], [UInt8], [UInt8]) -> Bool) throws {
    let file = try PKWycheproofFile(name)
    try file.run { c in
        let key = try c.groupHex("publicKey", "uncompressed")
        let ok = verify(key, try c.hex("msg"), try c.hex("sig"))
        #expect(c.result != "acceptable", "tcId \(c.id): unexpected acceptable case")
        #expect(ok == c.isValid, "tcId \(c.id) \(c.result) \(c.flags)")
    }
}

@Suite("ECDSA verification (Wycheproof P-256, P-384/SHA-256, strict DER)")
struct PublicKeyECDSATests {
    @Test func wycheproofP256SHA256DER() throws {
        try pkRunECDSA("ecdsa_secp256r1_sha256_test.json") { ECDSA.verifyP256SHA256(publicKey: $0, message: $1, derSignature: $2) }
    }

    @Test func wycheproofP256SHA256P1363() throws {
        try pkRunECDSA("ecdsa_secp256r1_sha256_p1363_test.json") { ECDSA.verifyP256SHA256P1363(publicKey: $0, message: $1, signature: $2) }
    }

    @Test func wycheproofP384SHA256DER() throws {
        try pkRunECDSA("ecdsa_secp384r1_sha256_test.json") { ECDSA.verifyP384SHA256(publicKey: $0, message: $1, derSignature: $2) }
    }

    /// A known-valid signature (Wycheproof P-256 tcId 1) mutated into BER and malleable forms.
    @Test func derMalleabilityIsRejected() throws {
        let file = try PKWycheproofFile("ecdsa_secp256r1_sha256_test.json")
        let c = try #require(file.cases.first { $0.id == 1 })
        #expect(c.isValid)
        let key = try c.groupHex("publicKey", "uncompressed"), msg = try c.hex("msg"), sig = try c.hex("sig")
        #expect(ECDSA.verifyP256SHA256(publicKey: key, message: msg, derSignature: sig))
        let (r, s) = try #require(ECDSA.parseDER(sig, byteCount: 32))
        func integer(_ v: [UInt8]) -> [UInt8] {
            let m = Array(v.drop(while: { $0 == 0 }))
            let body = (m.first ?? 0) >= 0x80 ? [0] + m : m
            return [0x02, UInt8(body.count)] + body
        }
        let rI = integer(r), sI = integer(s)
        #expect([0x30, UInt8(rI.count + sI.count)] + rI + sI == sig)  // our re-encoding is the original
        let bodyLen = UInt8(rI.count + sI.count)
        let mutations: [(String, [UInt8])] = [
            ("long-form length 0x81", [0x30, 0x81, bodyLen] + rI + sI),
            ("long-form length 0x82 00", [0x30, 0x82, 0x00, bodyLen] + rI + sI),
            ("indefinite length", [0x30, 0x80] + rI + sI + [0, 0]),
            ("trailing byte", sig + [0x00]),
            ("trailing TLV", sig + [0x05, 0x00]),
            ("extra element in sequence", [0x30, bodyLen + 2] + rI + sI + [0x05, 0x00]),
            ("r with extra leading zero", { let r2 = [0x02, rI[1] + 1, 0x00] + rI[2...]; return [0x30, UInt8(r2.count + sI.count)] + r2 + sI }()),
            ("s negative (sign byte dropped)", { let s2 = sI[2] == 0 ? [0x02, sI[1] - 1] + sI[3...] : [0x02, sI[1]] + sI[2...].map { $0 | 0x80 }; return [0x30, UInt8(rI.count + s2.count)] + rI + s2 }()),
            ("wrong outer tag", [0x31] + sig.dropFirst()),
            ("wrong integer tag", [0x30, bodyLen, 0x03] + rI.dropFirst() + sI),
            ("sequence length too long", [0x30, bodyLen + 1] + rI + sI),
            ("sequence length too short", [0x30, bodyLen - 1] + rI + sI),
            ("empty", []),
        ]
        for (name, bad) in mutations {
            #expect(!ECDSA.verifyP256SHA256(publicKey: key, message: msg, derSignature: bad), "\(name)")
        }
        // s replaced by n - s (the other valid ECDSA solution) verifies mathematically; r = 0,
        // s = 0, r = n are out of range.
        let n = WeierstrassCurve.p256.order
        let sPlain = try #require(n.decode(s[...]))
        let negS = n.encode(n.fromMontgomery(n.sub(Limbs6(), n.toMontgomery(sPlain))))
        #expect(ECDSA.verify(curve: .p256, publicKey: key, digest: SHA256.hash(msg), rawSignature: r + negS))
        let zero = [UInt8](repeating: 0, count: 32), order = n.encode(n.modulus)
        for (name, raw) in [("r = 0", zero + s), ("s = 0", r + zero), ("r = n", order + s), ("s = n", r + order)] {
            #expect(!ECDSA.verify(curve: .p256, publicKey: key, digest: SHA256.hash(msg), rawSignature: raw), "\(name)")
        }
    }

    @Test func invalidPublicKeysFailVerification() throws {
        let file = try PKWycheproofFile("ecdsa_secp256r1_sha256_test.json")
        let c = try #require(file.cases.first { $0.id == 1 })
        let key = try c.groupHex("publicKey", "uncompressed"), msg = try c.hex("msg"), sig = try c.hex("sig")
        var offCurve = key
        offCurve[64] ^= 1
        let compressed = [key[64] & 1 == 1 ? 0x03 : 0x02] + key[1..<33]
        for bad in [offCurve, compressed, [0x00], [], key + [0]] {
            #expect(!ECDSA.verifyP256SHA256(publicKey: bad, message: msg, derSignature: sig))
        }
    }
}
