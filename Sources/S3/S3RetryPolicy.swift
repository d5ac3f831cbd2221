#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// When the S3 client tries a failed request again, and how long it waits first.
///
/// Retried: HTTP 429, 500, 502, 503, 504 and connection failures (refused, reset, closed, I/O
/// timeouts), with exponential backoff and full jitter (the wait before retry n is uniform in
/// [0, min(maxDelay, baseDelay·2ⁿ⁻¹)]); throttling (429, `SlowDown`) waits at least
/// `throttleMinimumDelay` more, because R2 allows one write per second per key; a `Retry-After`
/// of delta-seconds is honoured up to `maxRetryAfter`. Which requests may be retried at all is
/// the client's decision (only idempotent or conditional ones); a 412 is never retried here.
public struct S3RetryPolicy: Sendable {
    /// Retries after the first attempt (0: every request is tried once).
    public var maxRetries: Int
    /// Ceiling of the first retry's random wait, in seconds; it doubles with every retry.
    public var baseDelay: Double
    /// Largest ceiling of a random wait, in seconds.
    public var maxDelay: Double
    /// Extra wait before retrying a throttled request (429 or `SlowDown`), in seconds.
    public var throttleMinimumDelay: Double
    /// Largest `Retry-After` honoured, in seconds (a longer one is cut to this).
    public var maxRetryAfter: Double

    /// A policy; the defaults suit R2 (about 4 s of waiting on average for 5 retries).
    public init(maxRetries: Int, baseDelay: Double = 0.25, maxDelay: Double = 20, throttleMinimumDelay: Double = 1, maxRetryAfter: Double = 60) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.throttleMinimumDelay = max(0, throttleMinimumDelay)
        self.maxRetryAfter = max(0, maxRetryAfter)
    }

    /// Every request is tried exactly once.
    public static let none = S3RetryPolicy(maxRetries: 0)

    /// The wait before retry number `retry` (1 for the first retry). `random(upper)` returns a
    /// uniformly distributed value in [0, upper]; `retryAfter` is the server's hint in seconds.
    public func delay(beforeRetry retry: Int, throttled: Bool, retryAfter: Double?, random: (Double) -> Double) -> Double {
        let exponent = min(max(0, retry - 1), 30)
        let ceiling = min(self.maxDelay, self.baseDelay * Double(1 << exponent))
        var wait = min(ceiling, max(0, random(ceiling)))
        if throttled { wait += self.throttleMinimumDelay }
        if let hint = retryAfter, hint.isFinite, hint > 0 { wait = max(wait, min(hint, self.maxRetryAfter)) }
        return wait
    }

    /// The delta-seconds form of a `Retry-After` value (RFC 9110 §10.2.3); the HTTP-date form is
    /// not used (it depends on clocks agreeing) and yields nil, like anything malformed.
    public static func retryAfterSeconds(_ value: String?) -> Double? {
        guard let text = value?.trimmingSpaces, !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(text) else { return nil }
        return Double(n)
    }

    /// Uniform in [0, upper] from the system generator.
    public static func systemRandom(_ upper: Double) -> Double {
        upper > 0 ? Double.random(in: 0...upper) : 0
    }

    /// Sleeps the calling thread for `seconds` (dedicated threads only, never the cooperative pool).
    public static func threadSleep(_ seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        let whole = min(seconds.rounded(.down), 86_400)
        var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        var remaining = timespec()
        // A signal (SIGINT/SIGTERM) interrupts nanosleep; keep sleeping the rest.
        while nanosleep(&request, &remaining) != 0 {
            guard errno == EINTR else { return }
            request = remaining
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
