/// SplitMix64 (Steele, Lea and Flood 2014): a fixed-seed pseudo-random source for the property
/// and corruption tests, so a failing case reproduces from its seed. Not for anything secret.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (n > 0); the slight modulo bias does not matter for tests.
    public mutating func below(_ n: Int) -> Int { Int(self.next() % UInt64(n)) }
}
