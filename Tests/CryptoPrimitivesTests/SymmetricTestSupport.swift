import ByteCoding
import CryptoPrimitives
import Foundation
import Testing

/// Loads test fixtures from /Fixtures/crypto relative to this source file (no bundle resources).
enum SymmetricFixtures {
    static func url(_ relative: String, file: String = #filePath) -> URL {
        var components = URL(fileURLWithPath: file).pathComponents
        while let last = components.last, last != "Tests" { components.removeLast() }
        components.removeLast()  // "Tests"
        return URL(fileURLWithPath: components.joined(separator: "/"))
            .appendingPathComponent("Fixtures/crypto")
            .appendingPathComponent(relative)
    }

    /// Parses a fixture as a JSON object; fails loudly if missing so vector counts cannot silently drop.
    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: self.url(relative))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError(message: "\(relative) is not a JSON object")
        }
        return object
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

/// Decodes a hex string, failing the test on malformed fixture data.
func hex(_ s: String) throws -> [UInt8] {
    guard let bytes = Hex.decode(s) else { throw FixtureError(message: "bad hex in fixture: \(s.prefix(40))") }
    return bytes
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) throws -> String {
        guard let v = self[key] as? String else { throw FixtureError(message: "missing string field \(key)") }
        return v
    }
    func bytes(_ key: String) throws -> [UInt8] { try hex(self.string(key)) }
    func int(_ key: String) throws -> Int {
        guard let v = self[key] as? Int else { throw FixtureError(message: "missing int field \(key)") }
        return v
    }
    func object(_ key: String) throws -> [String: Any] {
        guard let v = self[key] as? [String: Any] else { throw FixtureError(message: "missing object field \(key)") }
        return v
    }
    func objects(_ key: String) throws -> [[String: Any]] {
        guard let v = self[key] as? [[String: Any]] else { throw FixtureError(message: "missing array field \(key)") }
        return v
    }
}

/// One Wycheproof test with its group, flattened.
struct WycheproofCase {
    let group: [String: Any]
    let test: [String: Any]
    var tcId: Int { (self.test["tcId"] as? Int) ?? -1 }
    var result: String { (self.test["result"] as? String) ?? "?" }
    var flags: [String] { (self.test["flags"] as? [String]) ?? [] }
}

enum Wycheproof {
    /// All tests of a Wycheproof file, plus the declared `numberOfTests` to cross-check the count.
    static func load(_ name: String) throws -> (cases: [WycheproofCase], declared: Int) {
        let root = try SymmetricFixtures.json("wycheproof/\(name)")
        var cases: [WycheproofCase] = []
        for group in try root.objects("testGroups") {
            for test in try group.objects("tests") { cases.append(WycheproofCase(group: group, test: test)) }
        }
        return (cases, try root.int("numberOfTests"))
    }
}

/// Deterministic test bytes (not random, not secret): a simple LCG so failures are reproducible.
func patternBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: x >> 24)
    }
}

/// The seal/open pair shared by both AEADs, so Wycheproof and edge-case tests run identically.
struct AEADUnderTest {
    let name: String
    let seal: ([UInt8], [UInt8], [UInt8]) throws -> [UInt8]
    let open: ([UInt8], [UInt8], [UInt8]) throws -> [UInt8]

    static func chacha(_ key: [UInt8]) throws -> AEADUnderTest {
        let aead = try ChaCha20Poly1305(key: key)
        return AEADUnderTest(name: "ChaCha20-Poly1305",
                             seal: { try aead.seal(nonce: $0, plaintext: $1, aad: $2) },
                             open: { try aead.open(nonce: $0, ciphertextAndTag: $1, aad: $2) })
    }

    static func gcm(_ key: [UInt8]) throws -> AEADUnderTest {
        let aead = try AESGCM(key: key)
        return AEADUnderTest(name: "AES-\(key.count * 8)-GCM",
                             seal: { try aead.seal(nonce: $0, plaintext: $1, aad: $2) },
                             open: { try aead.open(nonce: $0, ciphertextAndTag: $1, aad: $2) })
    }
}

/// Outcome counts of one Wycheproof AEAD file.
struct AEADTally: CustomStringConvertible {
    var run = 0, valid = 0, invalid = 0, failed = 0
    var nonceRejectedByDesign = 0, keySizeSkippedByDesign = 0
    var description: String {
        "\(self.run) run (\(self.valid) valid, \(self.invalid) invalid), \(self.failed) failed; "
            + "skipped-by-design: \(self.nonceRejectedByDesign) non-96-bit-nonce (asserted rejected), "
            + "\(self.keySizeSkippedByDesign) AES-192 (asserted key rejected)"
    }
}

/// Runs every test of a Wycheproof AEAD file: valid → seal reproduces ct‖tag and open returns msg;
/// invalid → open must throw. Groups we do not support by design are asserted to be rejected.
func runWycheproofAEAD(file: String, make: ([UInt8]) throws -> AEADUnderTest) throws -> (AEADTally, Int) {
    let (cases, declared) = try Wycheproof.load(file)
    var t = AEADTally()
    for c in cases {
        let key = try c.test.bytes("key"), iv = try c.test.bytes("iv"), aad = try c.test.bytes("aad")
        let msg = try c.test.bytes("msg"), ct = try c.test.bytes("ct"), tag = try c.test.bytes("tag")
        let ivSize = try c.group.int("ivSize"), tagSize = try c.group.int("tagSize"), keySize = try c.group.int("keySize")
        let label = "\(file) tcId \(c.tcId) (\(c.result), \(c.flags.joined(separator: ",")))"
        if keySize == 192 {
            t.keySizeSkippedByDesign += 1
            #expect(throws: CryptoError(code: .invalidKeySize, reason: ""), "\(label)") { _ = try make(key) }
            continue
        }
        let aead = try make(key)
        if ivSize != 96 || tagSize != 128 {
            t.nonceRejectedByDesign += 1
            #expect(ivSize != 96, "\(label): unexpected tag size \(tagSize)")
            #expect(throws: CryptoError(code: .invalidNonceSize, reason: ""), "\(label)") { _ = try aead.open(iv, ct + tag, aad) }
            #expect(throws: CryptoError(code: .invalidNonceSize, reason: ""), "\(label)") { _ = try aead.seal(iv, msg, aad) }
            continue
        }
        t.run += 1
        var ok: Bool
        switch c.result {
        case "valid":
            t.valid += 1
            let sealed = try? aead.seal(iv, msg, aad)
            let opened = try? aead.open(iv, ct + tag, aad)
            ok = sealed == ct + tag && opened == msg
        case "invalid":
            t.invalid += 1
            do {
                _ = try aead.open(iv, ct + tag, aad)
                ok = false
            } catch let e as CryptoError {
                ok = e.code == .authenticationFailure
            }
        default:
            // No "acceptable" AEAD cases exist in these files; fail loudly if a new snapshot adds one.
            ok = false
        }
        if !ok { t.failed += 1 }
        #expect(ok, "\(label)")
    }
    return (t, declared)
}

/// Edge cases common to both AEADs: lengths 0...130 round trip, tampering anywhere fails, wrong nonce/aad fails.
func exerciseAEADEdges(_ aead: AEADUnderTest) throws -> Int {
    var checks = 0
    let nonce = patternBytes(12, seed: 99)
    for length in 0...130 {
        let pt = patternBytes(length, seed: UInt32(length) &+ 7)
        for aad in [[], patternBytes(length % 37, seed: 3)] {
            let sealed = try aead.seal(nonce, pt, aad)
            #expect(sealed.count == length + 16)
            #expect(try aead.open(nonce, sealed, aad) == pt, "\(aead.name) round trip len \(length)")
            checks += 1
        }
    }
    // Tampering: flip a bit at every position of ct‖tag, for a message spanning several blocks.
    let pt = patternBytes(70, seed: 5), aad = patternBytes(13, seed: 6)
    let sealed = try aead.seal(nonce, pt, aad)
    for i in 0..<sealed.count {
        var bad = sealed
        bad[i] ^= 0x01 << UInt8(i % 8)
        #expect(throws: CryptoError(code: .authenticationFailure, reason: ""), "\(aead.name) flip at \(i)") {
            _ = try aead.open(nonce, bad, aad)
        }
        checks += 1
    }
    // Truncations, wrong nonce, wrong aad, empty input, wrong nonce length.
    for cut in [1, 15, 16, sealed.count] {
        #expect(throws: CryptoError(code: .authenticationFailure, reason: "")) { _ = try aead.open(nonce, Array(sealed.dropLast(cut)), aad) }
    }
    var otherNonce = nonce
    otherNonce[11] ^= 0x80
    #expect(throws: CryptoError(code: .authenticationFailure, reason: "")) { _ = try aead.open(otherNonce, sealed, aad) }
    #expect(throws: CryptoError(code: .authenticationFailure, reason: "")) { _ = try aead.open(nonce, sealed, aad + [0]) }
    #expect(throws: CryptoError(code: .authenticationFailure, reason: "")) { _ = try aead.open(nonce, sealed, []) }
    for badNonce in [[], Array(nonce.prefix(11)), nonce + [0]] {
        #expect(throws: CryptoError(code: .invalidNonceSize, reason: "")) { _ = try aead.seal(badNonce, pt, aad) }
        #expect(throws: CryptoError(code: .invalidNonceSize, reason: "")) { _ = try aead.open(badNonce, sealed, aad) }
    }
    // Many blocks: 16 KiB + 5 (a full TLS record plus a tail) round trips and differs from plaintext.
    let big = patternBytes(16_389, seed: 11)
    let bigSealed = try aead.seal(nonce, big, aad)
    #expect(Array(bigSealed.prefix(big.count)) != big)
    #expect(try aead.open(nonce, bigSealed, aad) == big)
    return checks + 10
}
