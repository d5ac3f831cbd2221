import Backfill
import ByteCoding
import CryptoPrimitives
import Parquet

/// An in-memory bucket with S3's conditional-write semantics and ETags that change on every write.
final class MemoryStore: ObjectStore, @unchecked Sendable {
    let lock = Monitor()
    var lists: [String] = []
    var objects: [String: StoredObject] = [:]
    var puts: [(key: String, condition: WriteCondition?)] = []
    var gets: [String] = []
    private var version = 0
    /// Called before a put is applied: lets a test simulate another writer racing us.
    var beforePut: ((String) -> Void)?
    var failGet: [String: any Error] = [:]

    func list(prefix: String) throws -> [String: ListedObject] {
        try self.lock.locked {
            self.lists.append(prefix)
            if let e = self.failList { throw e }
            var out: [String: ListedObject] = [:]
            for (k, v) in self.objects where k.hasPrefix(prefix) { out[k] = ListedObject(etag: v.etag, size: v.body.count) }
            return out
        }
    }
    var failList: (any Error)?

    func get(key: String) throws -> StoredObject? {
        try self.lock.locked {
            self.gets.append(key)
            if let e = self.failGet[key] { throw e }
            return self.objects[key]
        }
    }

    func put(key: String, body: [UInt8], condition: WriteCondition?) throws {
        self.beforePut?(key)
        try self.lock.locked {
            self.puts.append((key, condition))
            switch condition {
            case .ifNoneMatch?: if self.objects[key] != nil { throw WriteConflict(key: key) }
            case .ifMatch(let etag)?: if self.objects[key]?.etag != etag { throw WriteConflict(key: key) }
            case nil: break
            }
            self.storeLocked(key: key, body: body)
            if self.landThenConflict.remove(key) != nil {
                // Like a PUT whose answer was lost and whose retry met its own write: 412.
                throw WriteConflict(key: key, afterRetriedWrite: true)
            }
        }
    }
    /// Keys whose next put is applied and then reported as a conflict after a retried write.
    var landThenConflict: Set<String> = []

    /// Stores like another writer would; ETags are "v<n>", or the body's MD5 like S3 when `md5ETags`.
    func store(key: String, body: [UInt8]) { self.lock.locked { self.storeLocked(key: key, body: body) } }
    var md5ETags = false

    private func storeLocked(key: String, body: [UInt8]) {
        self.version += 1
        let etag = self.md5ETags ? "\"" + Hex.encode(MD5.hash(body)) + "\"" : "\"v\(self.version)\""
        self.objects[key] = StoredObject(body: body, etag: etag)
    }
}

/// A table of rows per (dataset, ticker), filtered by the requested range like the SQL would be.
final class MemorySource: RowSource, @unchecked Sendable {
    let lock = Monitor()
    var tables: [Dataset: [String: [[ParquetValue]]]] = [:]
    var schemas: [Dataset: [ParquetColumnSchema]] = [:]
    var failures: [String: any Error] = [:]
    var fetches: [(Dataset, String)] = []

    func distinctTickers(_ dataset: Dataset) throws -> [String] {
        Array((self.tables[dataset] ?? [:]).keys)
    }

    func fetch(_ dataset: Dataset, ticker: String, range: DateRange) throws -> SourceRows {
        self.lock.locked { self.fetches.append((dataset, ticker)) }
        if let e = self.failures[ticker] { throw e }
        let schema = self.schemas[dataset] ?? []
        let rows = (self.tables[dataset]?[ticker] ?? []).filter { row in
            guard case .int32(let d) = row[1] else { return false }
            if let s = range.start, Int(d) < s.daysSinceEpoch { return false }
            if let e = range.end, Int(d) > e.daysSinceEpoch { return false }
            return true
        }
        return SourceRows(schema: schema, dateColumn: 1, rows: rows.sorted { a, b in
            if case .int32(let x) = a[1], case .int32(let y) = b[1] { return x < y }
            return false
        })
    }
}

final class LinesSink: ReportSink, @unchecked Sendable {
    let lock = Monitor()
    var outLines: [String] = []
    var errLines: [String] = []
    func out(_ line: String) { self.lock.locked { self.outLines.append(line) } }
    func err(_ line: String) { self.lock.locked { self.errLines.append(line) } }
}

/// A small prices-like schema: ticker, date, close DECIMAL(20,4) as FLBA(9), volume BIGINT.
let priceSchema: [ParquetColumnSchema] = [
    ParquetColumnSchema(name: "ticker", physicalType: .byteArray, logicalType: .string, isRequired: true),
    ParquetColumnSchema(name: "date", physicalType: .int32, logicalType: .date, isRequired: true),
    ParquetColumnSchema(name: "close", physicalType: .int64, logicalType: .decimal(precision: 18, scale: 4), isRequired: false),
    ParquetColumnSchema(name: "volume", physicalType: .int64, logicalType: .none, isRequired: false),
]

func day(_ s: String) -> Int32 { Int32(CivilDate(parsing: s)!.daysSinceEpoch) }

func priceRow(_ ticker: String, _ date: String, close: Int64?, volume: Int64? = 100) -> [ParquetValue] {
    [.bytes(Array(ticker.utf8)), .int32(day(date)), close.map { .int64($0) } ?? .null, volume.map { .int64($0) } ?? .null]
}
