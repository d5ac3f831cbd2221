/// A Merkle–Damgård hash with a streaming interface (FIPS 180-4 family).
public protocol HashFunction: Sendable {
    /// Input block size in bytes (64 for SHA-1/SHA-256, 128 for SHA-384/512).
    static var blockByteCount: Int { get }
    /// Digest size in bytes.
    static var digestByteCount: Int { get }
    init()
    mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8
    /// Returns the digest. The hasher must not be used afterwards.
    mutating func finalize() -> [UInt8]
}

extension HashFunction {
    /// One-shot digest of `bytes`.
    public static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var h = Self()
        h.update(bytes)
        return h.finalize()
    }
}

/// Shared buffering for 64-byte-block hashes: collects input into whole blocks.
struct BlockBuffer64: Sendable {
    var buffer = [UInt8](repeating: 0, count: 64)
    var used = 0
    var totalBytes: UInt64 = 0

    /// Feeds bytes, calling `compress` for each complete 64-byte block.
    @inline(__always)
    mutating func feed<C: Collection>(_ bytes: C, _ compress: (UnsafeRawBufferPointer) -> Void) where C.Element == UInt8 {
        self.totalBytes &+= UInt64(bytes.count)
        if let done = bytes.withContiguousStorageIfAvailable({ ptr -> Bool in
            self.feedContiguous(UnsafeRawBufferPointer(ptr), compress)
            return true
        }), done { return }
        let copy = Array(bytes)
        copy.withUnsafeBytes { self.feedContiguous($0, compress) }
    }

    @inline(__always)
    private mutating func feedContiguous(_ input: UnsafeRawBufferPointer, _ compress: (UnsafeRawBufferPointer) -> Void) {
        var index = 0
        let n = input.count
        if self.used > 0 {
            let take = min(64 - self.used, n)
            for i in 0..<take { self.buffer[self.used + i] = input[i] }
            self.used += take
            index = take
            if self.used == 64 {
                self.buffer.withUnsafeBytes { compress($0) }
                self.used = 0
            }
        }
        while n - index >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: input[index..<(index + 64)]))
            index += 64
        }
        if index < n {
            for i in index..<n { self.buffer[self.used + i - index] = input[i] }
            self.used += n - index
        }
    }

    /// Appends the MD padding with a 64-bit big-endian bit length and compresses the tail.
    mutating func finish(_ compress: (UnsafeRawBufferPointer) -> Void) {
        let bitLength = self.totalBytes &* 8
        var tail = Array(self.buffer[0..<self.used])
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        tail.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                compress(UnsafeRawBufferPointer(rebasing: raw[off..<(off + 64)]))
                off += 64
            }
        }
        for i in 0..<64 { self.buffer[i] = 0 }
        self.used = 0
    }
}

@inline(__always) func loadBE32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
}
