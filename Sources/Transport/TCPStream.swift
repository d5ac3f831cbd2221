import ByteCoding

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP connection with connect and I/O deadlines, as a `ByteStream`.
///
/// The socket is non-blocking; every wait is a poll(2) bounded by a deadline, so a hung server
/// never hangs the caller. Blocking happens on the calling thread, which must be a dedicated
/// thread (never Swift concurrency's cooperative pool).
public final class TCPStream: ByteStream {
    private var fd: Int32
    public let peerDescription: String
    /// Seconds a single read or write may wait for the peer.
    public var ioTimeout: Double

    private init(fd: Int32, peer: String, ioTimeout: Double) {
        self.fd = fd
        self.peerDescription = peer
        self.ioTimeout = ioTimeout
    }

    deinit { self.close() }

    /// Resolves `host` and connects to the first address that answers within `connectTimeout`.
    public static func connect(host: String, port: Int, connectTimeout: Double, ioTimeout: Double) throws -> TCPStream {
        let peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let addresses = try Resolver.resolve(host: host, port: port, peer: peer)
        var lastError: TransportError?
        let deadline = Deadline(secondsFromNow: connectTimeout)
        for address in addresses {
            do {
                let fd = try Self.connectOne(address, peer: peer, deadline: deadline)
                return TCPStream(fd: fd, peer: peer, ioTimeout: ioTimeout)
            } catch let e as TransportError {
                lastError = e
                if e.code == .connectTimeout { break }
            }
        }
        throw lastError ?? TransportError(.unreachable, peer: peer, reason: "no usable address")
    }

    /// Connects to one already resolved address (the DNS client's TCP fallback).
    static func connect(to address: ResolvedAddress, peer: String, connectTimeout: Double, ioTimeout: Double) throws -> TCPStream {
        let fd = try Self.connectOne(address, peer: peer, deadline: Deadline(secondsFromNow: connectTimeout))
        return TCPStream(fd: fd, peer: peer, ioTimeout: ioTimeout)
    }

    private static func connectOne(_ address: ResolvedAddress, peer: String, deadline: Deadline) throws -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            throw TransportError(.socketError, peer: peer, reason: Sys.describe(Sys.errnoValue()))
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.storage.withUnsafeBytes { raw -> Int32 in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), address.length)
        }
        if rc != 0 {
            let e = Sys.errnoValue()
            guard e == EINPROGRESS || e == EINTR else {
                Glibc.close(fd)
                throw Self.connectError(e, peer: peer)
            }
            switch Sys.poll(fd: fd, events: Int16(POLLOUT), deadline: deadline) {
            case .failure(let e):
                Glibc.close(fd)
                throw TransportError(.socketError, peer: peer, reason: Sys.describe(e.code))
            case .success(0):
                Glibc.close(fd)
                throw TransportError(.connectTimeout, peer: peer, reason: "no answer within the connect timeout")
            case .success:
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                if soError != 0 {
                    Glibc.close(fd)
                    throw Self.connectError(soError, peer: peer)
                }
            }
        }
        return fd
    }

    private static func connectError(_ e: Int32, peer: String) -> TransportError {
        switch e {
        case ECONNREFUSED: return TransportError(.connectionRefused, peer: peer, reason: Sys.describe(e))
        case ETIMEDOUT: return TransportError(.connectTimeout, peer: peer, reason: Sys.describe(e))
        case ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT:
            return TransportError(.unreachable, peer: peer, reason: Sys.describe(e))
        default: return TransportError(.socketError, peer: peer, reason: Sys.describe(e))
        }
    }

    public func read(maxBytes: Int) throws -> [UInt8] {
        guard self.fd >= 0 else { throw TransportError(.socketError, peer: self.peerDescription, reason: "read on a closed connection") }
        let capacity = max(1, min(maxBytes, 1 << 20))
        var out = [UInt8](repeating: 0, count: capacity)
        let deadline = Deadline(secondsFromNow: self.ioTimeout)
        while true {
            let r = out.withUnsafeMutableBytes { Sys.read(fd: self.fd, into: $0) }
            switch r {
            case .success(let n):
                out.removeLast(capacity - n)
                return out
            case .failure(let e) where e.code == EAGAIN || e.code == EWOULDBLOCK:
                switch Sys.poll(fd: self.fd, events: Int16(POLLIN), deadline: deadline) {
                case .success(0):
                    throw TransportError(.readTimeout, peer: self.peerDescription, reason: "no data for \(Self.seconds(self.ioTimeout))")
                case .success: continue
                case .failure(let e): throw TransportError(.socketError, peer: self.peerDescription, reason: Sys.describe(e.code))
                }
            case .failure(let e) where e.code == ECONNRESET:
                throw TransportError(.connectionReset, peer: self.peerDescription, reason: Sys.describe(e.code))
            case .failure(let e):
                throw TransportError(.socketError, peer: self.peerDescription, reason: Sys.describe(e.code))
            }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        guard self.fd >= 0 else { throw TransportError(.socketError, peer: self.peerDescription, reason: "write on a closed connection") }
        var offset = 0
        let deadline = Deadline(secondsFromNow: self.ioTimeout)
        while offset < bytes.count {
            let r = bytes.withUnsafeBytes { raw in
                Sys.send(fd: self.fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            switch r {
            case .success(let n): offset += n
            case .failure(let e) where e.code == EAGAIN || e.code == EWOULDBLOCK:
                switch Sys.poll(fd: self.fd, events: Int16(POLLOUT), deadline: deadline) {
                case .success(0):
                    throw TransportError(.writeTimeout, peer: self.peerDescription, reason: "peer not reading for \(Self.seconds(self.ioTimeout))")
                case .success: continue
                case .failure(let e): throw TransportError(.socketError, peer: self.peerDescription, reason: Sys.describe(e.code))
                }
            case .failure(let e) where e.code == ECONNRESET || e.code == EPIPE:
                throw TransportError(.connectionReset, peer: self.peerDescription, reason: Sys.describe(e.code))
            case .failure(let e):
                throw TransportError(.socketError, peer: self.peerDescription, reason: Sys.describe(e.code))
            }
        }
    }

    public func close() {
        if self.fd >= 0 {
            Glibc.close(self.fd)
            self.fd = -1
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
