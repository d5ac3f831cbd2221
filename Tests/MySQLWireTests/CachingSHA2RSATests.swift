import ByteCoding
import CryptoPrimitives
import MySQLWire
import Testing

/// caching_sha2_password full authentication over plain TCP with the server's RSA key. The
/// expected ciphertext comes from Fixtures/mysql/caching-sha2-rsa (OAEP written out in Python with
/// a fixed seed and checked by decryption with `cryptography`), so the bytes the client writes are
/// compared with an independent computation.
@Suite("caching_sha2_password RSA key exchange")
struct CachingSHA2RSATests {
    struct Vector {
        let password: String
        let nonce: [UInt8]
        let seed: [UInt8]
        let ciphertext: [UInt8]
    }

    static func vector() throws -> Vector {
        let text = try #require(fixtureText("mysql/caching-sha2-rsa/vector.txt"))
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return Vector(password: try #require(fields["password"]),
                      nonce: try #require(fields["nonce"].flatMap { Hex.decode($0) }),
                      seed: try #require(fields["seed"].flatMap { Hex.decode($0) }),
                      ciphertext: try #require(fields["ciphertext"].flatMap { Hex.decode($0) }))
    }

    static func pem(_ name: String) throws -> [UInt8] {
        Array(try #require(fixtureText("mysql/caching-sha2-rsa/\(name)")).utf8)
    }

    /// A fixed OAEP seed source that records what was asked of it.
    final class FixedRandom: @unchecked Sendable {
        let seed: [UInt8]
        var requests: [Int] = []
        init(_ seed: [UInt8]) { self.seed = seed }
        func bytes(_ n: Int) -> [UInt8] {
            self.requests.append(n)
            return Array(self.seed.prefix(n))
        }
    }

    @Test("plain TCP: 01 04 → the client asks for the key (02), then sends RSA-OAEP of (password‖00) XOR nonce",
          arguments: ["public-spki.pem", "public-pkcs1.pem"])
    func fullAuthWithServerKey(pemFile: String) throws {
        let v = try Self.vector()
        #expect(v.nonce == testNonce)
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0x01, 0x04]),
            packet(4, [0x01] + (try Self.pem(pemFile))),
            packet(6, okPayload()),
        ], chunkSize: 1)
        let random = FixedRandom(v.seed)
        let c = try MySQLConnection(stream: s, user: "backfill", password: v.password, database: nil, random: random.bytes)
        let sent = try #require(splitPackets(s.written))
        #expect(sent.map(\.seq) == [1, 3, 5])
        #expect(sent[1].payload == [0x02])
        #expect(sent[2].payload == v.ciphertext)
        #expect(random.requests == [20])
        #expect(c.authPluginUsed == "caching_sha2_password")
        #expect(!c.isSecureTransport)
        #expect(!String(decoding: s.written, as: UTF8.self).contains(v.password))
    }

    @Test("after an auth switch to caching_sha2_password the switch nonce is the XOR mask")
    func fullAuthAfterSwitch() throws {
        let v = try Self.vector()
        let key = try CachingSHA2PublicKey.parse(pem: try Self.pem("public-spki.pem"))
        // Same key and seed, different nonce: the ciphertext must differ from the vector's and match
        // the one computed for the switch nonce through the public function.
        let expected = try CachingSHA2PublicKey.encryptPassword(Array(v.password.utf8), nonce: switchNonce, key: key,
                                                                 random: { Array(v.seed.prefix($0)) })
        #expect(expected != v.ciphertext)
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting()),
            packet(2, [0xFE] + cstr("caching_sha2_password") + switchNonce + [0]),
            packet(4, [0x01, 0x04]),
            packet(6, [0x01] + (try Self.pem("public-spki.pem"))),
            packet(8, okPayload()),
        ])
        let c = try MySQLConnection(stream: s, user: "backfill", password: v.password, database: nil,
                                    random: { Array(v.seed.prefix($0)) })
        let sent = try #require(splitPackets(s.written))
        #expect(sent.map(\.seq) == [1, 3, 5, 7])
        #expect(sent[2].payload == [0x02])
        #expect(sent[3].payload == expected)
        #expect(c.authPluginUsed == "caching_sha2_password")
    }

    @Test("the fixture vector matches encryptPassword directly (both PEM forms give the same key)")
    func directEncryption() throws {
        let v = try Self.vector()
        let a = try CachingSHA2PublicKey.parse(pem: try Self.pem("public-spki.pem"))
        let b = try CachingSHA2PublicKey.parse(pem: try Self.pem("public-pkcs1.pem"))
        #expect(a == b)
        #expect(a.bitLength == 2048)
        let out = try CachingSHA2PublicKey.encryptPassword(Array(v.password.utf8), nonce: v.nonce, key: a,
                                                            random: { Array(v.seed.prefix($0)) })
        #expect(out == v.ciphertext)
    }

    static let spkiBody = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"

    @Test("unusable keys are refused without sending the password", arguments: [
        "",
        "not a key",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nQUJDRA=\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nQQ==QQ==\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nQR==\n-----END PUBLIC KEY-----\n",
        "-----BEGIN RSA PUBLIC KEY-----\n\(spkiBody)\n-----END PUBLIC KEY-----\n",
    ])
    func badKeys(pem: String) throws {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0x01, 0x04]),
            packet(4, [0x01] + Array(pem.utf8)),
        ])
        let e = expectMySQLError(.authenticationUnsupported) {
            _ = try MySQLConnection(stream: s, user: "backfill", password: "s3cr3t", database: nil)
        }
        #expect(e?.description.contains("RSA public key") == true)
        #expect(e?.description.contains("s3cr3t") == false)
        #expect(try #require(splitPackets(s.written)).count == 2)
        #expect(s.isClosed)
    }

    @Test("the spki key with text around the PEM block, or two blocks, is refused")
    func strictFraming() throws {
        let good = try Self.pem("public-spki.pem")
        #expect(throws: MySQLError.self) { try CachingSHA2PublicKey.parse(pem: Array("x".utf8) + good) }
        #expect(throws: MySQLError.self) { try CachingSHA2PublicKey.parse(pem: good + good) }
        #expect(throws: MySQLError.self) { try CachingSHA2PublicKey.parse(pem: [UInt8](repeating: 0x41, count: CachingSHA2PublicKey.maximumPEMLength + 1)) }
        // Surrounding whitespace, CRLF line ends and a trailing NUL are fine.
        let crlf = Array(String(decoding: good, as: UTF8.self).split(separator: "\n").joined(separator: "\r\n").utf8)
        _ = try CachingSHA2PublicKey.parse(pem: [0x0A] + crlf + [0x0D, 0x0A, 0x00])
    }

    @Test("a password too long for the key is refused before anything is sent")
    func passwordTooLong() throws {
        let key = try CachingSHA2PublicKey.parse(pem: try Self.pem("public-spki.pem"))
        // 2048-bit key: OAEP-SHA1 carries at most 256 - 42 = 214 bytes, i.e. a 213-byte password.
        _ = try CachingSHA2PublicKey.encryptPassword([UInt8](repeating: 0x61, count: 213), nonce: testNonce, key: key, random: SystemRandom.bytes)
        expectMySQLError(.authenticationUnsupported) {
            _ = try CachingSHA2PublicKey.encryptPassword([UInt8](repeating: 0x61, count: 214), nonce: testNonce, key: key, random: SystemRandom.bytes)
        }
    }

    @Test("AuthMoreData after the encrypted password, or a second 01 04, is a protocol violation")
    func outOfOrder() throws {
        let pem = try Self.pem("public-spki.pem")
        let again = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0x01, 0x04]), packet(4, [0x01] + pem), packet(6, [0x01, 0x04]),
        ])
        expectMySQLError(.protocolViolation) { _ = try MySQLConnection(stream: again, user: "u", password: "p", database: nil) }
        let fastAfterFull = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0x01, 0x04]), packet(4, [0x01] + pem), packet(6, [0x01, 0x03]),
        ])
        expectMySQLError(.protocolViolation) { _ = try MySQLConnection(stream: fastAfterFull, user: "u", password: "p", database: nil) }
    }

    @Test("an ERR after the encrypted password is access denied")
    func deniedAfterRSA() throws {
        let s = ScriptedByteStream(serverChunks: [
            packet(0, doltGreeting(plugin: "caching_sha2_password")),
            packet(2, [0x01, 0x04]), packet(4, [0x01] + (try Self.pem("public-pkcs1.pem"))),
            packet(6, errPayload(1045, "28000", "Access denied for user 'u'@'localhost' (using password: YES)")),
        ])
        expectMySQLError(.accessDenied) { _ = try MySQLConnection(stream: s, user: "u", password: "wrong", database: nil) }
    }
}
