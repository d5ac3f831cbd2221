import ByteCoding
import CryptoPrimitives
import HTTP1
import S3
import Testing

/// Hands out one scripted connection per `connect()` and remembers them.
final class FakeEndpoint {
    private var scripts: [[String]]
    private let chunkSize: Int
    private(set) var streams: [ScriptedByteStream] = []

    /// `scripts[i]` is what the server sends on the i-th connection (response strings).
    init(_ scripts: [[String]], chunkSize: Int = Int.max) {
        self.scripts = scripts
        self.chunkSize = chunkSize
    }

    func connect() throws -> any ByteStream {
        guard !self.scripts.isEmpty else { throw HTTPError.connectionClosed("no more scripted connections", beforeResponse: true) }
        let stream = ScriptedByteStream(serverChunks: self.scripts.removeFirst().map { Array($0.utf8) }, chunkSize: self.chunkSize)
        self.streams.append(stream)
        return stream
    }

    /// The requests the client wrote on connection `i`, split at request lines.
    func requests(on i: Int) -> [String] {
        let text = String(decoding: self.streams[i].written, as: UTF8.self)
        return text.split(separator: "\r\n\r\n").map(String.init)
    }
}

func respond(_ status: Int, _ reason: String, headers: [String] = [], body: String = "") -> String {
    var text = "HTTP/1.1 \(status) \(reason)\r\n"
    for h in headers { text += h + "\r\n" }
    text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    return text
}

func respondHead(_ status: Int, _ reason: String, headers: [String] = []) -> String {
    var text = "HTTP/1.1 \(status) \(reason)\r\n"
    for h in headers { text += h + "\r\n" }
    return text + "\r\n"
}

let testConfiguration = S3Configuration(endpointScheme: "http", host: "127.0.0.1", port: 9000, bucket: "market-data", region: "auto", accessKeyID: "test-access-key", secretAccessKey: "test-secret-0123456789abcdef")

/// 2024-01-15T09:30:00Z.
let fixedNow: Int64 = 1_705_311_000

func makeClient(_ endpoint: FakeEndpoint) -> S3Client {
    S3Client(configuration: testConfiguration, connect: { try endpoint.connect() }, now: { fixedNow })
}

func listPage(_ keys: [String], truncated: Bool, token: String?) -> String {
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>market-data</Name>"
    xml += "<IsTruncated>\(truncated)</IsTruncated>"
    for key in keys { xml += "<Contents><Key>\(key)</Key><ETag>&quot;e-\(key.count)&quot;</ETag><Size>\(key.count)</Size></Contents>" }
    if let token { xml += "<NextContinuationToken>\(token)</NextContinuationToken>" }
    return xml + "</ListBucketResult>"
}

@Suite("S3 client against scripted servers")
struct S3ClientTests {
    @Test("a conditional PUT is signed exactly as an independent reference signer computes it")
    func putIsSignedLikeTheReference() throws {
        let endpoint = FakeEndpoint([[respond(200, "OK", headers: ["ETag: \"5d41402abc4b2a76b9719d911017c592\""])]])
        let client = makeClient(endpoint)
        let etag = try client.putObject(key: "prices/v1/RDS%2FA/2024/01/data file.parquet", body: Array("hello parquet".utf8), ifNoneMatch: true)
        #expect(etag == "\"5d41402abc4b2a76b9719d911017c592\"")
        // Expected values computed with Python hashlib/hmac from the AWS SigV4 algorithm.
        let payload = "950423965d5b936670f1549c58ce0594b58e1027c2b5e1e2a4f1515b1bc2f1b0"
        #expect(endpoint.requests(on: 0) == [
            "PUT /market-data/prices/v1/RDS%252FA/2024/01/data%20file.parquet HTTP/1.1\r\n"
                + "Host: 127.0.0.1:9000\r\n"
                + "x-amz-content-sha256: \(payload)\r\n"
                + "x-amz-date: 20240115T093000Z\r\n"
                + "content-type: application/octet-stream\r\n"
                + "if-none-match: *\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=test-access-key/20240115/auto/s3/aws4_request, "
                + "SignedHeaders=content-type;host;if-none-match;x-amz-content-sha256;x-amz-date, "
                + "Signature=1c5b846ac223cc47175c67c0d8be66e9e94ba5d6c405ebf3a5fb3044b16cd26d\r\n"
                + "Content-Length: 13",
            "hello parquet",
        ])
        #expect(client.lastCanonicalRequest == "PUT\n/market-data/prices/v1/RDS%252FA/2024/01/data%20file.parquet\n\n"
            + "content-type:application/octet-stream\nhost:127.0.0.1:9000\nif-none-match:*\n"
            + "x-amz-content-sha256:\(payload)\nx-amz-date:20240115T093000Z\n\n"
            + "content-type;host;if-none-match;x-amz-content-sha256;x-amz-date\n\(payload)")
        #expect(client.lastStringToSign?.hasPrefix("AWS4-HMAC-SHA256\n20240115T093000Z\n20240115/auto/s3/aws4_request\n") == true)
        #expect(client.lastCanonicalRequest?.contains("test-secret") == false)
    }

    @Test("GET returns body and ETag; 404 NoSuchKey is nil; 404 NoSuchBucket throws")
    func getObject() throws {
        let endpoint = FakeEndpoint([[
            respond(200, "OK", headers: ["ETag: \"abc\""], body: "PAR1data"),
            respond(404, "Not Found", headers: ["Content-Type: application/xml"], body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"),
            respond(404, "Not Found", body: "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message></Error>"),
        ]], chunkSize: 1)
        let client = makeClient(endpoint)
        let object = try #require(try client.getObject(key: "a/b.parquet"))
        #expect(object.body == Array("PAR1data".utf8))
        #expect(object.etag == "\"abc\"")
        #expect(try client.getObject(key: "missing") == nil)
        #expect {
            _ = try client.getObject(key: "x")
        } throws: { error in
            guard let e = error as? S3Error else { return false }
            return e.code == "NoSuchBucket" && e.httpStatus == 404 && e.description.contains("R2_BUCKET")
        }
        #expect(client.connectionsOpened == 1)
        let requests = endpoint.requests(on: 0)
        #expect(requests.count == 3)
        #expect(requests[0].hasPrefix("GET /market-data/a/b.parquet HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nx-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"))
        #expect(!requests[0].contains("Content-Length"))
    }

    @Test("a failed precondition surfaces as PreconditionFailed with If-Match sent and signed")
    func preconditionFailed() throws {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition><RequestId>R1</RequestId></Error>"
        let endpoint = FakeEndpoint([[respond(412, "Precondition Failed", body: body), respond(412, "Precondition Failed")]])
        let client = makeClient(endpoint)
        #expect {
            try client.putObject(key: "k", body: [1, 2, 3], ifMatch: "\"old\"")
        } throws: { error in
            guard let e = error as? S3Error else { return false }
            return e.code == "PreconditionFailed" && e.httpStatus == 412 && e.requestID == "R1" && e.key == "k" && !e.isRetryable
        }
        #expect {
            try client.putObject(key: "k", body: [], ifNoneMatch: true)
        } throws: { error in
            (error as? S3Error)?.code == "PreconditionFailed"
        }
        let request = endpoint.requests(on: 0)[0]
        #expect(request.contains("\r\nif-match: \"old\"\r\n"))
        #expect(request.contains("SignedHeaders=content-type;host;if-match;x-amz-content-sha256;x-amz-date,"))
        #expect(request.contains("x-amz-content-sha256: \(Hex.encode(SHA256.hash([UInt8]([1, 2, 3]))))"))
        #expect(endpoint.requests(on: 0).last?.contains("PUT /market-data/k HTTP/1.1") == true)
        #expect(endpoint.requests(on: 0).last?.contains("Content-Length: 0") == true)
    }

    @Test("HEAD gives size and ETag, nil on 404")
    func headObject() throws {
        let endpoint = FakeEndpoint([[
            respondHead(200, "OK", headers: ["Content-Length: 52428800", "ETag: \"abc-3\""]),
            respondHead(404, "Not Found", headers: ["Content-Type: application/xml"]),
            respondHead(200, "OK", headers: ["Content-Length: 12x"]),
        ]])
        let client = makeClient(endpoint)
        #expect(try client.headObject(key: "big") == S3ObjectInfo(key: "big", etag: "\"abc-3\"", size: 52_428_800))
        #expect(try client.headObject(key: "none") == nil)
        #expect(throws: HTTPError.malformed("")) { try client.headObject(key: "odd") }
    }

    @Test("ListObjectsV2 follows continuation tokens on one kept-alive connection", arguments: [1, Int.max])
    func listPaging(chunkSize: Int) throws {
        let endpoint = FakeEndpoint([[
            respond(200, "OK", body: listPage(["prices/v1/A/2024/01/data.parquet", "prices/v1/A/2024/02/data.parquet"], truncated: true, token: "1oDMtg+plck/Hv==")),
            respond(200, "OK", body: listPage(["prices/v1/B &amp; C/2024/01/data.parquet"], truncated: true, token: "t2")),
            respond(200, "OK", body: listPage([], truncated: false, token: nil)),
        ]], chunkSize: chunkSize)
        let client = makeClient(endpoint)
        let objects = try client.listObjects(prefix: "prices/v1/", maxKeys: 2)
        #expect(objects.map(\.key) == ["prices/v1/A/2024/01/data.parquet", "prices/v1/A/2024/02/data.parquet", "prices/v1/B & C/2024/01/data.parquet"])
        #expect(objects[0].etag == "\"e-32\"")
        #expect(objects[0].size == 32)
        #expect(client.connectionsOpened == 1)
        let lines = endpoint.requests(on: 0).map { $0.split(separator: "\r\n")[0] }
        #expect(lines == [
            "GET /market-data?list-type=2&max-keys=2&prefix=prices%2Fv1%2F HTTP/1.1",
            "GET /market-data?continuation-token=1oDMtg%2Bplck%2FHv%3D%3D&list-type=2&max-keys=2&prefix=prices%2Fv1%2F HTTP/1.1",
            "GET /market-data?continuation-token=t2&list-type=2&max-keys=2&prefix=prices%2Fv1%2F HTTP/1.1",
        ])
        // Independently computed (Python hmac) signature of the second page request.
        #expect(endpoint.requests(on: 0)[1].hasSuffix("Signature=f26bfaf3936e3824c05d8136f78f5429c88f3557ed5f4e590b2c56fa3eaaf962"))
    }

    @Test("one ListObjectsV2 page can start after any string")
    func listPageStartAfter() throws {
        let endpoint = FakeEndpoint([[respond(200, "OK", body: listPage(["prices/v1/B &amp; C/2024/01/data.parquet"], truncated: true, token: "t"))]])
        let client = makeClient(endpoint)
        let page = try client.listObjectsPage(prefix: "prices/v1/", startAfter: "prices/v1/B & C/")
        #expect(page.objects.map(\.key) == ["prices/v1/B & C/2024/01/data.parquet"] && page.isTruncated)
        let lines = endpoint.requests(on: 0).map { $0.split(separator: "\r\n")[0] }
        #expect(lines == ["GET /market-data?list-type=2&prefix=prices%2Fv1%2F&start-after=prices%2Fv1%2FB%20%26%20C%2F HTTP/1.1"])
        #expect(throws: S3Error.invalidRequest("")) { try client.listObjectsPage(prefix: "", startAfter: "a", maxKeys: 1001) }
    }

    @Test("listings that would not end or lack a token are refused")
    func listGuards() throws {
        let repeating = FakeEndpoint([[
            respond(200, "OK", body: listPage(["a"], truncated: true, token: "same")),
            respond(200, "OK", body: listPage(["b"], truncated: true, token: "same")),
        ]])
        #expect(throws: S3Error.invalidResponse("")) { try makeClient(repeating).listObjects(prefix: "") }
        let tokenless = FakeEndpoint([[respond(200, "OK", body: listPage(["a"], truncated: true, token: nil))]])
        #expect(throws: S3Error.invalidResponse("")) { try makeClient(tokenless).listObjects(prefix: "") }
        let garbage = FakeEndpoint([[respond(200, "OK", body: "<ListBucketResult><Contents>")]])
        #expect(throws: S3Error.invalidResponse("")) { try makeClient(garbage).listObjects(prefix: "") }
        let endless = FakeEndpoint([[
            respond(200, "OK", body: listPage(["a"], truncated: true, token: "1")),
            respond(200, "OK", body: listPage(["b"], truncated: true, token: "2")),
        ]])
        let client = makeClient(endless)
        client.maxListPages = 2
        #expect(throws: S3Error.invalidResponse("")) { try client.listObjects(prefix: "") }
        #expect(throws: S3Error.invalidRequest("")) { try client.listObjects(prefix: "", maxKeys: 0) }
    }

    @Test("Connection: close makes the next request open a new connection")
    func reconnectsAfterClose() throws {
        let endpoint = FakeEndpoint([
            [respond(200, "OK", headers: ["Connection: close"], body: "1")],
            [respond(200, "OK", body: "2")],
        ])
        let client = makeClient(endpoint)
        #expect(try client.getObject(key: "a")?.body == Array("1".utf8))
        #expect(try client.getObject(key: "b")?.body == Array("2".utf8))
        #expect(client.connectionsOpened == 2)
        #expect(endpoint.streams[0].isClosed)
    }

    @Test("a reused connection closed before any response byte is retried once on a fresh one")
    func retriesStaleConnection() throws {
        let endpoint = FakeEndpoint([
            [respond(200, "OK", body: "first")],  // then EOF: the server dropped the idle connection
            [respond(200, "OK", body: "second")],
        ])
        let client = makeClient(endpoint)
        #expect(try client.getObject(key: "a")?.body == Array("first".utf8))
        #expect(try client.getObject(key: "b")?.body == Array("second".utf8))
        #expect(client.connectionsOpened == 2)
        #expect(endpoint.requests(on: 1).count == 1)
        #expect(endpoint.requests(on: 1)[0].hasPrefix("GET /market-data/b HTTP/1.1"))
    }

    @Test("a fresh connection closed before any response byte is not retried")
    func freshConnectionFailureIsNotRetried() {
        let endpoint = FakeEndpoint([[], [respond(200, "OK", body: "never")]])
        let client = makeClient(endpoint)
        #expect {
            _ = try client.getObject(key: "a")
        } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.code == .connectionClosed && e.beforeResponse
        }
        #expect(client.connectionsOpened == 1)
    }

    @Test("a reused connection that fails mid-response is not retried")
    func midResponseFailureIsNotRetried() {
        let endpoint = FakeEndpoint([
            [respond(200, "OK", body: "first"), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
            [respond(200, "OK", body: "never")],
        ])
        let client = makeClient(endpoint)
        #expect(throws: Never.self) { _ = try client.getObject(key: "a") }
        #expect {
            _ = try client.getObject(key: "b")
        } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.code == .connectionClosed && !e.beforeResponse
        }
        #expect(client.connectionsOpened == 1)
    }

    @Test("a second stale failure after the retry is reported, not retried again")
    func retriesOnlyOnce() {
        let endpoint = FakeEndpoint([[respond(200, "OK", body: "first")], []])
        let client = makeClient(endpoint)
        #expect(throws: Never.self) { _ = try client.getObject(key: "a") }
        #expect(throws: HTTPError.connectionClosed("", beforeResponse: true)) { _ = try client.getObject(key: "b") }
        #expect(client.connectionsOpened == 2)
    }

    @Test("HEAD bucket maps bare statuses to codes with fix hints")
    func headBucket() throws {
        let endpoint = FakeEndpoint([[
            respondHead(200, "OK"),
            respondHead(404, "Not Found"),
            respondHead(403, "Forbidden"),
            respondHead(401, "Unauthorized"),
        ]])
        let client = makeClient(endpoint)
        try client.headBucket()
        let expectations: [(String, String)] = [("NoSuchBucket", "R2_BUCKET"), ("Forbidden", "permission"), ("Unauthorized", "R2_ACCESS_KEY_ID")]
        for (code, hint) in expectations {
            do {
                try client.headBucket()
                Issue.record("expected \(code)")
            } catch let error as S3Error {
                #expect(error.code == code)
                #expect(error.description.contains(hint), "\(error.description)")
            }
        }
        #expect(endpoint.requests(on: 0)[0].hasPrefix("HEAD /market-data HTTP/1.1\r\n"))
    }

    @Test("SignatureDoesNotMatch carries the server's canonical request and never the secret")
    func signatureMismatch() throws {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><StringToSign>AWS4-HMAC-SHA256\n20240115T093000Z\n20240115/auto/s3/aws4_request\nfeed</StringToSign><CanonicalRequest>GET\n/market-data/k\n\nhost:127.0.0.1:9000\n</CanonicalRequest><RequestId>RID</RequestId></Error>"
        let endpoint = FakeEndpoint([[respond(403, "Forbidden", headers: ["x-amz-request-id: HDR"], body: body)]])
        let client = makeClient(endpoint)
        do {
            _ = try client.getObject(key: "k")
            Issue.record("expected SignatureDoesNotMatch")
        } catch let error as S3Error {
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.httpStatus == 403)
            #expect(error.requestID == "RID")
            #expect(error.serverCanonicalRequest == "GET\n/market-data/k\n\nhost:127.0.0.1:9000\n")
            #expect(error.serverStringToSign?.hasSuffix("\nfeed") == true)
            #expect(error.description.contains("R2_SECRET_ACCESS_KEY"))
            #expect(!error.description.contains("test-secret"))
            #expect(!String(reflecting: error).contains("test-secret"))
        }
    }

    @Test("a non-XML error page keeps the status and a printable snippet; 503 is retryable")
    func nonXMLError() {
        let endpoint = FakeEndpoint([[respond(503, "Service Unavailable", body: "<html>\u{1}overloaded</html>")]])
        do {
            _ = try makeClient(endpoint).getObject(key: "k")
            Issue.record("expected an error")
        } catch let error as S3Error {
            #expect(error.code == "HTTP503")
            #expect(error.isRetryable)
            #expect(error.message == "<html> overloaded</html>")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("empty and over-long keys are refused before anything is sent")
    func keyValidation() {
        let endpoint = FakeEndpoint([])
        let client = makeClient(endpoint)
        #expect(throws: S3Error.invalidRequest("")) { _ = try client.getObject(key: "") }
        #expect(throws: S3Error.invalidRequest("")) { try client.putObject(key: String(repeating: "k", count: 1025), body: []) }
        #expect(client.connectionsOpened == 0)
    }
}
