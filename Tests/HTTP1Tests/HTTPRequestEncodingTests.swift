import HTTP1
import Testing

@Suite("HTTP request encoding")
struct HTTPRequestEncodingTests {
    @Test("a GET is encoded with headers in order and no Content-Length")
    func encodesGet() throws {
        let request = HTTPRequest(method: "GET", target: "/bucket/a%20b?list-type=2", headers: [("Host", "example.com:9000"), ("x-amz-date", "20130524T000000Z")])
        #expect(String(decoding: try request.encoded(), as: UTF8.self)
            == "GET /bucket/a%20b?list-type=2 HTTP/1.1\r\nHost: example.com:9000\r\nx-amz-date: 20130524T000000Z\r\n\r\n")
    }

    @Test("a PUT gets Content-Length, even for an empty body")
    func encodesPut() throws {
        let withBody = HTTPRequest(method: "PUT", target: "/k", headers: [("Host", "h")], body: Array("abc".utf8))
        #expect(String(decoding: try withBody.encoded(), as: UTF8.self) == "PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
        let empty = HTTPRequest(method: "PUT", target: "/k", headers: [("Host", "h")])
        #expect(String(decoding: try empty.encoded(), as: UTF8.self) == "PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
        let explicit = HTTPRequest(method: "PUT", target: "/k", headers: [("Content-Length", "2")], body: [1, 2])
        #expect(try explicit.encoded() == Array("PUT /k HTTP/1.1\r\nContent-Length: 2\r\n\r\n".utf8) + [1, 2])
    }

    @Test("requests that could smuggle bytes are refused", arguments: [
        HTTPRequest(method: "GET", target: "/a b"),
        HTTPRequest(method: "GET", target: "/a\r\nX: y"),
        HTTPRequest(method: "GET", target: ""),
        HTTPRequest(method: "GE T", target: "/"),
        HTTPRequest(method: "GET", target: "/", headers: [("X-A", "v\r\nInjected: 1")]),
        HTTPRequest(method: "GET", target: "/", headers: [("X A", "v")]),
        HTTPRequest(method: "GET", target: "/", headers: [("", "v")]),
        HTTPRequest(method: "PUT", target: "/", headers: [("Content-Length", "5")], body: [1]),
        HTTPRequest(method: "PUT", target: "/", headers: [("Transfer-Encoding", "chunked")], body: [1]),
    ])
    func refusesUnsafeRequests(request: HTTPRequest) {
        #expect(throws: HTTPError.invalidRequest("")) { try request.encoded() }
    }

    @Test("header lookup is case-insensitive and returns the first value")
    func headerLookup() {
        let response = HTTPResponse(status: 200, headers: [("ETag", "\"1\""), ("etag", "\"2\""), ("X-Amz-Request-Id", "r")])
        #expect(response.header("etag") == "\"1\"")
        #expect(response.header("ETAG") == "\"1\"")
        #expect(response.headerValues("ETag") == ["\"1\"", "\"2\""])
        #expect(response.header("x-amz-request-id") == "r")
        #expect(response.header("missing") == nil)
    }
}

extension HTTPRequest: CustomTestStringConvertible {
    public var testDescription: String { "\(self.method) \(self.target) \(self.headers.map { "\($0.name)=\($0.value)" })" }
}
