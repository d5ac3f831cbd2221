import CryptoPrimitives
import Testing

@Suite("SystemRandom")
struct SymmetricRandomTests {
    @Test(arguments: [0, 1, 12, 32, 255, 256, 257, 1000])
    func returnsRequestedLength(count: Int) {
        #expect(SystemRandom.bytes(count).count == count)
    }

    /// Chance of a false failure is 2^-256 per comparison.
    @Test func successiveDrawsDiffer() {
        let a = SystemRandom.bytes(32), b = SystemRandom.bytes(32)
        #expect(a != b)
        #expect(a != [UInt8](repeating: 0, count: 32))
    }

    /// A long draw crosses several 256-byte getentropy calls; every chunk must be filled.
    @Test func everyChunkOfALongDrawIsFilled() {
        let bytes = SystemRandom.bytes(4096)
        for chunk in stride(from: 0, to: 4096, by: 256) {
            #expect(bytes[chunk..<(chunk + 256)].contains { $0 != 0 })
        }
    }
}
