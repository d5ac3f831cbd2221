import ByteCoding
import CryptoPrimitives
import Testing

@testable import TLS

/// Replays RFC 8448 §3 (Simple 1-RTT Handshake) through the engine with the trace's client
/// random and x25519 key, checking every byte the client produces against the trace.
@Suite struct RFC8448ReplayTests {
    static let now: Int64 = 1_700_000_000

    func makeEngine(_ trace: RFC8448, key: (any ServerSignatureVerifying)? = nil, failure: CertificateFailure? = nil) throws
        -> (TLSClientEngine, RecordingAuthenticator)
    {
        let defaultKey = ExpectedSignatureKey(scheme: .rsaPSSRSAESHA256, signedContent: try trace.signedContent, signature: try trace.signature)
        let auth = RecordingAuthenticator(key: key ?? defaultKey, failure: failure)
        let engine = TLSClientEngine(
            serverName: "server", alpn: [], authenticator: auth, now: { Self.now },
            random: { _ in Issue.record("the replay must not draw randomness"); return [] },
            presetHello: (try trace.clientHello(), [(.x25519, try trace.clientPrivateKey)]))
        return (engine, auth)
    }

    /// Server handshake-epoch protection with the trace's keys, for crafting altered flights.
    func serverHandshakeProtection(_ trace: RFC8448) throws -> RecordProtection {
        try RecordProtection(suite: .aes128GCMSHA256, key: trace.trafficKey("server_handshake", "key"), iv: trace.trafficKey("server_handshake", "iv"))
    }

    @Test func clientHelloRecordIsTheTraceRecord() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        #expect(try engine.start() == trace.records[0])
    }

    @Test func keyScheduleReproducesTheTraceSecretsAndKeys() throws {
        let trace = try RFC8448()
        let ks = KeySchedule(hash: .sha256)
        let shared = try X25519.sharedSecret(privateKey: trace.clientPrivateKey, peerPublicKey: trace.root.dict("server_x25519").hexBytes("public"))
        #expect(shared == (try trace.root.hexBytes("ecdhe_shared_secret")))
        #expect(ks.earlySecret == (try trace.schedule("early_secret")))
        let hs = ks.handshakeSecret(sharedSecret: shared)
        #expect(hs == (try trace.schedule("handshake_secret")))
        let th = try trace.transcriptHash("ch_sh")
        let c = ks.hash.deriveSecret(hs, "c hs traffic", transcriptHash: th)
        let s = ks.hash.deriveSecret(hs, "s hs traffic", transcriptHash: th)
        #expect(c == (try trace.schedule("client_handshake_traffic_secret")))
        #expect(s == (try trace.schedule("server_handshake_traffic_secret")))
        let sKeys = ks.trafficKeys(secret: s, suite: .aes128GCMSHA256)
        #expect(sKeys.key == (try trace.trafficKey("server_handshake", "key")))
        #expect(sKeys.iv == (try trace.trafficKey("server_handshake", "iv")))
        let master = ks.masterSecret(handshakeSecret: hs)
        #expect(master == (try trace.schedule("master_secret")))
        #expect(ks.finishedVerifyData(baseKey: s, transcriptHash: try trace.transcriptHash("ch_to_certificate_verify"))
            == (try trace.schedule("server_finished_verify_data")))
        #expect(ks.finishedVerifyData(baseKey: c, transcriptHash: try trace.transcriptHash("ch_to_server_finished"))
            == (try trace.schedule("client_finished_verify_data")))
        let cApp = ks.hash.deriveSecret(master, "c ap traffic", transcriptHash: try trace.transcriptHash("ch_to_server_finished"))
        #expect(cApp == (try trace.schedule("client_application_traffic_secret_0")))
        let cKeys = ks.trafficKeys(secret: cApp, suite: .aes128GCMSHA256)
        #expect(cKeys.key == (try trace.trafficKey("client_application", "key")))
        #expect(cKeys.iv == (try trace.trafficKey("client_application", "iv")))
    }

    @Test(arguments: [Int.max, 1, 5, 100])
    func serverFlightProducesTheTraceClientFinished(chunk: Int) throws {
        let trace = try RFC8448()
        var (engine, auth) = try self.makeEngine(trace)
        _ = try engine.start()
        let out = feed(&engine, trace.records[1] + trace.records[2], chunk: chunk)
        #expect(out.failure == nil, "\(String(describing: out.failure))")
        #expect(out.send == trace.records[3])
        let negotiated = TLSNegotiated(cipherSuite: .aes128GCMSHA256, group: .x25519, signatureScheme: .rsaPSSRSAESHA256, alpn: nil)
        #expect(out.events == [.handshakeComplete(negotiated)])
        #expect(engine.negotiated?.description == "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519")
        #expect(auth.calls.count == 1)
        #expect(auth.calls.first?.chain == [try trace.certificateDER])
        #expect(auth.calls.first?.serverName == "server")
        #expect(auth.calls.first?.now == Self.now)
    }

    @Test func applicationDataTicketAndCloseMatchTheTrace() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        _ = try engine.start()
        _ = feed(&engine, trace.records[1] + trace.records[2])
        let ticket = feed(&engine, trace.records[4])
        #expect(ticket.failure == nil)
        #expect(ticket.send.isEmpty && ticket.application.isEmpty && ticket.events.isEmpty)
        #expect(try engine.write(application: trace.plaintexts[5]) == trace.records[5])
        let data = feed(&engine, trace.records[6])
        #expect(data.application == trace.plaintexts[6])
        #expect(engine.close() == trace.records[7])
        let closing = feed(&engine, trace.records[8])
        #expect(closing.failure == nil)
        #expect(closing.events == [.closeNotifyReceived])
        #expect(engine.isReadClosed)
        #expect(throws: TLSError.self) { try engine.write(application: [1]) }
    }

    @Test func keyLogReceivesNSSLinesWithTheTraceSecrets() throws {
        let trace = try RFC8448()
        var lines: [String] = []
        let auth = RecordingAuthenticator(key: ExpectedSignatureKey(scheme: .rsaPSSRSAESHA256, signedContent: try trace.signedContent, signature: try trace.signature))
        var engine = TLSClientEngine(
            serverName: "server", alpn: [], authenticator: auth, now: { Self.now }, random: { _ in [] },
            keyLog: { lines.append($0) }, presetHello: (try trace.clientHello(), [(.x25519, try trace.clientPrivateKey)]))
        _ = try engine.start()
        _ = feed(&engine, trace.records[1] + trace.records[2])
        let random = Hex.encode(try trace.clientHello().random)
        #expect(lines == [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET \(random) \(Hex.encode(try trace.schedule("client_handshake_traffic_secret")))",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET \(random) \(Hex.encode(try trace.schedule("server_handshake_traffic_secret")))",
            "CLIENT_TRAFFIC_SECRET_0 \(random) \(Hex.encode(try trace.schedule("client_application_traffic_secret_0")))",
            "SERVER_TRAFFIC_SECRET_0 \(random) \(Hex.encode(try trace.schedule("server_application_traffic_secret_0")))",
        ])
    }

    @Test func tamperedServerRecordFailsWithBadRecordMAC() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        _ = try engine.start()
        var bad = trace.records[2]
        bad[100] ^= 0x01
        let out = feed(&engine, trace.records[1] + bad)
        #expect(out.failure?.code == .recordAuthenticationFailed)
        #expect(out.failure?.alertSent == .badRecordMAC)
        // The alert goes out under the client handshake key: one protected record of 2+1+16 bytes.
        #expect(out.send.count == 5 + 19)
        #expect(out.send.first == 0x17)
    }

    @Test func wrongCertificateVerifySignatureFailsWithDecryptError() throws {
        let trace = try RFC8448()
        var sig = try trace.signature
        sig[0] ^= 0xFF
        var (engine, _) = try self.makeEngine(trace, key: ExpectedSignatureKey(scheme: .rsaPSSRSAESHA256, signedContent: try trace.signedContent, signature: sig))
        _ = try engine.start()
        let out = feed(&engine, trace.records[1] + trace.records[2])
        #expect(out.failure?.code == .handshakeAuthenticationFailed)
        #expect(out.failure?.alertSent == .decryptError)
        #expect(!engine.isHandshakeComplete)
    }

    @Test func signatureSchemeNotMatchingTheKeyIsIllegalParameter() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace, key: ExpectedSignatureKey(scheme: .ecdsaSecp256r1SHA256, signedContent: [], signature: []))
        _ = try engine.start()
        let out = feed(&engine, trace.records[1] + trace.records[2])
        #expect(out.failure?.alertSent == .illegalParameter)
    }

    @Test(arguments: [
        (AlertDescription.unknownCA, "no trusted root issued this chain"),
        (AlertDescription.certificateExpired, "the certificate expired on 2026-07-30"),
        (AlertDescription.badCertificate, "the name does not match"),
    ])
    func certificateFailureSendsItsAlertAndPassesTheText(alert: AlertDescription, text: String) throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace, failure: CertificateFailure(alert: alert, detail: text))
        _ = try engine.start()
        let out = feed(&engine, trace.records[1] + trace.records[2])
        #expect(out.failure?.code == .certificateInvalid)
        #expect(out.failure?.alertSent == alert)
        #expect(out.failure?.message.contains(text) == true)
        #expect(out.failure?.message.contains("server") == true)
        #expect(!out.send.isEmpty)
    }

    @Test func alteredServerFinishedFailsWithDecryptError() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        _ = try engine.start()
        var flight = trace.plaintexts[2]
        flight[flight.count - 1] ^= 0x01
        var protection = try self.serverHandshakeProtection(trace)
        let record = try protection.seal(contentType: .handshake, content: flight)
        let out = feed(&engine, trace.records[1] + record)
        #expect(out.failure?.code == .handshakeAuthenticationFailed)
        #expect(out.failure?.alertSent == .decryptError)
    }

    @Test(arguments: [1, 3, 64, 500])
    func serverFlightSplitOverManyPaddedRecordsIsReassembled(fragment: Int) throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        _ = try engine.start()
        var protection = try self.serverHandshakeProtection(trace)
        var records: [UInt8] = []
        var offset = 0
        let flight = trace.plaintexts[2]
        while offset < flight.count {
            let end = min(offset + fragment, flight.count)
            // Zero padding after the inner type must be stripped (RFC 8446 §5.4).
            records += try protection.seal(contentType: .handshake, content: Array(flight[offset..<end]), padding: fragment % 7)
            offset = end
        }
        let out = feed(&engine, trace.records[1] + records)
        #expect(out.failure == nil, "\(String(describing: out.failure))")
        #expect(out.send == trace.records[3])
    }

    @Test func serverChangeCipherSpecAfterServerHelloIsIgnoredOnce() throws {
        let trace = try RFC8448()
        var (engine, _) = try self.makeEngine(trace)
        _ = try engine.start()
        let ccs: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]
        let ok = feed(&engine, trace.records[1] + ccs + trace.records[2])
        #expect(ok.failure == nil)
        #expect(ok.send == trace.records[3])

        var (second, _) = try self.makeEngine(trace)
        _ = try second.start()
        let twice = feed(&second, trace.records[1] + ccs + ccs + trace.records[2])
        #expect(twice.failure?.alertSent == .unexpectedMessage)
    }
}
