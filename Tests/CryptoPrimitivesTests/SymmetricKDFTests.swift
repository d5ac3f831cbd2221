import ByteCoding
import CryptoPrimitives
import Testing

@Suite("HMAC-SHA-2 and HKDF: RFC 4231, RFC 5869, Wycheproof, RFC 8448 key schedule")
struct SymmetricKDFTests {
    @Test(arguments: ["hmac_sha256", "hmac_sha384"])
    func rfc4231FromFixture(name: String) throws {
        let root = try SymmetricFixtures.json("rfc4231-hmac-rfc5869-hkdf.json")
        let cases = try root.objects(name)
        for c in cases {
            let key = try c.bytes("key"), msg = try c.bytes("msg")
            let mac = name == "hmac_sha256" ? HMAC<SHA256>.authenticate(key: key, message: msg)
                : HMAC<SHA384>.authenticate(key: key, message: msg)
            #expect(Hex.encode(mac) == (try c.string("mac")))
        }
        print("RFC 4231 \(name): \(cases.count) run")
        #expect(cases.count == 6)
    }

    /// RFC 4231 §4.2–§4.8, HMAC-SHA-512 column (case 5, truncated output, omitted as in the fixture).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
         "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        (String(repeating: "aa", count: 131), Hex.encode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)),
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        (String(repeating: "aa", count: 131),
         Hex.encode(Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8)),
         "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ])
    func rfc4231HMACSHA512(key: String, message: String, expected: String) throws {
        #expect(Hex.encode(HMAC<SHA512>.authenticate(key: try hex(key), message: try hex(message))) == expected)
    }

    @Test func rfc5869HKDFSHA256() throws {
        let root = try SymmetricFixtures.json("rfc4231-hmac-rfc5869-hkdf.json")
        let cases = try root.objects("hkdf_sha256")
        for c in cases {
            let prk = HKDF<SHA256>.extract(salt: try c.bytes("salt"), ikm: try c.bytes("ikm"))
            #expect(Hex.encode(prk) == (try c.string("prk")))
            let okm = try HKDF<SHA256>.expand(prk: prk, info: try c.bytes("info"), length: try c.int("L"))
            #expect(Hex.encode(okm) == (try c.string("okm")))
        }
        print("RFC 5869 HKDF-SHA-256: \(cases.count) run")
        #expect(cases.count == 3)
    }

    @Test(arguments: ["hmac_sha256_test.json", "hmac_sha384_test.json"])
    func wycheproofHMAC(file: String) throws {
        let (cases, declared) = try Wycheproof.load(file)
        var run = 0, failed = 0, valid = 0, invalid = 0
        for c in cases {
            let key = try c.test.bytes("key"), msg = try c.test.bytes("msg"), tag = try c.test.bytes("tag")
            let tagBytes = try c.group.int("tagSize") / 8
            let full = file.contains("256") ? HMAC<SHA256>.authenticate(key: key, message: msg)
                : HMAC<SHA384>.authenticate(key: key, message: msg)
            let matches = constantTimeEquals(full.prefix(tagBytes), tag)
            // All HMAC results are valid/invalid; a verifier must accept exactly the valid ones.
            let ok = c.result == "valid" ? matches : !matches
            run += 1
            if c.result == "valid" { valid += 1 } else { invalid += 1 }
            if !ok { failed += 1 }
            #expect(ok, "\(file) tcId \(c.tcId) (\(c.result))")
        }
        print("wycheproof \(file): \(run) run (\(valid) valid, \(invalid) invalid), \(failed) failed")
        #expect(run == declared)
    }

    @Test(arguments: ["hkdf_sha256_test.json", "hkdf_sha384_test.json"])
    func wycheproofHKDF(file: String) throws {
        let (cases, declared) = try Wycheproof.load(file)
        var run = 0, failed = 0, rejected = 0
        for c in cases {
            let ikm = try c.test.bytes("ikm"), salt = try c.test.bytes("salt"), info = try c.test.bytes("info")
            let size = try c.test.int("size"), okm = try c.test.bytes("okm")
            let result: [UInt8]?
            if file.contains("256") {
                result = try? HKDF<SHA256>.expand(prk: HKDF<SHA256>.extract(salt: salt, ikm: ikm), info: info, length: size)
            } else {
                result = try? HKDF<SHA384>.expand(prk: HKDF<SHA384>.extract(salt: salt, ikm: ikm), info: info, length: size)
            }
            let ok: Bool
            switch c.result {
            case "valid": ok = result == okm
            default: ok = result == nil; rejected += 1  // invalid: size > 255·HashLen must be refused
            }
            run += 1
            if !ok { failed += 1 }
            #expect(ok, "\(file) tcId \(c.tcId) (\(c.result))")
        }
        print("wycheproof \(file): \(run) run (\(rejected) must-reject), \(failed) failed")
        #expect(run == declared)
    }

    @Test func expandRejectsOversizeAndNegativeLengths() {
        #expect(throws: CryptoError(code: .invalidLength, reason: "")) {
            try HKDF<SHA256>.expand(prk: [UInt8](repeating: 1, count: 32), info: [], length: 255 * 32 + 1)
        }
        #expect(throws: CryptoError(code: .invalidLength, reason: "")) {
            try HKDF<SHA384>.expand(prk: [UInt8](repeating: 1, count: 48), info: [], length: -1)
        }
        #expect((try? HKDF<SHA256>.expand(prk: [UInt8](repeating: 1, count: 32), info: [], length: 255 * 32))?.count == 255 * 32)
        #expect(throws: CryptoError(code: .invalidLength, reason: "")) {
            try HKDF<SHA256>.expandLabel(secret: [], label: String(repeating: "x", count: 250), context: [], length: 16)
        }
    }

    /// RFC 8448 §3: derive the whole TLS 1.3 key schedule from the ECDHE secret and the handshake
    /// messages, comparing every secret, HkdfLabel encoding, traffic key/iv and Finished value.
    @Test func rfc8448KeySchedule() throws {
        let root = try SymmetricFixtures.json("rfc8448-simple-1rtt.json")
        let ks = try root.object("key_schedule")
        let msgs = try root.object("handshake_messages")
        let th = try root.object("transcript_hashes")
        typealias K = HKDF<SHA256>
        var checks = 0
        func check(_ got: [UInt8], _ key: String, in dict: [String: Any]) throws {
            checks += 1
            #expect(Hex.encode(got) == (try dict.string(key)), "RFC 8448 \(key)")
        }
        let ch = try msgs.bytes("client_hello"), sh = try msgs.bytes("server_hello")
        let ee = try msgs.bytes("encrypted_extensions"), cert = try msgs.bytes("certificate")
        let cv = try msgs.bytes("certificate_verify"), sfin = try msgs.bytes("server_finished")
        try check(SHA256.hash(ch + sh), "ch_sh", in: th)
        try check(SHA256.hash(ch + sh + ee + cert + cv), "ch_to_certificate_verify", in: th)
        try check(SHA256.hash(ch + sh + ee + cert + cv + sfin), "ch_to_server_finished", in: th)

        let zeros = [UInt8](repeating: 0, count: 32)
        let early = K.extract(salt: [], ikm: zeros)
        try check(early, "early_secret", in: ks)
        try check(try K.hkdfLabel(label: "derived", context: SHA256.hash([]), length: 32), "derived_for_handshake_info", in: ks)
        let derived = try K.deriveSecret(secret: early, label: "derived", messages: [])
        try check(derived, "derived_for_handshake", in: ks)
        let handshake = K.extract(salt: derived, ikm: try root.bytes("ecdhe_shared_secret"))
        try check(handshake, "handshake_secret", in: ks)
        let chsh = SHA256.hash(ch + sh)
        try check(try K.hkdfLabel(label: "c hs traffic", context: chsh, length: 32), "client_handshake_traffic_info", in: ks)
        let cHS = try K.deriveSecret(secret: handshake, label: "c hs traffic", transcriptHash: chsh)
        let sHS = try K.deriveSecret(secret: handshake, label: "s hs traffic", transcriptHash: chsh)
        try check(cHS, "client_handshake_traffic_secret", in: ks)
        try check(sHS, "server_handshake_traffic_secret", in: ks)
        let derived2 = try K.deriveSecret(secret: handshake, label: "derived", messages: [])
        try check(derived2, "derived_for_master", in: ks)
        let master = K.extract(salt: derived2, ikm: zeros)
        try check(master, "master_secret", in: ks)
        let thSF = SHA256.hash(ch + sh + ee + cert + cv + sfin)
        let cAP = try K.deriveSecret(secret: master, label: "c ap traffic", transcriptHash: thSF)
        let sAP = try K.deriveSecret(secret: master, label: "s ap traffic", transcriptHash: thSF)
        try check(cAP, "client_application_traffic_secret_0", in: ks)
        try check(sAP, "server_application_traffic_secret_0", in: ks)
        let cfin = try msgs.bytes("client_finished")
        try check(SHA256.hash(ch + sh + ee + cert + cv + sfin + cfin), "ch_to_client_finished", in: th)
        try check(try K.deriveSecret(secret: master, label: "res master", messages: ch + sh + ee + cert + cv + sfin + cfin),
                  "resumption_master_secret", in: ks)
        try check(try K.deriveSecret(secret: master, label: "exp master", transcriptHash: thSF), "exporter_master_secret", in: ks)
        try check(try K.hkdfLabel(label: "key", context: [], length: 16), "hkdf_label_key_16", in: ks)
        try check(try K.hkdfLabel(label: "iv", context: [], length: 12), "hkdf_label_iv_12", in: ks)
        try check(try K.hkdfLabel(label: "finished", context: [], length: 32), "hkdf_label_finished_32", in: ks)

        let traffic = try root.object("traffic_keys")
        for (name, secret) in [("server_handshake", sHS), ("client_handshake", cHS), ("server_application", sAP), ("client_application", cAP)] {
            let keys = try traffic.object(name)
            try check(try K.expandLabel(secret: secret, label: "key", context: [], length: 16), "key", in: keys)
            try check(try K.expandLabel(secret: secret, label: "iv", context: [], length: 12), "iv", in: keys)
        }
        let sFinishedKey = try K.expandLabel(secret: sHS, label: "finished", context: [], length: 32)
        try check(sFinishedKey, "server_finished_key", in: ks)
        let thCV = SHA256.hash(ch + sh + ee + cert + cv)
        try check(HMAC<SHA256>.authenticate(key: sFinishedKey, message: thCV), "server_finished_verify_data", in: ks)
        let cFinishedKey = try K.expandLabel(secret: cHS, label: "finished", context: [], length: 32)
        try check(cFinishedKey, "client_finished_key", in: ks)
        try check(HMAC<SHA256>.authenticate(key: cFinishedKey, message: thSF), "client_finished_verify_data", in: ks)
        print("RFC 8448 key schedule: \(checks) values checked")
        #expect(checks == 32)
    }
}
