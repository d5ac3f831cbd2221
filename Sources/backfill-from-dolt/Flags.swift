/// Every command-line flag, defined once: the parser and `--help` both read this table.
struct FlagSpec {
    enum Arity { case none, one, many }
    let long: String
    let short: String?
    let value: String?
    let arity: Arity
    let category: String
    let help: String
}

enum Flags {
    static let all: [FlagSpec] = [
        FlagSpec(long: "--tickers", short: nil, value: "AAPL MSFT", arity: .many, category: "Ticker Selection (required, mutually exclusive)",
            help: "List of ticker symbols (upper-cased, duplicates dropped)"),
        FlagSpec(long: "--ticker-file", short: nil, value: "FILE", arity: .one, category: "Ticker Selection (required, mutually exclusive)",
            help: "File with tickers, one per line; blank lines and lines starting with # are skipped"),
        FlagSpec(long: "--all", short: nil, value: nil, arity: .none, category: "Ticker Selection (required, mutually exclusive)",
            help: "Backfill all tickers in the database (distinct tickers of the selected tables)"),
        FlagSpec(long: "--start-date", short: nil, value: "YYYY-MM-DD", arity: .one, category: "Date Range (optional, inclusive)",
            help: "Start date for data"),
        FlagSpec(long: "--end-date", short: nil, value: "YYYY-MM-DD", arity: .one, category: "Date Range (optional, inclusive)",
            help: "End date for data"),
        FlagSpec(long: "--prices-only", short: nil, value: nil, arity: .none, category: "Dataset Selection (optional)",
            help: "Only backfill price data"),
        FlagSpec(long: "--fundamentals-only", short: nil, value: nil, arity: .none, category: "Dataset Selection (optional)",
            help: "Only backfill fundamental data"),
        FlagSpec(long: "--dolt-host", short: nil, value: "HOST", arity: .one, category: "Dolt Connection (optional)",
            help: "Dolt host (default: localhost)"),
        FlagSpec(long: "--dolt-port", short: nil, value: "PORT", arity: .one, category: "Dolt Connection (optional)",
            help: "Dolt port (default: 3306)"),
        FlagSpec(long: "--dolt-database", short: nil, value: "DB", arity: .one, category: "Dolt Connection (optional)",
            help: "Database name (default: market_data)"),
        FlagSpec(long: "--dolt-user", short: nil, value: "USER", arity: .one, category: "Dolt Connection (optional)",
            help: "Database user (default: root)"),
        FlagSpec(long: "--dolt-password", short: nil, value: "PASS", arity: .one, category: "Dolt Connection (optional)",
            help: "Database password (default: empty). Prefer DOLT_PASSWORD in the environment:\na password on the command line is visible to every user of this machine (ps)"),
        FlagSpec(long: "--dolt-ssl-mode", short: nil, value: "MODE", arity: .one, category: "Dolt Connection (optional)",
            help: "TLS to the database, as MySQL's --ssl-mode: disabled, preferred (default:\nTLS when the server offers it), required, verify-ca, verify-identity.\npreferred and required do NOT check the certificate (an active attacker\ncan impersonate the server): use verify-identity over untrusted networks"),
        FlagSpec(long: "--dolt-ssl-ca", short: nil, value: "FILE", arity: .one, category: "Dolt Connection (optional)",
            help: "PEM file of the CA(s) for verify-ca/verify-identity (default: SSL_CERT_FILE,\nSSL_CERT_DIR, else the system trust store); alone it implies verify-ca"),
        FlagSpec(long: "--jobs", short: "-j", value: "N", arity: .one, category: "Options",
            help: "Object reads and writes in flight, one connection each (default: 16);\nalso sets the database connections to N/8, between 1 and 4"),
        FlagSpec(long: "--check", short: nil, value: nil, arity: .none, category: "Options",
            help: "Check both ends without writing: Dolt (version, authentication, TLS, tables,\nrow counts) and R2 (TLS, certificate, credentials, bucket); exit 0 only if both work"),
        FlagSpec(long: "--fetch", short: nil, value: "URL", arity: .one, category: "Options",
            help: "One HTTP GET through this tool's own HTTP and TLS stack (same trust settings);\nbody to stdout, TLS details with --verbose; exit 0 on 2xx"),
        FlagSpec(long: "--compression", short: nil, value: "none|snappy", arity: .one, category: "Options",
            help: "Page compression of the files written (default: none, the documented\nuncompressed pages; snappy keeps files as small as pandas wrote them)"),
        FlagSpec(long: "--retries", short: nil, value: "N", arity: .one, category: "Options",
            help: "Tries again after throttling (429), server errors (5xx), lost or refused\nconnections and timeouts, with growing random waits (default: 5; 0 to 20)"),
        FlagSpec(long: "--connect-timeout", short: nil, value: "SECONDS", arity: .one, category: "Options",
            help: "Longest wait for a connection to Dolt or R2 (default: 10)"),
        FlagSpec(long: "--timeout", short: nil, value: "SECONDS", arity: .one, category: "Options",
            help: "Longest wait for a server to answer or accept bytes (default: 60)"),
        FlagSpec(long: "--request-timeout", short: nil, value: "SECONDS", arity: .one, category: "Options",
            help: "Longest time for one R2 request, from sending to the last byte (default: 300)"),
        FlagSpec(long: "--dry-run", short: nil, value: nil, arity: .none, category: "Options",
            help: "Show what would happen without writing anything to R2"),
        FlagSpec(long: "--verbose", short: "-v", value: nil, arity: .none, category: "Options",
            help: "Verbose output"),
        FlagSpec(long: "--help", short: "-h", value: nil, arity: .none, category: "Options",
            help: "Show this help and exit"),
        FlagSpec(long: "--version", short: nil, value: nil, arity: .none, category: "Options",
            help: "Show the version and exit"),
    ]

    static func spec(for arg: String) -> FlagSpec? {
        all.first { $0.long == arg || $0.short == arg }
    }

    static var helpText: String {
        var lines: [String] = []
        lines.append("backfill-from-dolt \(BuildInfo.version): copy prices and fundamentals from Dolt into R2 as monthly Parquet files")
        lines.append("")
        lines.append("USAGE:")
        lines.append("  backfill-from-dolt (--tickers T [T ...] | --ticker-file FILE | --all) [options]")
        var category = ""
        for f in all {
            if f.category != category {
                category = f.category
                lines.append("")
                lines.append(category + ":")
            }
            var left = "  " + f.long
            if let s = f.short { left = "  " + f.long + ", " + s }
            if let v = f.value { left += " " + v }
            let helpLines = f.help.split(separator: "\n", omittingEmptySubsequences: false)
            let pad = max(1, 26 - left.count)
            lines.append(left + String(repeating: " ", count: pad) + helpLines[0])
            for more in helpLines.dropFirst() { lines.append(String(repeating: " ", count: 26) + more) }
        }
        lines.append("")
        lines.append("ENVIRONMENT (also read from ./.env; the real environment wins):")
        lines.append("  R2_ENDPOINT or R2_ENDPOINT_URL   S3 endpoint URL, e.g. https://<account>.r2.cloudflarestorage.com")
        lines.append("  R2_ACCOUNT_ID                    gives https://<R2_ACCOUNT_ID>.r2.cloudflarestorage.com")
        lines.append("  R2_ACCESS_KEY_ID                 access key id        (fallback AWS_ACCESS_KEY_ID)")
        lines.append("  R2_SECRET_ACCESS_KEY             secret access key    (fallback AWS_SECRET_ACCESS_KEY)")
        lines.append("  R2_BUCKET or R2_BUCKET_NAME      bucket name")
        lines.append("  R2_REGION                        signing region (default: auto; fallback AWS_REGION)")
        lines.append("  AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL   endpoint fallbacks")
        lines.append("  R2_CA_BUNDLE or AWS_CA_BUNDLE    PEM file of the CAs to trust for HTTPS (a private CA)")
        lines.append("  SSL_CERT_FILE, SSL_CERT_DIR      trust anchors; default: the system bundle")
        lines.append("  DOLT_PASSWORD                    database password (instead of --dolt-password)")
        lines.append("")
        lines.append("OUTPUT:")
        lines.append("  {prices|fundamentals}/v1/{TICKER}/{YYYY}/{MM}/data.parquet, merged with what is there")
        lines.append("  (same date: the new row wins). '/' and '%' in a ticker are written as %2F and %25.")
        lines.append("")
        lines.append("EXIT STATUS:")
        lines.append("  0 success, 1 something failed (see the summary and stderr), 2 usage or configuration error")
        return lines.joined(separator: "\n")
    }
}
