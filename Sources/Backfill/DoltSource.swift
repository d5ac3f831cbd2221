import MySQLWire
import Parquet
import S3

/// Rows from Dolt (or MySQL/MariaDB) over the MySQL protocol, one connection reused across
/// queries and reopened after a failure.
public final class DoltSource: RowSource {
    /// Opens an authenticated connection (the executable supplies TCP, later TLS).
    public typealias Connector = () throws -> MySQLConnection

    let connector: Connector
    let database: String
    let describeServer: String
    var connection: MySQLConnection?
    /// Verbose diagnostics (queries sent); never carries the password.
    public var log: ((String) -> Void)?
    /// How often one ticker's fetch is tried again on a fresh connection after the connection
    /// was lost (mid-result, reset) or could not be opened for a transient reason.
    public var retries = 0
    /// Whether a connect or stream error may not repeat (the Transport layer's refused, reset,
    /// timeout); errors it does not know are final.
    public var isTransient: (any Error) -> Bool = { _ in false }
    /// What to tell the user after a failed connect, for errors whose kind the caller knows
    /// (refused: is the server running?; a name that does not resolve: check --dolt-host).
    /// Nil adds nothing: TLS and authentication errors already say what to do.
    public var connectionHint: (any Error) -> String? = { _ in nil }
    /// Waits between attempts: exponential backoff with full jitter.
    public var retryPolicy = S3RetryPolicy(maxRetries: 0, baseDelay: 0.5, maxDelay: 8)
    /// Sleeps the calling thread (injectable for tests).
    public var sleep: (Double) -> Void = S3RetryPolicy.threadSleep

    public init(database: String, describeServer: String, connector: @escaping Connector) {
        self.database = database
        self.describeServer = describeServer
        self.connector = connector
    }

    deinit { self.connection?.close() }

    /// Opens the connection now, so that a wrong host or password is reported before any work.
    public func connect() throws {
        do { _ = try self.open() } catch let e as RetryableSourceError { throw e.final }
    }

    public var serverVersion: String? { self.connection?.serverVersion }

    private func open() throws -> MySQLConnection {
        if let c = self.connection { return c }
        do {
            let c = try self.connector()
            self.connection = c
            return c
        } catch let e as MySQLError {
            throw FatalRunError(self.explain(e, table: nil))
        } catch where self.isTransient(error) {
            throw RetryableSourceError(final: self.connectFailure(error))
        } catch {
            throw self.connectFailure(error)
        }
    }

    private func connectFailure(_ error: any Error) -> FatalRunError {
        let hint = self.connectionHint(error).map { "\n  " + $0 } ?? ""
        return FatalRunError("cannot connect to Dolt at \(self.describeServer): \(error)" + hint)
    }

    /// Runs `sql`; a broken connection is dropped so the next query reconnects.
    private func query(_ sql: String, table: String, columns: ([MySQLColumn]) throws -> Void, row: (TextRowView) throws -> Void) throws {
        let c = try self.open()
        self.log?("    · SQL: \(sql)")
        do {
            try c.query(sql, columns: columns, rowView: row)
        } catch let e as MySQLError {
            if e.isServerError && e.code != .connectionLostMidResult {
                if e.isTableNotFound || e.isAccessDenied || e.isUnknownDatabase { throw FatalRunError(self.explain(e, table: table)) }
            } else {
                c.close()
                self.connection = nil
                if e.code == .connectionClosed || e.code == .connectionLostMidResult || e.code == .connectionUnusable {
                    throw RetryableSourceError(final: BackfillError(.source, self.explain(e, table: table)))
                }
            }
            throw BackfillError(.source, self.explain(e, table: table))
        } catch {
            // A callback failed (bad value, unsupported type), or the stream did (reset, timeout):
            // the rest of the result was not read.
            c.close()
            self.connection = nil
            if self.isTransient(error) {
                throw RetryableSourceError(final: BackfillError(.source, "the connection to Dolt at \(self.describeServer) failed during a query: \(error)"))
            }
            throw error
        }
    }

    func explain(_ e: MySQLError, table: String?) -> String {
        if e.isAccessDenied {
            return "Dolt at \(self.describeServer) refused the login (access denied): \(e.serverMessage ?? e.reason). Check --dolt-user and the password (--dolt-password or DOLT_PASSWORD)."
        }
        if e.isUnknownDatabase {
            return "database '\(self.database)' does not exist on \(self.describeServer) (unknown database). Check --dolt-database; list them with `dolt sql -q \"SHOW DATABASES\"`."
        }
        if e.isTableNotFound {
            let t = table ?? "?"
            return "table '\(t)' not found in database '\(self.database)' (\(e.serverMessage ?? "doesn't exist")). Verify the tables exist with `dolt sql -q \"SHOW TABLES\"` and check the schema with `dolt sql -q \"DESCRIBE \(t)\"`."
        }
        return String(describing: e)
    }

    static func ident(_ name: String) throws -> String { try MySQLQuoting.quoteIdentifier(name) }

    public func distinctTickers(_ dataset: Dataset) throws -> [String] {
        let col = try Self.ident(dataset.tickerColumn)
        var out: [String] = []
        do {
        try self.query("SELECT DISTINCT \(col) FROM \(try Self.ident(dataset.table)) WHERE \(col) IS NOT NULL", table: dataset.table, columns: { _ in }) { row in
            if row.count > 0, let v = row.cell(0) { out.append(String(decoding: v, as: UTF8.self)) }
        }
        } catch let e as RetryableSourceError {
            throw e.final
        }
        return out
    }

    /// The ticker's rows; a lost or refused connection is retried on a fresh one (bounded)
    /// before the ticker is given up.
    public func fetch(_ dataset: Dataset, ticker: String, range: DateRange) throws -> SourceRows {
        var retry = 0
        while true {
            do {
                return try self.fetchOnce(dataset, ticker: ticker, range: range)
            } catch let e as RetryableSourceError {
                guard retry < self.retries else { throw e.final }
                retry += 1
                let wait = self.retryPolicy.delay(beforeRetry: retry, throttled: false, retryAfter: nil, random: S3RetryPolicy.systemRandom)
                self.log?("    · \(e.final); trying again on a fresh connection (retry \(retry) of \(self.retries))")
                self.sleep(wait)
            }
        }
    }

    private func fetchOnce(_ dataset: Dataset, ticker: String, range: DateRange) throws -> SourceRows {
        let c = try self.open()
        let dateCol = try Self.ident(dataset.dateColumn)
        var sql = "SELECT * FROM \(try Self.ident(dataset.table)) WHERE \(try Self.ident(dataset.tickerColumn)) = \(c.quote(ticker))"
        if let s = range.start { sql += " AND \(dateCol) >= '\(s)'" }
        if let e = range.end { sql += " AND \(dateCol) <= '\(e)'" }
        sql += " ORDER BY \(dateCol)"
        var mappings: [ColumnMapping] = []
        var converter = RowConverter(mappings: [])
        var dateIndex = -1
        var rows: [[ParquetValue]] = []
        var columnsError: (any Error)?
        do {
        try self.query(sql, table: dataset.table, columns: { cols in
            do {
                mappings = try cols.map { try ColumnMapping(column: $0) }
            } catch {
                columnsError = error
                throw error
            }
            guard let i = cols.firstIndex(where: { $0.name.lowercased() == dataset.dateColumn }) else {
                let e = BackfillError(.missingColumn, "table '\(dataset.table)' has no column '\(dataset.dateColumn)' (columns: \(cols.map(\.name).joined(separator: ", "))); see DESCRIBE \(dataset.table)")
                columnsError = e
                throw e
            }
            guard mappings[i].kind == .date else {
                let e = BackfillError(.unsupportedColumnType, "column '\(dataset.dateColumn)' of table '\(dataset.table)' must be a DATE")
                columnsError = e
                throw e
            }
            dateIndex = i
            converter = RowConverter(mappings: mappings)
        }) { row in
            // Straight from the receive buffer: no copy of the row or its cells.
            rows.append(try converter.convert(row))
        }
        } catch {
            // A table whose shape cannot be mapped fails every ticker alike: stop the run.
            if let columnsError { throw FatalRunError(String(describing: columnsError)) }
            throw error
        }
        guard dateIndex >= 0 else { return SourceRows(schema: [], dateColumn: 0, rows: []) }
        return SourceRows(schema: mappings.map(\.schema), dateColumn: dateIndex, rows: rows)
    }
}

/// A connection failure a fresh connection may not repeat; `final` is what to report when the
/// retries are used up.
struct RetryableSourceError: Error {
    let final: any Error
}
