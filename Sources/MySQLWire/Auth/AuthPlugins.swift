import CryptoPrimitives

/// The authentication plugins this client knows by name.
enum AuthPluginName {
    static let nativePassword = "mysql_native_password"
    static let cachingSHA2Password = "caching_sha2_password"
    static let clearPassword = "mysql_clear_password"
}

/// mysql_native_password (MySQL internals "Native Authentication"):
/// `SHA1(password) XOR SHA1(nonce ‖ SHA1(SHA1(password)))`; an empty password sends an empty
/// response. Refs: go-sql-driver auth.go `scramblePassword`, vitess auth_server.go:647.
public enum NativePassword {
    /// The 20-byte scramble (empty for an empty password). `nonce` is the 20-byte server nonce.
    public static func scramble(password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        var stage1 = SHA1.hash(password)
        var stage2 = SHA1.hash(stage1)
        var h = SHA1()
        h.update(nonce.prefix(20))
        h.update(stage2)
        let mask = h.finalize()
        var out = [UInt8](repeating: 0, count: stage1.count)
        for i in 0..<out.count { out[i] = stage1[i] ^ mask[i] }
        wipe(&stage1)
        wipe(&stage2)
        return out
    }
}

/// caching_sha2_password scramble (MySQL "caching_sha2_password" exchanges):
/// `SHA256(password) XOR SHA256(SHA256(SHA256(password)) ‖ nonce)` — note the nonce goes last,
/// unlike native. An empty password sends an empty response.
/// Refs: go-sql-driver auth.go `scrambleSHA256Password`.
public enum CachingSHA2Password {
    /// The 32-byte scramble (empty for an empty password).
    public static func scramble(password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        var m1 = SHA256.hash(password)
        var m2 = SHA256.hash(m1)
        var h = SHA256()
        h.update(m2)
        h.update(nonce.prefix(20))
        let mask = h.finalize()
        var out = [UInt8](repeating: 0, count: m1.count)
        for i in 0..<out.count { out[i] = m1[i] ^ mask[i] }
        wipe(&m1)
        wipe(&m2)
        return out
    }
}
