// libFuzzer target: HTTP/1.1 responses (status line, headers, Content-Length, chunked, pipelining).
import ByteCoding
import HTTP1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let selector = input.first else { return 0 }
    let rest = Array(input.dropFirst())
    let method = selector & 0x80 != 0 ? "HEAD" : "GET"
    let step = Int(selector & 0x1F) + 1
    let limits = HTTPLimits(maxLineBytes: 512, maxHeaderCount: 20, maxHeaderBytes: 4096, maxBodyBytes: 1 << 16, maxInterimResponses: 3)
    var decoder = HTTPResponseDecoder(requestMethod: method, limits: limits)
    var offset = 0
    var responses = 0
    do {
        while offset < rest.count, responses < 8 {
            let end = min(rest.count, offset + step)
            if try decoder.receive(rest[offset..<end]) != nil {
                // Pipelined bytes start the next response.
                let left = decoder.takeUnconsumedBytes()
                responses += 1
                decoder = HTTPResponseDecoder(requestMethod: method, limits: limits)
                if !left.isEmpty { _ = try decoder.receive(left) }
            }
            offset = end
        }
        _ = try decoder.receiveEndOfStream()
    } catch {}

    // The same bytes through a connection (keep-alive bookkeeping, errors mid-response).
    let connection = HTTPConnection(stream: ScriptedByteStream(serverChunks: [rest], chunkSize: step), limits: limits)
    for _ in 0..<3 where connection.isReusable {
        _ = try? connection.send(HTTPRequest(method: method, target: "/bucket/key"))
    }
    return 0
}
