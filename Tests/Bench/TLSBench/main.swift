// tls-bench: loops inside one process over the product's own TCP, TLS 1.3, HTTP/1.1 and S3 code,
// for Tests/Bench/tls_vs_curl.py (make bench-tls). Not part of the product.
//
//   tls-bench handshakes N https://host:port/path
//       N times: TCP connect, full TLS 1.3 handshake with certificate verification, one GET
//       (Connection: close), close. Trust: R2_CA_BUNDLE (else SSL_CERT_FILE / system bundle).
//   tls-bench puts N BYTES
//       N signed PutObject requests of BYTES random bytes each over ONE kept-alive connection to
//       R2_ENDPOINT (R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET, R2_CA_BUNDLE), keys
//       tls-bench/<i>.bin. The first PUT opens the connection (its handshake is in the total).
// Prints one line of key=value pairs; exit 1 with the error on failure.
import ByteCoding
import CryptoPrimitives
import HTTP1
import S3
import TLS
import Transport
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func env(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    let s = String(cString: p)
    return s.isEmpty ? nil : s
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    let line = Array("tls-bench: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func verifier() throws -> CertificateVerifier {
    let loaded = try TrustStore.loadReporting(caBundlePath: env("R2_CA_BUNDLE") ?? env("AWS_CA_BUNDLE"), environment: env)
    return CertificateVerifier(trustAnchors: loaded.certificates)
}

func open(host: String, port: Int, scheme: String, verifier: CertificateVerifier) throws -> any ByteStream {
    let tcp = try TCPStream.connect(host: host, port: port, connectTimeout: 10, ioTimeout: 60)
    guard scheme == "https" else { return tcp }
    return try TLSStream(underlying: tcp, serverName: host, verifier: verifier, alpn: ["http/1.1"], now: { Int64(time(nil)) })
}

/// `https://host:port/path` → parts (no IPv6, no user info: a bench tool).
func parse(_ url: String) -> (scheme: String, host: String, port: Int, target: String)? {
    let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
    guard parts.count >= 3, parts[0] == "https:" || parts[0] == "http:", parts[1].isEmpty else { return nil }
    let scheme = String(parts[0].dropLast())
    let authority = parts[2].split(separator: ":")
    guard let hostPart = authority.first else { return nil }
    let port = authority.count == 2 ? Int(authority[1]) : (scheme == "https" ? 443 : 80)
    guard let port else { return nil }
    return (scheme, String(hostPart), port, "/" + (parts.count == 4 ? String(parts[3]) : ""))
}

let args = CommandLine.arguments
guard args.count == 4, let n = Int(args[2]), n > 0 else {
    fail("usage: tls-bench handshakes N URL | tls-bench puts N BYTES")
}
do {
    let trust = try verifier()
    switch args[1] {
    case "handshakes":
        guard let (scheme, host, port, target) = parse(args[3]) else { fail("bad URL \(args[3])") }
        let hostHeader = "\(host):\(port)"
        var suite = ""
        let start = monotonic()
        for _ in 0..<n {
            let stream = try open(host: host, port: port, scheme: scheme, verifier: trust)
            if let tls = stream as? TLSStream { suite = tls.negotiatedDescription }
            let connection = HTTPConnection(stream: stream, limits: HTTPLimits())
            let response = try connection.send(HTTPRequest(method: "GET", target: target, headers: [("Host", hostHeader), ("Connection", "close")]))
            guard (200..<300).contains(response.status) else { fail("GET \(args[3]) answered HTTP \(response.status)") }
            connection.close()
        }
        let seconds = monotonic() - start
        print("mode=handshakes n=\(n) seconds=\(seconds) ms_each=\(seconds * 1000 / Double(n)) session=\"\(suite)\"")
    case "puts":
        guard let bytes = Int(args[3]), bytes > 0 else { fail("BYTES must be a positive number") }
        guard let endpoint = env("R2_ENDPOINT"), let key = env("R2_ACCESS_KEY_ID"), let secret = env("R2_SECRET_ACCESS_KEY"), let bucket = env("R2_BUCKET") else {
            fail("set R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_BUCKET")
        }
        let config = try S3Configuration(endpoint: endpoint, bucket: bucket, region: env("R2_REGION") ?? "auto", accessKeyID: key, secretAccessKey: secret)
        let client = S3Client(configuration: config, connect: { try open(host: config.host, port: config.port, scheme: config.endpointScheme, verifier: trust) }, now: { Int64(time(nil)) })
        let body = SystemRandom.bytes(bytes)
        let start = monotonic()
        for i in 0..<n { try client.putObject(key: "tls-bench/\(i).bin", body: body) }
        let seconds = monotonic() - start
        let mib = Double(n * bytes) / 1_048_576
        print("mode=puts n=\(n) bytes=\(bytes) seconds=\(seconds) mib_per_s=\(mib / seconds) connections=\(client.connectionsOpened)")
        client.close()
    default:
        fail("unknown mode \(args[1]): handshakes or puts")
    }
} catch {
    fail("\(error)")
}
