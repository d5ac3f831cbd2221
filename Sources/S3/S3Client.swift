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
    /// The kept-alive connection's stream, through which the whole-request deadline is enforced.
    private var deadlineStream: RequestDeadlineStream?
    private let retryPolicy: S3RetryPolicy
    private let requestTimeout: Double?
    private let isTransient: (any Error) -> Bool
    private let sleep: (Double) -> Void
    private let random: (Double) -> Double
    private let monotonicNow: () -> Double
    /// Monotonic deadline of the attempt in progress (nil: no whole-request deadline).
    private var attemptDeadline: Double?
    /// Attempts the most recent request took (1 when it succeeded or failed the first time).
    private var attemptsOfLastRequest = 1

    /// The canonical request of the most recent request, for `--verbose` diagnostics.
    public private(set) var lastCanonicalRequest: String?
    /// The string to sign of the most recent request, for `--verbose` diagnostics.
    public private(set) var lastStringToSign: String?
    /// Upper bound on ListObjectsV2 pages per `listObjects` call (1000 keys each by default).
    public var maxListPages = 10_000
    /// Number of connections opened so far (tests and diagnostics).
    public private(set) var connectionsOpened = 0
    /// Number of requests sent again after a retryable failure (tests and diagnostics).
    public private(set) var retriesPerformed = 0
    /// Told about every retry (for `--verbose`): what failed and how long the client waits.
    public var onRetry: ((String) -> Void)?

    /// Creates a client. `connect` opens a fresh stream to the endpoint (TCP, or TLS over TCP
    /// for https); `now` returns the current Unix time in seconds (SigV4 date).
    public convenience init(configuration: S3Configuration, connect: @escaping () throws -> any ByteStream, now: @escaping () -> Int64) {
        self.init(configuration: configuration, limits: HTTPLimits(), connect: connect, now: now)
    }

    /// Creates a client with explicit HTTP limits that tries every request once.
    public convenience init(configuration: S3Configuration, limits: HTTPLimits, connect: @escaping () throws -> any ByteStream, now: @escaping () -> Int64) {
        self.init(configuration: configuration, limits: limits, retryPolicy: .none, requestTimeout: nil, connect: connect, now: now)
    }

    /// Creates a client that retries failed requests under `retryPolicy` (only requests that are
    /// safe to repeat: GET, HEAD, LIST and conditional PUTs) and gives each attempt at most
    /// `requestTimeout` seconds from sending to the last response byte.
    ///
    /// `isTransient` tells whether a stream or connect error may not repeat on a fresh connection
    /// (the Transport layer's refused/reset/timeout); `sleep`, `random` (uniform in [0, upper])
    /// and `monotonicNow` (seconds) are injectable for tests.
    public init(
        configuration: S3Configuration, limits: HTTPLimits = HTTPLimits(), retryPolicy: S3RetryPolicy, requestTimeout: Double?,
        connect: @escaping () throws -> any ByteStream, now: @escaping () -> Int64,
        isTransient: @escaping (any Error) -> Bool = { _ in true },
        sleep: @escaping (Double) -> Void = S3RetryPolicy.threadSleep,
        random: @escaping (Double) -> Double = S3RetryPolicy.systemRandom,
        monotonicNow: @escaping () -> Double = S3Client.monotonicSeconds
    ) {
        self.configuration = configuration
        self.credentials = configuration.credentials
        self.connect = connect
        self.now = now
        self.limits = limits
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.isTransient = isTransient
        self.sleep = sleep
        self.random = random
        self.monotonicNow = monotonicNow
    }

    deinit { self.connection?.close() }

    /// Closes the kept-alive connection, if any.
    public func close() {
        self.connection?.close()
        self.connection = nil
        self.deadlineStream = nil
    }

    /// Seconds on a monotonic clock (unaffected by changes of the system time).
    public static func monotonicSeconds() -> Double {
        let elapsed = ContinuousClock.now - monotonicOrigin
        let parts = elapsed.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    // MARK: - Operations

    /// GetObject. Returns `nil` when the key does not exist (404 NoSuchKey).
    public func getObject(key: String) throws -> S3Object? {
        let path = try self.objectPath(key)
        let response = try self.perform(method: "GET", path: path, operation: "GET \(key)", retry: .idempotent)
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
        let response = try self.perform(method: "HEAD", path: path, operation: "HEAD \(key)", retry: .idempotent)
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
        // A conditional PUT may be repeated: if the first one landed, the repeat fails its condition
        // (412) instead of overwriting anything, and the caller re-reads and merges.
        let retry: RetryClass = (ifMatch != nil || ifNoneMatch) ? .conditional : .unsafe
        let response = try self.perform(method: "PUT", path: path, headers: headers, body: body, operation: "PUT \(key)", retry: retry)
        guard response.status == 200 else {
            throw self.error(from: response, operation: "PUT \(key)", key: key, statusCode: response.status == 412 ? "PreconditionFailed" : nil)
        }
        return response.header("ETag")
    }

    /// ListObjectsV2 of every key under `prefix`, following continuation tokens until
    /// `IsTruncated` is false. `maxKeys` is the page size (S3/R2 cap it at 1000).
    public func listObjects(prefix: String, maxKeys: Int = 1000) throws -> [S3ObjectInfo] {
        var all: [S3ObjectInfo] = []
        var token: String?
        var seenTokens: Set<String> = []
        let operation = "LIST prefix \"\(prefix)\""
        for _ in 0..<self.maxListPages {
            let page = try self.listObjectsPage(prefix: prefix, continuationToken: token, maxKeys: maxKeys)
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
        throw S3Error.invalidResponse("the listing of \(prefix) has more than \(self.maxListPages) pages", operation: operation)
    }

    /// One ListObjectsV2 page: at most `maxKeys` keys under `prefix`, in key order, starting
    /// after `startAfter` (any string, not necessarily a stored key) or at a continuation token.
    /// Lets a caller list a range of keys (one ticker onward) instead of a whole prefix.
    public func listObjectsPage(prefix: String, startAfter: String? = nil, continuationToken: String? = nil, maxKeys: Int = 1000) throws -> ListObjectsPage {
        guard maxKeys >= 1, maxKeys <= 1000 else { throw S3Error.invalidRequest("max-keys must be between 1 and 1000, not \(maxKeys)") }
        let path = "/" + SigV4.uriEncode(self.configuration.bucket, encodeSlash: true)
        var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
        if maxKeys != 1000 { query.append(("max-keys", String(maxKeys))) }
        if let t = continuationToken { query.append(("continuation-token", t)) }
        if let s = startAfter { query.append(("start-after", s)) }
        var operation = "LIST prefix \"\(prefix)\""
        if let s = startAfter { operation += " after \"\(s)\"" }
        let response = try self.perform(method: "GET", path: path, query: query, operation: operation, retry: .idempotent)
        guard response.status == 200 else { throw self.error(from: response, operation: operation, key: nil) }
        do {
            return try S3XML.parseListBucketResult(response.body)
        } catch {
            throw S3Error.invalidResponse(error.message, httpStatus: 200, operation: operation)
        }
    }

    /// HeadBucket: succeeds when the bucket exists and the credentials may use it.
    public func headBucket() throws {
        let path = "/" + SigV4.uriEncode(self.configuration.bucket, encodeSlash: true)
        let operation = "HEAD bucket \(self.configuration.bucket)"
        let response = try self.perform(method: "HEAD", path: path, operation: operation, retry: .idempotent)
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

    /// Which failures a request may be repeated after.
    enum RetryClass {
        /// GET, HEAD, LIST: repeating changes nothing.
        case idempotent
        /// PUT with If-Match / If-None-Match: a repeat of a write that landed fails with 412.
        case conditional
        /// Unconditional PUT: repeated only when the server certainly did not act on it
        /// (the connection could not be opened, or 429 Too Many Requests).
        case unsafe
    }

    /// Statuses that mean "try again later" (throttling, server-side failures).
    static func isRetryableStatus(_ status: Int) -> Bool {
        [429, 500, 502, 503, 504].contains(status)
    }

    /// Sends a request, retrying under the policy; a failure that is not retried (or the last one)
    /// is thrown, naming the attempts when there was more than one.
    private func perform(method: String, path: String, query: [(name: String, value: String)] = [], headers extra: [(name: String, value: String)] = [], body: [UInt8] = [], operation: String, retry: RetryClass) throws -> HTTPResponse {
        var attempt = 1
        self.attemptsOfLastRequest = 1
        while true {
            let canRetry = attempt <= self.retryPolicy.maxRetries
            do {
                self.attemptDeadline = self.requestTimeout.map { self.monotonicNow() + $0 }
                defer { self.attemptDeadline = nil }
                let response = try self.performOnce(method: method, path: path, query: query, headers: extra, body: body)
                let status = response.status
                let allowed = retry != .unsafe || status == 429
                guard canRetry, allowed, Self.isRetryableStatus(status) else { return response }
                let code = status == 503 || status == 429 ? (S3XML.parseError(response.body)?.code ?? "") : ""
                let throttled = status == 429 || code == "SlowDown"
                let hint = S3RetryPolicy.retryAfterSeconds(response.header("Retry-After"))
                self.pause(before: attempt + 1, throttled: throttled, retryAfter: hint, operation: operation, reason: "HTTP \(status)\(code.isEmpty ? "" : " " + code)")
            } catch let failure as ConnectFailure {
                // Nothing was sent: every request may be tried again.
                guard canRetry, self.isTransient(failure.underlying) else {
                    throw attempt > 1 ? self.exhausted(failure.underlying, attempts: attempt, operation: operation) : failure.underlying
                }
                self.pause(before: attempt + 1, throttled: false, retryAfter: nil, operation: operation, reason: String(describing: failure.underlying))
            } catch let error as HTTPError {
                guard canRetry, retry != .unsafe, self.isTransientHTTPError(error) else {
                    throw attempt > 1 ? self.exhausted(error, attempts: attempt, operation: operation) : error
                }
                self.pause(before: attempt + 1, throttled: false, retryAfter: nil, operation: operation, reason: String(describing: error))
            }
            attempt += 1
            self.attemptsOfLastRequest = attempt
            self.retriesPerformed += 1
        }
    }

    /// Connection-level failures worth a fresh connection: closed or reset mid-exchange, or a
    /// stream error the transport calls transient. The whole-request deadline is final.
    private func isTransientHTTPError(_ error: HTTPError) -> Bool {
        switch error.code {
        case .connectionClosed:
            return true
        case .streamFailed:
            guard let underlying = error.underlying else { return false }
            if underlying is RequestDeadlineExceeded { return false }
            return self.isTransient(underlying)
        case .malformed, .tooLarge, .invalidRequest:
            return false
        }
    }

    private func pause(before attempt: Int, throttled: Bool, retryAfter: Double?, operation: String, reason: String) {
        let wait = self.retryPolicy.delay(beforeRetry: attempt - 1, throttled: throttled, retryAfter: retryAfter, random: self.random)
        let total = self.retryPolicy.maxRetries + 1
        self.onRetry?("S3 \(operation): \(reason); attempt \(attempt) of \(total) in \(Self.seconds(wait)) s")
        self.sleep(wait)
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The error for a connection failure that retries did not cure.
    private func exhausted(_ error: any Error, attempts: Int, operation: String) -> S3Error {
        var e = S3Error(httpStatus: 0, code: "ConnectionFailed", message: String(describing: error), operation: operation)
        e.attempts = attempts
        return e
    }

    /// Signs and sends one request, reconnecting as needed.
    private func performOnce(method: String, path: String, query: [(name: String, value: String)], headers extra: [(name: String, value: String)], body: [UInt8]) throws -> HTTPResponse {
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
                self.deadlineStream = nil
                let raw: any ByteStream
                do { raw = try self.connect() } catch { throw ConnectFailure(underlying: error) }
                let stream = RequestDeadlineStream(raw, now: self.monotonicNow)
                self.deadlineStream = stream
                connection = HTTPConnection(stream: stream, limits: self.limits)
                self.connectionsOpened += 1
                self.connection = connection
                reused = false
            }
            self.deadlineStream?.deadline = self.attemptDeadline
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
            var e = S3Error(
                httpStatus: response.status, code: document.code, message: document.message, key: document.key ?? key,
                requestID: document.requestID ?? requestID, serverCanonicalRequest: document.canonicalRequest,
                serverStringToSign: document.stringToSign, operation: operation)
            e.attempts = self.attemptsOfLastRequest
            return e
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
        var e = S3Error(httpStatus: response.status, code: code, message: snippet, key: key, requestID: requestID, operation: operation)
        e.attempts = self.attemptsOfLastRequest
        return e
    }
}

private let monotonicOrigin = ContinuousClock.now

/// `connect()` failed: nothing of the request was sent.
struct ConnectFailure: Error {
    let underlying: any Error
}

/// A stream whose timeout can be shortened, so a whole-request deadline cuts a blocking wait
/// short (the Transport layer's TCP stream conforms in the executable).
public protocol S3AdjustableTimeoutStream: AnyObject {
    /// Seconds a single read or write may wait.
    var ioTimeout: Double { get set }
}

/// The whole-request deadline passed.
public struct RequestDeadlineExceeded: Error, CustomStringConvertible {
    /// What the request was given, in seconds.
    public let seconds: Double
    /// A sentence for people.
    public var description: String { "no complete response within the request timeout of \(S3Client.seconds(self.seconds)) s" }
}

/// Wraps a connection's stream: every read and write checks the current attempt's deadline and,
/// when the inner stream allows, waits no longer than the time that is left.
final class RequestDeadlineStream: ByteStream {
    private let inner: any ByteStream
    private let now: () -> Double
    private let baseTimeout: Double?
    /// Monotonic deadline of the current attempt; nil: none.
    var deadline: Double? {
        didSet { self.started = self.now() }
    }
    private var started = 0.0

    init(_ inner: any ByteStream, now: @escaping () -> Double) {
        self.inner = inner
        self.now = now
        self.baseTimeout = (inner as? any S3AdjustableTimeoutStream)?.ioTimeout
    }

    var peerDescription: String { self.inner.peerDescription }

    private func beforeWait() throws {
        guard let deadline = self.deadline else {
            if let base = self.baseTimeout, let adjustable = self.inner as? any S3AdjustableTimeoutStream { adjustable.ioTimeout = base }
            return
        }
        let left = deadline - self.now()
        guard left > 0 else { throw RequestDeadlineExceeded(seconds: deadline - self.started) }
        if let base = self.baseTimeout, let adjustable = self.inner as? any S3AdjustableTimeoutStream { adjustable.ioTimeout = min(base, left) }
    }

    func read(maxBytes: Int) throws -> [UInt8] {
        try self.beforeWait()
        do {
            return try self.inner.read(maxBytes: maxBytes)
        } catch {
            // A read cut short by the deadline reports the deadline, not a plain read timeout.
            if let deadline = self.deadline, self.now() >= deadline { throw RequestDeadlineExceeded(seconds: deadline - self.started) }
            throw error
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try self.beforeWait()
        do {
            try self.inner.write(bytes)
        } catch {
            if let deadline = self.deadline, self.now() >= deadline { throw RequestDeadlineExceeded(seconds: deadline - self.started) }
            throw error
        }
    }

    func close() { self.inner.close() }
}
