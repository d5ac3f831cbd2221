/// The one error type of the S3 layer: an S3 error response (`httpStatus` set, `code` from the
/// server's `<Code>` or derived from the status), or a client-side problem (bad configuration,
/// bad argument, unparseable response; `httpStatus` is 0 when no response was involved).
///
/// Never contains the secret access key or the Authorization header.
public struct S3Error: Error, CustomStringConvertible, Equatable {
    /// HTTP status of the response, or 0 when the error arose before/without a response.
    public let httpStatus: Int
    /// Stable code: the S3 `<Code>` (e.g. `SignatureDoesNotMatch`, `NoSuchBucket`,
    /// `AccessDenied`, `InvalidAccessKeyId`, `PreconditionFailed`) or one of ours:
    /// `InvalidConfiguration`, `InvalidResponse`, `InvalidRequest`.
    public let code: String
    /// The server's `<Message>` (sanitised), or our explanation.
    public let message: String
    /// The object key concerned, if any.
    public let key: String?
    /// The server's request ID (`<RequestId>`, `x-amz-request-id` or `cf-ray`).
    public let requestID: String?
    /// The server's canonical request for `SignatureDoesNotMatch`, when it sends one.
    public let serverCanonicalRequest: String?
    /// The server's string to sign for `SignatureDoesNotMatch`, when it sends one.
    public let serverStringToSign: String?
    /// What we were doing, e.g. `PUT prices/v1/AAPL/2024/01/data.parquet`.
    public let operation: String
    /// How many times the request was sent (more than 1 after retries).
    public var attempts = 1

    /// Creates an error; prefer the static factories.
    public init(httpStatus: Int, code: String, message: String, key: String? = nil, requestID: String? = nil, serverCanonicalRequest: String? = nil, serverStringToSign: String? = nil, operation: String = "") {
        self.httpStatus = httpStatus
        self.code = code
        self.message = Self.sanitize(message, limit: 500)
        self.key = key
        self.requestID = requestID.map { Self.sanitize($0, limit: 200) }
        self.serverCanonicalRequest = serverCanonicalRequest.map { Self.sanitize($0, limit: 8192, keepNewlines: true) }
        self.serverStringToSign = serverStringToSign.map { Self.sanitize($0, limit: 1024, keepNewlines: true) }
        self.operation = operation
    }

    /// A configuration value is unusable (endpoint URL, bucket name, credentials).
    public static func invalidConfiguration(_ message: String) -> S3Error {
        S3Error(httpStatus: 0, code: "InvalidConfiguration", message: message)
    }

    /// The server's response could not be understood.
    public static func invalidResponse(_ message: String, httpStatus: Int = 0, operation: String = "") -> S3Error {
        S3Error(httpStatus: httpStatus, code: "InvalidResponse", message: message, operation: operation)
    }

    /// A request argument cannot be sent (e.g. an empty or over-long key).
    public static func invalidRequest(_ message: String, key: String? = nil) -> S3Error {
        S3Error(httpStatus: 0, code: "InvalidRequest", message: message, key: key)
    }

    /// Equality compares the stable code only (STYLE.md rule 5).
    public static func == (lhs: S3Error, rhs: S3Error) -> Bool { lhs.code == rhs.code }

    /// True for throttling and server-side failures worth retrying with backoff.
    public var isRetryable: Bool {
        switch self.httpStatus {
        case 429, 500, 502, 503, 504: return true
        default: return ["SlowDown", "TooManyRequests", "InternalError", "ServiceUnavailable", "TooMuchConcurrency"].contains(self.code)
        }
    }

    /// A clear sentence: what happened, then how to fix it.
    public var description: String {
        var text = self.operation.isEmpty ? "S3 error" : "S3 \(self.operation) failed"
        if self.attempts > 1 { text += " after \(self.attempts) attempts" }
        if self.httpStatus != 0 { text += ": HTTP \(self.httpStatus)" }
        text += " \(self.code)"
        if !self.message.isEmpty { text += ": \(self.message)" }
        if let hint = self.hint { text += (text.hasSuffix(".") ? " " : ". ") + hint + "." }
        if let id = self.requestID { text += " (request ID \(id))" }
        return text
    }

    /// How to fix the common failures (R2 variable names from the backfill guide).
    public var hint: String? {
        switch self.code {
        case "SignatureDoesNotMatch":
            return "The secret access key does not match the access key ID: check R2_SECRET_ACCESS_KEY (and that the endpoint host is exactly the one in the R2 dashboard); run with --verbose to compare our canonical request with the server's"
        case "InvalidAccessKeyId", "Unauthorized":
            return "The access key ID is unknown: check R2_ACCESS_KEY_ID and that the API token was not deleted"
        case "NoSuchBucket":
            return "The bucket does not exist at this endpoint: check R2_BUCKET and the account/jurisdiction in the endpoint URL"
        case "AccessDenied", "Forbidden":
            return "The credentials are not allowed to do this: give the R2 API token Object Read & Write permission on this bucket (or check R2_ACCESS_KEY_ID / R2_SECRET_ACCESS_KEY)"
        case "PreconditionFailed":
            return "The object changed since it was read (conditional write lost a race); re-read, merge and retry"
        case "RequestTimeTooSkewed":
            return "This machine's clock is more than 15 minutes off; fix the system time (NTP)"
        case "SlowDown", "TooManyRequests", "TooMuchConcurrency":
            return "The server is throttling (R2 allows one write per second per key); retry with backoff"
        case "InvalidConfiguration":
            return nil
        case "ConnectionFailed":
            return "Check the network, R2_ENDPOINT and the server's status; --retries and the timeouts (--connect-timeout, --timeout, --request-timeout) set how long to keep trying"
        case "XAmzContentSHA256Mismatch", "BadDigest":
            return "The body was altered in transit; retry"
        default:
            return nil
        }
    }

    /// Keeps peer text printable and bounded so it is safe to print.
    static func sanitize(_ text: String, limit: Int, keepNewlines: Bool = false) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                out += "…"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out.unicodeScalars.append(keepNewlines && scalar == "\n" ? "\n" : " ")
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
