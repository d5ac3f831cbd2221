import ByteCoding
@testable import CryptoPrimitives
import Testing

@Suite("P-256 ECDH (Wycheproof ecpoint, point validation, key generation)")
struct PublicKeyP256Tests {
    static let gx = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    static let gy = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
    static let p = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
    static let n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"

    /// Wycheproof private keys are minimal big-endian integers (sometimes with a sign byte);
    /// our API takes exactly 32 bytes.
    static func scalar32(_ bytes: [UInt8]) -> [UInt8] {
        let stripped = Array(bytes.drop(while: { $0 == 0 }))
        return [UInt8](repeating: 0, count: max(0, 32 - stripped.count)) + stripped
    }

    /// valid → shared x-coordinate; invalid and acceptable (the compressed point: TLS 1.3 allows
    /// only uncompressed, RFC 8446 §4.2.8.2) → invalidPublicKey.
    @Test func wycheproofECDHSecp256r1ECPoint() throws {
        let file = try PKWycheproofFile("ecdh_secp256r1_ecpoint_test.json")
        try file.run { c in
            let priv = Self.scalar32(try c.hex("private")), pub = try c.hex("public")
            if c.isValid {
                #expect(try P256.sharedSecret(privateKey: priv, peerPublicKey: pub) == c.hex("shared"), "tcId \(c.id)")
            } else {
                #expect(throws: PublicKeyError(.invalidPublicKey, ""), "tcId \(c.id) \(c.flags)") {
                    try P256.sharedSecret(privateKey: priv, peerPublicKey: pub)
                }
            }
        }
    }

    static let goodPriv = [UInt8](repeating: 0, count: 31) + [5]

    @Test func generatorAndItsNegationFromScalarsOneAndNMinusOne() throws {
        #expect(Hex.encode(try P256.publicKey(privateKey: [UInt8](repeating: 0, count: 31) + [1])) == "04" + Self.gx + Self.gy)
        var nMinus1 = try pkHex(Self.n)
        nMinus1[31] -= 1
        let neg = try P256.publicKey(privateKey: nMinus1)
        #expect(Hex.encode(neg[1..<33]) == Self.gx)
        // y(-G) = p - Gy
        let f = WeierstrassCurve.p256.field
        let gy = try #require(f.decode(try pkHex(Self.gy)[...]))
        #expect(Array(neg[33...]) == f.encode(f.fromMontgomery(f.sub(Limbs6(), f.toMontgomery(gy)))))
    }

    @Test func bothSidesAgree() throws {
        var seedCounter: UInt8 = 0
        let random: (Int) -> [UInt8] = { count in
            seedCounter &+= 1
            return (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seedCounter) &* 77) }
        }
        let a = P256.generatePrivateKey(random: random), b = P256.generatePrivateKey(random: random)
        #expect(a != b)
        let s1 = try P256.sharedSecret(privateKey: a, peerPublicKey: try P256.publicKey(privateKey: b))
        let s2 = try P256.sharedSecret(privateKey: b, peerPublicKey: try P256.publicKey(privateKey: a))
        #expect(s1 == s2)
        #expect(s1.count == 32)
    }

    /// Candidates 0 and ≥ n are skipped: the generator returns the first in-range draw.
    @Test func keyGenerationRejectsOutOfRangeCandidates() throws {
        var draws: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32),
            try pkHex(Self.n),
            [UInt8](repeating: 0xFF, count: 32),
            Self.goodPriv,
        ]
        let key = P256.generatePrivateKey(random: { count in
            #expect(count == 32)
            return draws.removeFirst()
        })
        #expect(key == Self.goodPriv)
        #expect(draws.isEmpty)
    }

    @Test func outOfRangePrivateKeysAreRefused() throws {
        let g = try pkHex("04" + Self.gx + Self.gy)
        for bad in [[UInt8](repeating: 0, count: 32), try pkHex(Self.n), [UInt8](repeating: 0xFF, count: 32), [1], [UInt8](repeating: 1, count: 33)] {
            #expect(throws: PublicKeyError(.invalidPrivateKey, "")) { try P256.sharedSecret(privateKey: bad, peerPublicKey: g) }
            #expect(throws: PublicKeyError(.invalidPrivateKey, "")) { try P256.publicKey(privateKey: bad) }
        }
    }

    /// Hand-made invalid encodings of otherwise valid points.
    @Test func invalidPeerPointsAreRefused() throws {
        let g = try pkHex("04" + Self.gx + Self.gy)
        var offCurve = g
        offCurve[64] ^= 1
        let xAtP = try pkHex("04" + Self.p + Self.gy)
        // Coordinates ≥ p are refused before any curve check.
        let yAboveP = try pkHex("04" + Self.gx + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
        let compressed = try pkHex((Self.gy.hasSuffix("5") ? "03" : "02") + Self.gx)
        let hybrid = try pkHex("07" + Self.gx + Self.gy)
        let cases: [(String, [UInt8])] = [
            ("off curve", offCurve), ("x = p", xAtP), ("y ≥ p", yAboveP), ("infinity 00", [0x00]),
            ("compressed G", compressed), ("hybrid G", hybrid), ("empty", []), ("truncated", Array(g.dropLast())),
            ("trailing byte", g + [0]), ("all-zero 65 bytes with 04", [0x04] + [UInt8](repeating: 0, count: 64)),
        ]
        for (name, point) in cases {
            #expect(throws: PublicKeyError(.invalidPublicKey, ""), "\(name)") {
                try P256.sharedSecret(privateKey: Self.goodPriv, peerPublicKey: point)
            }
        }
        // The valid generator works: [5]G's x-coordinate equals publicKey(5)'s.
        #expect(try P256.sharedSecret(privateKey: Self.goodPriv, peerPublicKey: g) == Array(try P256.publicKey(privateKey: Self.goodPriv)[1..<33]))
    }
}
