#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address in network byte order.
enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Exactly 4 bytes.
    case v4([UInt8])
    /// Exactly 16 bytes.
    case v6([UInt8])

    /// Parses a numeric literal ("192.0.2.1", "2001:db8::1", "[2001:db8::1]"); nil for anything else.
    /// inet_pton(3) is pure parsing (no NSS, no files), so it is safe in a static binary.
    init?(literal: String) {
        var text = Substring(literal)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let s = String(text)
        if s.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, s, &raw) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &raw) { Array($0) })
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, s, &raw) == 1 else { return nil }
            self = .v4(withUnsafeBytes(of: &raw) { Array($0) })
        }
    }

    /// From the RDATA of an A (4 bytes) or AAAA (16 bytes) record.
    init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes)
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let ok: Bool
        switch self {
        case .v4(let b): ok = b.withUnsafeBytes { inet_ntop(AF_INET, $0.baseAddress, &buffer, 64) } != nil
        case .v6(let b): ok = b.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buffer, 64) } != nil
        }
        guard ok else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The socket address for connect(2).
    func socketAddress(port: UInt16) -> ResolvedAddress {
        switch self {
        case .v4(let b):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: b.prefix(4)) }
            let bytes = withUnsafeBytes(of: &sa) { Array($0) }
            return ResolvedAddress(family: AF_INET, storage: bytes, length: socklen_t(MemoryLayout<sockaddr_in>.size))
        case .v6(let b):
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: b.prefix(16)) }
            let bytes = withUnsafeBytes(of: &sa) { Array($0) }
            return ResolvedAddress(family: AF_INET6, storage: bytes, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }
}
