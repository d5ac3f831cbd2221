import ByteCoding
import CryptoPrimitives

/// Public-key operations per second (one core). Keys and signatures were made once with OpenSSL
/// 3.0 (`openssl genpkey`, `openssl dgst -sign`) over `message`; every verification is checked
/// to succeed first, so a broken primitive cannot look fast.
enum PublicKeyFixtures {
    static let message = Array("backfill-from-dolt benchmark message".utf8)
    static let rsaSPKI = hexBytes("30820122300d06092a864886f70d01010105000382010f003082010a028201010097d7a1593697e1d7cd09943d2b2cc8bfbb6557938f5e915ba77f9cfc70b257b46ba058a28bc858414afd033c44e201973f0ed6896ab76da8adbcc11909f3a6a4d93b8e329b0639247cc851758116e0796786a19e514689c11d7fca5d353b30bd4db39dffe104deffac57b02d13608155638c8bf26c918e8ba20ecc15e1037c7907445b4a4a4d8bbad81c2d142a4a999cd9af175cd2bfc3bf0679a42cd2fd4c063e0b8b56a5234478039569f4b4f613eba85dee9798ee92491053e9f9604dd48753b5262aed21d842bd5582f385e1bc1060b00363e693cd6bcb1ed6eec2ea74a58202129671da99b973841df1bd656a35e4a576ec6b09302b592eaeab09a356890203010001")
    static let rsaPKCS1SHA256 = hexBytes("6260cb2dddd58fe30feb274f308e0b61fa035503002a92e576d6598c23ecf8bff91a6084b5e7edcf3fee366719c0d6e4a74d016cba3d8946a9bc723107e0f61a289e9d8b07028c91e94c57669004ed80ae3af3ab401127ca6db6241ecefe203766d137e66bbaf951c1f6712957e65ac8e88045eb4d452e9450d6d3c29f9c634785c162174626a9c994a21bc214292d92fdf0636739951fc497bb0a051b03a26fbbcb3c805c4705befb523ba2254a9ece3db2b74dc7415ce8504fb4e7cfc977bf1799c58f6d76f24c1c70c24611da15dfe6a47116ce7cdbe00ade83449c2bfd9e1b54faf28fc469c262946076024a8f0617f0607efc571d07815558e40309ca80")
    static let rsaPSSSHA256 = hexBytes("60c6936553bb35af4c3e9dac71dc75dc0f3233bf028c7a180c83d9e8a79ce8114a420b8496f0076d237b2f4c21153d38ad16d44bafbffbca58d44ad545b7518bd3ee37a3ec7470261987bdd4c885dbe13d17b787dbaa3f9fa0ffe06759c5b8126dd7095cf2d76c1bff851a35e82deb56a36609dc7688fdb58e6c38e6df0c34bfb1466a30c85216af326f06e1bb7fa99a66628487e6c41fb40f4ef82b5d6145d376c116c4f38050d3fc8f51c5ddb9b3691c9db6cc2f90f5d38fac64964be7345ddd7fd2e20df4752291c73729a0691adb40ea299958cd269a2507e324be006357f0a8513c956f44f2d0c490b9c794b38685382421f9671c9e92bb07f55cc8ce78")
    /// Uncompressed P-256 point (the SubjectPublicKeyInfo's BIT STRING).
    static let p256Point = hexBytes("04d1b99e8cd104bf490e400fff34a066841fe1d759cc2499853d1d7ab51512aed5fc24d8842c056ff68da2f012c4ccf91a4d5e2d24e102f0c2c3a02a2f34b3b95f")
    static let ecdsaDER = hexBytes("30450220441bb9eb38e85d13a78a8457a57da7b9e08b4daedca23b5b377941b62e10dafc022100d97a255b59a7c9353528c29d7622b91eef1ff94905b0c796f1c7bdd4e614fcc0")
}

func publicKeyBench(seconds: Double) throws {
    let f = PublicKeyFixtures.self
    let x25519Private = [UInt8](repeating: 0x42, count: 32)
    let x25519Peer = try X25519.publicKey(privateKey: [UInt8](repeating: 0x24, count: 32))
    var sink: UInt8 = 0
    try measure("x25519_shared", seconds: seconds) { sink ^= try X25519.sharedSecret(privateKey: x25519Private, peerPublicKey: x25519Peer)[0] }
    let p256Private = [UInt8](repeating: 0x11, count: 31) + [0x01]
    let p256Peer = try P256.publicKey(privateKey: [UInt8](repeating: 0x22, count: 31) + [0x02])
    try measure("p256_ecdh", seconds: seconds) { sink ^= try P256.sharedSecret(privateKey: p256Private, peerPublicKey: p256Peer)[0] }
    guard ECDSA.verifyP256SHA256(publicKey: f.p256Point, message: f.message, derSignature: f.ecdsaDER) else { fail("ECDSA P-256 fixture does not verify") }
    measure("ecdsa_p256_verify", seconds: seconds) { sink ^= ECDSA.verifyP256SHA256(publicKey: f.p256Point, message: f.message, derSignature: f.ecdsaDER) ? 1 : 0 }
    let rsa = try RSAPublicKey(derSubjectPublicKeyInfo: f.rsaSPKI)
    guard rsa.verifyPKCS1v15(message: f.message, signature: f.rsaPKCS1SHA256, hash: .sha256) else { fail("RSA PKCS#1 fixture does not verify") }
    guard rsa.verifyPSS(message: f.message, signature: f.rsaPSSSHA256, hash: .sha256) else { fail("RSA-PSS fixture does not verify") }
    measure("rsa2048_pkcs1_verify", seconds: seconds) { sink ^= rsa.verifyPKCS1v15(message: f.message, signature: f.rsaPKCS1SHA256, hash: .sha256) ? 1 : 0 }
    measure("rsa2048_pss_verify", seconds: seconds) { sink ^= rsa.verifyPSS(message: f.message, signature: f.rsaPSSSHA256, hash: .sha256) ? 1 : 0 }
    let secret = [UInt8](repeating: 0x33, count: 32)
    try measure("rsa2048_oaep_encrypt", seconds: seconds) { sink ^= try rsa.encryptOAEPSHA1(secret, random: SystemRandom.bytes)[0] }
    if sink == 0x5A { print("") }
}

/// The fixtures above are constants of this file; a typo in one stops the benchmark.
func hexBytes(_ s: String) -> [UInt8] {
    guard let bytes = Hex.decode(s) else { fail("bad hex constant in PublicKeyBench.swift") }
    return bytes
}
