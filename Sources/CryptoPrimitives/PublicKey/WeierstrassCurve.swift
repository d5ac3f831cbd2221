// Short Weierstrass curves y² = x³ - 3x + b over NIST primes (P-256, P-384; FIPS 186-5 /
// SP 800-186), in homogeneous projective coordinates with the complete addition formulas of
// Renes, Costello and Batina ("Complete addition formulas for prime order elliptic curves",
// EUROCRYPT 2016, algorithms 4 and 6 for a = -3). Complete formulas have no exceptional
// cases (P = Q, P = -Q, identity), so scalar multiplication needs no data-dependent branches.

/// A point (X : Y : Z) with x = X/Z, y = Y/Z; the identity is (0 : 1 : 0). Coordinates are in
/// Montgomery form.
struct ProjectivePoint: Sendable {
    var x: Limbs6
    var y: Limbs6
    var z: Limbs6
}

/// One of the supported prime-order curves with a = -3.
struct WeierstrassCurve: Sendable {
    /// Arithmetic modulo the field prime p.
    let field: MontgomeryDomain
    /// Arithmetic modulo the group order n.
    let order: MontgomeryDomain
    /// Curve coefficient b (Montgomery form).
    let b: Limbs6
    /// The base point (affine, Montgomery form, Z = 1).
    let generator: ProjectivePoint
    /// Encoded field element length in bytes (32 or 48).
    var byteCount: Int { self.field.byteCount }

    init(p: String, n: String, b: String, gx: String, gy: String) {
        let field = MontgomeryDomain(modulusHex: p)
        self.field = field
        self.order = MontgomeryDomain(modulusHex: n)
        func element(_ hex: String) -> Limbs6 {
            // Constants are known-good and < p.
            let plain = field.decode(MontgomeryDomain.hexBytes(hex)[...]) ?? Limbs6()
            return field.toMontgomery(plain)
        }
        self.b = element(b)
        self.generator = ProjectivePoint(x: element(gx), y: element(gy), z: field.one)
    }

    /// NIST P-256 (secp256r1), SP 800-186 §3.2.1.3.
    static let p256 = WeierstrassCurve(
        p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")

    /// NIST P-384 (secp384r1), SP 800-186 §3.2.1.4.
    static let p384 = WeierstrassCurve(
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
        b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
        gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f")

    var identity: ProjectivePoint { ProjectivePoint(x: Limbs6(), y: self.field.one, z: Limbs6()) }

    /// Decodes a SEC1 uncompressed point 04‖X‖Y (SEC1 §2.3.4), checking X, Y < p and the
    /// curve equation. Compressed (02/03), hybrid (06/07) and infinity (00) encodings are
    /// rejected: TLS 1.3 (RFC 8446 §4.2.8.2) allows only the uncompressed form.
    func decodeUncompressedPoint(_ bytes: [UInt8]) -> ProjectivePoint? {
        let len = self.byteCount
        guard bytes.count == 1 + 2 * len, bytes[0] == 0x04 else { return nil }
        guard let xPlain = self.field.decode(bytes[1..<(1 + len)]),
            let yPlain = self.field.decode(bytes[(1 + len)..<(1 + 2 * len)])
        else { return nil }
        let f = self.field
        let x = f.toMontgomery(xPlain), y = f.toMontgomery(yPlain)
        // y² = x³ - 3x + b
        let lhs = f.square(y)
        let x3 = f.mul(f.square(x), x)
        let threeX = f.add(f.add(x, x), x)
        let rhs = f.add(f.sub(x3, threeX), self.b)
        guard lhs == rhs else { return nil }
        return ProjectivePoint(x: x, y: y, z: f.one)
    }

    /// Encodes an affine point as 04‖X‖Y; nil for the identity.
    func encodeUncompressed(_ p: ProjectivePoint) -> [UInt8]? {
        guard let (x, y) = self.affine(p) else { return nil }
        return [0x04] + x + y
    }

    /// Affine coordinates as big-endian bytes; nil for the identity. Constant time in the point
    /// (inversion by a fixed exponent); only the identity check branches.
    func affine(_ p: ProjectivePoint) -> (x: [UInt8], y: [UInt8])? {
        let f = self.field
        if p.z.isZeroMask != 0 { return nil }
        let zInv = f.inverse(p.z)
        let x = f.fromMontgomery(f.mul(p.x, zInv))
        let y = f.fromMontgomery(f.mul(p.y, zInv))
        return (f.encode(x), f.encode(y))
    }

    /// P + Q, complete (RCB16 algorithm 4, a = -3).
    func add(_ p: ProjectivePoint, _ q: ProjectivePoint) -> ProjectivePoint {
        let f = self.field
        var t0 = f.mul(p.x, q.x)
        var t1 = f.mul(p.y, q.y)
        var t2 = f.mul(p.z, q.z)
        var t3 = f.add(p.x, p.y)
        var t4 = f.add(q.x, q.y)
        t3 = f.mul(t3, t4)
        t4 = f.add(t0, t1)
        t3 = f.sub(t3, t4)
        t4 = f.add(p.y, p.z)
        var x3 = f.add(q.y, q.z)
        t4 = f.mul(t4, x3)
        x3 = f.add(t1, t2)
        t4 = f.sub(t4, x3)
        x3 = f.add(p.x, p.z)
        var y3 = f.add(q.x, q.z)
        x3 = f.mul(x3, y3)
        y3 = f.add(t0, t2)
        y3 = f.sub(x3, y3)
        var z3 = f.mul(self.b, t2)
        x3 = f.sub(y3, z3)
        z3 = f.add(x3, x3)
        x3 = f.add(x3, z3)
        z3 = f.sub(t1, x3)
        x3 = f.add(t1, x3)
        y3 = f.mul(self.b, y3)
        t1 = f.add(t2, t2)
        t2 = f.add(t1, t2)
        y3 = f.sub(y3, t2)
        y3 = f.sub(y3, t0)
        t1 = f.add(y3, y3)
        y3 = f.add(t1, y3)
        t1 = f.add(t0, t0)
        t0 = f.add(t1, t0)
        t0 = f.sub(t0, t2)
        t1 = f.mul(t4, y3)
        t2 = f.mul(t0, y3)
        y3 = f.mul(x3, z3)
        y3 = f.add(y3, t2)
        x3 = f.mul(t3, x3)
        x3 = f.sub(x3, t1)
        z3 = f.mul(t4, z3)
        t1 = f.mul(t3, t0)
        z3 = f.add(z3, t1)
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    /// 2P, complete (RCB16 algorithm 6, a = -3).
    func double(_ p: ProjectivePoint) -> ProjectivePoint {
        let f = self.field
        var t0 = f.square(p.x)
        let t1 = f.square(p.y)
        var t2 = f.square(p.z)
        var t3 = f.mul(p.x, p.y)
        t3 = f.add(t3, t3)
        var z3 = f.mul(p.x, p.z)
        z3 = f.add(z3, z3)
        var y3 = f.mul(self.b, t2)
        y3 = f.sub(y3, z3)
        var x3 = f.add(y3, y3)
        y3 = f.add(x3, y3)
        x3 = f.sub(t1, y3)
        y3 = f.add(t1, y3)
        y3 = f.mul(x3, y3)
        x3 = f.mul(x3, t3)
        t3 = f.add(t2, t2)
        t2 = f.add(t2, t3)
        z3 = f.mul(self.b, z3)
        z3 = f.sub(z3, t2)
        z3 = f.sub(z3, t0)
        t3 = f.add(z3, z3)
        z3 = f.add(z3, t3)
        t3 = f.add(t0, t0)
        t0 = f.add(t3, t0)
        t0 = f.sub(t0, t2)
        t0 = f.mul(t0, z3)
        y3 = f.add(y3, t0)
        t0 = f.mul(p.y, p.z)
        t0 = f.add(t0, t0)
        z3 = f.mul(t0, z3)
        x3 = f.sub(x3, z3)
        z3 = f.mul(t0, t1)
        z3 = f.add(z3, z3)
        z3 = f.add(z3, z3)
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    /// [0]P … [15]P for 4-bit windows.
    func windowTable(_ p: ProjectivePoint) -> [ProjectivePoint] {
        var table = [self.identity, p]
        table.reserveCapacity(16)
        for i in 2..<16 { table.append(i % 2 == 0 ? self.double(table[i / 2]) : self.add(table[i - 1], p)) }
        return table
    }

    /// Reads every table entry and keeps the one at `index` with masks, so the memory access
    /// pattern does not depend on the (secret) index.
    @inline(__always)
    private func lookupConstantTime(_ table: [ProjectivePoint], _ index: UInt64) -> ProjectivePoint {
        var r = self.identity
        for i in 0..<16 {
            let m = LimbMath.equalMask(UInt64(i), index)
            let e = table[i]
            r.x = Limbs6.selectConstantTime(m, e.x, r.x)
            r.y = Limbs6.selectConstantTime(m, e.y, r.y)
            r.z = Limbs6.selectConstantTime(m, e.z, r.z)
        }
        return r
    }

    /// [k]P for a big-endian scalar of `byteCount` bytes, constant time in k and P: fixed 4-bit
    /// windows from the top, four doublings and one complete addition of a masked table entry
    /// per window, whatever the digit.
    func multiplyConstantTime(_ p: ProjectivePoint, scalar: [UInt8]) -> ProjectivePoint {
        let table = self.windowTable(p)
        var acc = self.identity
        for byte in scalar {
            for shift: UInt8 in stride(from: 4, through: 0, by: -4) {
                acc = self.double(self.double(self.double(self.double(acc))))
                acc = self.add(acc, self.lookupConstantTime(table, UInt64((byte >> shift) & 0x0F)))
            }
        }
        return acc
    }

    /// [a]G + [b]Q for public scalars (ECDSA verification): joint 4-bit windows, variable time.
    func multiplyPublic(generatorScalar a: [UInt8], _ q: ProjectivePoint, _ b: [UInt8]) -> ProjectivePoint {
        let tg = self.windowTable(self.generator)
        let tq = self.windowTable(q)
        var acc = self.identity
        for i in 0..<a.count {
            for shift: UInt8 in stride(from: 4, through: 0, by: -4) {
                acc = self.double(self.double(self.double(self.double(acc))))
                let da = Int((a[i] >> shift) & 0x0F), db = Int((b[i] >> shift) & 0x0F)
                if da != 0 { acc = self.add(acc, tg[da]) }
                if db != 0 { acc = self.add(acc, tq[db]) }
            }
        }
        return acc
    }
}
