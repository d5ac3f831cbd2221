public import ByteCoding
import CryptoPrimitives
public import HTTP1

/// An object's bytes and ETag (GetObject).
public struct S3Object: Sendable {
    /// The object body.
    public var body: [UInt8]
    /// The ETag exactly as received, quotes included (send it back unchanged in `If-Match`).
    public var etag: String?

    /// Creates an object value.
    public init(body: [UInt8], etag: String?) {
        self.body = body
        self.etag = etag
    }
}

/// Metadata of one object (HeadObject, ListObjectsV2).
public struct S3ObjectInfo: Sendable, Equatable {
    /// The object key (decoded, as stored).
    public var key: String
    /// The ETag exactly as received, quotes included.
    public var etag: String?
    /// Size in bytes.
    public var size: Int

    /// Creates object metadata.
    public init(key: String, etag: String?, size: Int) {
        self.key = key
        self.etag = etag
        self.size = size
    }
}

/// A blocking S3 client for the few operations the backfill needs, path-style, SigV4 with a
/// signed payload (`x-amz-content-sha256` = hex SHA-256 of the body; R2 rejects streaming
/// signatures), one keep-alive connection reused across requests.
///
/// Not thread-safe: one client per thread.
public final class S3Client {
    /// The configuration (endpoint, bucket, region, credentials).
    public let configuration: S3Configuration
    private let credentials: SigV4Credentials
    private let connect: () throws -> any ByteStream
    private let now: () -> Int64
    private let limits: HTTPLimits
    private var connection: HTTPConnection?

    /// The canonical request of the most recent request, for `--verbose` diagnostics.
    public private(set) var lastCanonicalRequest: String?
    /// The string to sign of the most recent request, for `--verbose` diagnostics.
    public private(set) var lastStringToSign: String?
    /// Upper bound on ListObjectsV2 pages per `listObjects` call (1000 keys each by default).
    public var maxListPages = 10_000
    /// Number of connections opened so far (tests and diagnostics).
    public private(set) var connectionsOpened = 0

    /// Creates a client. `connect` opens a fresh stream to the endpoint (TCP, or TLS over TCP
    /// for https); `now` returns the current Unix time in seconds (SigV4 date).
    public convenience init(configuration: S3Configuration, connect: @escaping () throws -> any ByteStream, now: @escaping () -> Int64) {
        self.init(configuration: configuration, limits: HTTPLimits(), connect: connect, now: now)
    }

    /// Creates a client with explicit HTTP limits.
    public init(configuration: S3Configuration, limits: HTTPLimits, connect: @escaping () throws -> any ByteStream, now: @escaping () -> Int64) {
        self.configuration = configuration
        self.credentials = configuration.credentials
        self.connect = connect
        self.now = now
        self.limits = limits
    }

    deinit { self.connection?.close() }

    /// Closes the kept-alive connection, if any.
    public func close() {
        self.connection?.close()
        self.connection = nil
    }

    // MARK: - Operations

    /// GetObject. Returns `nil` when the key does not exist (404 NoSuchKey).
    public func getObject(key: String) throws -> S3Object? {
        let path = try self.objectPath(key)
        let response = try self.perform(method: "GET", path: path, operation: "GET \(key)")
        switch response.status {
        case 200:
            return S3Object(body: response.body, etag: response.header("ETag"))
        case 404:
            let error = self.error(from: response, operation: "GET \(key)", key: key, statusCode: "NoSuchKey")
            if error.code == "NoSuchKey" { return nil }
            throw error
        default:
            throw self.error(from: response, operation: "GET \(key)", key: key)
        }
    }

    /// HeadObject. Returns `nil` on 404 (HEAD responses carry no error body, so a missing
    /// bucket also reads as `nil` here; `headBucket()` tells them apart).
    public func headObject(key: String) throws -> S3ObjectInfo? {
        let path = try self.objectPath(key)
        let response = try self.perform(method: "HEAD", path: path, operation: "HEAD \(key)")
        switch response.status {
        case 200:
            guard let lengthText = response.header("Content-Length"), let size = S3XML.parseSize(lengthText) else {
                throw S3Error.invalidResponse("HEAD response without a valid Content-Length", httpStatus: 200, operation: "HEAD \(key)")
            }
            return S3ObjectInfo(key: key, etag: response.header("ETag"), size: size)
        case 404:
            return nil
        default:
            throw self.error(from: response, operation: "HEAD \(key)", key: key)
        }
    }

    /// PutObject with a signed payload. `ifMatch` sends `If-Match: <etag>` (write only if
    /// unchanged), `ifNoneMatch` sends `If-None-Match: *` (create only). A failed condition
    /// throws `S3Error` with code `PreconditionFailed` (HTTP 412). Returns the new ETag.
    @discardableResult
    public func putObject(key: String, body: [UInt8], contentType: String = "application/octet-stream", ifMatch: String? = nil, ifNoneMatch: Bool = false) throws -> String? {
        let path = try self.objectPath(key)
        var headers: [(name: String, value: String)] = [("content-type", contentType)]
        if let etag = ifMatch { headers.append(("if-match", etag)) }
        if ifNoneMatch { headers.append(("if-none-match", "*")) }
        let response = try self.perform(method: "PUT", path: path, headers: headers, body: body, operation: "PUT \(key)")
        guard response.status == 200 else {
            throw self.error(from: response, operation: "PUT \(key)", key: key, statusCode: response.status == 412 ? "PreconditionFailed" : nil)
        }
        return response.header("ETag")
    }

    /// ListObjectsV2 of every key under `prefix`, following continuation tokens until
    /// `IsTruncated` is false. `maxKeys` is the page size (S3/R2 cap it at 1000).
    public func listObjects(prefix: String, maxKeys: Int = 1000) throws -> [S3ObjectInfo] {
        guard maxKeys >= 1, maxKeys <= 1000 else { throw S3Error.invalidRequest("max-keys must be between 1 and 1000, not \(maxKeys)") }
        let path = "/" + SigV4.uriEncode(self.configuration.bucket, encodeSlash: true)
        var all: [S3ObjectInfo] = []
        var token: String?
        var seenTokens: Set<String> = []
        for _ in 0..<self.maxListPages {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if maxKeys != 1000 { query.append(("max-keys", String(maxKeys))) }
            if let t = token { query.append(("continuation-token", t)) }
            let operation = "LIST prefix \"\(prefix)\""
            let response = try self.perform(method: "GET", path: path, query: query, operation: operation)
            guard response.status == 200 else { throw self.error(from: response, operation: operation, key: nil) }
            let page: ListObjectsPage
            do {
                page = try S3XML.parseListBucketResult(response.body)
            } catch {
                throw S3Error.invalidResponse(error.message, httpStatus: 200, operation: operation)
            }
            all.append(contentsOf: page.objects)
            guard page.isTruncated else { return all }
            guard let next = page.nextContinuationToken else {
                throw S3Error.invalidResponse("a truncated listing has no NextContinuationToken", httpStatus: 200, operation: operation)
            }
            guard seenTokens.insert(next).inserted else {
                throw S3Error.invalidResponse("the server repeated continuation token \(next); the listing would never end", httpStatus: 200, operation: operation)
            }
            token = next
        }
        throw S3Error.invalidResponse("the listing of \(prefix) has more than \(self.maxListPages) pages", operation: "LIST prefix \"\(prefix)\"")
    }

    /// HeadBucket: succeeds when the bucket exists and the credentials may use it.
    public func headBucket() throws {
        let path = "/" + SigV4.uriEncode(self.configuration.bucket, encodeSlash: true)
        let operation = "HEAD bucket \(self.configuration.bucket)"
        let response = try self.perform(method: "HEAD", path: path, operation: operation)
        guard response.status == 200 else {
            throw self.error(from: response, operation: operation, key: nil, statusCode: response.status == 404 ? "NoSuchBucket" : nil)
        }
    }

    // MARK: - Request plumbing

    /// `/{bucket}/{key}` with the key encoded exactly once (slashes kept, never normalised).
    func objectPath(_ key: String) throws(S3Error) -> String {
        guard !key.isEmpty else { throw .invalidRequest("the object key is empty") }
        guard key.utf8.count <= 1024 else { throw .invalidRequest("the object key is longer than 1024 bytes", key: key) }
        return "/" + SigV4.uriEncode(self.configuration.bucket, encodeSlash: true) + "/" + SigV4.uriEncode(key, encodeSlash: false)
    }

    /// Signs and sends one request, reconnecting as needed.
    private func perform(method: String, path: String, query: [(name: String, value: String)] = [], headers extra: [(name: String, value: String)] = [], body: [UInt8] = [], operation: String) throws -> HTTPResponse {
        let payloadHash = body.isEmpty ? SigV4.emptyPayloadHash : Hex.encode(SHA256.hash(body))
        let amzDate = SigV4.amzDate(unixSeconds: self.now())
        var signedHeaders: [(name: String, value: String)] = [
            ("host", self.configuration.hostHeader),
            ("x-amz-content-sha256", payloadHash),
            ("x-amz-date", amzDate),
        ]
        signedHeaders.append(contentsOf: extra)
        let request = SigV4Request(method: method, canonicalURI: path, query: query, headers: signedHeaders, payloadHash: payloadHash)
        let signature = SigV4.sign(request, credentials: self.credentials, amzDate: amzDate, region: self.configuration.region)
        self.lastCanonicalRequest = signature.canonicalRequest
        self.lastStringToSign = signature.stringToSign
        let queryString = SigV4.canonicalQueryString(query)
        let target = queryString.isEmpty ? path : path + "?" + queryString
        var wireHeaders: [(name: String, value: String)] = [("Host", self.configuration.hostHeader)]
        wireHeaders.append(contentsOf: signedHeaders.dropFirst())
        wireHeaders.append(("Authorization", signature.authorization))
        let httpRequest = HTTPRequest(method: method, target: target, headers: wireHeaders, body: body)
        return try self.send(httpRequest)
    }

    /// Sends on the kept-alive connection; if a reused connection fails before any response
    /// byte (the server closed it while idle, RFC 9112 §9.3.1), retries once on a new one.
    private func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var retried = false
        while true {
            let connection: HTTPConnection
            let reused: Bool
            if let existing = self.connection, existing.isReusable {
                connection = existing
                reused = true
            } else {
                self.connection?.close()
                self.connection = nil
                connection = HTTPConnection(stream: try self.connect(), limits: self.limits)
                self.connectionsOpened += 1
                self.connection = connection
                reused = false
            }
            do {
                let response = try connection.send(request)
                if !connection.isReusable { self.connection = nil }
                return response
            } catch {
                self.connection = nil
                let staleConnection = error.beforeResponse && (error.code == .connectionClosed || error.code == .streamFailed)
                if reused && staleConnection && !retried {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Builds the `S3Error` for a non-success response. `statusCode` names the code to use when
    /// the body carries none (HEAD responses never do).
    private func error(from response: HTTPResponse, operation: String, key: String?, statusCode: String? = nil) -> S3Error {
        let requestID = response.header("x-amz-request-id") ?? response.header("cf-ray")
        if let document = S3XML.parseError(response.body) {
            return S3Error(
                httpStatus: response.status, code: document.code, message: document.message, key: document.key ?? key,
                requestID: document.requestID ?? requestID, serverCanonicalRequest: document.canonicalRequest,
                serverStringToSign: document.stringToSign, operation: operation)
        }
        let code: String
        switch (statusCode, response.status) {
        case (let explicit?, _): code = explicit
        case (nil, 401): code = "Unauthorized"
        case (nil, 403): code = "Forbidden"
        case (nil, 404): code = "NotFound"
        case (nil, 412): code = "PreconditionFailed"
        case (nil, 429): code = "TooManyRequests"
        case (nil, let status): code = "HTTP\(status)"
        }
        let snippet = response.body.isEmpty ? response.reason : String(decoding: response.body.prefix(200), as: UTF8.self)
        return S3Error(httpStatus: response.status, code: code, message: snippet, key: key, requestID: requestID, operation: operation)
    }
}
