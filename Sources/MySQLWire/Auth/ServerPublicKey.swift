import ByteCoding
import CryptoPrimitives

/// The RSA public key a MySQL server sends for caching_sha2_password full authentication over a
/// connection without TLS (AuthMoreData after the client's 0x02 request; MySQL internals
/// "caching_sha2_password information exchange"), and the password encryption it is used for.
///
/// MySQL sends the PEM file named by `caching_sha2_password_public_key_path`: normally
/// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, RFC 7468 §13), sometimes
/// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1 RSAPublicKey, RFC 8017 §A.1.1). Both are accepted;
/// anything else, several blocks, or text around the block is refused.
public enum CachingSHA2PublicKey {
    /// The client's "request public key" byte (sha256_password uses 0x01 instead).
    public static let requestPublicKey: UInt8 = 0x02

    /// Largest PEM text accepted (a 4096-bit SubjectPublicKeyInfo is about 800 bytes).
    public static let maximumPEMLength = 16 << 10

    /// Parses the PEM text the server sent. Throws `authenticationUnsupported` saying why.
    public static func parse(pem: [UInt8]) throws(MySQLError) -> RSAPublicKey {
        guard pem.count <= Self.maximumPEMLength else {
            throw Self.unusable("the key is \(pem.count) bytes of PEM, over the \(Self.maximumPEMLength)-byte limit")
        }
        var text = pem[...]
        // A trailing NUL is tolerated: some servers send the file contents as a C string.
        if text.last == 0 { text = text.dropLast() }
        while let f = text.first, Self.isSpace(f) { text = text.dropFirst() }
        while let l = text.last, Self.isSpace(l) { text = text.dropLast() }
        let kinds: [(label: String, pkcs1: Bool)] = [("PUBLIC KEY", false), ("RSA PUBLIC KEY", true)]
        for kind in kinds {
            let begin = Array("-----BEGIN \(kind.label)-----".utf8)
            let end = Array("-----END \(kind.label)-----".utf8)
            guard text.starts(with: begin), text.count >= begin.count + end.count,
                  text.suffix(end.count).elementsEqual(end) else { continue }
            let body = text.dropFirst(begin.count).dropLast(end.count)
            guard let der = Base64.decode(body, requirePadding: true), !der.isEmpty else {
                throw Self.unusable("the PEM body is not valid base64")
            }
            do {
                return kind.pkcs1 ? try RSAPublicKey(derPKCS1: der) : try RSAPublicKey(derSubjectPublicKeyInfo: der)
            } catch {
                throw Self.unusable("\(error)")
            }
        }
        throw Self.unusable("expected one PEM block '-----BEGIN PUBLIC KEY-----' or '-----BEGIN RSA PUBLIC KEY-----'")
    }

    /// The full-authentication answer for a plain connection: RSAES-OAEP (SHA-1, MGF1-SHA-1, empty
    /// label) of `(password ‖ 0x00) XOR nonce` with the nonce repeated (MySQL sql_authentication.cc
    /// `xor_string`; PyMySQL `_auth.sha2_rsa_encrypt`). `random(20)` supplies the OAEP seed.
    public static func encryptPassword(_ password: [UInt8], nonce: [UInt8], key: RSAPublicKey,
                                       random: (Int) -> [UInt8]) throws(MySQLError) -> [UInt8] {
        let seed = Array(nonce.prefix(20))
        guard !seed.isEmpty else {
            throw MySQLError(.authenticationUnsupported, "the server sent no nonce for caching_sha2_password; the password was not sent")
        }
        var plain = password + [0x00]
        defer { wipe(&plain) }
        for i in 0..<plain.count { plain[i] ^= seed[i % seed.count] }
        let capacity = key.bitLength / 8 - 42
        guard plain.count <= capacity else {
            throw MySQLError(.authenticationUnsupported,
                "the password (\(password.count) bytes) is too long to be encrypted with the server's \(key.bitLength)-bit RSA key (at most \(capacity - 1) bytes); the password was not sent. Connect over TLS (--dolt-ssl-mode required or stricter)")
        }
        do {
            return try key.encryptOAEPSHA1(plain, random: random)
        } catch {
            throw MySQLError(.authenticationUnsupported, "RSA encryption of the password failed (\(error)); the password was not sent")
        }
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private static func unusable(_ why: String) -> MySQLError {
        MySQLError(.authenticationUnsupported,
            "the server's RSA public key for caching_sha2_password cannot be used: \(why); the password was not sent. Connect over TLS (--dolt-ssl-mode), or fix the server's caching_sha2_password_public_key_path")
    }
}
