import ByteCoding
import CryptoPrimitives
import Testing

@Suite("ChaCha20, Poly1305, ChaCha20-Poly1305: RFC 8439 and Wycheproof")
struct SymmetricChaChaPolyTests {
    static func rfc() throws -> [String: Any] { try SymmetricFixtures.json("rfc8439-chacha20-poly1305.json") }

    static func word(_ s: String) throws -> UInt32 {
        guard let v = UInt32(s, radix: 16) else { throw FixtureError(message: "bad word \(s)") }
        return v
    }

    @Test func quarterRound211() throws {
        let v = try Self.rfc().object("quarter_round_2_1_1")
        let i = try v.object("in"), o = try v.object("out")
        var a = try Self.word(i.string("a")), b = try Self.word(i.string("b"))
        var c = try Self.word(i.string("c")), d = try Self.word(i.string("d"))
        ChaCha20.quarterRound(&a, &b, &c, &d)
        #expect([a, b, c, d] == [try Self.word(o.string("a")), try Self.word(o.string("b")),
                                 try Self.word(o.string("c")), try Self.word(o.string("d"))])
    }

    @Test func quarterRoundOnState221() throws {
        let v = try Self.rfc().object("quarter_round_on_state_2_2_1")
        guard let idx = v["indices"] as? [Int], let before = v["state_before"] as? [String],
              let after = v["state_after"] as? [String], idx.count == 4 else { throw FixtureError(message: "2.2.1 shape") }
        var s = try before.map(Self.word)
        var (a, b, c, d) = (s[idx[0]], s[idx[1]], s[idx[2]], s[idx[3]])
        ChaCha20.quarterRound(&a, &b, &c, &d)
        (s[idx[0]], s[idx[1]], s[idx[2]], s[idx[3]]) = (a, b, c, d)
        #expect(s == (try after.map(Self.word)))
    }

    /// §2.3.2 and A.1: the block function = keystream of one block.
    @Test func blockFunction() throws {
        let root = try Self.rfc()
        var cases = try root.objects("A1_block_function").map { ($0, "keystream") }
        cases.append((try root.object("block_function_2_3_2"), "serialized_block"))
        for (v, field) in cases {
            let ks = try ChaCha20.xor(key: try v.bytes("key"), nonce: try v.bytes("nonce"),
                                      counter: UInt32(try v.int("counter")), [UInt8](repeating: 0, count: 64))
            #expect(Hex.encode(ks) == (try v.string(field)))
        }
        print("RFC 8439 block function: \(cases.count) run")
        #expect(cases.count == 6)
    }

    /// §2.4.2 and A.2: encryption.
    @Test func encryption() throws {
        let root = try Self.rfc()
        var cases = try root.objects("A2_chacha20_encryption")
        cases.append(try root.object("encryption_2_4_2"))
        for v in cases {
            let pt = try v.bytes("plaintext")
            let ct = try ChaCha20.xor(key: try v.bytes("key"), nonce: try v.bytes("nonce"), counter: UInt32(try v.int("counter")), pt)
            #expect(Hex.encode(ct) == (try v.string("ciphertext")))
            // Decryption is the same operation.
            #expect(try ChaCha20.xor(key: try v.bytes("key"), nonce: try v.bytes("nonce"), counter: UInt32(try v.int("counter")), ct) == pt)
        }
        let v = try root.object("encryption_2_4_2")
        let ks = try ChaCha20.xor(key: try v.bytes("key"), nonce: try v.bytes("nonce"), counter: 1,
                                  [UInt8](repeating: 0, count: (try v.bytes("keystream")).count))
        #expect(Hex.encode(ks) == (try v.string("keystream")))
        print("RFC 8439 encryption: \(cases.count) run")
        #expect(cases.count == 4)
    }

    /// §2.5.2 and A.3 (#5–#11 are the carry/reduction edge cases).
    @Test func poly1305() throws {
        let root = try Self.rfc()
        var cases = try root.objects("A3_poly1305")
        cases.append(try root.object("poly1305_2_5_2"))
        for v in cases {
            let tag = try Poly1305.authenticate(key: try v.bytes("key"), message: try v.bytes("message"))
            #expect(Hex.encode(tag) == (try v.string("tag")), "Poly1305 tc \(v["tc"] ?? "2.5.2")")
        }
        print("RFC 8439 Poly1305: \(cases.count) run")
        #expect(cases.count == 12)
    }

    /// §2.6.2 and A.4: one-time key generation.
    @Test func poly1305KeyGeneration() throws {
        let root = try Self.rfc()
        var cases = try root.objects("A4_poly1305_keygen")
        cases.append(try root.object("poly1305_keygen_2_6_2"))
        for v in cases {
            let otk = try ChaCha20Poly1305(key: try v.bytes("key")).poly1305Key(nonce: try v.bytes("nonce"))
            #expect(Hex.encode(otk) == (try v.string("otk")))
        }
        print("RFC 8439 key generation: \(cases.count) run")
        #expect(cases.count == 4)
    }

    /// §2.8.2 (seal) and A.5 (open), including their one-time keys and mac_data tags.
    @Test func aead() throws {
        let root = try Self.rfc()
        for name in ["aead_2_8_2", "A5_aead_decryption"] {
            let v = try root.object(name)
            let aead = try ChaCha20Poly1305(key: try v.bytes("key"))
            let nonce = try v.bytes("nonce"), aad = try v.bytes("aad")
            let ct = try v.bytes("ciphertext"), tag = try v.bytes("tag"), pt = try v.bytes("plaintext")
            #expect(try aead.poly1305Key(nonce: nonce) == (try v.bytes("poly1305_key")))
            #expect(try Poly1305.authenticate(key: try v.bytes("poly1305_key"), message: try v.bytes("mac_data")) == tag)
            #expect(try aead.seal(nonce: nonce, plaintext: pt, aad: aad) == ct + tag)
            #expect(try aead.open(nonce: nonce, ciphertextAndTag: ct + tag, aad: aad) == pt)
        }
    }

    @Test func wycheproofChaCha20Poly1305() throws {
        let (tally, declared) = try runWycheproofAEAD(file: "chacha20_poly1305_test.json", make: AEADUnderTest.chacha)
        print("wycheproof chacha20_poly1305: \(tally)")
        #expect(tally.run + tally.nonceRejectedByDesign + tally.keySizeSkippedByDesign == declared)
        #expect(tally.failed == 0)
        #expect(tally.run == 316)
    }

    @Test func edgeCases() throws {
        let checks = try exerciseAEADEdges(try AEADUnderTest.chacha(patternBytes(32, seed: 42)))
        print("ChaCha20-Poly1305 edge cases: \(checks) checks")
    }

    @Test func keyAndInputSizeChecks() {
        #expect(throws: CryptoError(code: .invalidKeySize, reason: "")) { _ = try ChaCha20Poly1305(key: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: CryptoError(code: .invalidKeySize, reason: "")) { _ = try Poly1305.authenticate(key: [UInt8](repeating: 0, count: 16), message: []) }
        // The 32-bit block counter must not wrap (RFC 8439 §2.4): 65 bytes from counter 2^32 − 1 need two blocks.
        #expect(throws: CryptoError(code: .invalidLength, reason: "")) {
            _ = try ChaCha20.xor(key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12), counter: .max, [UInt8](repeating: 0, count: 65))
        }
        #expect((try? ChaCha20.xor(key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12), counter: .max, [UInt8](repeating: 0, count: 64)))?.count == 64)
    }

    /// Multi-block keystream must equal block-by-block keystream (checks the 4-lane path and tails).
    @Test func streamMatchesBlockwiseAtEveryLength() throws {
        let key = patternBytes(32, seed: 8), nonce = patternBytes(12, seed: 9)
        let whole = try ChaCha20.xor(key: key, nonce: nonce, counter: 7, [UInt8](repeating: 0, count: 64 * 9))
        for b in 0..<9 {
            let one = try ChaCha20.xor(key: key, nonce: nonce, counter: 7 + UInt32(b), [UInt8](repeating: 0, count: 64))
            #expect(Array(whole[(64 * b)..<(64 * b + 64)]) == one)
        }
        for n in 0...300 {
            #expect(try ChaCha20.xor(key: key, nonce: nonce, counter: 7, [UInt8](repeating: 0, count: n)) == Array(whole.prefix(n)))
        }
    }
}
