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

/// A file the resolver may read, as it was found.
enum ConfigFile: Equatable {
    case absent
    case content([UInt8])
    /// Exists but cannot be read (permissions, too large): the reason, for the error message.
    case unreadable(String)
}

/// Host name resolution without getaddrinfo(3), so that the static binary needs nothing from its
/// root but what it can parse itself (glibc's getaddrinfo loads NSS modules at run time, which a
/// static binary in an empty root does not have). In order:
///   1. numeric IPv4/IPv6 literals, no lookup;
///   2. `localhost` → 127.0.0.1, ::1 (RFC 6761 §6.3);
///   3. `/etc/hosts`, when present;
///   4. DNS: A and AAAA queries over UDP (TCP when truncated) to the nameservers of
///      `/etc/resolv.conf`, with its search list, ndots, timeout and attempts.
/// IPv4 addresses are returned before IPv6 ones.
enum Resolver {
    static func resolve(host: String, port: Int, peer: String) throws -> [ResolvedAddress] {
        guard (1...65535).contains(port) else {
            throw TransportError(.resolveFailed, peer: peer, reason: "port \(port) is out of range 1-65535")
        }
        let addresses = try lookup(host: host, peer: peer, readFile: readConfigFile, query: DNSClient.query)
        return addresses.map { $0.socketAddress(port: UInt16(port)) }
    }

    /// The resolution policy, with file reading and DNS queries passed in (unit tests script them).
    /// `query` asks the nameservers of the configuration for one name and type; it throws a
    /// `DNSProblem` when none of them gave an answer.
    static func lookup(host: String, peer: String, readFile: (String, Int) -> ConfigFile,
                       query queryDNS: ([[UInt8]], DNSRecordType, ResolvConf) throws -> DNSAnswer) throws -> [IPAddress] {
        func fail(_ reason: String) -> TransportError { TransportError(.resolveFailed, peer: peer, reason: reason) }
        if let literal = IPAddress(literal: host) { return [literal] }
        guard let normalized = HostName.normalized(host.utf8) else {
            throw fail("'\(host)' is not a host name or IP address (letters, digits, '-' and '.'; write an international name in its xn-- form)")
        }
        let name = String(decoding: normalized, as: UTF8.self)
        if name == "localhost" { return [.v4([127, 0, 0, 1]), .v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])] }

        let hosts = readFile(HostsFile.path, HostsFile.maxBytes)
        switch hosts {
        case .content(let bytes):
            let found = HostsFile.parse(bytes).addresses(for: name)
            if !found.isEmpty { return ipv4First(found) }
        case .unreadable(let why):
            throw fail("\(HostsFile.path): \(why)")
        case .absent:
            break
        }

        let conf: ResolvConf
        switch readFile(ResolvConf.path, ResolvConf.maxBytes) {
        case .absent:
            let hostsNote = hosts == .absent
                ? "there is neither \(HostsFile.path) nor \(ResolvConf.path) in this root"
                : "it is not in \(HostsFile.path) and there is no \(ResolvConf.path) naming a DNS server"
            throw fail("\(hostsNote); use an IP address instead of '\(name)', or provide \(HostsFile.path) with a line for it or \(ResolvConf.path) with a nameserver line (in a container: mount them, or let the runtime write them)")
        case .unreadable(let why):
            throw fail("\(ResolvConf.path): \(why)")
        case .content(let bytes):
            conf = ResolvConf.parse(bytes)
        }
        guard !conf.nameservers.isEmpty else {
            throw fail("'\(name)' is not in \(HostsFile.path) and \(ResolvConf.path) has no usable nameserver line (an IPv4 or IPv6 address); add one, or use an IP address")
        }

        let candidates = searchCandidates(normalized, absolute: host.hasSuffix("."), conf: conf)
        var tried: [String] = []
        func query(_ labels: [[UInt8]], _ type: DNSRecordType, _ conf: ResolvConf) throws -> DNSAnswer {
            do { return try queryDNS(labels, type, conf) } catch let p as DNSProblem { throw fail(p.description) }
        }
        for candidate in candidates {
            guard let labels = DNSMessage.labels(of: candidate) else { continue }
            tried.append(candidate)
            let v4 = try query(labels, .a, conf)
            if v4 == .nameError { continue }
            if case .addresses(var found) = v4 {
                // IPv4 is enough to connect: a failing AAAA query does not fail the lookup.
                if case .addresses(let v6)? = try? query(labels, .aaaa, conf) { found += v6 }
                return found
            }
            if case .addresses(let v6) = try query(labels, .aaaa, conf) { return v6 }
        }
        guard !tried.isEmpty else {
            throw fail("'\(name)' cannot be sent to DNS (a label is longer than 63 characters)")
        }
        let servers = conf.nameservers.map(\.description).joined(separator: ", ")
        throw fail("'\(name)' not found: not in \(HostsFile.path), and DNS (\(servers)) has no A or AAAA record for \(tried.joined(separator: ", ")); check the name, or use an IP address")
    }

    /// Names to ask DNS for, in order (resolv.conf(5) "search" and "ndots").
    static func searchCandidates(_ name: [UInt8], absolute: Bool, conf: ResolvConf) -> [String] {
        let text = String(decoding: name, as: UTF8.self)
        if absolute || conf.search.isEmpty { return [text] }
        let suffixed = conf.search.compactMap { domain -> String? in
            let joined = text + "." + String(decoding: domain, as: UTF8.self)
            return joined.utf8.count <= HostName.maxLength ? joined : nil
        }
        let dots = name.reduce(0) { $0 + ($1 == UInt8(ascii: ".") ? 1 : 0) }
        return dots >= conf.ndots ? [text] + suffixed : suffixed + [text]
    }

    private static func ipv4First(_ addresses: [IPAddress]) -> [IPAddress] {
        addresses.filter(\.isV4) + addresses.filter { !$0.isV4 }
    }

    /// Reads a small configuration file; a missing file is `.absent`, never an error.
    static func readConfigFile(_ path: String, limit: Int) -> ConfigFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = Sys.errnoValue()
            return e == ENOENT || e == ENOTDIR ? .absent : .unreadable(Sys.describe(e))
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            switch chunk.withUnsafeMutableBytes({ Sys.read(fd: fd, into: $0) }) {
            case .failure(let e):
                return .unreadable(Sys.describe(e.code))
            case .success(0):
                return .content(out)
            case .success(let n):
                out.append(contentsOf: chunk[0..<n])
                if out.count > limit { return .unreadable("larger than \(limit / 1024) KiB; is it the right file?") }
            }
        }
    }
}
