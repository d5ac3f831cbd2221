import ByteCoding
import HTTP1
import Testing

/// One scripted exchange: the server's raw bytes and what the client must make of them.
struct ResponseCase: Sendable, CustomStringConvertible {
    let name: String
    let method: String
    let raw: String
    let status: Int
    let body: String
    let reusable: Bool
    let headerChecks: [(String, String)]
    var description: String { self.name }

    init(_ name: String, method: String = "GET", _ raw: String, status: Int, body: String, reusable: Bool, headers: [(String, String)] = []) {
        self.name = name
        self.method = method
        self.raw = raw
        self.status = status
        self.body = body
        self.reusable = reusable
        self.headerChecks = headers
    }
}

let responseCases: [ResponseCase] = [
    ResponseCase("content-length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\n\r\nhello", status: 200, body: "hello", reusable: true, headers: [("etag", "\"abc\""), ("CONTENT-LENGTH", "5")]),
    ResponseCase("zero content-length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, body: "", reusable: true),
    ResponseCase("chunked body with extensions and trailers",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n7 ; x\r\n, world\r\n0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n",
        status: 200, body: "hello, world", reusable: true),
    ResponseCase("chunked body with upper-case hex size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", status: 200, body: "0123456789", reusable: true),
    ResponseCase("close-delimited body on HTTP/1.1", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", status: 200, body: "until the end", reusable: false),
    ResponseCase("HTTP/1.0 without keep-alive closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", reusable: false),
    ResponseCase("HTTP/1.0 with keep-alive persists", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", reusable: true),
    ResponseCase("HTTP/1.0 close-delimited body", "HTTP/1.0 200 OK\r\n\r\nold", status: 200, body: "old", reusable: false),
    ResponseCase("Connection: close", "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx", status: 200, body: "x", reusable: false),
    ResponseCase("HEAD has no body despite Content-Length", method: "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"e\"\r\n\r\n", status: 200, body: "", reusable: true, headers: [("Content-Length", "1234")]),
    ResponseCase("HEAD 404 has no body", method: "HEAD", "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\n\r\n", status: 404, body: "", reusable: true),
    ResponseCase("204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", status: 204, body: "", reusable: true),
    ResponseCase("304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304, body: "", reusable: true),
    ResponseCase("100 Continue is skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nyes", status: 201, body: "yes", reusable: true, headers: [("content-length", "3")]),
    ResponseCase("bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", status: 200, body: "abc", reusable: true),
    ResponseCase("empty reason phrase without trailing space", "HTTP/1.1 412\r\nContent-Length: 0\r\n\r\n", status: 412, body: "", reusable: true),
    ResponseCase("identical Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi", status: 200, body: "hi", reusable: true),
    ResponseCase("Transfer-Encoding wins over Content-Length and closes", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", status: 200, body: "ok", reusable: false),
    ResponseCase("header values are trimmed", "HTTP/1.1 200 OK\r\nX-A: \t padded value \t\r\nContent-Length: 0\r\n\r\n", status: 200, body: "", reusable: true, headers: [("x-a", "padded value")]),
]

@Suite("HTTP response decoding")
struct HTTPResponseDecoderTests {
    @Test("decodes responses fed byte by byte and all at once", arguments: responseCases, [1, Int.max])
    func decodes(testCase: ResponseCase, chunkSize: Int) throws {
        let stream = ScriptedByteStream(serverChunks: [Array(testCase.raw.utf8)], chunkSize: chunkSize)
        let connection = HTTPConnection(stream: stream)
        let response = try connection.send(HTTPRequest(method: testCase.method, target: "/x", headers: [("Host", "h")]))
        #expect(response.status == testCase.status)
        #expect(String(decoding: response.body, as: UTF8.self) == testCase.body)
        #expect(connection.isReusable == testCase.reusable)
        #expect(stream.isClosed == !testCase.reusable)
        for (name, value) in testCase.headerChecks {
            #expect(response.header(name) == value, "header \(name)")
        }
    }

    @Test("decoder used directly completes exactly at the last byte and keeps pipelined bytes")
    func directDecoderByteByByte() throws {
        let first = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".utf8)
        let second = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
        var decoder = HTTPResponseDecoder(requestMethod: "GET")
        for (i, byte) in first.enumerated() {
            let result = try decoder.receive([byte])
            #expect((result != nil) == (i == first.count - 1), "byte \(i)")
        }
        #expect(decoder.isComplete)
        _ = try decoder.receive(second)
        #expect(decoder.takeUnconsumedBytes() == second)
    }

    @Test("pipelined responses are decoded on connection reuse", arguments: [1, Int.max])
    func pipelinedReuse(chunkSize: Int) throws {
        let raw = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none" + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nthree"
        let stream = ScriptedByteStream(serverChunks: [Array(raw.utf8)], chunkSize: chunkSize)
        let connection = HTTPConnection(stream: stream)
        var bodies: [String] = []
        for path in ["/1", "/2", "/3"] {
            #expect(connection.isReusable)
            let response = try connection.send(HTTPRequest(method: "GET", target: path, headers: [("Host", "h")]))
            bodies.append(String(decoding: response.body, as: UTF8.self))
        }
        #expect(bodies == ["one", "two", "three"])
        #expect(!connection.isReusable)
        #expect(connection.completedResponses == 3)
        let written = String(decoding: stream.written, as: UTF8.self)
        #expect(written == "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    @Test("a large Content-Length body arrives intact across many reads")
    func largeBody() throws {
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var raw = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        raw += body
        let stream = ScriptedByteStream(serverChunks: [raw], chunkSize: 7_001)
        let response = try HTTPConnection(stream: stream).send(HTTPRequest(method: "GET", target: "/"))
        #expect(response.body == body)
    }
}
