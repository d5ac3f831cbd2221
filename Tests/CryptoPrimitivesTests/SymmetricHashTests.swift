import ByteCoding
import CryptoPrimitives
import Testing

@Suite("SHA-384 / SHA-512 and NIST SHA-2 vectors")
struct SymmetricHashTests {
    static let twoBlockMessage =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

    // FIPS 180-4 examples (csrc.nist.gov "Examples with intermediate values") for SHA-512 and SHA-384.
    @Test(arguments: [
        ("", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        ("abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        (twoBlockMessage, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
    ])
    func sha512KnownAnswers(input: String, expected: String) {
        #expect(Hex.encode(SHA512.hash(Array(input.utf8))) == expected)
    }

    @Test(arguments: [
        ("", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"),
        ("abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        (twoBlockMessage, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"),
    ])
    func sha384KnownAnswers(input: String, expected: String) {
        #expect(Hex.encode(SHA384.hash(Array(input.utf8))) == expected)
    }

    @Test func millionAInOddChunksSHA384AndSHA512() throws {
        let root = try SymmetricFixtures.json("nist-sha256-sha384.json")
        let million = try root.object("million_a")
        var h384 = SHA384(), h512 = SHA512()
        let chunk = [UInt8](repeating: 0x61, count: 997)
        var left = 1_000_000
        while left > 0 {
            let n = min(left, chunk.count)
            h384.update(chunk[0..<n]); h512.update(chunk[0..<n])
            left -= n
        }
        #expect(Hex.encode(h384.finalize()) == (try million.string("SHA-384")))
        // FIPS 180-2 Appendix C.3.
        #expect(Hex.encode(h512.finalize()) == "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
    }

    /// Lengths 0...300 cross 0, 1 and 2 block boundaries and the 112-byte padding split.
    @Test func incrementalMatchesOneShotAtEveryLength() {
        let data = patternBytes(300)
        for n in 0...data.count {
            let one512 = SHA512.hash(Array(data[0..<n]))
            let one384 = SHA384.hash(Array(data[0..<n]))
            var byByte = SHA512()
            for b in data[0..<n] { byByte.update(CollectionOfOne(b)) }
            var split = SHA384()
            split.update(data[0..<(n / 3)]); split.update(data[(n / 3)..<n])
            #expect(byByte.finalize() == one512, "SHA-512 length \(n)")
            #expect(split.finalize() == one384, "SHA-384 length \(n)")
            #expect(one384 != Array(one512.prefix(48)), "SHA-384 must use its own IV")
        }
    }

    @Test(arguments: ["SHA-256", "SHA-384"])
    func nistShortAndLongMessages(algorithm: String) throws {
        let root = try SymmetricFixtures.json("nist-sha256-sha384.json")
        let alg = try root.object(algorithm)
        var run = 0, failed = 0
        for key in ["short_msg", "long_msg"] {
            for v in try alg.objects(key) {
                let msg = try v.bytes("msg"), md = try v.string("md")
                #expect(msg.count * 8 == (try v.int("len_bits")))
                let got = algorithm == "SHA-256" ? SHA256.hash(msg) : SHA384.hash(msg)
                run += 1
                if Hex.encode(got) != md { failed += 1 }
                #expect(Hex.encode(got) == md, "\(algorithm) \(key) len_bits \(msg.count * 8)")
            }
        }
        print("NIST \(algorithm) short+long messages: \(run) run, \(failed) failed")
        #expect(run == (algorithm == "SHA-256" ? 129 : 257))
    }

    @Test(arguments: ["SHA-256", "SHA-384"])
    func nistMonteCarlo(algorithm: String) throws {
        let root = try SymmetricFixtures.json("nist-sha256-sha384.json")
        let monte = try root.object(algorithm).object("monte")
        var seed = try monte.bytes("seed")
        let checkpoints = try monte.objects("checkpoints")
        var failed = 0
        for (j, cp) in checkpoints.enumerated() {
            var md = [seed, seed, seed]
            for _ in 3...1002 {
                let m = md[0] + md[1] + md[2]
                let next = algorithm == "SHA-256" ? SHA256.hash(m) : SHA384.hash(m)
                md = [md[1], md[2], next]
            }
            seed = md[2]
            #expect(try cp.int("count") == j)
            if Hex.encode(seed) != (try cp.string("md")) { failed += 1 }
            #expect(Hex.encode(seed) == (try cp.string("md")), "\(algorithm) Monte checkpoint \(j)")
        }
        print("NIST \(algorithm) Monte Carlo: \(checkpoints.count) checkpoints run, \(failed) failed")
        #expect(checkpoints.count == 100)
    }

    @Test func fips180Examples() throws {
        let root = try SymmetricFixtures.json("nist-sha256-sha384.json")
        let examples = try root.objects("fips180_examples")
        for e in examples {
            let msg = try e.bytes("msg")
            let got = try e.string("alg") == "SHA-256" ? SHA256.hash(msg) : SHA384.hash(msg)
            #expect(Hex.encode(got) == (try e.string("md")))
        }
        print("FIPS 180 examples: \(examples.count) run")
        #expect(examples.count == 5)
    }
}
