import ByteCoding
import Testing

@testable import TLS

/// Record framing and protection (RFC 8446 §5).
@Suite struct RecordLayerTests {
    @Test func deframerReassemblesRecordsFedByteByByte() throws {
        let stream: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x02, 0xAA, 0xBB, 0x15, 0x03, 0x03, 0x00, 0x00]
        var d = RecordDeframer()
        var got: [(UInt8, [UInt8])] = []
        for b in stream {
            d.feed([b])
            while let r = try d.next() { got.append((r.type, Array(r.body))) }
        }
        #expect(got.count == 2)
        #expect(got[0].0 == 0x16 && got[0].1 == [0xAA, 0xBB])
        #expect(got[1].0 == 0x15 && got[1].1.isEmpty)
        #expect(d.bufferedByteCount == 0)
    }

    @Test(arguments: [16_640, 16_641, 65_535])
    func deframerEnforcesTheCiphertextLimit(length: Int) throws {
        var d = RecordDeframer()
        d.feed([0x17, 0x03, 0x03, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0, count: min(length, 16_640)))
        if length <= 16_640 {
            #expect(try d.next()?.body.count == length)
        } else {
            #expect(throws: DeframeFailure.overflow(length)) { try d.next() }
        }
    }

    @Test(arguments: [Array("HTTP/1.1 400 Bad Request\r\n".utf8), [0x16, 0x04], [0x0A]])
    func nonTLSBytesAreRecognisedEarly(bytes: [UInt8]) throws {
        var d = RecordDeframer()
        d.feed(bytes)
        #expect(throws: DeframeFailure.notTLS) { try d.next() }
    }

    @Test func plainHTTPAnswerIsReportedAsNotTLS() throws {
        var engine = TestServer().makeEngine(serverName: "minio.local")
        _ = try engine.start()
        let failure = try #require(engine.receive(Array("HTTP/1.1 400 Bad Request\r\n".utf8)).failure)
        #expect(failure.code == .notTLS)
        #expect(failure.message.contains("minio.local"))
    }

    @Test func oversizedPlaintextRecordIsRecordOverflow() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        let record = TestServer.plaintext(.handshake, [UInt8](repeating: 2, count: 16_385))
        let out = engine.receive(record)
        #expect(out.failure?.code == .recordOverflow)
        #expect(out.failure?.alertSent == .recordOverflow)
        // Before any key exists the alert goes out in plaintext.
        #expect(out.send == [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x16])
    }

    @Test func protectedRecordWithTooMuchPlaintextIsRecordOverflow() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let ok = feed(&engine, try server.protect(.applicationData, [UInt8](repeating: 1, count: 16_384), padding: 200))
        #expect(ok.failure == nil)
        #expect(ok.application.count == 16_384)
        let out = feed(&engine, try server.protect(.applicationData, [UInt8](repeating: 1, count: 16_385)))
        #expect(out.failure?.alertSent == .recordOverflow)
    }

    @Test(arguments: [[0x00, 0x00, 0x00], [0x01, 0x14], [0x07]] as [[UInt8]])
    func protectedRecordWithoutAValidInnerTypeIsUnexpectedMessage(inner: [UInt8]) throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        #expect(feed(&engine, try server.protectRaw(inner)).failure?.alertSent == .unexpectedMessage)
    }

    @Test func innerPlaintextPaddingIsStripped() {
        #expect(splitInnerPlaintext([0, 0, 0]) == nil)
        #expect(splitInnerPlaintext([]) == nil)
        #expect(splitInnerPlaintext([5, 0x16, 0, 0])?.content == [5])
        #expect(splitInnerPlaintext([0, 0x17])?.content == [0])
        #expect(splitInnerPlaintext([0x17])?.content == [])
    }

    @Test func sequenceNumbersChangeTheNonceAndReplaysFail() throws {
        let key = [UInt8](repeating: 3, count: 32)
        let iv = [UInt8](repeating: 5, count: 12)
        for suite in CipherSuite.allCases {
            var writer = try RecordProtection(suite: suite, key: Array(key.prefix(suite.keyLength)), iv: iv)
            let r0 = try writer.seal(contentType: .applicationData, content: [1, 2, 3])
            let r1 = try writer.seal(contentType: .applicationData, content: [1, 2, 3])
            #expect(r0 != r1)
            var reader = try RecordProtection(suite: suite, key: Array(key.prefix(suite.keyLength)), iv: iv)
            // Out of order (seq 1 first) does not authenticate and does not advance.
            #expect(reader.open(header: r1.prefix(5), body: r1.dropFirst(5)) == nil)
            #expect(reader.open(header: r0.prefix(5), body: r0.dropFirst(5)) == [1, 2, 3, 0x17])
            #expect(reader.open(header: r0.prefix(5), body: r0.dropFirst(5)) == nil)
            #expect(reader.open(header: r1.prefix(5), body: r1.dropFirst(5)) == [1, 2, 3, 0x17])
            #expect(reader.sequenceNumber == 2)
        }
    }

    @Test func tooManyEmptyRecordsAreRefused() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        var flood: [UInt8] = []
        for _ in 0..<17 { flood += try server.protect(.applicationData, []) }
        #expect(feed(&engine, flood).failure?.alertSent == .unexpectedMessage)
    }

    @Test func changeCipherSpecAfterTheHandshakeIsUnexpectedMessage() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        #expect(feed(&engine, [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]).failure?.alertSent == .unexpectedMessage)
    }

    @Test func alertInsideAFragmentedHandshakeMessageIsUnexpectedMessage() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let partial = try server.protect(.handshake, [0x04, 0x00, 0x00, 0x20, 0x00])
        let alert = try server.protect(.alert, [1, 0])
        #expect(feed(&engine, partial + alert).failure?.alertSent == .unexpectedMessage)
    }

    @Test func oversizedHandshakeMessageIsRejectedBeforeBuffering() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        // A ServerHello header announcing 70 000 bytes.
        let out = engine.receive(TestServer.plaintext(.handshake, [0x02, 0x01, 0x11, 0x70]))
        #expect(out.failure?.alertSent == .illegalParameter)
    }
}
