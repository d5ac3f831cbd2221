import ByteCoding
import HTTP1
import Testing

struct MalformedCase: Sendable, CustomStringConvertible {
    let name: String
    let raw: String
    let code: HTTPError.Code
    var description: String { self.name }
    init(_ name: String, _ raw: String, _ code: HTTPError.Code) {
        self.name = name
        self.raw = raw
        self.code = code
    }
}

let smallLimits = HTTPLimits(maxLineBytes: 64, maxHeaderCount: 4, maxHeaderBytes: 200, maxBodyBytes: 16)

let malformedCases: [MalformedCase] = [
    MalformedCase("HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", .malformed),
    MalformedCase("not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n", .malformed),
    MalformedCase("TLS alert bytes on a plain connection", "\u{15}\u{03}\u{03}\u{00}\u{02}\u{02}\u{28}\n", .malformed),
    MalformedCase("two-digit status", "HTTP/1.1 20 OK\r\n\r\n", .malformed),
    MalformedCase("status below 100", "HTTP/1.1 099 Odd\r\n\r\n", .malformed),
    MalformedCase("101 switching protocols", "HTTP/1.1 101 Switching\r\n\r\n", .malformed),
    MalformedCase("no space after status", "HTTP/1.1 200OK\r\n\r\n", .malformed),
    MalformedCase("header without colon", "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\n", .malformed),
    MalformedCase("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", .malformed),
    MalformedCase("obsolete line folding", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", .malformed),
    MalformedCase("bare CR in a header", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", .malformed),
    MalformedCase("conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", .malformed),
    MalformedCase("negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .malformed),
    MalformedCase("Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\na", .malformed),
    MalformedCase("huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .malformed),
    MalformedCase("unsupported transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .malformed),
    MalformedCase("non-hex chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformed),
    MalformedCase("empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .malformed),
    MalformedCase("17-digit chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nx\r\n0\r\n\r\n", .malformed),
    MalformedCase("garbage after chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n", .malformed),
    MalformedCase("chunk data without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", .malformed),
    MalformedCase("trailer without colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnonsense\r\n\r\n", .malformed),
    MalformedCase("nothing at all", "", .connectionClosed),
    MalformedCase("truncated status line", "HTTP/1.1 200", .connectionClosed),
    MalformedCase("truncated headers", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", .connectionClosed),
    MalformedCase("truncated Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", .connectionClosed),
    MalformedCase("truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", .connectionClosed),
    MalformedCase("missing last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", .connectionClosed),
    MalformedCase("line longer than the limit", "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 80) + "\r\n\r\n", .tooLarge),
    MalformedCase("endless line without LF", "HTTP/1.1 200 " + String(repeating: "a", count: 200), .tooLarge),
    MalformedCase("too many headers", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", .tooLarge),
    MalformedCase("header block too large", "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Header: " + String(repeating: "v", count: 50) + "\r\n", count: 4) + "\r\n", .tooLarge),
    MalformedCase("Content-Length over the body cap", "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n", .tooLarge),
    MalformedCase("chunked body over the body cap", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n9\r\n123456789\r\n0\r\n\r\n", .tooLarge),
    MalformedCase("close-delimited body over the body cap", "HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "b", count: 17), .tooLarge),
    MalformedCase("too many trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", .tooLarge),
]

@Suite("HTTP malformed responses")
struct HTTPMalformedResponseTests {
    @Test("malformed, truncated and oversized responses throw the right code", arguments: malformedCases, [1, Int.max])
    func rejects(testCase: MalformedCase, chunkSize: Int) {
        let stream = ScriptedByteStream(serverChunks: [Array(testCase.raw.utf8)], chunkSize: chunkSize)
        let connection = HTTPConnection(stream: stream, limits: smallLimits)
        do {
            let response = try connection.send(HTTPRequest(method: "GET", target: "/"))
            Issue.record("expected \(testCase.code), got status \(response.status)")
        } catch {
            #expect(error.code == testCase.code)
            #expect(!connection.isReusable)
            #expect(stream.isClosed)
        }
    }

    @Test("closing before any response byte is reported as beforeResponse")
    func closedBeforeResponse() {
        let connection = HTTPConnection(stream: ScriptedByteStream(serverChunks: []))
        #expect {
            _ = try connection.send(HTTPRequest(method: "GET", target: "/"))
        } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.code == .connectionClosed && e.beforeResponse
        }
    }

    @Test("closing mid-response is not reported as beforeResponse")
    func closedMidResponse() {
        let connection = HTTPConnection(stream: ScriptedByteStream(serverChunks: [Array("HTTP/1.1 2".utf8)]))
        #expect {
            _ = try connection.send(HTTPRequest(method: "GET", target: "/"))
        } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.code == .connectionClosed && !e.beforeResponse
        }
    }

    struct Boom: Error {}

    @Test("a stream read failure is wrapped as streamFailed and breaks the connection")
    func streamFailure() {
        let stream = ScriptedByteStream(serverChunks: [])
        stream.errorAtEnd = Boom()
        let connection = HTTPConnection(stream: stream)
        #expect {
            _ = try connection.send(HTTPRequest(method: "GET", target: "/"))
        } throws: { error in
            guard let e = error as? HTTPError else { return false }
            return e.code == .streamFailed && e.beforeResponse && e.underlying is Boom
        }
        #expect(!connection.isReusable)
        #expect {
            _ = try connection.send(HTTPRequest(method: "GET", target: "/"))
        } throws: { error in
            (error as? HTTPError)?.code == .connectionClosed
        }
    }
}
