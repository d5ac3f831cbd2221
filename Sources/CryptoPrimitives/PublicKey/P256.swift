// P-256 ECDH for the TLS 1.3 `secp256r1` key share (RFC 8446 §4.2.8.2, §7.4.2; SEC1 §3.3.1).

/// Elliptic-curve Diffie–Hellman on NIST P-256 with SEC1 uncompressed public keys.
public enum P256 {
    /// Private keys are 32-byte big-endian scalars in [1, n-1].
    public static let privateKeyByteCount = 32

    /// Draws a private key by rejection sampling from `random` (SEC1 §3.2.1 / FIPS 186-5 A.2.2
    /// "testing candidates"): 32 random bytes are accepted when they are in [1, n-1].
    /// `random(count)` must return `count` bytes from a cryptographic source.
    public static func generatePrivateKey(random: (Int) -> [UInt8]) -> [UInt8] {
        // A candidate is rejected with probability < 2^-32; 64 failures mean a broken source.
        for _ in 0..<64 {
            var candidate = random(self.privateKeyByteCount)
            precondition(candidate.count == self.privateKeyByteCount, "random source returned the wrong number of bytes")
            if self.scalarIsValid(candidate) { return candidate }
            wipe(&candidate)
        }
        preconditionFailure("random source keeps returning out-of-range P-256 scalars; it is broken")
    }

    /// The 65-byte uncompressed public key 04‖X‖Y = [d]G, computed in constant time.
    public static func publicKey(privateKey: [UInt8]) throws -> [UInt8] {
        guard privateKey.count == self.privateKeyByteCount, self.scalarIsValid(privateKey) else {
            throw PublicKeyError.invalidPrivateKey
        }
        let c = WeierstrassCurve.p256
        guard let encoded = c.encodeUncompressed(c.multiplyConstantTime(c.generator, scalar: privateKey)) else {
            throw PublicKeyError.invalidPrivateKey
        }
        return encoded
    }

    /// The 32-byte shared secret: the x-coordinate of [d]Q (RFC 8446 §7.4.2). The peer key must
    /// be an uncompressed point on the curve; compressed, hybrid and infinity encodings, points
    /// off the curve and coordinates ≥ p are rejected.
    public static func sharedSecret(privateKey: [UInt8], peerPublicKey: [UInt8]) throws -> [UInt8] {
        guard privateKey.count == self.privateKeyByteCount, self.scalarIsValid(privateKey) else {
            throw PublicKeyError.invalidPrivateKey
        }
        let c = WeierstrassCurve.p256
        guard let q = c.decodeUncompressedPoint(peerPublicKey) else { throw PublicKeyError.invalidPublicKey }
        // P-256 has prime order and cofactor 1, so [d]Q for valid Q and d ∈ [1, n-1] is never
        // the identity; the check only guards against a broken invariant.
        guard let (x, _) = c.affine(c.multiplyConstantTime(q, scalar: privateKey)) else { throw PublicKeyError.invalidPublicKey }
        return x
    }

    /// 1 ≤ d ≤ n - 1, evaluated without branching on the scalar's bytes.
    private static func scalarIsValid(_ d: [UInt8]) -> Bool {
        let n = WeierstrassCurve.p256.order
        var x = Limbs6()
        x.withPointer { p in d.withUnsafeBufferPointer { LimbMath.load(p, 4, bigEndian: $0) } }
        let ok = n.lessThanModulusMask(x) & ~x.isZeroMask
        return ok != 0
    }
}
