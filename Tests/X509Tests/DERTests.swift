// Strict DER: BER-isms, truncation, trailing bytes, nesting and length bombs must be refused
// with X509Error.malformed, never a crash.
import Testing
@testable import X509

/// Minimal DER encoder for building test inputs.
enum TestDER {
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + self.length(content.count) + content
    }

    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 {
            bytes.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func sequence(_ parts: [[UInt8]]) -> [UInt8] { self.tlv(0x30, parts.flatMap { $0 }) }

    static func oid(_ dotted: String) -> [UInt8] { self.tlv(0x06, OID(dotted).encoded) }

    /// The encoded children of a constructed element.
    static func children(_ der: [UInt8]) throws -> [[UInt8]] {
        let e = try DER.parse(der, what: "test input")
        var c = e.children(what: "test input")
        var out: [[UInt8]] = []
        while !c.isAtEnd { out.append(try c.next().encoded) }
        return out
    }
}

@Suite("DER reader")
struct DERTests {
    static func parses(_ bytes: [UInt8]) -> Bool { (try? DER.parse(bytes, what: "input")) != nil }

    @Test("minimal short and long lengths are accepted")
    func minimalLengths() throws {
        #expect(Self.parses([0x04, 0x00]))
        #expect(Self.parses([0x04, 0x01, 0xAA]))
        #expect(Self.parses([0x04, 0x81, 0x80] + [UInt8](repeating: 1, count: 128)))
        #expect(Self.parses([0x04, 0x82, 0x01, 0x00] + [UInt8](repeating: 1, count: 256)))
    }

    @Test("non-minimal, indefinite, oversized and reserved length forms are refused",
          arguments: [
            [0x04, 0x81, 0x05, 1, 2, 3, 4, 5],  // long form for a short length
            [0x04, 0x82, 0x00, 0x80] + [UInt8](repeating: 1, count: 128),  // leading zero length byte
            [0x30, 0x80, 0x00, 0x00],  // indefinite length (BER)
            [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],  // 4 GiB declared, nothing present
            [0x30, 0x88, 0, 0, 0, 0, 0, 0, 0, 1, 0],  // 8-byte length field
            [0x30, 0xFF, 0x00],  // reserved length octet
            [0x1F, 0x81, 0x01, 0x00],  // multi-byte tag number
            [0x04, 0x05, 1, 2],  // content shorter than declared
            [0x30, 0x03, 0x04, 0x02, 0x00],  // child overruns its parent
            [0x30, 0x01, 0x04],  // child header cut off
            [],
            [0x30],
          ] as [[UInt8]])
    func refusedLengths(bytes: [UInt8]) {
        #expect(throws: X509Error.malformed) { try DER.parse(bytes, what: "input") }
    }

    @Test("trailing bytes after the element are refused, at top level and inside a certificate")
    func trailingBytes() throws {
        #expect(throws: X509Error.malformed) { try DER.parse([0x05, 0x00, 0x00], what: "input") }
        let der = try LimboCase("cloudflare.com").peer
        #expect(throws: X509Error.malformed) { try Certificate(derEncoded: der + [0x00]) }
        // Extra data inside the outer SEQUENCE after signatureValue.
        var parts = try TestDER.children(der)
        parts.append([0x05, 0x00])
        #expect(throws: X509Error.malformed) { try Certificate(derEncoded: TestDER.sequence(parts)) }
    }

    @Test("nesting is capped at 50 levels without recursion trouble")
    func deepNesting() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var v: [UInt8] = [0x05, 0x00]
            for _ in 0..<depth { v = TestDER.tlv(0x30, v) }
            return v
        }
        #expect(Self.parses(nested(DER.maximumDepth - 1)))
        #expect(throws: X509Error.malformed) { try DER.parse(nested(DER.maximumDepth), what: "input") }
        #expect(throws: X509Error.malformed) { try DER.parse(nested(20_000), what: "input") }
    }

    @Test("a real certificate truncated at every length is refused, never a crash", arguments: X509Fixtures.limboNames)
    func truncatedEverywhere(name: String) throws {
        let der = try LimboCase(name).peer
        var refused = 0
        for n in 0..<der.count {
            do {
                _ = try Certificate(derEncoded: Array(der[0..<n]))
            } catch let e as X509Error {
                if e == .malformed { refused += 1 }
            }
        }
        #expect(refused == der.count)
    }

    @Test("every single-byte corruption of a real certificate is parsed or refused without a crash")
    func byteFlips() throws {
        let der = try LimboCase("google.com").peer
        var parsed = 0, refused = 0
        for i in 0..<der.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var m = der
                m[i] ^= mask
                if (try? Certificate(derEncoded: m)) != nil { parsed += 1 } else { refused += 1 }
            }
        }
        #expect(parsed + refused == der.count * 3)
        #expect(refused > 0)
    }

    @Test("BOOLEAN and INTEGER must be DER-canonical")
    func canonicalPrimitives() throws {
        let t = try DER.parse([0x01, 0x01, 0xFF], what: "x")
        #expect(try t.boolean("b", what: "x"))
        let bad = try DER.parse([0x01, 0x01, 0x01], what: "x")
        #expect(throws: X509Error.malformed) { try bad.boolean("b", what: "x") }
        let padded = try DER.parse([0x02, 0x02, 0x00, 0x05], what: "x")
        #expect(throws: X509Error.malformed) { try padded.smallInteger("i", maximum: 100, what: "x") }
        let negative = try DER.parse([0x02, 0x01, 0xFF], what: "x")
        #expect(throws: X509Error.malformed) { try negative.smallInteger("i", maximum: 100, what: "x") }
        let big = try DER.parse([0x02, 0x02, 0x00, 0x80], what: "x")
        #expect(try big.smallInteger("i", maximum: 200, what: "x") == 128)
        #expect(throws: X509Error.malformed) { try big.smallInteger("i", maximum: 100, what: "x") }
    }

    @Test("OIDs: minimal arcs required; dotted rendering round-trips")
    func oids() throws {
        #expect(OID("1.2.840.113549.1.1.11").encoded == [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B])
        #expect(OID("2.5.29.19").description == "2.5.29.19")
        #expect(OID("1.3.6.1.4.1.55555.1").description == "1.3.6.1.4.1.55555.1")
        #expect(OID(encoded: [0x2A, 0x80, 0x01]) == nil)  // leading 0x80 in an arc
        #expect(OID(encoded: [0x2A, 0x86]) == nil)  // unterminated arc
        #expect(OID(encoded: [UInt8]()) == nil)
    }

    @Test("UTCTime and GeneralizedTime convert to Unix seconds and back")
    func times() throws {
        func utc(_ s: String) -> Int64? { DERTime.parseUTCTime(Array(s.utf8)[...]) }
        func gen(_ s: String) -> Int64? { DERTime.parseGeneralizedTime(Array(s.utf8)[...]) }
        #expect(utc("700101000000Z") == 0)
        #expect(utc("491231235959Z") == 2_524_607_999)  // 2049
        #expect(utc("500101000000Z") == -631_152_000)  // 1950
        #expect(gen("20250601120000Z") == 1_748_779_200)
        #expect(gen("20240229000000Z") != nil)
        #expect(gen("20250229000000Z") == nil)
        #expect(gen("20251301000000Z") == nil)
        #expect(gen("20250601240000Z") == nil)
        #expect(gen("20250601120000.5Z") == nil)
        #expect(utc("2506011200Z") == nil)  // seconds are mandatory
        #expect(utc("250601120000+0100") == nil)
        #expect(DERTime.format(1_748_779_200) == "2025-06-01 12:00:00 UTC")
        #expect(DERTime.format(-631_152_000) == "1950-01-01 00:00:00 UTC")
        #expect(DERTime.format(253_402_300_799) == "9999-12-31 23:59:59 UTC")
    }
}
