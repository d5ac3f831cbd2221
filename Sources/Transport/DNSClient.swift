import ByteCoding

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The I/O half of DNS: sends one question to the nameservers of resolv.conf and returns the
/// first real answer. Message building and checking is `DNSMessage` (sans-I/O).
///
/// Like the C library's stub resolver: `attempts` rounds over the nameservers in order, each
/// waiting `timeout` seconds; a fresh socket (so a fresh random source port) and a random ID per
/// query; datagrams that do not answer our question (wrong ID, another question) are ignored,
/// not trusted; a truncated answer is asked again over TCP from the same server.
enum DNSClient {
    static let port: UInt16 = 53

    /// Asks `conf.nameservers` for `name`/`type`; throws a `DNSProblem` naming what each server did.
    static func query(_ name: [[UInt8]], _ type: DNSRecordType, _ conf: ResolvConf) throws -> DNSAnswer {
        let display = name.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
        var problems: [String] = []
        for _ in 0..<max(1, conf.attempts) {
            for server in conf.nameservers {
                let id = UInt16.random(in: 0...UInt16.max)
                let message = DNSMessage.query(id: id, name: name, type: type)
                let timeout = Double(conf.timeoutSeconds)
                var outcome = exchangeUDP(message, id: id, name: name, type: type, server: server, timeout: timeout)
                if case .success(.truncated) = outcome {
                    outcome = exchangeTCP(message, id: id, name: name, type: type, server: server, timeout: timeout)
                }
                switch outcome {
                case .success(.serverFailure(let rcode)):
                    note(&problems, "\(server) answered \(rcodeName(rcode))")
                case .success(.truncated):
                    note(&problems, "\(server) sent a truncated answer over TCP")
                case .success(let answer):
                    return answer
                case .failure(let problem):
                    note(&problems, problem.description)
                }
            }
        }
        throw DNSProblem("no DNS answer for \(display) (\(problems.joined(separator: "; "))); check the nameservers in \(ResolvConf.path) or use an IP address")
    }

    private static func note(_ problems: inout [String], _ problem: String) {
        if !problems.contains(problem) { problems.append(problem) }
    }

    static func rcodeName(_ rcode: UInt8) -> String {
        switch rcode {
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        default: return "RCODE \(rcode)"
        }
    }

    /// One UDP question and answer. Failures are described for the final error message.
    private static func exchangeUDP(_ message: [UInt8], id: UInt16, name: [[UInt8]], type: DNSRecordType,
                                    server: IPAddress, timeout: Double) -> Result<DNSAnswer, DNSProblem> {
        let address = server.socketAddress(port: port)
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(DNSProblem("\(server): \(Sys.describe(Sys.errnoValue()))")) }
        defer { close(fd) }
        // A connected UDP socket only receives datagrams from the server, and reports ICMP port unreachable.
        let rc = address.storage.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            return connect(fd, base.assumingMemoryBound(to: sockaddr.self), address.length)
        }
        guard rc == 0 else { return .failure(DNSProblem("\(server): \(Sys.describe(Sys.errnoValue()))")) }
        if case .failure(let e) = message.withUnsafeBytes({ Sys.send(fd: fd, $0) }) {
            return .failure(DNSProblem("\(server): \(Sys.describe(e.code))"))
        }
        let deadline = Deadline(secondsFromNow: timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            switch Sys.poll(fd: fd, events: Int16(POLLIN), deadline: deadline) {
            case .failure(let e): return .failure(DNSProblem("\(server): \(Sys.describe(e.code))"))
            case .success(0): return .failure(DNSProblem("no answer from \(server) within \(Int(timeout)) s"))
            case .success: break
            }
            switch buffer.withUnsafeMutableBytes({ Sys.read(fd: fd, into: $0) }) {
            case .failure(let e) where e.code == EAGAIN || e.code == EWOULDBLOCK:
                continue
            case .failure(let e) where e.code == ECONNREFUSED:
                return .failure(DNSProblem("\(server) refused (no DNS server on port \(port))"))
            case .failure(let e):
                return .failure(DNSProblem("\(server): \(Sys.describe(e.code))"))
            case .success(let n):
                do {
                    return .success(try DNSMessage.parseAnswer(Array(buffer[0..<n]), id: id, name: name, type: type))
                } catch {
                    switch error {
                    case .notOurAnswer:
                        continue  // stray or spoofed datagram: keep waiting for ours until the deadline
                    case .malformed(let why):
                        return .failure(DNSProblem("malformed answer from \(server): \(why)"))
                    }
                }
            }
        }
    }

    /// The same question over TCP (RFC 1035 §4.2.2: two-byte length prefix), after a truncated UDP answer.
    private static func exchangeTCP(_ message: [UInt8], id: UInt16, name: [[UInt8]], type: DNSRecordType,
                                    server: IPAddress, timeout: Double) -> Result<DNSAnswer, DNSProblem> {
        let peer = server.isV4 ? "\(server):\(port)" : "[\(server)]:\(port)"
        do {
            let stream = try TCPStream.connect(to: server.socketAddress(port: port), peer: peer,
                                               connectTimeout: timeout, ioTimeout: timeout)
            defer { stream.close() }
            var framed: [UInt8] = []
            framed.appendUInt16BE(UInt16(message.count))
            framed.append(contentsOf: message)
            try stream.write(framed)
            let prefix = try readExactly(stream, 2)
            let length = Int(prefix[0]) << 8 | Int(prefix[1])
            let answer = try readExactly(stream, length)
            return .success(try DNSMessage.parseAnswer(answer, id: id, name: name, type: type))
        } catch let e as TransportError {
            return .failure(DNSProblem("TCP to \(server): \(e.reason)"))
        } catch let e as DNSParseError {
            switch e {
            case .notOurAnswer(let why), .malformed(let why):
                return .failure(DNSProblem("bad TCP answer from \(server): \(why)"))
            }
        } catch {
            return .failure(DNSProblem("TCP to \(server): \(error)"))
        }
    }

    private static func readExactly(_ stream: TCPStream, _ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = try stream.read(maxBytes: count - out.count)
            guard !chunk.isEmpty else {
                throw TransportError(.connectionReset, peer: stream.peerDescription, reason: "closed after \(out.count) of \(count) bytes")
            }
            out.append(contentsOf: chunk)
        }
        return out
    }
}

/// Why one nameserver gave no usable answer (collected into the final error).
struct DNSProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
