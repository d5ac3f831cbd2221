import ByteCoding
import Testing

@Suite("ByteReader never reads past its bounds")
struct ByteReaderTests {
    @Test func integersInBothByteOrders() {
        var r = ByteReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(r.readUInt16LE() == 0x0201)
        #expect(r.readUInt24LE() == 0x05_0403)
        #expect(r.readUInt32BE() == 0x0607_0809)
        #expect(r.isAtEnd)
        #expect(r.readByte() == nil)
        var b = ByteReader([0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88])
        #expect(b.readUInt64LE() == 0x8899_AABB_CCDD_EEFF)
    }

    @Test func shortInputIsNilAndConsumesNothing() {
        var r = ByteReader([0x01, 0x02, 0x03])
        #expect(r.readUInt32LE() == nil)
        #expect(r.readBytes(4) == nil)
        #expect(r.readBytes(-1) == nil)
        #expect(r.subReader(4) == nil)
        let skipped = r.skip(4)
        #expect(!skipped)
        #expect(r.offset == 0)
        #expect(r.readUInt24BE() == 0x01_0203)
    }

    @Test func subReaderIsBoundedByItsSlice() {
        var r = ByteReader([1, 2, 3, 4, 5])
        _ = r.readByte()
        var sub = r.subReader(2)!
        #expect(sub.remaining == 2)
        #expect(sub.readBytes(3) == nil)
        #expect(sub.readRemaining() == [2, 3])
        #expect(r.readRemaining() == [4, 5])
    }

    @Test func readUntilConsumesTheTerminator() {
        var r = ByteReader(Array("abc\0def".utf8))
        #expect(r.readUntil(0) == Array("abc".utf8))
        #expect(r.readUntil(0) == nil)
        #expect(r.readRemaining() == Array("def".utf8))
    }

    static let leb: [([UInt8], UInt64)] = [
        ([0x00], 0), ([0x7F], 127), ([0x80, 0x01], 128), ([0xE5, 0x8E, 0x26], 624_485),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], UInt64.max),
    ]

    @Test(arguments: Self.leb)
    func leb128(bytes: [UInt8], value: UInt64) {
        var r = ByteReader(bytes)
        #expect(r.readULEB128() == value)
        #expect(r.isAtEnd)
        var out: [UInt8] = []
        out.appendULEB128(value)
        #expect(out == bytes)
    }

    @Test(arguments: [
        [UInt8(0x80)], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
    ])
    func malformedLEB128IsRejected(bytes: [UInt8]) {
        var r = ByteReader(bytes)
        #expect(r.readULEB128() == nil)
        #expect(r.offset == 0)
    }
}

@Suite("Writers and hex")
struct WriterAndHexTests {
    @Test func appendersMatchReaders() {
        var out: [UInt8] = []
        out.appendUInt16LE(0xBEEF)
        out.appendUInt24LE(0x12_3456)
        out.appendUInt32BE(0xDEAD_BEEF)
        out.appendUInt64BE(0x0102_0304_0506_0708)
        out.appendUInt16BE(0x0A0B)
        out.appendUInt24BE(0x0C_0D0E)
        out.appendUInt32LE(0x1122_3344)
        out.appendUInt64LE(7)
        var r = ByteReader(out)
        #expect(r.readUInt16LE() == 0xBEEF)
        #expect(r.readUInt24LE() == 0x12_3456)
        #expect(r.readUInt32BE() == 0xDEAD_BEEF)
        #expect(r.readUInt64BE() == 0x0102_0304_0506_0708)
        #expect(r.readUInt16BE() == 0x0A0B)
        #expect(r.readUInt24BE() == 0x0C_0D0E)
        #expect(r.readUInt32LE() == 0x1122_3344)
        #expect(r.readUInt64LE() == 7)
        #expect(r.isAtEnd)
    }

    @Test func hexRoundTripAndStrictDecoding() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(all)) == all)
        #expect(Hex.encode([0xAB, 0x01]) == "ab01")
        #expect(Hex.decode("AB01") == [0xAB, 0x01])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }
}

@Suite("ScriptedByteStream")
struct ScriptedByteStreamTests {
    @Test func dripFeedsAndRecords() throws {
        let s = ScriptedByteStream(serverChunks: [[1, 2, 3], [], [4]], chunkSize: 2)
        #expect(try s.read(maxBytes: 10) == [1, 2])
        #expect(try s.read(maxBytes: 10) == [3])
        #expect(try s.read(maxBytes: 10) == [4])
        #expect(try s.read(maxBytes: 10) == [])
        try s.write([9, 9])
        #expect(s.written == [9, 9])
        s.close()
        #expect(s.isClosed)
    }

    @Test func errorAtEndIsThrown() {
        struct Reset: Error {}
        let stream = ScriptedByteStream(serverChunks: [])
        stream.errorAtEnd = Reset()
        #expect(throws: Reset.self) { _ = try stream.read(maxBytes: 1) }
    }
}

@Suite("UnixCalendar")
struct UnixCalendarTests {
    @Test func knownDates() {
        #expect(UnixCalendar.days(year: 1970, month: 1, day: 1) == 0)
        #expect(UnixCalendar.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(UnixCalendar.days(year: 1969, month: 12, day: 31) == -1)
        #expect(UnixCalendar.civil(days: 19_782) == (2024, 2, 29))
        #expect(UnixCalendar.formatUTC(1_700_000_000) == "2023-11-14 22:13:20 UTC")
        #expect(UnixCalendar.formatUTC(-1) == "1969-12-31 23:59:59 UTC")
        #expect(UnixCalendar.split(-86_401) == (-2, 86_399))
    }
}

@Suite("Base64 (strict, for PEM)")
struct Base64Tests {
    @Test func decodesWithAndWithoutPadding() {
        #expect(Base64.decode(Array("TWFu".utf8)) == Array("Man".utf8))
        #expect(Base64.decode(Array("TWE=\n".utf8)) == Array("Ma".utf8))
        #expect(Base64.decode(Array("T W E".utf8)) == Array("Ma".utf8))
        #expect(Base64.decode(Array("TQ==".utf8)) == Array("M".utf8))
        #expect(Base64.decode(Array("TWE".utf8), requirePadding: true) == nil)
        #expect(Base64.decode(Array("TWE=".utf8), requirePadding: true) == Array("Ma".utf8))
        #expect(Base64.decode(Array("".utf8)) == [])
    }

    @Test(arguments: ["TWF=", "TR==", "T===", "TWE=TWFu", "TW=E", "TWFu!", "T"])
    func rejectsNonCanonicalInput(text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }
}
