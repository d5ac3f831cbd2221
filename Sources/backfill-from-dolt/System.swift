import Backfill

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Thin access to the process environment, files and standard streams.
enum System {
    static func env(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }

    enum FileReadError: Error, CustomStringConvertible {
        case cannotOpen(String, String)
        case tooLarge(String)
        var description: String {
            switch self {
            case .cannotOpen(let path, let why): return "cannot read \(path): \(why)"
            case .tooLarge(let path): return "\(path) is larger than 64 MiB; is it the right file?"
            }
        }
    }

    /// Reads a whole (small) file.
    static func readFile(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw FileReadError.cannotOpen(path, String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if out.count > limit { throw FileReadError.tooLarge(path) }
            if n < chunk.count {
                if ferror(f) != 0 { throw FileReadError.cannotOpen(path, String(cString: strerror(errno))) }
                break
            }
        }
        return out
    }

    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Writes all of `s` to a file descriptor (1 or 2), retrying partial writes and EINTR.
    /// Unbuffered on purpose: progress appears as it happens, and stdout and stderr interleave in order.
    static func write(fd: Int32, _ s: String) { writeBytes(fd: fd, Array(s.utf8)) }

    /// Writes all of `bytes` to a file descriptor (1 or 2), retrying partial writes and EINTR.
    /// Unbuffered on purpose: progress appears as it happens, and stdout and stderr interleave in
    /// order. A closed stdout (EPIPE) is not a failure of the backfill.
    static func writeBytes(fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    static func writeOut(_ s: String) { write(fd: 1, s) }
    static func writeErr(_ s: String) { write(fd: 2, s) }
}

/// Report lines to the terminal: stdout for progress, stderr for failures.
final class TerminalSink: ReportSink, @unchecked Sendable {
    private let lock = Monitor()
    func out(_ line: String) { self.lock.locked { System.writeOut(line + "\n") } }
    func err(_ line: String) { self.lock.locked { System.writeErr(line + "\n") } }
}
