import ByteCoding
import HTTP1
import S3
import Testing

/// Records the waits instead of sleeping; `fraction` of the jitter ceiling is "drawn".
final class RetryRecorder {
    var sleeps: [Double] = []
    var ceilings: [Double] = []
    var messages: [String] = []
    let fraction: Double
    init(fraction: Double) { self.fraction = fraction }
}

/// A transport error the client is told is transient (like a TCP reset or refusal).
struct FakeTransportError: Error, CustomStringConvertible {
    let transient: Bool
    var description: String { self.transient ? "connection refused by 127.0.0.1:9000" : "cannot resolve host" }
}

func retryingClient(_ endpoint: FakeEndpoint, retries: Int, recorder: RetryRecorder, connectFailures: [FakeTransportError] = []) -> S3Client {
    var failures = connectFailures
    let client = S3Client(
        configuration: testConfiguration, retryPolicy: S3RetryPolicy(maxRetries: retries, baseDelay: 0.5, maxDelay: 4), requestTimeout: nil,
        connect: {
            if !failures.isEmpty { throw failures.removeFirst() }
            return try endpoint.connect()
        },
        now: { fixedNow },
        isTransient: { ($0 as? FakeTransportError)?.transient ?? false },
        sleep: { recorder.sleeps.append($0) },
        random: { upper in
            recorder.ceilings.append(upper)
            return upper * recorder.fraction
        })
    client.onRetry = { recorder.messages.append($0) }
    return client
}

let slowDown = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"

@Suite("S3 retries: backoff with full jitter, only safe requests, bounded")
struct S3RetryTests {
    @Test("503, 503, 200: the GET succeeds after two jittered waits whose ceilings double")
    func transientStatusesAreRetried() throws {
        let endpoint = FakeEndpoint([[respond(503, "Service Unavailable"), respond(503, "Service Unavailable"), respond(200, "OK", body: "data")]])
        let recorder = RetryRecorder(fraction: 0.5)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        #expect(try client.getObject(key: "k")?.body == Array("data".utf8))
        #expect(recorder.ceilings == [0.5, 1.0])
        #expect(recorder.sleeps == [0.25, 0.5])
        #expect(client.retriesPerformed == 2)
        #expect(endpoint.requests(on: 0).count == 3)
        #expect(recorder.messages.first?.contains("HTTP 503; attempt 2 of 6") == true, "\(recorder.messages)")
    }

    @Test("every wait stays within [0, ceiling] and the ceiling is capped", arguments: [0.0, 0.3, 1.0])
    func waitsAreBounded(fraction: Double) {
        let policy = S3RetryPolicy(maxRetries: 10, baseDelay: 0.5, maxDelay: 4)
        for retry in 1...10 {
            let ceiling = min(4, 0.5 * Double(1 << (retry - 1)))
            let wait = policy.delay(beforeRetry: retry, throttled: false, retryAfter: nil) { $0 * fraction }
            #expect(wait >= 0 && wait <= ceiling && wait == ceiling * fraction)
        }
        // A generator that misbehaves cannot stretch the wait past the ceiling.
        #expect(policy.delay(beforeRetry: 1, throttled: false, retryAfter: nil) { _ in 1e9 } == 0.5)
        #expect(policy.delay(beforeRetry: 1, throttled: false, retryAfter: nil) { _ in -5 } == 0)
    }

    @Test("429 and SlowDown wait at least one second even when the jitter draws zero")
    func throttlingWaitsAtLeastOneSecond() throws {
        let endpoint = FakeEndpoint([[respond(429, "Too Many Requests"), respond(503, "Slow Down", body: slowDown), respond(200, "OK", headers: ["ETag: \"e\""])]])
        let recorder = RetryRecorder(fraction: 0)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        try client.putObject(key: "k", body: [1], ifNoneMatch: true)
        #expect(recorder.sleeps.count == 2)
        #expect(recorder.sleeps.allSatisfy { $0 >= 1 })
    }

    @Test("Retry-After in seconds is honoured, capped, and an HTTP-date falls back to backoff")
    func retryAfterIsHonoured() throws {
        let endpoint = FakeEndpoint([[
            respond(503, "Service Unavailable", headers: ["Retry-After: 7"]),
            respond(503, "Service Unavailable", headers: ["Retry-After: 99999"]),
            respond(503, "Service Unavailable", headers: ["Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"]),
            respond(200, "OK", body: "x"),
        ]])
        let recorder = RetryRecorder(fraction: 1)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        _ = try client.getObject(key: "k")
        #expect(recorder.sleeps == [7, 60, 2])
    }

    @Test("non-retryable statuses are tried once", arguments: [400, 403, 404, 412])
    func clientErrorsAreNotRetried(status: Int) {
        let endpoint = FakeEndpoint([[respond(status, "No"), respond(200, "OK", headers: ["ETag: \"e\""])]])
        let recorder = RetryRecorder(fraction: 0.5)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        #expect(throws: S3Error.self) { try client.putObject(key: "k", body: [1], ifMatch: "\"old\"") }
        #expect(recorder.sleeps.isEmpty)
        #expect(endpoint.requests(on: 0).filter { $0.hasPrefix("PUT ") }.count == 1)
    }

    @Test("when every attempt fails the error names the attempts and keeps the last status")
    func exhaustedAttemptsAreNamed() {
        let endpoint = FakeEndpoint([Array(repeating: respond(503, "Service Unavailable", body: slowDown), count: 3)])
        let recorder = RetryRecorder(fraction: 0.5)
        let client = retryingClient(endpoint, retries: 2, recorder: recorder)
        do {
            _ = try client.listObjects(prefix: "prices/v1/AAPL/")
            Issue.record("expected an error")
        } catch let error as S3Error {
            #expect(error.code == "SlowDown")
            #expect(error.httpStatus == 503)
            #expect(error.attempts == 3)
            #expect(error.description.contains("failed after 3 attempts"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(recorder.sleeps.count == 2)
    }

    @Test("an unconditional PUT is not repeated after a 5xx (it may have landed), but is after 429")
    func unconditionalPutIsRetriedOnlyWhenCertainlyNotApplied() throws {
        let endpoint = FakeEndpoint([[respond(500, "Internal Server Error"), respond(200, "OK")]])
        let recorder = RetryRecorder(fraction: 0.5)
        #expect(throws: S3Error.self) { try retryingClient(endpoint, retries: 5, recorder: recorder).putObject(key: "k", body: [1]) }
        #expect(recorder.sleeps.isEmpty)

        let throttled = FakeEndpoint([[respond(429, "Too Many Requests"), respond(200, "OK", headers: ["ETag: \"e\""])]])
        #expect(try retryingClient(throttled, retries: 5, recorder: recorder).putObject(key: "k", body: [1]) == "\"e\"")
        #expect(recorder.sleeps.count == 1)
    }

    @Test("a conditional PUT whose retry meets 412 reports the attempts, so the caller knows it may be its own write")
    func retriedConditionalPutThatMeets412() {
        let endpoint = FakeEndpoint([
            ["HTTP/1.1 200 OK\r\nContent-Le"],  // the first PUT landed, but the answer was cut off
            [respond(412, "Precondition Failed")],
        ])
        let recorder = RetryRecorder(fraction: 0.5)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        #expect {
            try client.putObject(key: "k", body: [1], ifNoneMatch: true)
        } throws: { error in
            guard let e = error as? S3Error else { return false }
            return e.code == "PreconditionFailed" && e.attempts == 2
        }
        #expect(client.connectionsOpened == 2)
        #expect(endpoint.requests(on: 1)[0].contains("if-none-match: *"))
    }

    @Test("a connection cut mid-response is retried on a fresh connection")
    func resetMidResponseIsRetried() throws {
        let endpoint = FakeEndpoint([["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], [respond(200, "OK", body: "0123456789")]])
        let recorder = RetryRecorder(fraction: 0.5)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder)
        #expect(try client.getObject(key: "k")?.body == Array("0123456789".utf8))
        #expect(client.connectionsOpened == 2)
        #expect(recorder.sleeps.count == 1)
    }

    @Test("a refused connection is retried, even for an unconditional PUT (nothing was sent)")
    func connectFailuresAreRetried() throws {
        let endpoint = FakeEndpoint([[respond(200, "OK", headers: ["ETag: \"e\""])]])
        let recorder = RetryRecorder(fraction: 0.5)
        let refused = FakeTransportError(transient: true)
        let client = retryingClient(endpoint, retries: 5, recorder: recorder, connectFailures: [refused, refused])
        #expect(try client.putObject(key: "k", body: [1]) == "\"e\"")
        #expect(recorder.sleeps.count == 2)
    }

    @Test("a permanent connect error is thrown at once; transient ones give up after the attempts, naming them")
    func connectFailuresAreBounded() {
        let recorder = RetryRecorder(fraction: 0.5)
        let permanent = retryingClient(FakeEndpoint([]), retries: 5, recorder: recorder, connectFailures: [FakeTransportError(transient: false)])
        #expect(throws: FakeTransportError.self) { _ = try permanent.getObject(key: "k") }
        #expect(recorder.sleeps.isEmpty)

        let refused = FakeTransportError(transient: true)
        let client = retryingClient(FakeEndpoint([]), retries: 3, recorder: recorder, connectFailures: Array(repeating: refused, count: 4))
        do {
            _ = try client.getObject(key: "k")
            Issue.record("expected an error")
        } catch let error as S3Error {
            #expect(error.code == "ConnectionFailed")
            #expect(error.attempts == 4)
            #expect(error.description.contains("after 4 attempts") && error.description.contains("connection refused"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(recorder.sleeps.count == 3)
    }

    @Test("a server that trickles bytes hits the whole-request deadline, which is not retried")
    func wholeRequestDeadline() {
        let clock = FakeClock()
        let recorder = RetryRecorder(fraction: 0.5)
        let client = S3Client(
            configuration: testConfiguration, retryPolicy: S3RetryPolicy(maxRetries: 5), requestTimeout: 30,
            connect: { TricklingStream(clock: clock, text: respond(200, "OK", body: String(repeating: "x", count: 100))) },
            now: { fixedNow }, sleep: { recorder.sleeps.append($0) }, random: { $0 }, monotonicNow: { clock.now })
        #expect {
            _ = try client.getObject(key: "k")
        } throws: { error in
            guard let e = error as? HTTPError, e.code == .streamFailed, let deadline = e.underlying as? RequestDeadlineExceeded else { return false }
            return deadline.seconds == 30 && String(describing: e).contains("request timeout of 30.0 s")
        }
        #expect(recorder.sleeps.isEmpty)
        #expect(clock.now <= 1031)
    }
}

final class FakeClock {
    var now = 1000.0
}

/// A server that sends one byte per read and takes a second for each.
final class TricklingStream: ByteStream {
    private var bytes: [UInt8]
    private let clock: FakeClock
    init(clock: FakeClock, text: String) {
        self.clock = clock
        self.bytes = Array(text.utf8)
    }
    func read(maxBytes: Int) throws -> [UInt8] {
        self.clock.now += 1
        guard !self.bytes.isEmpty else { return [] }
        return [self.bytes.removeFirst()]
    }
    func write(_ bytes: [UInt8]) throws {}
    func close() {}
    var peerDescription: String { "trickling peer" }
}
