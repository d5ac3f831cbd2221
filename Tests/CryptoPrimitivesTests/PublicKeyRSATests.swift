import ByteCoding
@testable import CryptoPrimitives
import Testing

/// RSA key of a Wycheproof group, built three ways (modulus/exponent, PKCS#1 DER, SPKI DER),
/// which must agree.
func pkRSAKey(_ c: PKWycheproofCase) throws -> RSAPublicKey {
    let fromParts = try RSAPublicKey(modulus: c.groupHex("publicKey", "modulus"), exponent: c.groupHex("publicKey", "publicExponent"))
    let fromSPKI = try RSAPublicKey(derSubjectPublicKeyInfo: c.groupHex("publicKeyDer"))
    let fromPKCS1 = try RSAPublicKey(derPKCS1: c.groupHex("publicKeyAsn"))
    #expect(fromParts == fromSPKI)
    #expect(fromParts == fromPKCS1)
    #expect(try c.groupString("keySize") == String(fromSPKI.bitLength))
    return fromSPKI
}

/// PKCS#1 v1.5 file: valid → true; invalid and acceptable (MissingNull: the stricter choice) → false.
func pkRunPKCS1(_ name: String, _ hash: RSAHash) throws {
    let file = try PKWycheproofFile(name)
    var keys: [String: RSAPublicKey] = [:]
    try file.run { c in
        let der = try c.groupString("publicKeyDer")
        let key = try keys[der] ?? pkRSAKey(c)
        keys[der] = key
        let ok = key.verifyPKCS1v15(message: try c.hex("msg"), signature: try c.hex("sig"), hash: hash)
        #expect(ok == c.isValid, "tcId \(c.id) \(c.result) \(c.flags)")
    }
}

/// PSS file: valid → true, invalid → false, salt length from the group.
func pkRunPSS(_ name: String, _ hash: RSAHash) throws {
    let file = try PKWycheproofFile(name)
    var keys: [String: RSAPublicKey] = [:]
    try file.run { c in
        let der = try c.groupString("publicKeyDer")
        let key = try keys[der] ?? pkRSAKey(c)
        keys[der] = key
        let sLen = try #require(Int(try c.groupString("sLen")))
        let msg = try c.hex("msg"), sig = try c.hex("sig")
        #expect(key.verifyPSS(message: msg, signature: sig, hash: hash, saltLength: sLen) == c.isValid, "tcId \(c.id) \(c.flags)")
        if sLen == hash.digestByteCount {
            #expect(key.verifyPSS(message: msg, signature: sig, hash: hash) == c.isValid, "tcId \(c.id) default salt")
        }
    }
}

/// Test-only RSA decryption with the private exponent (the product never decrypts).
struct PKTestRSAPrivateKey {
    let arithmetic: RSAMontgomeryModulus
    let d: [UInt8]

    init(modulus: [UInt8], privateExponent: [UInt8]) {
        let n = Array(modulus.drop(while: { $0 == 0 }))
        self.arithmetic = RSAMontgomeryModulus(bigEndian: n, bitLength: 8 * n.count - n[0].leadingZeroBitCount)
        self.d = privateExponent
    }

    /// RSADP then EME-OAEP decoding; nil on any failure.
    func decryptOAEPSHA1(_ ciphertext: [UInt8], label: [UInt8]) -> [UInt8]? {
        guard let em = self.arithmetic.power(ciphertext, exponent: self.d) else { return nil }
        return OAEPSHA1.decode(em, label: label)
    }

    /// The OAEP seed inside a ciphertext (for re-encrypting with the same randomness).
    func seed(of ciphertext: [UInt8]) -> [UInt8]? {
        guard let em = self.arithmetic.power(ciphertext, exponent: self.d) else { return nil }
        let maskedSeed = Array(em[1...20]), maskedDB = Array(em[21...])
        let mask = MGF1.mask(seed: maskedDB, length: 20, hash: { SHA1.hash($0) })
        return zip(maskedSeed, mask).map { $0 ^ $1 }
    }
}

@Suite("RSA (Wycheproof PKCS#1 v1.5 / PSS SHA-256, OAEP-SHA-1, key parsing)")
struct PublicKeyRSATests {
    @Test func wycheproofPKCS1v15_2048_SHA256() throws { try pkRunPKCS1("rsa_signature_2048_sha256_test.json", .sha256) }
    @Test func wycheproofPKCS1v15_4096_SHA256() throws { try pkRunPKCS1("rsa_signature_4096_sha256_test.json", .sha256) }
    @Test func wycheproofPSS_2048_SHA256_MGF1_32() throws { try pkRunPSS("rsa_pss_2048_sha256_mgf1_32_test.json", .sha256) }

    /// Decrypts every vector ciphertext with the test decryptor (valid → msg, invalid → nil),
    /// then re-encrypts each valid message with the seed recovered from its ciphertext and
    /// expects the vector's ciphertext byte for byte, which pins our encoder to the vectors.
    @Test func wycheproofOAEP_2048_SHA1_MGF1SHA1() throws {
        let file = try PKWycheproofFile("rsa_oaep_2048_sha1_mgf1sha1_test.json")
        var reencrypted = 0
        try file.run { c in
            let modulus = try c.groupHex("privateKey", "modulus")
            let priv = PKTestRSAPrivateKey(modulus: modulus, privateExponent: try c.groupHex("privateKey", "privateExponent"))
            let pub = try RSAPublicKey(modulus: modulus, exponent: c.groupHex("privateKey", "publicExponent"))
            let ct = try c.hex("ct"), label = try c.hex("label")
            let plain = priv.decryptOAEPSHA1(ct, label: label)
            if c.isValid {
                let msg = try c.hex("msg")
                #expect(plain == msg, "tcId \(c.id)")
                let seed = try #require(priv.seed(of: ct))
                var requested: [Int] = []
                let again = try pub.encryptOAEPSHA1(msg, label: label, random: { count in
                    requested.append(count)
                    return seed
                })
                #expect(requested == [20])
                #expect(again == ct, "tcId \(c.id) re-encryption")
                reencrypted += 1
            } else {
                #expect(plain == nil, "tcId \(c.id) \(c.flags)")
            }
        }
        print("[vectors] rsa_oaep re-encrypted to the exact vector ciphertext: \(reencrypted)")
    }

    @Test func oaepRoundTripAndLengthLimit() throws {
        let file = try PKWycheproofFile("rsa_oaep_2048_sha1_mgf1sha1_test.json")
        let c = try #require(file.cases.first)
        let modulus = try c.groupHex("privateKey", "modulus")
        let priv = PKTestRSAPrivateKey(modulus: modulus, privateExponent: try c.groupHex("privateKey", "privateExponent"))
        let pub = try RSAPublicKey(modulus: modulus, exponent: c.groupHex("privateKey", "publicExponent"))
        var counter: UInt8 = 0
        let random: (Int) -> [UInt8] = { n in counter &+= 1; return (0..<n).map { UInt8(truncatingIfNeeded: $0) ^ counter } }
        for (length, label) in [(0, [UInt8]()), (1, []), (21, Array("mysql".utf8)), (214, [])] {
            let msg = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            let ct1 = try pub.encryptOAEPSHA1(msg, label: label, random: random)
            let ct2 = try pub.encryptOAEPSHA1(msg, label: label, random: random)
            #expect(ct1.count == 256)
            #expect(ct1 != ct2)  // fresh seed each time
            #expect(priv.decryptOAEPSHA1(ct1, label: label) == msg)
            #expect(priv.decryptOAEPSHA1(ct2, label: label) == msg)
            #expect(priv.decryptOAEPSHA1(ct1, label: label + [0]) == nil)
        }
        #expect(throws: PublicKeyError(.messageTooLong, "")) {
            try pub.encryptOAEPSHA1([UInt8](repeating: 1, count: 215), random: random)
        }
    }

    @Test func keysUnder2048BitsAreRefused() throws {
        // 2047-bit odd modulus, 1024-bit odd modulus.
        for bits in [2047, 1024, 512] {
            var n = [UInt8](repeating: 0xFF, count: (bits + 7) / 8)
            if bits % 8 != 0 { n[0] = UInt8((1 << (bits % 8)) - 1) }
            #expect(throws: PublicKeyError(.keyTooSmall, ""), "\(bits) bits") {
                try RSAPublicKey(modulus: n, exponent: [0x01, 0x00, 0x01])
            }
        }
        let ok = try RSAPublicKey(modulus: [0x80] + [UInt8](repeating: 0, count: 254) + [0x01], exponent: [0x01, 0x00, 0x01])
        #expect(ok.bitLength == 2048)
        let ok4096 = try RSAPublicKey(modulus: [0x00, 0xFF] + [UInt8](repeating: 0xFF, count: 511), exponent: [0x03])
        #expect(ok4096.bitLength == 4096)
    }

    @Test func malformedKeysAreRefused() {
        let n2048 = [0xC0] + [UInt8](repeating: 0x11, count: 254) + [0x01]
        let cases: [(String, [UInt8], [UInt8], PublicKeyError.Code)] = [
            ("even modulus", Array(n2048.dropLast()) + [0x02], [0x01, 0x00, 0x01], .invalidPublicKey),
            ("4097 bits", [0x01] + [UInt8](repeating: 0xFF, count: 512), [0x01, 0x00, 0x01], .invalidPublicKey),
            ("zero modulus", [0, 0], [3], .invalidPublicKey),
            ("e = 1", n2048, [1], .invalidPublicKey),
            ("even e", n2048, [0x01, 0x00, 0x00], .invalidPublicKey),
            ("e ≥ 2^32", n2048, [1, 0, 0, 0, 1], .invalidPublicKey),
        ]
        for (name, n, e, code) in cases {
            #expect(throws: PublicKeyError(code, ""), "\(name)") { try RSAPublicKey(modulus: n, exponent: e) }
        }
    }

    /// Strict DER: the vector's SPKI parses; BER variants and trailing data do not.
    @Test func strictDERKeyParsing() throws {
        let file = try PKWycheproofFile("rsa_signature_2048_sha256_test.json")
        let c = try #require(file.cases.first)
        let spki = try c.groupHex("publicKeyDer"), pkcs1 = try c.groupHex("publicKeyAsn")
        let good = try RSAPublicKey(derSubjectPublicKeyInfo: spki)
        #expect(good == (try RSAPublicKey(derPKCS1: pkcs1)))
        // SPKI = 30 82 01 22 | 30 0d 06 09 <oid> 05 00 | 03 82 01 0f 00 | RSAPublicKey
        #expect(Array(spki[0..<4]) == [0x30, 0x82, 0x01, 0x22])
        var noNull = spki
        noNull.replaceSubrange(4..<19, with: [0x30, 0x0b] + spki[6..<17])
        noNull[2...3] = [0x01, 0x20]
        var wrongOID = spki
        wrongOID[16] = 0x0B  // sha256WithRSAEncryption instead of rsaEncryption
        var unusedBits = spki
        unusedBits[23] = 0x01
        var nonMinimalLength = [0x30, 0x83, 0x00, 0x01, 0x22] + spki[4...]
        nonMinimalLength[0] = 0x30
        let negativeModulus = { () -> [UInt8] in
            var d = pkcs1  // 30 82 01 0a 02 82 01 01 00 <n>...: drop the sign byte
            d.remove(at: 8)
            d[7] = 0x00
            d[3] = 0x09
            return d
        }()
        let cases: [(String, [UInt8], Bool)] = [
            ("SPKI with trailing byte", spki + [0], true),
            ("SPKI without NULL parameters", noNull, true),
            ("SPKI with another algorithm OID", wrongOID, true),
            ("BIT STRING with unused bits", unusedBits, true),
            ("non-minimal long-form length", nonMinimalLength, true),
            ("PKCS#1 with trailing byte", pkcs1 + [0], false),
            ("PKCS#1 negative modulus", negativeModulus, false),
            ("PKCS#1 truncated", Array(pkcs1.dropLast()), false),
        ]
        for (name, der, isSPKI) in cases {
            #expect(throws: PublicKeyError.self, "\(name)") {
                if isSPKI { _ = try RSAPublicKey(derSubjectPublicKeyInfo: der) } else { _ = try RSAPublicKey(derPKCS1: der) }
            }
        }
    }

    /// The salt length is part of the check: a valid 32-byte-salt signature fails with any other
    /// declared length, and absurd lengths are refused without trapping.
    @Test func pssSaltLengthParameter() throws {
        let file = try PKWycheproofFile("rsa_pss_2048_sha256_mgf1_32_test.json")
        let c = try #require(file.cases.first { $0.isValid })
        let key = try pkRSAKey(c)
        let msg = try c.hex("msg"), sig = try c.hex("sig")
        #expect(key.verifyPSS(message: msg, signature: sig, hash: .sha256, saltLength: 32))
        for other in [0, 20, 31, 33, 64, 222, 223, 256, -1, Int.max, Int.min] {
            #expect(!key.verifyPSS(message: msg, signature: sig, hash: .sha256, saltLength: other), "salt \(other)")
        }
    }

    @Test func signatureOfWrongLengthOrNotBelowModulusFails() throws {
        let file = try PKWycheproofFile("rsa_signature_2048_sha256_test.json")
        let c = try #require(file.cases.first { $0.isValid })
        let key = try pkRSAKey(c)
        let msg = try c.hex("msg"), sig = try c.hex("sig")
        #expect(key.verifyPKCS1v15(message: msg, signature: sig, hash: .sha256))
        #expect(!key.verifyPKCS1v15(message: msg, signature: [0] + sig, hash: .sha256))
        #expect(!key.verifyPKCS1v15(message: msg, signature: Array(sig.dropFirst()), hash: .sha256))
        #expect(!key.verifyPKCS1v15(message: msg + [0], signature: sig, hash: .sha256))
        let modulus = try c.groupHex("publicKey", "modulus").drop(while: { $0 == 0 })
        #expect(!key.verifyPKCS1v15(message: msg, signature: Array(modulus), hash: .sha256))  // s = n
        #expect(!key.verifyPSS(message: msg, signature: sig, hash: .sha256))  // a PKCS#1 signature is not PSS
    }
}
