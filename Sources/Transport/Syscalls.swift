#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every syscall this target makes goes through one of these wrappers (swift-system style):
/// EINTR is retried here, errors come back as an errno value.
/// An errno value as a typed error.
struct Errno: Error, Equatable {
    let code: Int32
}

enum Sys {
    static func errnoValue() -> Int32 { errno }

    static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// poll(2) on one descriptor; returns revents, 0 on timeout. Retries EINTR with the time left.
    static func poll(fd: Int32, events: Int16, deadline: Deadline) -> Result<Int16, Errno> {
        while true {
            let ms = deadline.remainingMilliseconds()
            if ms == 0 { return .success(0) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = Glibc.poll(&p, 1, ms)
            if r < 0 {
                let e = errno
                if e == EINTR { continue }
                return .failure(Errno(code: e))
            }
            if r == 0 {
                if deadline.hasPassed { return .success(0) }
                continue
            }
            return .success(p.revents)
        }
    }

    static func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                return .failure(Errno(code: e))
            }
            return .success(n)
        }
    }

    static func send(fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
        while true {
            let n = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                return .failure(Errno(code: e))
            }
            return .success(n)
        }
    }
}

/// A point in time on the monotonic clock after which an operation gives up.
public struct Deadline: Sendable {
    /// Nanoseconds on CLOCK_MONOTONIC.
    let nanos: UInt64

    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    public init(secondsFromNow seconds: Double) {
        let delta = seconds <= 0 ? 0 : UInt64(min(seconds, 1e9) * 1e9)
        self.nanos = Deadline.now() &+ delta
    }

    public var hasPassed: Bool { Deadline.now() >= self.nanos }

    /// Milliseconds left, rounded up, capped for poll(2); 0 when passed.
    func remainingMilliseconds() -> Int32 {
        let now = Deadline.now()
        guard now < self.nanos else { return 0 }
        let ms = (self.nanos - now + 999_999) / 1_000_000
        return Int32(min(ms, UInt64(Int32.max)))
    }
}
