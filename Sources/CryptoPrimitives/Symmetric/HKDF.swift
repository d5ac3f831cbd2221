/// HKDF (RFC 5869) over any `HashFunction`, plus the TLS 1.3 helpers of RFC 8446 §7.1.
///
/// Constant time: built only from HMAC (see `HMAC`), with loop counts set by the requested
/// output length, which is public; no branch or index depends on the secret or its output.
public enum HKDF<H: HashFunction> {
    /// HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM). An empty salt means HashLen zero bytes.
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        let key = salt.isEmpty ? [UInt8](repeating: 0, count: H.digestByteCount) : salt
        return HMAC<H>.authenticate(key: key, message: ikm)
    }

    /// HKDF-Expand (RFC 5869 §2.3): `length` bytes of output keying material.
    /// Throws `invalidLength` when `length` is negative or exceeds 255 × HashLen.
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) throws -> [UInt8] {
        guard length >= 0, length <= 255 * H.digestByteCount else {
            throw CryptoError.invalidLength("HKDF-Expand output of \(length) bytes is outside 0...\(255 * H.digestByteCount)")
        }
        var okm = [UInt8]()
        okm.reserveCapacity(length + H.digestByteCount)
        var previous = [UInt8]()
        var counter: UInt8 = 1
        let keyed = HMAC<H>(key: prk)
        while okm.count < length {
            var mac = keyed
            mac.update(previous)
            mac.update(info)
            mac.update(CollectionOfOne(counter))
            wipe(&previous)
            previous = mac.finalize()
            okm.append(contentsOf: previous)
            counter &+= 1
        }
        wipe(&previous)
        if okm.count > length { okm.removeLast(okm.count - length) }
        return okm
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1): Expand(secret, HkdfLabel, length) with
    /// HkdfLabel = uint16 length ‖ opaque label<7..255> = "tls13 " + label ‖ opaque context<0..255>.
    public static func expandLabel(secret: [UInt8], label: String, context: [UInt8], length: Int) throws -> [UInt8] {
        let info = try Self.hkdfLabel(label: label, context: context, length: length)
        return try Self.expand(prk: secret, info: info, length: length)
    }

    /// The encoded HkdfLabel structure (RFC 8446 §7.1), exposed so tests can compare encodings.
    public static func hkdfLabel(label: String, context: [UInt8], length: Int) throws -> [UInt8] {
        let fullLabel = Array("tls13 ".utf8) + Array(label.utf8)
        guard length >= 0, length <= 0xFFFF else {
            throw CryptoError.invalidLength("HKDF-Expand-Label length \(length) does not fit uint16")
        }
        guard fullLabel.count <= 255 else {
            throw CryptoError.invalidLength("HKDF-Expand-Label label of \(fullLabel.count) bytes exceeds 255")
        }
        guard context.count <= 255 else {
            throw CryptoError.invalidLength("HKDF-Expand-Label context of \(context.count) bytes exceeds 255")
        }
        var info = [UInt8]()
        info.reserveCapacity(4 + fullLabel.count + context.count)
        info.append(UInt8(truncatingIfNeeded: length >> 8))
        info.append(UInt8(truncatingIfNeeded: length))
        info.append(UInt8(fullLabel.count))
        info.append(contentsOf: fullLabel)
        info.append(UInt8(context.count))
        info.append(contentsOf: context)
        return info
    }

    /// Derive-Secret (RFC 8446 §7.1) given the transcript hash already computed by the caller.
    public static func deriveSecret(secret: [UInt8], label: String, transcriptHash: [UInt8]) throws -> [UInt8] {
        try Self.expandLabel(secret: secret, label: label, context: transcriptHash, length: H.digestByteCount)
    }

    /// Derive-Secret (RFC 8446 §7.1) over the concatenated handshake `messages`.
    public static func deriveSecret(secret: [UInt8], label: String, messages: [UInt8]) throws -> [UInt8] {
        try Self.deriveSecret(secret: secret, label: label, transcriptHash: H.hash(messages))
    }
}
