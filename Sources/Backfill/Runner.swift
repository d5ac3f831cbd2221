import ByteCoding
import CryptoPrimitives
import Parquet

/// Where the report goes: results to standard output, failures to standard error.
/// Called from several threads; implementations serialise their writes.
public protocol ReportSink: AnyObject, Sendable {
    func out(_ line: String)
    func err(_ line: String)
}

/// Which tickers to backfill.
public enum TickerSelection: Sendable, Equatable {
    /// Tickers as given (already upper-cased and de-duplicated); matched exactly in the table.
    case list([String])
    /// Every distinct ticker of the selected datasets' tables.
    case all
}

public struct RunOptions: Sendable {
    public var tickers: TickerSelection
    public var datasets: [Dataset]
    public var range: DateRange
    public var dryRun: Bool
    public var verbose: Bool
    /// `created_by` written into every Parquet footer.
    public var createdBy: String
    /// How many times a conditional write that lost a race is merged and tried again.
    public var conflictRetries: Int
    /// Object operations in flight (one keep-alive connection each).
    public var jobs: Int
    /// Database connections reading in parallel.
    public var databaseConnections: Int
    /// Fetched rows waiting to be written, at most (memory is bounded by this, not by the data):
    /// a database reader waits before handing over a pair that would exceed it.
    public var rowsInFlight: Int
    /// Asked before starting each piece of work: true stops taking new work (signals).
    public var shouldStop: @Sendable () -> Bool
    /// Page compression of the files written (`--compression`).
    public var compression: ParquetCompression

    public init(
        tickers: TickerSelection, datasets: [Dataset], range: DateRange, dryRun: Bool, verbose: Bool, createdBy: String,
        conflictRetries: Int = 5, jobs: Int = 1, databaseConnections: Int = 1, rowsInFlight: Int? = nil,
        shouldStop: @escaping @Sendable () -> Bool = { StopRequest.isRequested }, compression: ParquetCompression = .none
    ) {
        self.shouldStop = shouldStop
        self.compression = compression
        self.tickers = tickers
        self.datasets = datasets
        self.range = range
        self.dryRun = dryRun
        self.verbose = verbose
        self.createdBy = createdBy
        self.conflictRetries = conflictRetries
        self.jobs = max(1, jobs)
        self.databaseConnections = max(1, databaseConnections)
        // About 1,000 rows per job keeps every job busy (a month is 1 to 23 rows), and at a few
        // hundred bytes per fetched row keeps the rows in memory to a few MiB.
        self.rowsInFlight = max(1, rowsInFlight ?? max(4096, 1024 * self.jobs))
    }
}

/// The counts printed in BACKFILL SUMMARY.
public struct RunSummary: Sendable, Equatable {
    public var tickersProcessed = 0
    /// (ticker, dataset) pairs that completed with at least one row.
    public var successful = 0
    /// (ticker, dataset) pairs with no rows in range.
    public var noData = 0
    /// (ticker, dataset) pairs with at least one failure.
    public var failed = 0
    /// (ticker, dataset) pairs not done because the run was stopped.
    public var notDone = 0
    /// Rows fetched from Dolt.
    public var totalRows = 0
    /// Monthly files written (or, in a dry run, that would be written).
    public var totalFiles = 0
    /// Monthly files already exactly as they would be written (no PUT).
    public var unchangedFiles = 0
    /// Requests sent to the bucket, by kind.
    public var lists = 0, gets = 0, puts = 0
    public init() {}
}

/// A failure that makes every further query pointless (server unreachable, wrong password,
/// missing table): the run stops and exits 1.
public struct FatalRunError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { self.message }
}

/// One backfill run: for each ticker and dataset, fetch, group by month, merge, write, report.
///
/// Database connections fetch (ticker, dataset) pairs into a bounded window; object workers
/// list each pair's existing months once, then merge and write months in parallel. Output is
/// buffered per ticker and printed in ticker order, so it reads the same as a sequential run;
/// failures go to stderr as they happen.
public final class BackfillRunner: @unchecked Sendable {
    let makeSource: () -> any RowSource
    let makeStore: () -> any ObjectStore
    let options: RunOptions
    let sink: any ReportSink

    static let heavyRule = String(repeating: "=", count: 70)
    static let lightRule = String(repeating: "-", count: 70)

    public init(makeSource: @escaping () -> any RowSource, makeStore: @escaping () -> any ObjectStore, options: RunOptions, sink: any ReportSink) {
        self.makeSource = makeSource
        self.makeStore = makeStore
        self.options = options
        self.sink = sink
    }

    /// A run over one source and one store (single-threaded callers and tests).
    public convenience init(source: any RowSource, store: any ObjectStore, options: RunOptions, sink: any ReportSink) {
        var o = options
        o.jobs = 1
        o.databaseConnections = 1
        self.init(makeSource: { source }, makeStore: { store }, options: o, sink: sink)
    }

    // MARK: - Shared state

    /// One (ticker, dataset) pair on its way through the pipeline.
    final class Pair: @unchecked Sendable {
        let index: Int
        let ticker: String
        let dataset: Dataset
        /// Lines for stdout, printed when the ticker's turn comes.
        var head: [String] = []
        var monthLines: [[String]] = []
        var tail: [String] = []
        var months: [(month: Month, key: String, rows: [[ParquetValue]])] = []
        var schema: [ParquetColumnSchema] = []
        var dateColumn = 0
        var listing: [String: ListedObject] = [:]
        var remaining = 0
        var written = 0, unchanged = 0, failedMonths = 0, skippedMonths = 0
        var fetchedRows = 0
        /// Units of the row budget this pair holds until it completes.
        var budget = 0
        enum Outcome { case pending, noData, failed, done, notStarted }
        var outcome: Outcome = .pending

        init(index: Int, ticker: String, dataset: Dataset) {
            self.index = index
            self.ticker = ticker
            self.dataset = dataset
        }
    }

    enum Task {
        case list(Pair)
        case month(Pair, Int)
    }

    private let state = Monitor()
    private var completed: [Pair?] = []
    private var allPairs: [Pair] = []
    private var fatal: FatalRunError?
    private var counters = RunSummary()
    private let tasks = WorkQueue<Task>()
    /// Per dataset, when the run has enough tickers for listing pages of many at once to pay.
    private var listers: [Dataset: RangeLister<Pair>] = [:]
    /// Fewer tickers than this list each ticker's prefix on its own.
    static let rangeListingMinimum = 8
    private var window = Slots(1)
    private var rowBudget = Slots(1)
    private var nextPair = 0

    private var stopping: Bool { self.options.shouldStop() || self.state.locked { self.fatal != nil } }

    // MARK: - The run

    /// Runs the whole backfill. Throws `FatalRunError` when it cannot go on; per-ticker failures
    /// are reported, counted, and do not stop the others.
    public func run() throws -> RunSummary {
        self.sink.out(Self.heavyRule)
        self.sink.out("DOLT → R2 BACKFILL")
        self.sink.out(Self.heavyRule)
        if self.options.dryRun { self.sink.out("DRY RUN: nothing will be written to R2") }

        let (tickers, refused) = try self.resolveTickers()
        let datasets = self.options.datasets
        var pairs: [Pair] = []
        for (t, ticker) in tickers.enumerated() {
            for (d, dataset) in datasets.enumerated() {
                let pair = Pair(index: t * datasets.count + d, ticker: ticker, dataset: dataset)
                pair.head = ["", "Backfilling \(dataset.rawValue) for \(ticker.uppercased())..."]
                if let owner = refused[dataset]?[ticker] {
                    pair.outcome = .failed
                    self.sink.err("  ✗ \(dataset.rawValue) for \(ObjectKey.printable(ticker)): it differs from ticker \(ObjectKey.printable(owner)) only in case, and both would write the same keys; rename one of them in Dolt (this ticker was skipped so their rows are not mixed)")
                }
                pairs.append(pair)
            }
        }
        if tickers.count >= Self.rangeListingMinimum {
            for dataset in datasets {
                // A ticker that cannot name a key fails on its own when it is listed.
                let prefixes = tickers.compactMap { try? ObjectKey.prefix(dataset: dataset, ticker: $0) }
                self.listers[dataset] = RangeLister(root: "\(dataset.rawValue)/v1/", prefixes: prefixes)
            }
        }
        self.completed = Array(repeating: nil, count: pairs.count)
        self.allPairs = pairs
        self.window = Slots(max(4, 2 * self.options.jobs))
        self.rowBudget = Slots(self.options.rowsInFlight)

        let workers = (0..<min(self.options.jobs, max(1, pairs.count))).map { _ in
            WorkerThread { [self] in self.objectWorker(store: self.makeStore()) }
        }
        let readers = (0..<min(self.options.databaseConnections, max(1, pairs.count))).map { _ in
            WorkerThread { [self] in self.databaseReader(pairs: pairs) }
        }

        // Print tickers in order as their pairs complete.
        var nextTicker = 0
        var summary = RunSummary()
        while nextTicker < tickers.count {
            let ready: [Pair]? = self.state.locked {
                while true {
                    let slice = (0..<datasets.count).map { self.completed[nextTicker * datasets.count + $0] }
                    if slice.allSatisfy({ $0 != nil }) { return slice.compactMap { $0 } }
                    if self.readersDone && self.inFlight == 0 { return nil }
                    self.state.wait()
                }
            }
            guard let ready else { break }
            self.printTicker(index: nextTicker, count: tickers.count, ticker: tickers[nextTicker], pairs: ready, into: &summary)
            self.forget(ticker: nextTicker, datasets: datasets.count)
            nextTicker += 1
        }
        // After a stop or a fatal error: report what the remaining tickers did get done.
        while nextTicker < tickers.count {
            let slice: [Pair?] = self.state.locked { (0..<datasets.count).map { self.completed[nextTicker * datasets.count + $0] } }
            if slice.contains(where: { $0 != nil && $0?.outcome != .notStarted }) {
                self.printTicker(index: nextTicker, count: tickers.count, ticker: tickers[nextTicker],
                    pairs: slice.enumerated().map { $0.element ?? Pair(index: -1, ticker: tickers[nextTicker], dataset: datasets[$0.offset]) }, into: &summary)
            } else {
                summary.notDone += datasets.count
            }
            self.forget(ticker: nextTicker, datasets: datasets.count)
            nextTicker += 1
        }
        self.tasks.close()
        for r in readers { r.join() }
        for w in workers { w.join() }

        let requestCounts = self.state.locked { self.counters }
        summary.lists = requestCounts.lists
        summary.gets = requestCounts.gets
        summary.puts = requestCounts.puts
        // Even when the run cannot go on (the database went away), say what was and was not done.
        self.printSummary(summary)
        if let fatal = self.state.locked({ self.fatal }) { throw fatal }
        return summary
    }

    /// A printed ticker's pairs are dropped, so memory holds only the work in flight (and the
    /// report lines of tickers finished ahead of their turn), not every row of the run.
    private func forget(ticker: Int, datasets: Int) {
        self.state.locked {
            for d in 0..<datasets {
                // The pair itself stays in `allPairs` (the readers' list): empty it too. Its
                // listing, keys and lines were ~1 KB per month, tens of MiB over 500 tickers.
                // Keys a listing page brought for this ticker and nobody asked for (no rows).
                let any = self.allPairs[ticker * datasets + d]
                if let lister = self.listers[any.dataset], let prefix = try? ObjectKey.prefix(dataset: any.dataset, ticker: any.ticker) {
                    lister.forget(prefix: prefix)
                }
                if let pair = self.completed[ticker * datasets + d] {
                    pair.months = []
                    pair.monthLines = []
                    pair.listing = [:]
                    pair.head = []
                    pair.tail = []
                }
                self.completed[ticker * datasets + d] = nil
            }
        }
    }

    /// Completed pairs the run still holds, and the rows they hold (what `forget` and
    /// `processMonth` release). Safe during a run: completed pairs are no longer written.
    var retained: (pairs: Int, rows: Int) {
        self.state.locked {
            let held = self.completed.compactMap { $0 }
            return (held.count, held.reduce(0) { $0 + $1.months.reduce(0) { $0 + $1.rows.count } })
        }
    }

    /// Months, report lines and listed objects still held by any pair. Only after `run()`
    /// returns (pairs in flight are written without the lock).
    var retainedEntries: Int {
        self.state.locked {
            self.allPairs.reduce(0) { $0 + $1.months.count + $1.monthLines.count + $1.listing.count + $1.head.count + $1.tail.count }
        }
    }

    private var readersDone = false
    private var readersRunning = -1
    private var inFlight = 0

    /// The tickers to process, and for --all the stored tickers refused because another one
    /// differing only in case owns the same keys (per dataset: refused → owner).
    private func resolveTickers() throws -> ([String], [Dataset: [String: String]]) {
        switch self.options.tickers {
        case .list(let list):
            return (list, [:])
        case .all:
            let source = self.makeSource()
            var union = Set<String>()
            var refused: [Dataset: [String: String]] = [:]
            for dataset in self.options.datasets {
                let stored: [String]
                do { stored = try source.distinctTickers(dataset) } catch let e as FatalRunError { throw e } catch { throw FatalRunError(String(describing: error)) }
                var owner: [String: String] = [:]
                for t in stored.sorted(by: Self.byteOrder) {
                    if let first = owner[t.uppercased()] { refused[dataset, default: [:]][t] = first } else { owner[t.uppercased()] = t }
                }
                union.formUnion(stored)
            }
            return (union.sorted(by: Self.byteOrder), refused)
        }
    }

    /// Stored tickers sort by their bytes, so the order does not depend on any locale.
    static func byteOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    // MARK: - Database side

    private func databaseReader(pairs: [Pair]) {
        self.state.locked { self.readersRunning = (self.readersRunning < 0 ? 0 : self.readersRunning) + 1 }
        defer {
            self.state.locked {
                self.readersRunning -= 1
                if self.readersRunning == 0 { self.readersDone = true }
                self.state.broadcast()
            }
        }
        let source = self.makeSource()
        while true {
            guard self.window.acquire(shouldStop: { self.stopping }) else { return }
            let next: Pair? = self.state.locked {
                guard self.nextPair < pairs.count, !self.options.shouldStop(), self.fatal == nil else { return nil }
                defer { self.nextPair += 1 }
                self.inFlight += 1
                return pairs[self.nextPair]
            }
            guard let pair = next else {
                self.window.release()
                return
            }
            if pair.outcome == .failed {
                self.complete(pair)
                continue
            }
            self.fetch(pair, from: source)
        }
    }

    private func fetch(_ pair: Pair, from source: any RowSource) {
        let shown = pair.ticker.uppercased()
        let fetched: SourceRows
        do {
            fetched = try source.fetch(pair.dataset, ticker: pair.ticker, range: self.options.range)
        } catch let e as FatalRunError {
            self.state.locked { if self.fatal == nil { self.fatal = e } }
            self.window.wakeAll()
            self.rowBudget.wakeAll()
            pair.outcome = .notStarted
            self.complete(pair)
            return
        } catch {
            self.sink.err("  ✗ \(pair.dataset.rawValue) for \(shown): \(error)")
            pair.outcome = .failed
            self.complete(pair)
            return
        }
        guard !fetched.rows.isEmpty else {
            pair.tail = ["  ⚠ No \(pair.dataset.rawValue) data found for \(shown)"]
            pair.outcome = .noData
            self.complete(pair)
            return
        }
        pair.fetchedRows = fetched.rows.count
        pair.head.append("  ✓ Fetched \(thousands(fetched.rows.count)) rows from Dolt")
        var byMonth: [Month: [[ParquetValue]]] = [:]
        for row in fetched.rows {
            guard case .int32(let days) = row[fetched.dateColumn], let date = CivilDate(daysSinceEpoch: Int(days)) else {
                self.sink.err("  ✗ \(pair.dataset.rawValue) for \(shown): a row has no valid \(pair.dataset.dateColumn); nothing was written for this ticker")
                pair.outcome = .failed
                self.complete(pair)
                return
            }
            byMonth[Month(year: date.year, month: date.month), default: []].append(row)
        }
        do {
            pair.months = try byMonth.keys.sorted().map { m in (m, try ObjectKey.key(dataset: pair.dataset, ticker: pair.ticker, month: m), byMonth[m] ?? []) }
        } catch {
            self.sink.err("  ✗ \(pair.dataset.rawValue) for \(shown): \(error)")
            pair.outcome = .failed
            self.complete(pair)
            return
        }
        pair.schema = fetched.schema
        pair.dateColumn = fetched.dateColumn
        pair.monthLines = Array(repeating: [], count: pair.months.count)
        pair.remaining = pair.months.count
        let units = min(fetched.rows.count, self.rowBudget.capacity)
        guard self.rowBudget.acquire(units, shouldStop: { self.stopping }) else {
            pair.months = []
            pair.outcome = .notStarted
            self.complete(pair)
            return
        }
        pair.budget = units
        self.tasks.push(.list(pair))
    }

    // MARK: - Object side

    private func objectWorker(store: any ObjectStore) {
        while let task = self.tasks.pop() {
            switch task {
            case .list(let pair):
                if self.options.shouldStop() {
                    pair.outcome = .notStarted
                    self.complete(pair)
                    continue
                }
                guard let listing = self.listing(for: pair, store: store) else { continue }
                pair.listing = listing
                for i in 0..<pair.months.count { self.tasks.push(.month(pair, i)) }
            case .month(let pair, let i):
                self.processMonth(pair, i, store: store)
            }
        }
    }

    /// The pair's existing objects: from a page of its dataset's range listing when there is
    /// one, else from a listing of its own prefix. Nil when the pair waits for a page in flight
    /// (it is queued again when the page lands) or failed (reported and completed here).
    private func listing(for pair: Pair, store: any ObjectStore) -> [String: ListedObject]? {
        do {
            let prefix = try ObjectKey.prefix(dataset: pair.dataset, ticker: pair.ticker)
            if let lister = self.listers[pair.dataset] {
                switch lister.request(prefix: prefix, waiter: pair) {
                case .ready(let listing):
                    return listing
                case .waiting:
                    return nil
                case .fetch(let startAfter, let ticket):
                    // This pair is among the waiters: everyone asks again, now that the page is known.
                    for waiter in self.fetchPage(lister, after: startAfter, ticket: ticket, store: store) { self.tasks.push(.list(waiter)) }
                    return nil
                case .perTicker:
                    break
                }
            }
            let listing = try store.list(prefix: prefix)
            self.count { $0.lists += 1 }
            return listing
        } catch {
            self.sink.err("  ✗ \(pair.dataset.rawValue) for \(pair.ticker.uppercased()): listing the existing files failed: \(error)")
            pair.outcome = .failed
            self.complete(pair)
            return nil
        }
    }

    /// Lists one page for `lister` and hands it over; a failed page ends range listing (the
    /// waiters then list their own prefixes). Returns the waiters to queue again.
    private func fetchPage(_ lister: RangeLister<Pair>, after startAfter: String, ticket: Int, store: any ObjectStore) -> [Pair] {
        let delivery: RangeLister<Pair>.Delivery
        do {
            let page = try store.listPage(prefix: lister.root, startAfter: startAfter, maxKeys: lister.pageSize)
            self.count { $0.lists += 1 }
            delivery = lister.deliver(ticket: ticket, page: page)
        } catch {
            delivery = RangeLister.Delivery(waiters: lister.fail(ticket: ticket), problem: "listing \(lister.root) after \(startAfter) failed (\(error))")
        }
        if let problem = delivery.problem, self.options.verbose {
            self.sink.err("  · \(problem); listing each ticker's files on its own from now on")
        }
        return delivery.waiters
    }

    private func count(_ update: (inout RunSummary) -> Void) {
        self.state.locked { update(&self.counters) }
    }

    private enum MonthResult { case written, unchanged, failed, skipped }

    private func processMonth(_ pair: Pair, _ i: Int, store: any ObjectStore) {
        let (month, key, rows) = self.state.locked { pair.months[i] }
        var lines: [String] = []
        let result: MonthResult
        if self.options.shouldStop() {
            result = .skipped
        } else {
            do {
                result = try self.mergeAndPut(key: key, rows: rows, pair: pair, store: store, lines: &lines)
            } catch {
                self.sink.err("  ✗ \(pair.dataset.rawValue) \(pair.ticker.uppercased()) \(CivilDate.pad(month.year, 4))-\(CivilDate.pad(month.month, 2)): \(error)")
                result = .failed
            }
        }
        let done: Bool = self.state.locked {
            pair.monthLines[i] = lines
            pair.months[i].rows = []  // written or not, this month's rows are not needed again
            switch result {
            case .written: pair.written += 1
            case .unchanged: pair.unchanged += 1
            case .failed: pair.failedMonths += 1
            case .skipped: pair.skippedMonths += 1
            }
            pair.remaining -= 1
            return pair.remaining == 0
        }
        if done {
            pair.outcome = .done
            self.complete(pair)
        }
    }

    /// One monthly file as this run writes it (the `--compression` asked for).
    private func encode(schema: [ParquetColumnSchema], rows: [[ParquetValue]]) throws -> [UInt8] {
        try ParquetWriter.write(
            schema: schema, rows: rows, createdBy: self.options.createdBy, keyValueMetadata: [], compression: self.options.compression)
    }

    /// Reads the month's object (only if the listing has it), merges, and writes it back under
    /// the condition it was read with; a lost race reads and merges again.
    private func mergeAndPut(key: String, rows: [[ParquetValue]], pair: Pair, store: any ObjectStore, lines: inout [String]) throws -> MonthResult {
        let verbose = self.options.verbose
        // A stored object whose ETag is the MD5 of the file the new rows alone make is exactly that
        // file, and merging the same rows into it changes nothing: no GET, no PUT.
        if let listed = pair.listing[key], let etag = listed.etag {
            let alone = try self.encode(schema: pair.schema, rows: MonthMerge.merge(existing: nil, newRows: rows, schema: pair.schema, dateColumn: pair.dateColumn, key: key).rows)
            if Self.normalisedETag(etag) == Hex.encode(MD5.hash(alone)) {
                lines.append("  Merged: \(thousands(rows.count)) existing + \(thousands(rows.count)) new = \(thousands(rows.count)) total")
                lines.append("  ✓ Unchanged: \(thousands(rows.count)) rows already in \(key)")
                return .unchanged
            }
        }
        var mustRead = pair.listing[key] != nil
        var attempt = 0
        // Set when a write was retried by the store and then failed its condition: that write may
        // have landed, so finding exactly our bytes on the re-read means it did.
        var ownWriteMayHaveLanded = false
        // The merge line of the write that may have landed: if it did, that is what happened.
        var landedMergeLine: String? = nil
        while true {
            var existing: StoredObject? = nil
            if mustRead {
                existing = try store.get(key: key)
                self.count { $0.gets += 1 }
            }
            var table: ParquetTable? = nil
            if let existing {
                do {
                    table = try ParquetReader.read(existing.body)
                } catch let error as ParquetError where error.code == .unsupportedFeature {
                    // e.g. a ZSTD file: say which feature, so the user knows how to re-write it.
                    throw BackfillError(.unreadableObject, "existing object \(key) uses a Parquet feature this tool cannot read: \(error.reason); it was left untouched")
                } catch {
                    throw BackfillError(.unreadableObject, "existing object \(key) is not a Parquet file this tool can read (\(error)); it was left untouched")
                }
            }
            if verbose {
                lines.append("    · \(key): " + (existing.map { "existing object, \(thousands($0.body.count)) bytes, ETag \($0.etag ?? "none")" } ?? "no existing object"))
            }
            let merged = try MonthMerge.merge(existing: table, newRows: rows, schema: pair.schema, dateColumn: pair.dateColumn, key: key)
            lines.append("  Merged: \(thousands(merged.existingCount)) existing + \(thousands(rows.count)) new = \(thousands(merged.rows.count)) total")
            let body = try self.encode(schema: merged.schema, rows: merged.rows)
            if let existing, existing.body == body {
                if ownWriteMayHaveLanded, let line = landedMergeLine {
                    lines.removeAll { $0.hasPrefix("  Merged:") }
                    lines.append(line)
                    lines.append("  ✓ Wrote \(thousands(merged.rows.count)) rows to \(key)")
                    return .written
                }
                lines.append("  ✓ Unchanged: \(thousands(merged.rows.count)) rows already in \(key)")
                return .unchanged
            }
            if self.options.dryRun {
                lines.append("  [dry run] Would write \(thousands(merged.rows.count)) rows to \(key)")
                return .written
            }
            let condition: WriteCondition? = existing == nil ? .ifNoneMatch : existing?.etag.map { .ifMatch($0) }
            do {
                try store.put(key: key, body: body, condition: condition)
                self.count { $0.puts += 1 }
            } catch let conflict as WriteConflict {
                self.count { $0.puts += 1 }
                ownWriteMayHaveLanded = conflict.afterRetriedWrite
                landedMergeLine = lines.last { $0.hasPrefix("  Merged:") }
                attempt += 1
                guard attempt <= self.options.conflictRetries else {
                    throw BackfillError(.conflict, "\(key) kept changing while this run merged into it (another writer?); try again")
                }
                if verbose { lines.append("    · \(key) changed since it was read; merging again") }
                lines.removeAll { $0.hasPrefix("  Merged:") }
                mustRead = true
                continue
            }
            lines.append("  ✓ Wrote \(thousands(merged.rows.count)) rows to \(key)")
            return .written
        }
    }

    /// ETags arrive quoted, sometimes weak (`W/"…"`); compare their hex content.
    static func normalisedETag(_ etag: String) -> String {
        var s = Substring(etag)
        if s.hasPrefix("W/") { s = s.dropFirst(2) }
        if s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 { s = s.dropFirst().dropLast() }
        return s.lowercased()
    }

    private func complete(_ pair: Pair) {
        self.state.locked {
            self.completed[pair.index] = pair
            self.inFlight -= 1
            self.state.broadcast()
        }
        self.rowBudget.release(pair.budget)
        pair.budget = 0
        self.window.release()
    }

    // MARK: - Report

    private func printTicker(index: Int, count: Int, ticker: String, pairs: [Pair], into summary: inout RunSummary) {
        self.sink.out("")
        self.sink.out("[\(index + 1)/\(count)] \(ticker.uppercased())")
        self.sink.out(Self.lightRule)
        summary.tickersProcessed += 1
        for pair in pairs {
            for line in pair.head { self.sink.out(line) }
            for lines in pair.monthLines { for line in lines { self.sink.out(line) } }
            for line in pair.tail { self.sink.out(line) }
            switch pair.outcome {
            case .noData:
                summary.noData += 1
            case .failed:
                summary.failed += 1
            case .notStarted, .pending:
                self.sink.out("  ⚠ Not done: the run was stopped")
                summary.notDone += 1
            case .done:
                summary.totalRows += pair.fetchedRows
                summary.totalFiles += pair.written
                summary.unchangedFiles += pair.unchanged
                var line = self.options.dryRun
                    ? "  [dry run] Would write \(thousands(pair.written)) monthly files to R2"
                    : "  ✓ Wrote \(thousands(pair.written)) monthly files to R2"
                if pair.unchanged > 0 { line += " (\(thousands(pair.unchanged)) unchanged)" }
                self.sink.out(line)
                if pair.skippedMonths > 0 {
                    self.sink.out("  ⚠ Stopped before \(thousands(pair.skippedMonths)) monthly files")
                }
                if pair.failedMonths > 0 { summary.failed += 1 } else if pair.skippedMonths > 0 { summary.notDone += 1 } else { summary.successful += 1 }
            }
        }
    }

    private func printSummary(_ s: RunSummary) {
        self.sink.out("")
        self.sink.out(Self.heavyRule)
        self.sink.out("BACKFILL SUMMARY")
        self.sink.out(Self.heavyRule)
        self.sink.out("Total tickers processed: \(thousands(s.tickersProcessed))")
        self.sink.out("Successful: \(thousands(s.successful))")
        self.sink.out("No data: \(thousands(s.noData))")
        self.sink.out("Total rows: \(thousands(s.totalRows))")
        self.sink.out("Total files: \(thousands(s.totalFiles))")
        if s.unchangedFiles > 0 { self.sink.out("Unchanged files: \(thousands(s.unchangedFiles))") }
        if s.failed > 0 { self.sink.out("Failed: \(thousands(s.failed))") }
        if s.notDone > 0 { self.sink.out("Not done (stopped): \(thousands(s.notDone))") }
        if self.options.verbose {
            self.sink.out("Requests: \(thousands(s.lists)) LIST, \(thousands(s.gets)) GET, \(thousands(s.puts)) PUT")
        }
    }
}
