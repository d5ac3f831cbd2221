#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One address to try, as the kernel wants it.
struct ResolvedAddress {
    var family: Int32
    var storage: [UInt8]
    var length: socklen_t
}

/// Host name resolution: numeric addresses directly, names through getaddrinfo(3).
enum Resolver {
    static func resolve(host: String, port: Int, peer: String) throws -> [ResolvedAddress] {
        guard (1...65535).contains(port) else {
            throw TransportError(.resolveFailed, peer: peer, reason: "port \(port) is out of range 1-65535")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var result: UnsafeMutablePointer<addrinfo>?
        var rc = getaddrinfo(host, String(port), &hints, &result)
        if rc == EAI_NONAME, host == "localhost" || host.hasPrefix("127.") || host == "::1" {
            // AI_ADDRCONFIG hides loopback when the machine has no other configured address.
            hints.ai_flags = 0
            rc = getaddrinfo(host, String(port), &hints, &result)
        }
        guard rc == 0, let first = result else {
            let why = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            throw TransportError(.resolveFailed, peer: peer, reason: why)
        }
        defer { freeaddrinfo(first) }
        var out: [ResolvedAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            if let sa = ai.pointee.ai_addr, ai.pointee.ai_addrlen > 0 {
                let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(sa), count: Int(ai.pointee.ai_addrlen))
                out.append(ResolvedAddress(family: ai.pointee.ai_family, storage: Array(bytes), length: ai.pointee.ai_addrlen))
            }
            cursor = ai.pointee.ai_next
        }
        guard !out.isEmpty else { throw TransportError(.resolveFailed, peer: peer, reason: "no addresses") }
        return out
    }
}
