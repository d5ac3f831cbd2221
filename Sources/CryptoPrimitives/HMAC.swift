/// HMAC (RFC 2104) over any `HashFunction`.
///
/// Constant time: the key is padded and XORed with ipad/opad byte by byte over the whole block
/// regardless of its value; only its length (public) decides whether it is hashed first. Tags
/// are compared with `constantTimeEquals`, never `==`.
public struct HMAC<H: HashFunction>: Sendable {
    private var inner: H
    private var outer: H

    public init<K: Collection>(key: K) where K.Element == UInt8 {
        var k = Array(key)
        if k.count > H.blockByteCount { k = H.hash(k) }
        k.append(contentsOf: [UInt8](repeating: 0, count: H.blockByteCount - k.count))
        var ipad = [UInt8](repeating: 0, count: H.blockByteCount)
        var opad = [UInt8](repeating: 0, count: H.blockByteCount)
        for i in 0..<H.blockByteCount {
            ipad[i] = k[i] ^ 0x36
            opad[i] = k[i] ^ 0x5C
        }
        self.inner = H()
        self.inner.update(ipad)
        self.outer = H()
        self.outer.update(opad)
        wipe(&k); wipe(&ipad); wipe(&opad)
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.inner.update(bytes)
    }

    public mutating func finalize() -> [UInt8] {
        let innerDigest = self.inner.finalize()
        self.outer.update(innerDigest)
        return self.outer.finalize()
    }

    /// One-shot MAC of `message` under `key`.
    public static func authenticate<K: Collection, M: Collection>(key: K, message: M) -> [UInt8]
    where K.Element == UInt8, M.Element == UInt8 {
        var mac = HMAC(key: key)
        mac.update(message)
        return mac.finalize()
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEquals<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
where A.Element == UInt8, B.Element == UInt8 {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for (x, y) in zip(a, b) { diff |= x ^ y }
    return diff == 0
}

/// Overwrites key material before it is released. Best effort: Swift may have copied the
/// array before; callers keep secrets in as few copies as they can.
public func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { raw in
        for i in 0..<raw.count { raw[i] = 0 }
    }
}
