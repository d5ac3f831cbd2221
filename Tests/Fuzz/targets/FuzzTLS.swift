// libFuzzer target: TLS records and handshake messages as a server would send them.
import CryptoPrimitives
@testable import TLS
import X509

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let selector = input.first else { return 0 }
    let rest = Array(input.dropFirst())

    // Every handshake message decoder on the raw bytes.
    _ = try? ServerHello.decode(body: rest)
    _ = try? EncryptedExtensions.decode(body: rest)
    _ = try? CertificateMessage.decode(body: rest)
    _ = try? CertificateVerify.decode(body: rest)
    _ = try? NewSessionTicket.decode(body: rest)
    _ = try? KeyUpdateRequest.decode(body: rest)

    // The record layer, fed in chunks.
    let step = Int(selector & 0x3F) + 1
    var deframer = RecordDeframer()
    var offset = 0
    outer: while offset < rest.count {
        let end = min(rest.count, offset + step)
        deframer.feed(Array(rest[offset..<end]))
        offset = end
        while true {
            do {
                guard try deframer.next() != nil else { break }
            } catch {
                break outer
            }
        }
    }

    // The client engine after its ClientHello, receiving the bytes as the server's flight.
    var engine = TLSClientEngine(
        serverName: "example.com", alpn: ["http/1.1"], verifier: CertificateVerifier(trustAnchors: []),
        now: { 1_700_000_000 }, random: { Array(repeating: 0x42, count: $0) })
    guard (try? engine.start()) != nil else { return 0 }
    offset = 0
    while offset < rest.count {
        let end = min(rest.count, offset + step)
        _ = engine.receive(Array(rest[offset..<end]))
        offset = end
    }
    return 0
}
