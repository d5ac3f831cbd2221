// ECDSA signature verification (FIPS 186-5 §6.4.2) on P-256 and P-384. Verification handles
// only public data, so it uses a variable-time joint scalar multiplication.

/// Curves supported for ECDSA verification.
public enum ECDSACurve: Sendable, Equatable {
    /// NIST P-256 (secp256r1).
    case p256
    /// NIST P-384 (secp384r1).
    case p384

    var curve: WeierstrassCurve {
        switch self {
        case .p256: WeierstrassCurve.p256
        case .p384: WeierstrassCurve.p384
        }
    }
}

/// ECDSA verification. Public keys are SEC1 uncompressed points (04‖X‖Y, the content of an
/// X.509 SubjectPublicKeyInfo BIT STRING); signatures are DER `ECDSA-Sig-Value` (RFC 3279
/// §2.2.3, the TLS and X.509 format) or raw r‖s (IEEE P1363).
public enum ECDSA {
    /// Verifies a DER signature over SHA-256(message) with a P-256 key.
    public static func verifyP256SHA256(publicKey: [UInt8], message: [UInt8], derSignature: [UInt8]) -> Bool {
        self.verify(curve: .p256, publicKey: publicKey, digest: SHA256.hash(message), derSignature: derSignature)
    }

    /// Verifies a DER signature over SHA-384(message) with a P-384 key.
    public static func verifyP384SHA384(publicKey: [UInt8], message: [UInt8], derSignature: [UInt8]) -> Bool {
        let digest = RSAHash.sha384.hash(message)
        guard digest.count == 48 else { return false }
        return self.verify(curve: .p384, publicKey: publicKey, digest: digest, derSignature: derSignature)
    }

    /// Verifies a DER signature over SHA-256(message) with a P-384 key (ecdsa-with-SHA256 on a
    /// P-384 certificate key; the digest is shorter than the order and used whole).
    public static func verifyP384SHA256(publicKey: [UInt8], message: [UInt8], derSignature: [UInt8]) -> Bool {
        self.verify(curve: .p384, publicKey: publicKey, digest: SHA256.hash(message), derSignature: derSignature)
    }

    /// Verifies a raw r‖s signature over SHA-256(message) with a P-256 key.
    public static func verifyP256SHA256P1363(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        self.verify(curve: .p256, publicKey: publicKey, digest: SHA256.hash(message), rawSignature: signature)
    }

    /// Verifies a raw r‖s signature over SHA-384(message) with a P-384 key.
    public static func verifyP384SHA384P1363(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        let digest = RSAHash.sha384.hash(message)
        guard digest.count == 48 else { return false }
        return self.verify(curve: .p384, publicKey: publicKey, digest: digest, rawSignature: signature)
    }

    /// Verifies a raw r‖s signature over SHA-256(message) with a P-384 key.
    public static func verifyP384SHA256P1363(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        self.verify(curve: .p384, publicKey: publicKey, digest: SHA256.hash(message), rawSignature: signature)
    }

    /// Verifies a DER signature over a precomputed digest (any length ≥ 1; digests longer
    /// than the order are truncated to their leftmost bits, FIPS 186-5 §6.4.2 step 3).
    public static func verify(curve: ECDSACurve, publicKey: [UInt8], digest: [UInt8], derSignature: [UInt8]) -> Bool {
        guard let (r, s) = self.parseDER(derSignature, byteCount: curve.curve.byteCount) else { return false }
        return self.verify(curve.curve, publicKey: publicKey, digest: digest, r: r, s: s)
    }

    /// Verifies a raw r‖s signature (each exactly the order's byte length) over a digest.
    public static func verify(curve: ECDSACurve, publicKey: [UInt8], digest: [UInt8], rawSignature: [UInt8]) -> Bool {
        let len = curve.curve.byteCount
        guard rawSignature.count == 2 * len else { return false }
        return self.verify(curve.curve, publicKey: publicKey, digest: digest,
                           r: Array(rawSignature[0..<len]), s: Array(rawSignature[len..<(2 * len)]))
    }

    /// Strict DER `SEQUENCE { r INTEGER, s INTEGER }` with nothing after it; returns r and s
    /// left-padded to `byteCount` bytes, or nil for any BER variant or oversize integer.
    static func parseDER(_ der: [UInt8], byteCount: Int) -> (r: [UInt8], s: [UInt8])? {
        var outer = DERReader(der)
        guard var seq = outer.readConstructed(tag: 0x30), outer.isAtEnd else { return nil }
        guard let r = seq.readUnsignedInteger(), let s = seq.readUnsignedInteger(), seq.isAtEnd else { return nil }
        guard r.count <= byteCount, s.count <= byteCount else { return nil }
        let pad = { (v: ArraySlice<UInt8>) in [UInt8](repeating: 0, count: byteCount - v.count) + v }
        return (pad(r), pad(s))
    }

    private static func verify(_ c: WeierstrassCurve, publicKey: [UInt8], digest: [UInt8], r rBytes: [UInt8], s sBytes: [UInt8]) -> Bool {
        let n = c.order
        guard !digest.isEmpty, let q = c.decodeUncompressedPoint(publicKey) else { return false }
        // 1 ≤ r, s ≤ n - 1
        guard let r = n.decode(rBytes[...]), let s = n.decode(sBytes[...]),
            r.isZeroMask == 0, s.isZeroMask == 0
        else { return false }
        // e = leftmost min(bitlen(n), bitlen(hash)) bits; both are whole bytes here.
        let len = c.byteCount
        let eBytes = digest.count >= len
            ? Array(digest[0..<len])
            : [UInt8](repeating: 0, count: len - digest.count) + digest
        let e = self.reduceOnce(eBytes, n)
        let w = n.inverse(n.toMontgomery(s))
        let u1 = n.fromMontgomery(n.mul(n.toMontgomery(e), w))
        let u2 = n.fromMontgomery(n.mul(n.toMontgomery(r), w))
        let point = c.multiplyPublic(generatorScalar: n.encode(u1), q, n.encode(u2))
        guard let (x, _) = c.affine(point) else { return false }
        // v = x mod n (x < p < 2n, so one conditional subtraction).
        let v = self.reduceOnce(x, n)
        return v == r
    }

    /// A `byteCount`-byte big-endian integer below 2·m, reduced once modulo m.
    private static func reduceOnce(_ bytes: [UInt8], _ m: MontgomeryDomain) -> Limbs6 {
        if let v = m.decode(bytes[...]) { return v }
        var x = Limbs6(), mod = m.modulus
        let count = m.limbCount
        x.withPointer { xp in
            bytes.withUnsafeBufferPointer { LimbMath.load(xp, count, bigEndian: $0) }
            mod.withPointer { mp in
                var borrow: UInt64 = 0
                for j in 0..<count {
                    let (d1, b1) = xp[j].subtractingReportingOverflow(mp[j])
                    let (d2, b2) = d1.subtractingReportingOverflow(borrow)
                    xp[j] = d2
                    borrow = (b1 ? 1 : 0) | (b2 ? 1 : 0)
                }
            }
        }
        return x
    }
}
