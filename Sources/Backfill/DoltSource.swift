import MySQLWire
import Parquet

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

    public init(database: String, describeServer: String, connector: @escaping Connector) {
        self.database = database
        self.describeServer = describeServer
        self.connector = connector
    }

    deinit { self.connection?.close() }

    /// Opens the connection now, so that a wrong host or password is reported before any work.
    public func connect() throws {
        _ = try self.open()
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
        } catch {
            let port = self.describeServer.split(separator: ":").last.map(String.init) ?? "3306"
            throw FatalRunError("cannot connect to Dolt at \(self.describeServer): \(error)\n  Check that the server runs (`lsof -i :\(port)`), start it with `dolt sql-server`, and check --dolt-host and --dolt-port.")
        }
    }

    /// Runs `sql`; a broken connection is dropped so the next query reconnects.
    private func query(_ sql: String, table: String, columns: ([MySQLColumn]) throws -> Void, row: ([[UInt8]?]) throws -> Void) throws {
        let c = try self.open()
        self.log?("    · SQL: \(sql)")
        do {
            try c.query(sql, columns: columns, row: row)
        } catch let e as MySQLError {
            if e.isServerError && e.code != .connectionLostMidResult {
                if e.isTableNotFound || e.isAccessDenied || e.isUnknownDatabase { throw FatalRunError(self.explain(e, table: table)) }
            } else {
                c.close()
                self.connection = nil
            }
            throw BackfillError(.source, self.explain(e, table: table))
        } catch {
            // A callback failed (bad value, unsupported type): the rest of the result was not read.
            c.close()
            self.connection = nil
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

    static func ident(_ name: String) -> String { "`" + name.replacingOccurrences(of: "`", with: "``") + "`" }

    public func distinctTickers(_ dataset: Dataset) throws -> [String] {
        let col = Self.ident(dataset.tickerColumn)
        var out: [String] = []
        try self.query("SELECT DISTINCT \(col) FROM \(Self.ident(dataset.table)) WHERE \(col) IS NOT NULL", table: dataset.table, columns: { _ in }) { row in
            if let first = row.first, let v = first { out.append(String(decoding: v, as: UTF8.self)) }
        }
        return out
    }

    public func fetch(_ dataset: Dataset, ticker: String, range: DateRange) throws -> SourceRows {
        let c = try self.open()
        let dateCol = Self.ident(dataset.dateColumn)
        var sql = "SELECT * FROM \(Self.ident(dataset.table)) WHERE \(Self.ident(dataset.tickerColumn)) = \(c.quote(ticker))"
        if let s = range.start { sql += " AND \(dateCol) >= '\(s)'" }
        if let e = range.end { sql += " AND \(dateCol) <= '\(e)'" }
        sql += " ORDER BY \(dateCol)"
        var mappings: [ColumnMapping] = []
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
        }) { raw in
            guard raw.count == mappings.count else {
                throw BackfillError(.badValue, "the server sent a row with \(raw.count) values for \(mappings.count) columns")
            }
            var row: [ParquetValue] = []
            row.reserveCapacity(raw.count)
            for (i, m) in mappings.enumerated() { row.append(try m.convert(raw[i])) }
            rows.append(row)
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

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        for c in self { if String(c) == target { out += replacement } else { out.append(c) } }
        return out
    }
}
