#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Cryptographically secure random bytes from the kernel (Linux getrandom(2)).
public enum SystemRandom {
    /// Returns `count` random bytes. Traps if the kernel refuses: there is no secure fallback,
    /// and continuing with weak randomness (TLS randoms, key shares) would be worse than stopping.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SystemRandom.bytes: negative count")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buf in
            var offset = 0
            while offset < count {
                // getentropy(3) is glibc's/musl's wrapper for the getrandom(2) syscall with flags 0
                // (blocks only until the pool is first initialised). The Swift Glibc module does not
                // export getrandom() itself; getentropy serves at most 256 bytes per call.
                let chunk = min(256, count - offset)
                let rc = getentropy(buf.baseAddress! + offset, chunk)
                if rc == 0 {
                    offset += chunk
                } else if errno == EINTR {
                    continue
                } else {
                    fatalError("getrandom(2) failed (errno \(errno)): the kernel provides no secure randomness; cannot continue safely")
                }
            }
        }
        return out
    }
}
