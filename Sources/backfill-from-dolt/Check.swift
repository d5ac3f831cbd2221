import Backfill
import ByteCoding
import HTTP1
import MySQLWire
import S3
import TLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--check`: verifies both ends without writing anything. `--fetch URL`: one GET through the
/// product's own HTTP and TLS stack, for connectivity problems.
enum Diagnostics {
    struct Failure: Error {
        let message: String
    }

    /// Returns the exit code: 0 only when Dolt and R2 both work.
    static func check(args: Arguments, selection: TickerSelection?, dolt: () throws -> MySQLConnection, server: String,
        s3: S3Configuration, connector: Connector, sink: TerminalSink, doltTLS: () -> String? = { nil }) -> Int32
    {
        var ok = true
        sink.out("Dolt at \(server), database \(args.doltDatabase), user \(args.doltUser)")
        do {
            let c = try dolt()
            defer { c.close() }
            sink.out("  ✓ connected: server \(c.serverVersion), authentication \(c.authPluginUsed), \(c.isSecureTransport ? "TLS" : "no TLS (plain TCP)")")
            if c.isSecureTransport, let tls = doltTLS() { sink.out("  ✓ \(tls)") }
            for dataset in args.datasets {
                let table = try MySQLQuoting.quoteIdentifier(dataset.table)
                let tickerColumn = try MySQLQuoting.quoteIdentifier(dataset.tickerColumn)
                let (columns, _) = try c.queryAll("SELECT * FROM \(table) LIMIT 0")
                let names = columns.map(\.name)
                var problems: [String] = []
                for required in [dataset.tickerColumn, dataset.dateColumn] where !names.contains(required) {
                    problems.append("no column '\(required)'")
                }
                for column in columns {
                    do { _ = try ColumnMapping(column: column) } catch { problems.append("\(error)") }
                }
                if problems.isEmpty {
                    sink.out("  ✓ table \(dataset.table): \(names.joined(separator: ", "))")
                } else {
                    ok = false
                    sink.err("  ✗ table \(dataset.table): \(problems.joined(separator: "; "))")
                    continue
                }
                var sql = "SELECT COUNT(*), COUNT(DISTINCT \(tickerColumn)) FROM \(table)"
                if case .list(let tickers)? = selection {
                    sql += " WHERE \(tickerColumn) IN (" + tickers.map { c.quote($0) }.joined(separator: ", ") + ")"
                }
                let (_, rows) = try c.queryAll(sql)
                let count = rows.first?.first.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? "?"
                let distinct = rows.first.flatMap { $0.count > 1 ? $0[1] : nil }.map { String(decoding: $0, as: UTF8.self) } ?? "?"
                let scope: String
                if case .list(let tickers)? = selection { scope = "for \(tickers.count) selected ticker(s)" } else { scope = "in all" }
                sink.out("  ✓ \(dataset.table): \(Int(count).map(thousands) ?? count) rows \(scope), \(distinct) distinct ticker(s)")
            }
        } catch let e as MySQLError {
            ok = false
            sink.err("  ✗ \(e)")
        } catch {
            ok = false
            sink.err("  ✗ cannot connect to Dolt at \(server): \(error)")
        }

        sink.out("R2 at \(s3.endpointURL), bucket \(s3.bucket), region \(s3.region)")
        let client = S3Client(configuration: s3, connect: { try connector.http(scheme: s3.endpointScheme, host: s3.host, port: s3.port) }, now: { Int64(time(nil)) })
        do {
            let listed = try client.listObjects(prefix: "backfill-from-dolt-check/", maxKeys: 1)
            if s3.usesTLS, let tls = connector.lastTLS {
                sink.out("  ✓ \(tls.negotiatedDescription)")
                for line in CertificateReport.lines(tls.peerCertificates) { sink.out("  ✓ \(line)") }
            } else {
                sink.out("  ⚠ plain HTTP: no TLS (R2 itself is HTTPS only)")
            }
            sink.out("  ✓ credentials accepted, bucket reachable (list returned \(listed.count) object(s) under backfill-from-dolt-check/)")
        } catch {
            ok = false
            sink.err("  ✗ \(error)")
        }
        client.close()
        sink.out(ok ? "All checks passed." : "Some checks failed (see above).")
        return ok ? 0 : 1
    }

    /// Parses `http[s]://host[:port][/path]`.
    static func parseURL(_ url: String) throws -> (scheme: String, host: String, port: Int, target: String) {
        guard let sep = url.range(of: "://") else { throw Failure(message: "--fetch needs an http:// or https:// URL") }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw Failure(message: "--fetch supports http:// and https:// URLs, not \(scheme)://") }
        let rest = url[sep.upperBound...]
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        var target = String(rest[slash...])
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else { throw Failure(message: "--fetch URL has no host (or has user info, which is not supported)") }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Failure(message: "--fetch URL has an unterminated IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw Failure(message: "--fetch URL has a bad port") }
                port = p
            } else if !after.isEmpty {
                throw Failure(message: "--fetch URL has junk after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { throw Failure(message: "--fetch URL has a bad port") }
            port = p
            host = String(authority[..<colon])
        }
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw Failure(message: "--fetch URL path must be percent-encoded ASCII") }
        return (scheme, host, port, target)
    }

    static func fetch(url: String, verbose: Bool, connector: Connector, sink: TerminalSink) -> Int32 {
        do {
            let (scheme, host, port, target) = try Self.parseURL(url)
            let stream = try connector.http(scheme: scheme, host: host, port: port)
            if verbose, scheme == "https", let tls = connector.lastTLS {
                sink.err(tls.negotiatedDescription)
                for line in CertificateReport.lines(tls.peerCertificates) { sink.err(line) }
            }
            let connection = HTTPConnection(stream: stream)
            defer { connection.close() }
            let hostHeader = (host.contains(":") ? "[\(host)]" : host) + ((scheme == "https" && port == 443) || (scheme == "http" && port == 80) ? "" : ":\(port)")
            let response = try connection.send(HTTPRequest(method: "GET", target: target, headers: [("Host", hostHeader), ("User-Agent", "backfill-from-dolt/\(BuildInfo.version)"), ("Accept", "*/*")]))
            System.writeBytes(fd: 1, response.body)
            if verbose { sink.err("HTTP \(response.status) \(response.reason), \(thousands(response.body.count)) bytes") }
            guard (200..<300).contains(response.status) else {
                sink.err("error: \(url) answered HTTP \(response.status) \(response.reason)")
                return 1
            }
            return 0
        } catch let e as Failure {
            sink.err("error: \(e.message)")
            return 1
        } catch {
            sink.err("error: \(url): \(error)")
            return 1
        }
    }
}
