import ByteCoding
import MySQLWire
import Testing

@Suite("PacketFramer")
struct PacketFramerTests {
    /// Feeds `input` in chunks of `chunk` bytes and collects every payload.
    func payloads(_ input: [UInt8], chunk: Int, max: Int = PacketFramer.defaultMaxPayloadSize) throws -> [[UInt8]] {
        var f = PacketFramer(maxPayloadSize: max)
        var out: [[UInt8]] = []
        var i = 0
        while i < input.count {
            f.feed(Array(input[i..<min(input.count, i + chunk)]))
            i += chunk
            while let p = try f.nextPayload() { out.append(p) }
        }
        #expect(f.bufferedByteCount == 0)
        return out
    }

    @Test("packets are returned whole however the bytes are chunked", arguments: [1, 2, 3, 5, 4096])
    func chunking(chunk: Int) throws {
        let input = packet(0, [1, 2, 3]) + packet(1, []) + packet(2, Array(repeating: 9, count: 300))
        let got = try payloads(input, chunk: chunk)
        #expect(got == [[1, 2, 3], [], Array(repeating: 9, count: 300)])
    }

    @Test("incomplete packet yields nil, not an error")
    func incomplete() throws {
        var f = PacketFramer()
        f.feed([5, 0, 0, 0, 1, 2])
        #expect(try f.nextPayload() == nil)
        f.feed([3, 4, 5])
        #expect(try f.nextPayload() == [1, 2, 3, 4, 5])
    }

    @Test("sequence id mismatch is a protocol violation")
    func sequenceMismatch() {
        var f = PacketFramer()
        f.feed(packet(1, [0x00]))
        expectMySQLError(.protocolViolation) { _ = try f.nextPayload() }
    }

    @Test("an ERR packet with an unexpected sequence id is accepted (MariaDB shutdown sends id 0)")
    func errWithWrongSequence() throws {
        var f = PacketFramer()
        f.feed(packet(0, [0x00]))
        #expect(try f.nextPayload() == [0x00])
        f.feed(packet(0, errPayload(1053, "08S01", "Server shutdown in progress")))
        #expect(try f.nextPayload()?.first == 0xFF)
    }

    @Test("sequence ids wrap modulo 256")
    func sequenceWraps() throws {
        var input: [UInt8] = []
        for i in 0..<300 { input += packet(UInt8(i % 256), [UInt8(i % 256)]) }
        #expect(try payloads(input, chunk: 7).count == 300)
    }

    @Test("a 0xFFFFFF+ payload is joined from continuation packets", arguments: [0xFF_FF_FF + 10, 0xFF_FF_FF, 2 * 0xFF_FF_FF])
    func continuation(size: Int) throws {
        var payload = [UInt8](repeating: 0x5A, count: size)
        for k in stride(from: 0, to: size, by: 65_521) { payload[k] = UInt8(truncatingIfNeeded: k >> 16) }
        // Independent split: full 0xFFFFFF chunks, then the rest (empty when an exact multiple).
        var wire: [UInt8] = []
        var seq: UInt8 = 0
        var off = 0
        while true {
            let n = min(0xFF_FF_FF, size - off)
            wire += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n >> 16), seq]
            wire += payload[off..<(off + n)]
            seq &+= 1
            off += n
            if n < 0xFF_FF_FF { break }
        }
        let got = try payloads(wire + packet(seq, [0x42]), chunk: 1 << 20)
        #expect(got.count == 2)
        let same = got.first == payload   // not #expect(a == b): a failure would print 16 MiB
        #expect(same)
        #expect(got.last == [0x42])

        // And the encoder produces exactly those bytes.
        var enc = PacketFramer()
        let encodedSame = enc.encode(payload) == wire
        #expect(encodedSame)
        #expect(enc.sequence == seq)
    }

    @Test("encoding a small payload uses one packet and the next sequence id")
    func encodeSmall() {
        var f = PacketFramer()
        #expect(f.encode([0x03, 0x41]) == [2, 0, 0, 0, 0x03, 0x41])
        #expect(f.encode([]) == [0, 0, 0, 1])
        f.resetSequence()
        #expect(f.encode([0x01]) == [1, 0, 0, 0, 0x01])
    }

    @Test("a payload over the limit is refused from its header, before buffering it")
    func tooLarge() {
        var f = PacketFramer(maxPayloadSize: 1000)
        f.feed([0xE9, 0x03, 0x00, 0x00])   // declares 1001 bytes
        expectMySQLError(.packetTooLarge) { _ = try f.nextPayload() }
    }

    @Test("the limit applies to the reassembled total of continuation packets")
    func tooLargeAcrossContinuation() throws {
        var f = PacketFramer(maxPayloadSize: 0xFF_FF_FF + 5)
        f.feed([0xFF, 0xFF, 0xFF, 0x00] + [UInt8](repeating: 1, count: 0xFF_FF_FF))
        #expect(try f.nextPayload() == nil)
        f.feed([0x06, 0x00, 0x00, 0x01])
        expectMySQLError(.packetTooLarge) { _ = try f.nextPayload() }
    }
}
