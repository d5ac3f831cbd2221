import ByteCoding
@testable import CryptoPrimitives
import Foundation
import Testing

@Suite("X25519 (RFC 7748, Wycheproof)")
struct PublicKeyX25519Tests {
    /// Every Wycheproof case (valid and acceptable) must give the listed output of the raw
    /// function; at the key-agreement API an all-zero output must throw (RFC 8446 §7.4.2).
    @Test func wycheproofX25519() throws {
        let file = try PKWycheproofFile("x25519_test.json")
        var zeroCases = 0
        try file.run { c in
            let priv = try c.hex("private"), pub = try c.hex("public"), shared = try c.hex("shared")
            #expect(X25519.scalarMult(scalar: priv, u: pub) == shared, "tcId \(c.id)")
            if shared.allSatisfy({ $0 == 0 }) {
                zeroCases += 1
                #expect(throws: PublicKeyError(.allZeroSharedSecret, "")) {
                    try X25519.sharedSecret(privateKey: priv, peerPublicKey: pub)
                }
            } else {
                #expect(try X25519.sharedSecret(privateKey: priv, peerPublicKey: pub) == shared, "tcId \(c.id)")
            }
        }
        #expect(zeroCases > 0)
        print("[vectors] x25519 all-zero shared secrets rejected at the API: \(zeroCases)")
    }

    @Test func rfc7748ScalarMultiplicationVectors() throws {
        let root = try PKFixtures.json("rfc7748-x25519.json")
        let vectors = root["scalar_mult"] as? [[String: String]] ?? []
        #expect(vectors.count == 2)
        for v in vectors {
            let out = X25519.scalarMult(scalar: try pkHex(v["scalar"] ?? ""), u: try pkHex(v["u"] ?? ""))
            #expect(Hex.encode(out) == v["output"])
        }
        print("[vectors] rfc7748 §5.2 scalar_mult: \(vectors.count)")
    }

    /// RFC 7748 §5.2 iteration: k = u = 9; (k, u) = (X25519(k, u), k). 1 and 1,000 iterations
    /// always; 1,000,000 only with PK_X25519_MILLION=1 (slow).
    @Test func rfc7748Iterations() throws {
        let root = try PKFixtures.json("rfc7748-x25519.json")
        let iterated = root["iterated"] as? [String: String] ?? [:]
        let million = ProcessInfo.processInfo.environment["PK_X25519_MILLION"] == "1"
        var k: [UInt8] = [9] + [UInt8](repeating: 0, count: 31)
        var u = k
        var checked = 0
        for i in 1...(million ? 1_000_000 : 1000) {
            let next = X25519.scalarMult(scalar: k, u: u)
            u = k
            k = next
            if let expected = iterated["after_\(i)"] {
                #expect(Hex.encode(k) == expected, "after \(i) iterations")
                checked += 1
            }
        }
        #expect(checked == (million ? 3 : 2))
        print("[vectors] rfc7748 iterated checkpoints: \(checked)\(million ? " (incl. 1,000,000)" : "")")
    }

    @Test func rfc7748DiffieHellmanExample() throws {
        let root = try PKFixtures.json("rfc7748-x25519.json")
        let dh = root["diffie_hellman_6_1"] as? [String: String] ?? [:]
        let a = try pkHex(dh["alice_private"] ?? ""), b = try pkHex(dh["bob_private"] ?? "")
        let aPub = try X25519.publicKey(privateKey: a), bPub = try X25519.publicKey(privateKey: b)
        #expect(Hex.encode(aPub) == dh["alice_public"])
        #expect(Hex.encode(bPub) == dh["bob_public"])
        #expect(Hex.encode(try X25519.sharedSecret(privateKey: a, peerPublicKey: bPub)) == dh["shared_secret"])
        #expect(Hex.encode(try X25519.sharedSecret(privateKey: b, peerPublicKey: aPub)) == dh["shared_secret"])
    }

    /// u = 0 and u = 1 are low-order points: the shared secret is all zero and must be refused.
    @Test(arguments: [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
    ])
    func lowOrderPeerKeyIsRefused(peer: [UInt8]) {
        let priv = [UInt8](repeating: 0x42, count: 32)
        #expect(throws: PublicKeyError(.allZeroSharedSecret, "")) {
            try X25519.sharedSecret(privateKey: priv, peerPublicKey: peer)
        }
    }

    @Test func wrongLengthsAreRefused() {
        let ok = [UInt8](repeating: 7, count: 32)
        #expect(throws: PublicKeyError(.invalidPublicKey, "")) { try X25519.sharedSecret(privateKey: ok, peerPublicKey: Array(ok.prefix(31))) }
        #expect(throws: PublicKeyError(.invalidPublicKey, "")) { try X25519.sharedSecret(privateKey: ok, peerPublicKey: ok + [0]) }
        #expect(throws: PublicKeyError(.invalidPrivateKey, "")) { try X25519.sharedSecret(privateKey: Array(ok.prefix(31)), peerPublicKey: ok) }
        #expect(throws: PublicKeyError(.invalidPrivateKey, "")) { try X25519.publicKey(privateKey: []) }
    }
}
