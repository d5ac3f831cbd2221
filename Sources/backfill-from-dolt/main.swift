import Backfill
import ByteCoding
import MySQLWire
import S3
import TLS
import Transport
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The composition root: parse, configure, connect, run, and map the outcome to an exit code.
enum App {
    static func run(_ argv: [String]) -> Int32 {
        let sink = TerminalSink()
        let args: Arguments
        do {
            args = try Arguments.parse(argv)
        } catch let e as UsageError {
            return usageFailure(e)
        } catch {
            return usageFailure(UsageError(String(describing: error)))
        }
        switch args.action {
        case .help:
            System.writeOut(Flags.helpText + "\n")
            return 0
        case .version:
            System.writeOut("backfill-from-dolt \(BuildInfo.version) (commit \(BuildInfo.commit))\n")
            return 0
        case .run, .check, .fetch:
            break
        }

        // Everything the run needs is checked before any connection is made.
        let dotenv: [String: String]
        if System.fileExists(".env") {
            do {
                dotenv = DotEnv.parse(String(decoding: try System.readFile(".env", limit: 1 << 20), as: UTF8.self))
            } catch {
                return usageFailure(UsageError("cannot read ./.env: \(error)"))
            }
        } else {
            dotenv = [:]
        }
        let lookup: (String) -> String? = { System.env($0) ?? dotenv[$0] }
        let connectTimeout = args.connectTimeout, ioTimeout = args.ioTimeout
        let connector = Connector(connectTimeout: connectTimeout, ioTimeout: ioTimeout, lookup: lookup)
        if case .fetch(let url) = args.action {
            return Diagnostics.fetch(url: url, verbose: args.verbose, connector: connector, sink: sink)
        }

        let selection: TickerSelection?
        do {
            selection = args.action == .check && args.tickers == nil && args.tickerFile == nil && !args.all ? nil : try self.tickerSelection(args)
        } catch let e as UsageError {
            return usageFailure(e)
        } catch {
            return usageFailure(UsageError(String(describing: error)))
        }

        let settings: R2Settings
        let s3Config: S3Configuration
        do {
            settings = try R2Settings.load(lookup: lookup)
            s3Config = try S3Configuration(endpoint: settings.endpoint, bucket: settings.bucket, region: settings.region,
                accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey)
        } catch let e as UsageError {
            return usageFailure(e)
        } catch {
            return usageFailure(UsageError("R2 endpoint: \(error)"))
        }
        if s3Config.usesTLS {
            // Trust anchors are part of the configuration: a missing or empty CA bundle is reported now.
            do { _ = try connector.trust() } catch { return usageFailure(UsageError("HTTPS trust anchors: \(error)")) }
        }

        let isTransient: (any Error) -> Bool = { ($0 as? TransportError)?.isTransient ?? false }
        let connectionHint: (any Error) -> String? = { error in
            switch (error as? TransportError)?.code {
            case .connectionRefused?, .connectTimeout?, .unreachable?:
                return "Check that the server runs (`lsof -i :\(args.doltPort)`), start it with `dolt sql-server`, and check --dolt-host and --dolt-port."
            case .resolveFailed?:
                return "Check --dolt-host: the name does not resolve here (use an IP address, or fix /etc/hosts or DNS)."
            default:
                return nil
            }
        }
        let password = args.doltPassword ?? lookup("DOLT_PASSWORD") ?? ""
        let host = args.doltHost, port = args.doltPort, user = args.doltUser, database = args.doltDatabase
        let server = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let doltConnector = DoltConnector(host: host, port: port, mode: args.doltSSLMode, caFile: args.doltSSLCA, connector: connector, lookup: lookup)
        do { try doltConnector.prepareTrust() } catch { return usageFailure(UsageError("--dolt-ssl-mode \(args.doltSSLMode.rawValue) trust anchors: \(error)")) }
        let connectDolt: DoltSource.Connector = {
            try doltConnector.connect(user: user, password: password, database: database)
        }
        let log: ((String) -> Void)? = args.verbose ? { sink.out($0) } : nil
        // The first source connects now, so a wrong host or password is reported before any work;
        // each further database thread gets its own connection.
        let firstSource = DoltSource(database: database, describeServer: server, connector: connectDolt)
        firstSource.log = log
        firstSource.retries = args.retries
        firstSource.isTransient = isTransient
        firstSource.connectionHint = connectionHint
        let handOut = Monitor()
        var firstTaken = false
        let makeSource: () -> any RowSource = {
            handOut.locked {
                if !firstTaken {
                    firstTaken = true
                    return firstSource
                }
                let s = DoltSource(database: database, describeServer: server, connector: connectDolt)
                s.log = log
                s.retries = args.retries
                s.isTransient = isTransient
                s.connectionHint = connectionHint
                return s
            }
        }
        let retryPolicy = S3RetryPolicy(maxRetries: args.retries), requestTimeout = args.requestTimeout
        let makeStore: () -> any ObjectStore = {
            let client = S3Client(
                configuration: s3Config, retryPolicy: retryPolicy, requestTimeout: requestTimeout,
                connect: { try connector.http(scheme: s3Config.endpointScheme, host: s3Config.host, port: s3Config.port) },
                now: { Int64(time(nil)) }, isTransient: isTransient)
            client.onRetry = args.verbose ? { sink.err("    · \($0)") } : nil
            return R2Store(client: client)
        }
        if args.action == .check {
            return Diagnostics.check(args: args, selection: selection, dolt: connectDolt, server: server, s3: s3Config, connector: connector, sink: sink,
                doltTLS: { doltConnector.lastTLS.map { "\($0.negotiatedDescription); \(doltConnector.certificateCheck)" } })
        }
        guard let selection else { return usageFailure(UsageError("no tickers selected: give one of --tickers, --ticker-file or --all")) }
        if args.verbose {
            sink.out("Dolt: \(user)@\(server)/\(database) (password \(password.isEmpty ? "empty" : "set"))")
            sink.out("R2: \(s3Config.endpointScheme)://\(s3Config.host):\(s3Config.port), bucket \(settings.bucket), region \(settings.region), key id \(settings.accessKeyID)")
            sink.out("Jobs: \(args.jobs) object operations, \(args.databaseConnections) database connections")
            sink.out("Retries: \(args.retries); timeouts: connect \(args.connectTimeout) s, read/write \(args.ioTimeout) s, R2 request \(args.requestTimeout) s")
        }

        let options = RunOptions(
            tickers: selection, datasets: args.datasets, range: DateRange(start: args.startDate, end: args.endDate),
            dryRun: args.dryRun, verbose: args.verbose, createdBy: BuildInfo.createdBy,
            jobs: args.jobs, databaseConnections: args.databaseConnections, compression: args.compression)
        Signals.install()
        do {
            try firstSource.connect()
            let summary = try BackfillRunner(makeSource: makeSource, makeStore: makeStore, options: options, sink: sink).run()
            if StopRequest.isRequested {
                sink.err("stopped by signal \(StopRequest.signal): writes in flight were finished, nothing was left half-written; run again to complete the work")
                return 128 + StopRequest.signal
            }
            return summary.failed > 0 ? 1 : 0
        } catch let e as FatalRunError {
            sink.err("error: \(e.message)")
            return StopRequest.isRequested ? 128 + StopRequest.signal : 1
        } catch {
            sink.err("error: \(error)")
            return 1
        }
    }

    static func tickerSelection(_ args: Arguments) throws -> TickerSelection {
        if args.all { return .all }
        if let list = args.tickers {
            let tickers = try Arguments.normalise(list, origin: "--tickers")
            return .list(tickers)
        }
        guard let path = args.tickerFile else { throw UsageError("no tickers selected") }
        let bytes: [UInt8]
        do { bytes = try System.readFile(path) } catch { throw UsageError("--ticker-file: \(error)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw UsageError("--ticker-file \(path) is not UTF-8 text") }
        var raw: [String] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let t = line.trimmingCharacters()
            if t.isEmpty || t.hasPrefix("#") { continue }
            raw.append(t)
        }
        let tickers = try Arguments.normalise(raw, origin: "--ticker-file \(path)")
        guard !tickers.isEmpty else { throw UsageError("--ticker-file \(path) has no tickers (blank lines and # comments are skipped)") }
        return .list(tickers)
    }

    static func usageFailure(_ e: UsageError) -> Int32 {
        System.writeErr("error: \(e.message) (see --help)\n")
        return 2
    }
}

/// SIGINT and SIGTERM stop the run gracefully; a second one ends it at once.
enum Signals {
    static func install() {
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                if StopRequest.isRequested {
                    signal(sig, SIG_DFL)
                    raise(sig)
                    return
                }
                StopRequest.request(signal: sig)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }
}

/// Lets the S3 client shorten a read's wait to what is left of the whole-request deadline.
extension TCPStream: S3AdjustableTimeoutStream {}

signal(SIGPIPE, SIG_IGN)
exit(App.run(Array(CommandLine.arguments.dropFirst())))
