import ByteCoding
import Testing

@testable import TLS

/// Encoders and decoders of the handshake messages (RFC 8446 §4), strict about lengths.
@Suite struct MessageCodecTests {
    static func hello(serverName: String = "bucket.example.com", alpn: [String] = ["http/1.1"]) -> ClientHello {
        ClientHello.make(
            random: [UInt8](repeating: 0xAA, count: 32), sessionID: [UInt8](repeating: 0xBB, count: 32),
            serverName: serverName, alpn: alpn, keyShares: [(.x25519, [UInt8](repeating: 9, count: 32))])
    }

    @Test func clientHelloRoundTripsAndCarriesTheProfile() throws {
        let hello = Self.hello()
        let bytes = hello.encode()
        #expect(bytes[0] == 0x01)
        let decoded = try ClientHello.decode(body: Array(bytes.dropFirst(4)))
        #expect(decoded == hello)
        #expect(decoded.cipherSuites == [0x1303, 0x1301, 0x1302])
        #expect(decoded.sessionID.count == 32)
        #expect(decoded.extensionData(ExtensionType.supportedVersions) == [0x02, 0x03, 0x04])
        #expect(decoded.extensionData(ExtensionType.supportedGroups) == [0x00, 0x04, 0x00, 0x1D, 0x00, 0x17])
        #expect(decoded.extensionData(ExtensionType.signatureAlgorithms) == [0x00, 0x0A, 0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06])
        #expect(decoded.extensionData(ExtensionType.signatureAlgorithmsCert) == [0x00, 0x10, 0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01])
        #expect(decoded.extensionData(ExtensionType.alpn) == [0x00, 0x09, 0x08] + Array("http/1.1".utf8))
        #expect(decoded.keyShareGroups == [0x001D])
        let sni = try #require(decoded.extensionData(ExtensionType.serverName))
        #expect(sni == [0x00, 0x15, 0x00, 0x00, 0x12] + Array("bucket.example.com".utf8))
        // No PSK, early data, GREASE or other extensions.
        #expect(decoded.offeredExtensionTypes == [0x0000, 0x000A, 0x000D, 0x0032, 0x002B, 0x0033, 0x0010])
    }

    @Test(arguments: [
        ("127.0.0.1", nil), ("::1", nil), ("[::1]", nil), ("2001:db8::1", nil), ("10.0.0.255", nil),
        ("Example.COM.", "example.com"), ("localhost", "localhost"), ("1.2.3", "1.2.3"), ("256.1.1.1", "256.1.1.1"),
        ("bücher.example", nil), ("", nil),
    ] as [(String, String?)])
    func sniIsSentForDNSNamesOnly(name: String, expected: String?) {
        #expect(ClientHello.sniHostName(name) == expected)
        let hello = Self.hello(serverName: name)
        #expect((hello.extensionData(ExtensionType.serverName) != nil) == (expected != nil))
    }

    @Test func alpnIsOmittedWhenNoProtocolIsGiven() {
        #expect(Self.hello(alpn: []).extensionData(ExtensionType.alpn) == nil)
    }

    @Test func everyTruncationOfAServerHelloIsADecodeError() throws {
        let sh = ServerHello(
            legacyVersion: 0x0303, random: [UInt8](repeating: 1, count: 32), sessionIDEcho: [1, 2], cipherSuite: 0x1301,
            compressionMethod: 0, extensions: [TLSExtension(type: ExtensionType.supportedVersions, data: [3, 4])])
        let body = Array(sh.encode().dropFirst(4))
        #expect(try ServerHello.decode(body: body) == sh)
        // Cutting inside the extension block (or before it) must fail; cutting exactly before the
        // block is the legacy no-extensions form and decodes without extensions.
        for n in 0..<body.count where n != 40 {
            #expect(throws: MessageError.self, "prefix \(n)") { try ServerHello.decode(body: Array(body.prefix(n))) }
        }
        #expect(try ServerHello.decode(body: Array(body.prefix(40))).extensions.isEmpty)
        #expect(throws: MessageError.self) { try ServerHello.decode(body: body + [0]) }
    }

    @Test func duplicateExtensionsAreRejected() {
        let ee = EncryptedExtensions(extensions: [TLSExtension(type: 0, data: []), TLSExtension(type: 0, data: [])])
        #expect(throws: MessageError(.illegalParameter, "")) { try EncryptedExtensions.decode(body: Array(ee.encode().dropFirst(4))) }
    }

    @Test func extensionLengthOverrunningItsBlockIsADecodeError() {
        // Block of 4 bytes holding an extension that claims 5 bytes of data.
        #expect(throws: MessageError(.decodeError, "")) { try EncryptedExtensions.decode(body: [0x00, 0x04, 0x00, 0x10, 0x00, 0x05]) }
    }

    @Test func certificateMessageRoundTripsAndRejectsEmptyEntriesAndTrailingBytes() throws {
        let msg = CertificateMessage(context: [], certificates: [[0x30, 0x01, 0x00], [0x30, 0x00]])
        let body = Array(msg.encode().dropFirst(4))
        #expect(try CertificateMessage.decode(body: body) == msg)
        #expect(throws: MessageError.self) { try CertificateMessage.decode(body: body + [0]) }
        // One entry with a zero-length certificate.
        #expect(throws: MessageError.self) { try CertificateMessage.decode(body: [0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]) }
        for n in 0..<body.count {
            #expect(throws: MessageError.self, "prefix \(n)") { try CertificateMessage.decode(body: Array(body.prefix(n))) }
        }
    }

    @Test func certificateVerifyRoundTripsAndBuildsTheSignedContent() throws {
        let cv = CertificateVerify(scheme: .rsaPSSRSAESHA256, signature: [1, 2, 3])
        #expect(try CertificateVerify.decode(body: Array(cv.encode().dropFirst(4))) == cv)
        #expect(throws: MessageError.self) { try CertificateVerify.decode(body: [0x08, 0x04, 0x00, 0x00]) }
        let content = CertificateVerify.serverSignedContent(transcriptHash: [0xAB])
        #expect(content.prefix(64).allSatisfy { $0 == 0x20 })
        #expect(Array(content.dropFirst(64)) == Array("TLS 1.3, server CertificateVerify".utf8) + [0x00, 0xAB])
    }

    @Test func newSessionTicketRoundTripsAndLimitsItsLifetime() throws {
        let nst = NewSessionTicket(lifetime: 604_800, ageAdd: 7, nonce: [0], ticket: [1, 2], extensions: [TLSExtension(type: 0x2A, data: [0, 0, 0, 0])])
        #expect(try NewSessionTicket.decode(body: Array(nst.encode().dropFirst(4))) == nst)
        var long = nst
        long.lifetime = 604_801
        #expect(throws: MessageError(.illegalParameter, "")) { try NewSessionTicket.decode(body: Array(long.encode().dropFirst(4))) }
        var empty = nst
        empty.ticket = []
        #expect(throws: MessageError(.decodeError, "")) { try NewSessionTicket.decode(body: Array(empty.encode().dropFirst(4))) }
    }

    @Test func keyUpdateAcceptsOnlyZeroAndOne() throws {
        #expect(try KeyUpdateRequest.decode(body: [0]) == .updateNotRequested)
        #expect(try KeyUpdateRequest.decode(body: [1]) == .updateRequested)
        #expect(throws: MessageError(.illegalParameter, "")) { try KeyUpdateRequest.decode(body: [2]) }
        #expect(throws: MessageError(.decodeError, "")) { try KeyUpdateRequest.decode(body: [0, 0]) }
    }

    @Test func alpnAnswerMustHoldExactlyOneProtocol() throws {
        #expect(try EncryptedExtensions.selectedProtocol([0, 3, 2, 0x68, 0x32]) == Array("h2".utf8))
        #expect(throws: MessageError.self) { try EncryptedExtensions.selectedProtocol([0, 6, 2, 0x68, 0x32, 2, 0x68, 0x33]) }
        #expect(throws: MessageError.self) { try EncryptedExtensions.selectedProtocol([0, 1, 0]) }
        #expect(throws: MessageError.self) { try EncryptedExtensions.selectedProtocol([0, 3, 2, 0x68, 0x32, 0]) }
    }

    @Test func helloRetryRequestAndDowngradeMarkersAreRecognised() {
        var sh = ServerHello(legacyVersion: 0x0303, random: ServerHello.helloRetryRequestRandom, sessionIDEcho: [], cipherSuite: 0x1301, compressionMethod: 0, extensions: [])
        #expect(sh.isHelloRetryRequest)
        #expect(!sh.hasDowngradeSentinel)
        sh.random = [UInt8](repeating: 0, count: 24) + Array("DOWNGRD".utf8) + [0x00]
        #expect(!sh.isHelloRetryRequest)
        #expect(sh.hasDowngradeSentinel)
        sh.random[31] = 0x02
        #expect(!sh.hasDowngradeSentinel)
    }
}
