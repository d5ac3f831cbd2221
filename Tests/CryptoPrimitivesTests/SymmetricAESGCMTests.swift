import ByteCoding
import CryptoPrimitives
import Testing

@Suite("AES (bitsliced) and AES-GCM: FIPS 197, SP 800-38D, Wycheproof, RFC 8448 records")
struct SymmetricAESGCMTests {
    /// FIPS 197 Appendix C.1 and C.3 (AES-128, AES-256 single block).
    @Test(arguments: [
        ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff",
         "8ea2b7ca516745bfeafc49904b496089"),
        // FIPS 197 Appendix B (the worked AES-128 example).
        ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32"),
    ])
    func aesBlockKnownAnswers(key: String, plaintext: String, expected: String) throws {
        let aes = try AES(key: try hex(key))
        #expect(Hex.encode(try aes.encrypt(block: try hex(plaintext))) == expected)
        #expect(throws: CryptoError(code: .invalidLength, reason: "")) { _ = try aes.encrypt(block: [UInt8](repeating: 0, count: 15)) }
    }

    /// McGrew–Viega GCM spec test cases 1–4 (AES-128) and 13–16 (AES-256), 96-bit IVs.
    @Test(arguments: [
        ("00000000000000000000000000000000", "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"),
        ("00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
         "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"),
        ("feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
         "",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
         "4d5c2af327cd64a62cf35abd2ba6fab4"),
        ("feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         "5bc94fbc3221a5db94fae95ae7121a47"),
        ("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
         "530f8afbc74536b9a963b4f1c4cb738b"),
        ("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
         "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
        ("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"),
    ])
    func gcmSpecVectors(key: String, iv: String, pt: String, aad: String, ct: String, tag: String) throws {
        let gcm = try AESGCM(key: try hex(key))
        let sealed = try gcm.seal(nonce: try hex(iv), plaintext: try hex(pt), aad: try hex(aad))
        #expect(Hex.encode(sealed) == ct + tag)
        #expect(try gcm.open(nonce: try hex(iv), ciphertextAndTag: sealed, aad: try hex(aad)) == (try hex(pt)))
    }

    @Test func wycheproofAESGCM() throws {
        let (tally, declared) = try runWycheproofAEAD(file: "aes_gcm_test.json", make: AEADUnderTest.gcm)
        print("wycheproof aes_gcm: \(tally)")
        #expect(tally.run + tally.nonceRejectedByDesign + tally.keySizeSkippedByDesign == declared)
        #expect(tally.failed == 0)
        #expect(tally.run == 133)
    }

    @Test func edgeCasesAES128AndAES256() throws {
        for keyLength in [16, 32] {
            let checks = try exerciseAEADEdges(try AEADUnderTest.gcm(patternBytes(keyLength, seed: 21)))
            print("AES-\(keyLength * 8)-GCM edge cases: \(checks) checks")
        }
    }

    @Test func keySizes() {
        for n in [0, 15, 17, 24, 31, 33, 64] {
            #expect(throws: CryptoError(code: .invalidKeySize, reason: "")) { _ = try AESGCM(key: [UInt8](repeating: 0, count: n)) }
        }
    }

    /// RFC 8448 §3: decrypt every protected record with the traffic keys, then re-encrypt it.
    @Test func rfc8448Records() throws {
        let root = try SymmetricFixtures.json("rfc8448-simple-1rtt.json")
        let traffic = try root.object("traffic_keys")
        var run = 0
        for r in try root.objects("records") {
            let epoch = try r.string("epoch")
            if epoch == "plaintext" { continue }
            let keys = try traffic.object(epoch)
            let gcm = try AESGCM(key: try keys.bytes("key"))
            var nonce = try keys.bytes("iv")
            let seq = UInt64(try r.int("seq"))
            for i in 0..<8 { nonce[4 + i] ^= UInt8(truncatingIfNeeded: seq >> (56 - 8 * UInt64(i))) }
            let record = try r.bytes("record")
            let header = Array(record[0..<5]), body = Array(record[5...])
            let inner = try r.bytes("plaintext") + [UInt8(try r.int("inner_content_type"))]
            #expect(try gcm.open(nonce: nonce, ciphertextAndTag: body, aad: header) == inner, "\(r["note"] ?? "")")
            #expect(try gcm.seal(nonce: nonce, plaintext: inner, aad: header) == body)
            run += 1
        }
        print("RFC 8448 AES-128-GCM records: \(run) decrypted and re-encrypted")
        #expect(run == 7)
    }
}
