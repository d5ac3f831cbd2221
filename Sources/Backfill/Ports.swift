import Parquet

/// The rows of one ticker and dataset, converted to Parquet values, in date order.
public struct SourceRows: Sendable {
    public var schema: [ParquetColumnSchema]
    /// Index of the dataset's date column in `schema`.
    public var dateColumn: Int
    public var rows: [[ParquetValue]]
    public init(schema: [ParquetColumnSchema], dateColumn: Int, rows: [[ParquetValue]]) {
        self.schema = schema
        self.dateColumn = dateColumn
        self.rows = rows
    }
}

/// Where rows come from (Dolt over the MySQL protocol in the product; a fake in tests). One
/// instance is used by one thread at a time; the run makes one per database connection.
public protocol RowSource: AnyObject {
    /// The distinct tickers of the dataset's table, as stored.
    func distinctTickers(_ dataset: Dataset) throws -> [String]
    /// The rows of `ticker` (matched exactly as given) in `range`, ordered by the date column.
    func fetch(_ dataset: Dataset, ticker: String, range: DateRange) throws -> SourceRows
}

/// An object as stored, with the ETag its conditional write must name.
public struct StoredObject: Sendable {
    public var body: [UInt8]
    public var etag: String?
    public init(body: [UInt8], etag: String?) {
        self.body = body
        self.etag = etag
    }
}

/// What a write must find in the bucket to go ahead (no lost updates between concurrent runs).
public enum WriteCondition: Sendable, Equatable {
    /// The object must still have this ETag.
    case ifMatch(String)
    /// The object must not exist.
    case ifNoneMatch
}

/// Thrown by an `ObjectStore` when a write's condition failed (HTTP 412): someone else wrote first.
public struct WriteConflict: Error, Sendable {
    public let key: String
    /// The write was sent more than once (a retry after a lost answer): the first one may have
    /// landed, so the object that failed the condition may be this run's own write.
    public let afterRetriedWrite: Bool
    public init(key: String, afterRetriedWrite: Bool = false) {
        self.key = key
        self.afterRetriedWrite = afterRetriedWrite
    }
}

/// One entry of a bucket listing.
public struct ListedObject: Sendable, Equatable {
    public var etag: String?
    public var size: Int
    public init(etag: String?, size: Int) {
        self.etag = etag
        self.size = size
    }
}

/// One page of a listing, in key order.
public struct ListedPage: Sendable {
    public var objects: [(key: String, object: ListedObject)]
    /// More keys follow the last one on this page.
    public var isTruncated: Bool
    public init(objects: [(key: String, object: ListedObject)], isTruncated: Bool) {
        self.objects = objects
        self.isTruncated = isTruncated
    }

    /// The page a server would give of `listing`: at most `maxKeys` of its keys that sort (by
    /// their UTF-8 bytes) after `startAfter`, in that order.
    public static func cut(_ listing: [String: ListedObject], after startAfter: String, maxKeys: Int) -> ListedPage {
        let after = Array(startAfter.utf8)
        let keys = listing.map { (key: $0.key, object: $0.value, bytes: Array($0.key.utf8)) }
            .filter { after.lexicographicallyPrecedes($0.bytes) }
            .sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        return ListedPage(objects: keys.prefix(maxKeys).map { ($0.key, $0.object) }, isTruncated: keys.count > maxKeys)
    }
}

/// Where monthly files go (R2/S3 in the product; a dictionary in tests). One instance is used
/// by one thread at a time; the run makes one per worker.
public protocol ObjectStore: AnyObject {
    /// Every object under `prefix`, by key.
    func list(prefix: String) throws -> [String: ListedObject]
    /// One page of a listing: at most `maxKeys` objects under `prefix` whose keys sort (by
    /// their UTF-8 bytes) after `startAfter`, in key order. One request.
    func listPage(prefix: String, startAfter: String, maxKeys: Int) throws -> ListedPage
    /// The object, or nil when there is none.
    func get(key: String) throws -> StoredObject?
    /// Writes the object if `condition` holds; throws `WriteConflict` when it does not.
    func put(key: String, body: [UInt8], condition: WriteCondition?) throws
}

extension ObjectStore {
    /// A page cut from the whole listing of `prefix`: for stores that list cheaply in one go.
    public func listPage(prefix: String, startAfter: String, maxKeys: Int) throws -> ListedPage {
        ListedPage.cut(try self.list(prefix: prefix), after: startAfter, maxKeys: maxKeys)
    }
}
