import S3

/// Monthly files in an R2 (or any S3) bucket.
public final class R2Store: ObjectStore {
    let client: S3Client

    public init(client: S3Client) {
        self.client = client
    }

    public func list(prefix: String) throws -> [String: ListedObject] {
        var out: [String: ListedObject] = [:]
        for info in try self.client.listObjects(prefix: prefix) { out[info.key] = ListedObject(etag: info.etag, size: info.size) }
        return out
    }

    public func listPage(prefix: String, startAfter: String, maxKeys: Int) throws -> ListedPage {
        let page = try self.client.listObjectsPage(prefix: prefix, startAfter: startAfter, maxKeys: maxKeys)
        return ListedPage(objects: page.objects.map { ($0.key, ListedObject(etag: $0.etag, size: $0.size)) }, isTruncated: page.isTruncated)
    }

    public func get(key: String) throws -> StoredObject? {
        guard let object = try self.client.getObject(key: key) else { return nil }
        return StoredObject(body: object.body, etag: object.etag)
    }

    public func put(key: String, body: [UInt8], condition: WriteCondition?) throws {
        do {
            switch condition {
            case .ifMatch(let etag)?: _ = try self.client.putObject(key: key, body: body, contentType: "application/vnd.apache.parquet", ifMatch: etag)
            case .ifNoneMatch?: _ = try self.client.putObject(key: key, body: body, contentType: "application/vnd.apache.parquet", ifNoneMatch: true)
            case nil: _ = try self.client.putObject(key: key, body: body, contentType: "application/vnd.apache.parquet")
            }
        } catch let e as S3Error where e.httpStatus == 412 || e.httpStatus == 409 || (condition.map { if case .ifMatch = $0 { return true } else { return false } } ?? false && e.httpStatus == 404) {
            // 412: the object changed since we read it. 409: R2's concurrent conditional write.
            // 404 on If-Match: the object was deleted since we read it.
            throw WriteConflict(key: key, afterRetriedWrite: e.attempts > 1)
        }
    }
}
