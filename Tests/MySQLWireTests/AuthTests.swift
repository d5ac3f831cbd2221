import ByteCoding
import MySQLWire
import Testing

// Vectors computed independently with Python's hashlib (nonce = bytes 0x21..0x34, password "s3cr3t"):
//   python3 -c 'import hashlib;x=lambda a,b:bytes(i^j for i,j in zip(a,b));n=bytes(range(0x21,0x35));p=b"s3cr3t";
//     s=hashlib.sha1(p).digest();print(x(s,hashlib.sha1(n+hashlib.sha1(s).digest()).digest()).hex());
//     m=hashlib.sha256(p).digest();print(x(m,hashlib.sha256(hashlib.sha256(m).digest()+n).digest()).hex())'
// and the same with the nonce bytes 0x41..0x54.
let nativeVector = "fc75accc77d88ca83412f7ed308d3a334aafdf17"
let sha2Vector = "bc45dc21b2ddc8453ad222c4f2903bdd8198aa584e7e50e616ef5b565c71c28c"
let nativeSwitchVector = "ce0510af20f43b9873f21eaefff381662595742c"
let sha2SwitchVector = "2fb4287fce313283eb35a439b3964b692d5b821aa5b9bc19bdcbc767ca5ebb97"

@Suite("Authentication scrambles")
struct AuthTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let nonce: [UInt8]
        let native: String
        let sha2: String
        var testDescription: String { Hex.encode(self.nonce.prefix(2)) }
    }

    @Test("scrambles match Python hashlib", arguments: [
        Vector(nonce: testNonce, native: nativeVector, sha2: sha2Vector),
        Vector(nonce: switchNonce, native: nativeSwitchVector, sha2: sha2SwitchVector),
    ])
    func vectors(v: Vector) {
        #expect(Hex.encode(NativePassword.scramble(password: bytes("s3cr3t"), nonce: v.nonce)) == v.native)
        #expect(Hex.encode(CachingSHA2Password.scramble(password: bytes("s3cr3t"), nonce: v.nonce)) == v.sha2)
    }

    @Test("an empty password gives an empty response for both plugins")
    func emptyPassword() {
        #expect(NativePassword.scramble(password: [], nonce: testNonce).isEmpty)
        #expect(CachingSHA2Password.scramble(password: [], nonce: testNonce).isEmpty)
    }
}
