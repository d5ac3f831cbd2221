import Parquet

/// Where the report goes: results to standard output, failures to standard error.
public protocol ReportSink: AnyObject {
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

    public init(tickers: TickerSelection, datasets: [Dataset], range: DateRange, dryRun: Bool, verbose: Bool, createdBy: String, conflictRetries: Int = 5) {
        self.tickers = tickers
        self.datasets = datasets
        self.range = range
        self.dryRun = dryRun
        self.verbose = verbose
        self.createdBy = createdBy
        self.conflictRetries = conflictRetries
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
    /// Rows fetched from Dolt.
    public var totalRows = 0
    /// Monthly files written (or, in a dry run, that would be written).
    public var totalFiles = 0
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
public final class BackfillRunner {
    let source: any RowSource
    let store: any ObjectStore
    let options: RunOptions
    let sink: any ReportSink
    public private(set) var summary = RunSummary()

    static let heavyRule = String(repeating: "=", count: 70)
    static let lightRule = String(repeating: "-", count: 70)

    public init(source: any RowSource, store: any ObjectStore, options: RunOptions, sink: any ReportSink) {
        self.source = source
        self.store = store
        self.options = options
        self.sink = sink
    }

    /// Runs the whole backfill. Throws `FatalRunError` when it cannot go on; per-ticker failures
    /// are reported, counted, and do not stop the others.
    public func run() throws -> RunSummary {
        self.sink.out(Self.heavyRule)
        self.sink.out("DOLT → R2 BACKFILL")
        self.sink.out(Self.heavyRule)
        if self.options.dryRun { self.sink.out("DRY RUN: nothing will be written to R2") }

        // Per dataset: which stored ticker owns each key ticker (only for --all, where tickers
        // come from the table as stored and may differ only in case).
        var owners: [Dataset: [String: String]] = [:]
        let tickers: [String]
        switch self.options.tickers {
        case .list(let list):
            tickers = list
        case .all:
            var union = Set<String>()
            for dataset in self.options.datasets {
                let stored = try self.fatalOnSourceError { try self.source.distinctTickers(dataset) }
                var map: [String: String] = [:]
                for t in stored.sorted(by: Self.byteOrder) where map[t.uppercased()] == nil { map[t.uppercased()] = t }
                owners[dataset] = map
                union.formUnion(stored)
            }
            tickers = union.sorted(by: Self.byteOrder)
        }

        for (index, ticker) in tickers.enumerated() {
            self.sink.out("")
            self.sink.out("[\(index + 1)/\(tickers.count)] \(ticker.uppercased())")
            self.sink.out(Self.lightRule)
            self.summary.tickersProcessed += 1
            for dataset in self.options.datasets {
                self.sink.out("")
                if let map = owners[dataset], let owner = map[ticker.uppercased()], owner != ticker {
                    self.sink.out("Backfilling \(dataset.rawValue) for \(ticker.uppercased())...")
                    self.fail("\(dataset.rawValue) for \(ObjectKey.printable(ticker))",
                        "it differs from ticker \(ObjectKey.printable(owner)) only in case, and both would write the same keys; rename one of them in Dolt (this ticker was skipped so their rows are not mixed)")
                    self.summary.failed += 1
                    continue
                }
                try self.backfill(dataset: dataset, ticker: ticker)
            }
        }

        self.sink.out("")
        self.sink.out(Self.heavyRule)
        self.sink.out("BACKFILL SUMMARY")
        self.sink.out(Self.heavyRule)
        self.sink.out("Total tickers processed: \(thousands(self.summary.tickersProcessed))")
        self.sink.out("Successful: \(thousands(self.summary.successful))")
        self.sink.out("No data: \(thousands(self.summary.noData))")
        self.sink.out("Total rows: \(thousands(self.summary.totalRows))")
        self.sink.out("Total files: \(thousands(self.summary.totalFiles))")
        if self.summary.failed > 0 { self.sink.out("Failed: \(thousands(self.summary.failed))") }
        return self.summary
    }

    /// Stored tickers sort by their bytes, so the order does not depend on any locale.
    static func byteOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    private func fatalOnSourceError<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as FatalRunError { throw e } catch { throw FatalRunError(String(describing: error)) }
    }

    private func fail(_ what: String, _ reason: String) {
        self.sink.err("  ✗ \(what): \(reason)")
    }

    private func backfill(dataset: Dataset, ticker: String) throws {
        let shown = ticker.uppercased()
        self.sink.out("Backfilling \(dataset.rawValue) for \(shown)...")
        let fetched: SourceRows
        do {
            fetched = try self.source.fetch(dataset, ticker: ticker, range: self.options.range)
        } catch let e as FatalRunError {
            throw e
        } catch {
            self.fail("\(dataset.rawValue) for \(shown)", String(describing: error))
            self.summary.failed += 1
            return
        }
        guard !fetched.rows.isEmpty else {
            self.sink.out("  ⚠ No \(dataset.rawValue) data found for \(shown)")
            self.summary.noData += 1
            return
        }
        self.sink.out("  ✓ Fetched \(thousands(fetched.rows.count)) rows from Dolt")
        self.summary.totalRows += fetched.rows.count

        // Group by calendar month of the date column; rows arrive in date order.
        var months: [Month: [[ParquetValue]]] = [:]
        for row in fetched.rows {
            guard case .int32(let days) = row[fetched.dateColumn], let date = CivilDate(daysSinceEpoch: Int(days)) else {
                self.fail("\(dataset.rawValue) for \(shown)", "a row has no valid \(dataset.dateColumn); nothing was written for this ticker")
                self.summary.failed += 1
                return
            }
            months[Month(year: date.year, month: date.month), default: []].append(row)
        }

        var written = 0
        var failedMonths = 0
        for month in months.keys.sorted() {
            let rows = months[month] ?? []
            do {
                let key = try ObjectKey.key(dataset: dataset, ticker: ticker, month: month)
                if try self.mergeAndPut(key: key, rows: rows, fetched: fetched) { written += 1 }
            } catch {
                self.fail("\(dataset.rawValue) \(shown) \(CivilDate.pad(month.year, 4))-\(CivilDate.pad(month.month, 2))", String(describing: error))
                failedMonths += 1
            }
        }
        if self.options.dryRun {
            self.sink.out("  [dry run] Would write \(thousands(written)) monthly files to R2")
        } else {
            self.sink.out("  ✓ Wrote \(thousands(written)) monthly files to R2")
        }
        self.summary.totalFiles += written
        if failedMonths > 0 { self.summary.failed += 1 } else { self.summary.successful += 1 }
    }

    /// Reads the month's object, merges, and writes it back under the condition it was read
    /// with; a lost race reads and merges again. Returns true when the file was (or would be) written.
    private func mergeAndPut(key: String, rows: [[ParquetValue]], fetched: SourceRows) throws -> Bool {
        var attempt = 0
        while true {
            let existing = try self.store.get(key: key)
            var table: ParquetTable? = nil
            if let existing {
                do {
                    table = try ParquetReader.read(existing.body)
                } catch {
                    throw BackfillError(.unreadableObject, "existing object \(key) is not a Parquet file this tool can read (\(error)); it was left untouched")
                }
            }
            if self.options.verbose {
                self.sink.out("    · \(key): " + (existing.map { "existing object, \(thousands($0.body.count)) bytes, ETag \($0.etag ?? "none")" } ?? "no existing object"))
            }
            let merged = try MonthMerge.merge(existing: table, newRows: rows, schema: fetched.schema, dateColumn: fetched.dateColumn, key: key)
            self.sink.out("  Merged: \(thousands(merged.existingCount)) existing + \(thousands(rows.count)) new = \(thousands(merged.rows.count)) total")
            let body = try ParquetWriter.write(schema: fetched.schema, rows: merged.rows, createdBy: self.options.createdBy)
            if self.options.dryRun {
                self.sink.out("  [dry run] Would write \(thousands(merged.rows.count)) rows to \(key)")
                return true
            }
            let condition: WriteCondition? = existing == nil ? .ifNoneMatch : existing?.etag.map { .ifMatch($0) }
            do {
                try self.store.put(key: key, body: body, condition: condition)
            } catch is WriteConflict {
                attempt += 1
                guard attempt <= self.options.conflictRetries else {
                    throw BackfillError(.conflict, "\(key) kept changing while this run merged into it (another writer?); try again")
                }
                if self.options.verbose { self.sink.out("    · \(key) changed since it was read; merging again") }
                continue
            }
            self.sink.out("  ✓ Wrote \(thousands(merged.rows.count)) rows to \(key)")
            return true
        }
    }
}
