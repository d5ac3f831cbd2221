import ByteCoding
import CryptoPrimitives
import Testing

@testable import TLS

/// Full handshakes against the scripted `TestServer`, then one deviation per test.
@Suite struct HandshakeTests {
    @Test(arguments: [CipherSuite.aes128GCMSHA256, .aes256GCMSHA384, .chacha20Poly1305SHA256], [1, Int.max])
    func handshakeCompletesWithEachSuiteDripFedOrWhole(suite: CipherSuite, chunk: Int) throws {
        let server = TestServer()
        server.suite = suite
        var engine = server.makeEngine()
        let out = try handshake(&engine, server, chunk: chunk)
        #expect(out.failure == nil, "\(String(describing: out.failure))")
        #expect(out.events == [.handshakeComplete(TLSNegotiated(cipherSuite: suite, group: .x25519, signatureScheme: .ecdsaSecp256r1SHA256, alpn: nil))])
        #expect(server.clientFinishedVerified)
        // Compat mode: the client sends exactly one CCS before its encrypted Finished.
        #expect(server.clientRecordsSeen.map(\.type) == [0x16, 0x14, 0x17])
    }

    @Test func applicationDataFlowsBothWaysAndLargeWritesAreFragmented() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let big = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        let records = try engine.write(application: big)
        #expect(TestServer.plaintextRecords(records).count == 3)
        #expect(TestServer.plaintextRecords(records).allSatisfy { $0.body.count <= 16_384 + 17 })
        _ = try server.respond(to: records)
        #expect(server.receivedApplicationData == big)
        let reply = feed(&engine, try server.protect(.applicationData, Array("pong".utf8), padding: 10), chunk: 1)
        #expect(reply.application == Array("pong".utf8))
    }

    @Test func alpnSelectionIsReported() throws {
        let server = TestServer()
        server.alpn = "http/1.1"
        var engine = server.makeEngine(alpn: ["http/1.1"])
        let out = try handshake(&engine, server)
        #expect(engine.negotiated?.alpn == "http/1.1")
        #expect(out.failure == nil)
    }

    @Test func alpnTheClientDidNotOfferIsIllegalParameter() throws {
        let server = TestServer()
        server.alpn = "h2"
        var engine = server.makeEngine(alpn: ["http/1.1"])
        let out = try handshake(&engine, server)
        #expect(out.failure?.alertSent == .illegalParameter)
        // The alert is protected with the client handshake key and the server can read it.
        #expect(server.receivedAlerts == [[2, 47]])
    }

    @Test func alpnAnswerWithoutAnOfferIsUnsupportedExtension() throws {
        let server = TestServer()
        server.alpn = "http/1.1"
        var engine = server.makeEngine(alpn: [])
        let out = try handshake(&engine, server)
        #expect(out.failure?.alertSent == .unsupportedExtension)
    }

    @Test func keyShareInEncryptedExtensionsIsIllegalParameter() throws {
        let server = TestServer()
        server.extraEncryptedExtensions = [TLSExtension(type: ExtensionType.keyShare, data: [])]
        var engine = server.makeEngine()
        #expect(try handshake(&engine, server).failure?.alertSent == .illegalParameter)
    }

    @Test func helloRetryRequestForP256IsAnsweredWithOneP256ShareAndTheCookie() throws {
        let server = TestServer()
        server.group = .secp256r1
        var engine = server.makeEngine()
        let out = try handshake(&engine, server, chunk: 3)
        #expect(out.failure == nil, "\(String(describing: out.failure))")
        #expect(engine.negotiated?.group == .secp256r1)
        #expect(server.clientFinishedVerified)
        #expect(server.clientHellos.count == 2)
        let (ch1, ch2) = (server.clientHellos[0], server.clientHellos[1])
        #expect(ch1.keyShareGroups == [0x001D])
        #expect(ch2.keyShareGroups == [0x0017])
        #expect(ch2.random == ch1.random && ch2.sessionID == ch1.sessionID)
        #expect(ch2.extensionData(ExtensionType.cookie) == [0x00, 0x03, 0xC0, 0x0C, 0x1E])
        #expect(ch1.extensionData(ExtensionType.cookie) == nil)
        // Everything except key_share and cookie is unchanged (RFC 8446 §4.1.2).
        #expect(ch2.extensions.filter { $0.type != ExtensionType.keyShare && $0.type != ExtensionType.cookie } == ch1.extensions.filter { $0.type != ExtensionType.keyShare })
        // CH1, then CCS before CH2, then the encrypted Finished: no second CCS.
        #expect(server.clientRecordsSeen.map(\.type) == [0x16, 0x14, 0x16, 0x17])
    }

    @Test func helloRetryRequestForTheGroupAlreadySentIsIllegalParameter() throws {
        let server = TestServer()
        server.group = .secp256r1
        server.mutateHelloRetryRequest = { hrr in
            hrr.extensions = hrr.extensions.map { $0.type == ExtensionType.keyShare ? TLSExtension(type: ExtensionType.keyShare, data: [0x00, 0x1D]) : $0 }
        }
        var engine = server.makeEngine()
        #expect(try handshake(&engine, server).failure?.alertSent == .illegalParameter)
    }

    @Test func helloRetryRequestForAnUnofferedGroupIsIllegalParameter() throws {
        let server = TestServer()
        server.group = .secp256r1
        server.mutateHelloRetryRequest = { hrr in
            hrr.extensions = hrr.extensions.map { $0.type == ExtensionType.keyShare ? TLSExtension(type: ExtensionType.keyShare, data: [0x00, 0x18]) : $0 }
        }
        var engine = server.makeEngine()
        #expect(try handshake(&engine, server).failure?.alertSent == .illegalParameter)
    }

    @Test func secondHelloRetryRequestIsUnexpectedMessage() throws {
        let server = TestServer()
        server.group = .secp256r1
        var engine = server.makeEngine()
        let ch1 = try engine.start()
        let hrr = try server.respond(to: ch1)
        let first = feed(&engine, hrr)
        #expect(first.failure == nil)
        // Replay the same HelloRetryRequest (without its CCS, which was already accepted).
        let second = feed(&engine, Array(hrr.dropLast(6)))
        #expect(second.failure?.alertSent == .unexpectedMessage)
    }

    @Test func cipherSuiteChangedAfterHelloRetryRequestIsIllegalParameter() throws {
        let server = TestServer()
        server.group = .secp256r1
        server.mutateServerHello = { $0.cipherSuite = CipherSuite.chacha20Poly1305SHA256.rawValue }
        var engine = server.makeEngine()
        #expect(try handshake(&engine, server).failure?.alertSent == .illegalParameter)
    }

    @Test func serverHelloWithoutSupportedVersionsMeansTLS12Only() throws {
        let server = TestServer()
        server.mutateServerHello = { sh in
            sh.extensions.removeAll { $0.type == ExtensionType.supportedVersions }
        }
        var engine = server.makeEngine(serverName: "db.example")
        let failure = try #require(try handshake(&engine, server).failure)
        #expect(failure.code == .unsupportedProtocolVersion)
        #expect(failure.alertSent == .protocolVersion)
        #expect(failure.message.contains("server db.example only offers TLS 1.2; this client speaks TLS 1.3 only"))
    }

    @Test func tls12ServerHelloWithDowngradeSentinelIsIllegalParameter() throws {
        let server = TestServer()
        server.mutateServerHello = { sh in
            sh.extensions.removeAll { $0.type == ExtensionType.supportedVersions }
            sh.random = [UInt8](repeating: 1, count: 24) + [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]
        }
        var engine = server.makeEngine()
        let failure = try #require(try handshake(&engine, server).failure)
        #expect(failure.alertSent == .illegalParameter)
        #expect(failure.message.contains("downgrade"))
    }

    @Test(arguments: [
        ("session id echo", AlertDescription.illegalParameter),
        ("compression", .illegalParameter),
        ("unoffered suite", .illegalParameter),
        ("legacy version", .illegalParameter),
        ("unsolicited extension", .unsupportedExtension),
        ("offered but forbidden extension", .illegalParameter),
        ("duplicate extension", .illegalParameter),
        ("share for unsent group", .illegalParameter),
        ("short x25519 share", .illegalParameter),
        ("missing key_share", .missingExtension),
        ("supported_versions 1.4", .illegalParameter),
    ])
    func malformedServerHelloIsRejectedWithTheRightAlert(change: String, alert: AlertDescription) throws {
        let server = TestServer()
        server.mutateServerHello = { sh in
            switch change {
            case "session id echo": sh.sessionIDEcho[0] ^= 1
            case "compression": sh.compressionMethod = 1
            case "unoffered suite": sh.cipherSuite = 0x1304
            case "legacy version": sh.legacyVersion = 0x0304
            case "unsolicited extension": sh.extensions.append(TLSExtension(type: 0x1234, data: []))
            case "offered but forbidden extension": sh.extensions.append(TLSExtension(type: ExtensionType.supportedGroups, data: [0, 2, 0, 0x1D]))
            case "duplicate extension": sh.extensions.append(sh.extensions[0])
            case "share for unsent group":
                sh.extensions = sh.extensions.map { $0.type == ExtensionType.keyShare ? TLSExtension(type: ExtensionType.keyShare, data: [0x00, 0x17, 0x00, 0x01, 0x04]) : $0 }
            case "short x25519 share":
                sh.extensions = sh.extensions.map { $0.type == ExtensionType.keyShare ? TLSExtension(type: ExtensionType.keyShare, data: [0x00, 0x1D, 0x00, 0x01, 0x09]) : $0 }
            case "missing key_share": sh.extensions.removeAll { $0.type == ExtensionType.keyShare }
            case "supported_versions 1.4": sh.extensions = sh.extensions.map { $0.type == ExtensionType.supportedVersions ? TLSExtension(type: ExtensionType.supportedVersions, data: [0x03, 0x05]) : $0 }
            default: Issue.record("unknown change \(change)")
            }
        }
        var engine = server.makeEngine()
        let failure = try #require(try handshake(&engine, server).failure)
        #expect(failure.alertSent == alert, "\(change): \(failure)")
        #expect(!engine.isHandshakeComplete)
    }

    @Test func pkcs1SignatureInCertificateVerifyIsIllegalParameter() throws {
        let server = TestServer()
        server.scheme = .rsaPKCS1SHA256
        var engine = server.makeEngine()
        let failure = try #require(try handshake(&engine, server).failure)
        #expect(failure.alertSent == .illegalParameter)
        #expect(failure.message.contains("rsa_pkcs1_sha256"))
    }

    @Test func newSessionTicketsInTheServerFlightAreIgnored() throws {
        let server = TestServer()
        let ticket = NewSessionTicket(lifetime: 7200, ageAdd: 1, nonce: [0], ticket: [1, 2, 3], extensions: []).encode()
        server.afterFinished = ticket + ticket
        var engine = server.makeEngine()
        let out = try handshake(&engine, server)
        #expect(out.failure == nil)
        #expect(engine.isHandshakeComplete)
    }

    @Test func malformedNewSessionTicketIsDecodeError() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let bad = HandshakeFraming.wrap(.newSessionTicket, [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        #expect(feed(&engine, try server.protect(.handshake, bad)).failure?.alertSent == .decodeError)
    }

    @Test func keyUpdateRequestedIsAnsweredAndBothKeysRotate() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let update = try server.keyUpdate(requested: true)
        let data = try server.protect(.applicationData, Array("after".utf8))
        let out = feed(&engine, update + data)
        #expect(out.failure == nil)
        #expect(out.application == Array("after".utf8))
        // The client's answer: KeyUpdate(update_not_requested) under its old key.
        _ = try server.respond(to: out.send)
        #expect(server.receivedHandshake == [[0x18, 0, 0, 1, 0]])
        // Client data after that is under the new key, which the server switched to.
        _ = try server.respond(to: try engine.write(application: [9, 9]))
        #expect(server.receivedApplicationData == [9, 9])
    }

    @Test func keyUpdateNotRequestedRotatesOnlyTheReadKey() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let out = feed(&engine, try server.keyUpdate(requested: false) + server.protect(.applicationData, [7]))
        #expect(out.send.isEmpty)
        #expect(out.application == [7])
    }

    @Test func keyUpdateWithInvalidValueIsIllegalParameter() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let out = feed(&engine, try server.protect(.handshake, HandshakeFraming.wrap(.keyUpdate, [2])))
        #expect(out.failure?.alertSent == .illegalParameter)
    }

    @Test func keyUpdateFollowedByMoreHandshakeDataInTheSameRecordIsUnexpectedMessage() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let ticket = NewSessionTicket(lifetime: 1, ageAdd: 1, nonce: [], ticket: [1], extensions: []).encode()
        let out = feed(&engine, try server.protect(.handshake, HandshakeFraming.wrap(.keyUpdate, [0]) + ticket))
        #expect(out.failure?.alertSent == .unexpectedMessage)
    }

    @Test func postHandshakeCertificateRequestIsUnexpectedMessage() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let out = feed(&engine, try server.protect(.handshake, HandshakeFraming.wrap(.certificateRequest, [0, 0, 0])))
        #expect(out.failure?.alertSent == .unexpectedMessage)
    }

    @Test func certificateRequestDuringTheHandshakeIsAnsweredWithAnEmptyCertificate() throws {
        let server = TestServer()
        server.sendCertificateRequest = true
        var engine = server.makeEngine()
        let out = try handshake(&engine, server)
        #expect(out.failure == nil)
        #expect(server.clientCertificateMessage == [0x0B, 0, 0, 4, 0, 0, 0, 0])
        #expect(server.clientFinishedVerified)
    }

    @Test func closeNotifyEndsReadingAndCloseSendsOne() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        _ = try handshake(&engine, server)
        let out = feed(&engine, try server.protect(.alert, [1, 0]))
        #expect(out.events == [.closeNotifyReceived])
        #expect(engine.isReadClosed)
        _ = try server.respond(to: engine.close())
        #expect(server.receivedAlerts == [[1, 0]])
        #expect(engine.close().isEmpty)
    }

    @Test func fatalAlertFromTheServerNamesIt() throws {
        let server = TestServer()
        var engine = server.makeEngine(serverName: "r2.example")
        _ = try handshake(&engine, server)
        let failure = try #require(feed(&engine, try server.protect(.alert, [2, 80])).failure)
        #expect(failure.code == .alertReceived)
        #expect(failure.alertReceived == .internalError)
        #expect(failure.alertSent == nil)
        #expect(failure.message.contains("r2.example") && failure.message.contains("internal_error (80)"))
    }

    @Test func plaintextHandshakeFailureAlertBeforeServerHelloExplainsTheLikelyCause() throws {
        var engine = TestServer().makeEngine(serverName: "bucket.r2.example")
        _ = try engine.start()
        let failure = try #require(feed(&engine, [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).failure)
        #expect(failure.alertReceived == .handshakeFailure)
        #expect(failure.message.contains("bucket.r2.example"))
        #expect(failure.message.contains("cipher suite"))
    }

    @Test func wrongFirstServerMessageIsUnexpectedMessage() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        let fin = HandshakeFraming.wrap(.finished, [UInt8](repeating: 0, count: 32))
        #expect(feed(&engine, TestServer.plaintext(.handshake, fin)).failure?.alertSent == .unexpectedMessage)
    }

    @Test func serverHelloAndMoreHandshakeDataInOneRecordIsUnexpectedMessage() throws {
        let server = TestServer()
        var engine = server.makeEngine()
        let ch = try engine.start()
        let answer = try server.respond(to: ch)
        let records = TestServer.plaintextRecords(answer)
        // Append a byte of a following handshake message to the ServerHello record.
        let merged = TestServer.plaintext(.handshake, records[0].body + [0x08])
        #expect(feed(&engine, merged).failure?.alertSent == .unexpectedMessage)
    }

    @Test func applicationDataBeforeTheHandshakeIsUnexpectedMessage() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        #expect(feed(&engine, TestServer.plaintext(.applicationData, [1])).failure?.alertSent == .unexpectedMessage)
    }

    @Test func writeBeforeTheHandshakeCompletesIsRefused() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        #expect(throws: TLSError.self) { try engine.write(application: [1]) }
    }

    @Test func engineRefusesInputAfterAFailure() throws {
        var engine = TestServer().makeEngine()
        _ = try engine.start()
        _ = feed(&engine, TestServer.plaintext(.applicationData, [1]))
        let again = engine.receive([0x16])
        #expect(again.failure?.code == .connectionClosed)
        #expect(again.send.isEmpty)
    }
}
