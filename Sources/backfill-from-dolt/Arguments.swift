import Backfill
import Parquet

/// A mistake in how the tool was called: one line on stderr, exit 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The validated command line.
struct Arguments {
    enum Action: Equatable { case run, help, version, check, fetch(String) }
    var action: Action = .run
    var tickers: [String]? = nil
    var tickerFile: String? = nil
    var all = false
    var startDate: CivilDate? = nil
    var endDate: CivilDate? = nil
    var pricesOnly = false
    var fundamentalsOnly = false
    var doltHost = "localhost"
    var doltPort = 3306
    var doltDatabase = "market_data"
    var doltUser = "root"
    var doltPassword: String? = nil
    var doltSSLMode: DoltSSLMode = .preferred
    var doltSSLCA: String? = nil
    var dryRun = false
    var verbose = false
    var jobs = 16
    var compression = ParquetCompression.none
    /// Retries after a transient failure (S3 requests, and a ticker's database fetch).
    var retries = 5
    /// Seconds to wait for a TCP connection.
    var connectTimeout = 10.0
    /// Seconds a single read or write may wait.
    var ioTimeout = 60.0
    /// Seconds one S3 request may take in all.
    var requestTimeout = 300.0
    /// Database connections: a small fraction of the object jobs (the database answers fast, R2 does not).
    var databaseConnections: Int { min(4, max(1, (self.jobs + 7) / 8)) }

    var datasets: [Dataset] {
        if self.pricesOnly { return [.prices] }
        if self.fundamentalsOnly { return [.fundamentals] }
        return [.prices, .fundamentals]
    }

    /// Parses argv (without the program name). Help and version win over every other check.
    static func parse(_ argv: [String]) throws -> Arguments {
        var a = Arguments()
        var values: [String: [String]] = [:]
        var seenOrder: [String] = []
        var i = 0
        while i < argv.count {
            var arg = argv[i]
            var inline: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                inline = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            guard let spec = Flags.spec(for: arg) else {
                if arg.hasPrefix("-") { throw UsageError("unknown option \(arg)") }
                throw UsageError("unexpected argument '\(arg)' (tickers go after --tickers)")
            }
            if spec.long == "--help" { a.action = .help; return a }
            if spec.long == "--version" { a.action = .version; return a }
            seenOrder.append(spec.long)
            i += 1
            switch spec.arity {
            case .none:
                if inline != nil { throw UsageError("\(spec.long) takes no value") }
                values[spec.long] = []
            case .one:
                if let inline {
                    values[spec.long] = [inline]
                } else {
                    guard i < argv.count, !Self.looksLikeOption(argv[i]) else { throw UsageError("\(spec.long) needs a value (\(spec.value ?? "VALUE"))") }
                    values[spec.long] = [argv[i]]
                    i += 1
                }
            case .many:
                var list: [String] = []
                if let inline { list.append(inline) }
                while i < argv.count, !Self.looksLikeOption(argv[i]) {
                    list.append(argv[i])
                    i += 1
                }
                guard !list.isEmpty else { throw UsageError("\(spec.long) needs at least one value") }
                values[spec.long] = list
            }
        }
        if argv.contains(where: { $0 == "--help" || $0 == "-h" }) { a.action = .help; return a }

        if let url = values["--fetch"]?.first {
            a.action = .fetch(url)
            a.verbose = values["--verbose"] != nil
            return a
        }
        if values["--check"] != nil { a.action = .check }
        let selections = ["--tickers", "--ticker-file", "--all"].filter { values[$0] != nil }
        if selections.count > 1 {
            throw UsageError("\(selections.joined(separator: " and ")) cannot be used together; choose one of --tickers, --ticker-file or --all")
        }
        if selections.isEmpty && a.action != .check { throw UsageError("no tickers selected: give one of --tickers, --ticker-file or --all") }
        if values["--prices-only"] != nil && values["--fundamentals-only"] != nil {
            throw UsageError("--prices-only and --fundamentals-only cannot be used together")
        }
        a.tickers = values["--tickers"]
        a.tickerFile = values["--ticker-file"]?.first
        a.all = values["--all"] != nil
        a.pricesOnly = values["--prices-only"] != nil
        a.fundamentalsOnly = values["--fundamentals-only"] != nil
        a.dryRun = values["--dry-run"] != nil
        a.verbose = values["--verbose"] != nil
        if let s = values["--start-date"]?.first {
            guard let d = CivilDate(parsing: s) else { throw UsageError("--start-date '\(s)' is not a valid date in the form YYYY-MM-DD") }
            a.startDate = d
        }
        if let s = values["--end-date"]?.first {
            guard let d = CivilDate(parsing: s) else { throw UsageError("--end-date '\(s)' is not a valid date in the form YYYY-MM-DD") }
            a.endDate = d
        }
        if let s = a.startDate, let e = a.endDate, e < s {
            throw UsageError("--start-date \(s) is after --end-date \(e)")
        }
        if let h = values["--dolt-host"]?.first {
            guard !h.isEmpty, !h.contains(where: { $0.isWhitespace || $0 == "/" }) else { throw UsageError("--dolt-host '\(h)' is not a host name or address") }
            a.doltHost = h
        }
        if let p = values["--dolt-port"]?.first {
            guard let port = Int(p), (1...65535).contains(port) else { throw UsageError("--dolt-port '\(p)' is not a port number (1-65535)") }
            a.doltPort = port
        }
        if let d = values["--dolt-database"]?.first {
            guard !d.isEmpty else { throw UsageError("--dolt-database must not be empty") }
            a.doltDatabase = d
        }
        if let u = values["--dolt-user"]?.first {
            guard !u.isEmpty else { throw UsageError("--dolt-user must not be empty") }
            a.doltUser = u
        }
        a.doltPassword = values["--dolt-password"]?.first
        if let m = values["--dolt-ssl-mode"]?.first {
            guard let mode = DoltSSLMode(rawValue: m.lowercased().replacingUnderscores()) else {
                throw UsageError("--dolt-ssl-mode '\(m)' is not one of \(DoltSSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            a.doltSSLMode = mode
        }
        if let ca = values["--dolt-ssl-ca"]?.first {
            guard !ca.isEmpty else { throw UsageError("--dolt-ssl-ca must name a PEM file") }
            // MySQL's rule: a CA without an explicit mode means verify-ca; with a mode that does not
            // verify, the CA would be silently ignored, so that is refused.
            if values["--dolt-ssl-mode"] == nil {
                a.doltSSLMode = .verifyCA
            } else if !a.doltSSLMode.verifiesCertificate {
                throw UsageError("--dolt-ssl-ca is only used by --dolt-ssl-mode verify-ca or verify-identity, not \(a.doltSSLMode.rawValue)")
            }
            a.doltSSLCA = ca
        }
        if let c = values["--compression"]?.first {
            guard let value = ParquetCompression(rawValue: c) else { throw UsageError("--compression '\(c)' is not one of none, snappy") }
            a.compression = value
        }
        if let j = values["--jobs"]?.first {
            guard let n = Int(j), (1...256).contains(n) else { throw UsageError("--jobs '\(j)' is not a number from 1 to 256") }
            a.jobs = n
        }
        if let r = values["--retries"]?.first {
            guard let n = Int(r), (0...20).contains(n) else { throw UsageError("--retries '\(r)' is not a number from 0 to 20") }
            a.retries = n
        }
        a.connectTimeout = try Self.seconds(values, "--connect-timeout", default: a.connectTimeout)
        a.ioTimeout = try Self.seconds(values, "--timeout", default: a.ioTimeout)
        a.requestTimeout = try Self.seconds(values, "--request-timeout", default: a.requestTimeout)
        return a
    }

    /// A timeout flag's value: seconds, more than 0 and at most a day (fractions allowed).
    static func seconds(_ values: [String: [String]], _ flag: String, default value: Double) throws -> Double {
        guard let text = values[flag]?.first else { return value }
        guard let s = Double(text), s.isFinite, s > 0, s <= 86_400, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            throw UsageError("\(flag) '\(text)' is not a number of seconds between 0 and 86400")
        }
        return s
    }

    /// argparse's rule: a value may not start with "-" unless it is a negative number.
    static func looksLikeOption(_ s: String) -> Bool {
        guard s.hasPrefix("-"), s.count > 1 else { return false }
        return Double(s) == nil
    }

    /// Upper-cases and de-duplicates tickers keeping their first position; refuses control characters.
    static func normalise(_ raw: [String], origin: String) throws -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for t in raw {
            let upper = t.uppercased()
            do { _ = try ObjectKey.tickerComponent(upper) } catch let e as BackfillError { throw UsageError("\(origin): \(e.message)") }
            if seen.insert(upper).inserted { out.append(upper) }
        }
        return out
    }
}

extension String {
    /// MySQL spells the modes VERIFY_CA / VERIFY_IDENTITY; accept those too.
    fileprivate func replacingUnderscores() -> String {
        String(self.map { $0 == "_" ? "-" : $0 })
    }
}
