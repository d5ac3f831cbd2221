import ByteCoding

/// ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4).
struct ServerHello: Sendable, Equatable {
    /// The special random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest").
    static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]
    /// Last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 ("DOWNGRD\x01") or
    /// TLS 1.1 and below ("DOWNGRD\x00") (RFC 8446 §4.1.3).
    static let downgradePrefix: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44]

    var legacyVersion: UInt16
    var random: [UInt8]
    var sessionIDEcho: [UInt8]
    var cipherSuite: UInt16
    var compressionMethod: UInt8
    var extensions: [TLSExtension]

    /// True for a HelloRetryRequest.
    var isHelloRetryRequest: Bool { self.random == Self.helloRetryRequestRandom }

    /// True when the random carries a downgrade sentinel.
    var hasDowngradeSentinel: Bool {
        let tail = self.random.suffix(8)
        return tail.count == 8 && Array(tail.prefix(7)) == Self.downgradePrefix && (tail.last == 0x00 || tail.last == 0x01)
    }

    /// extension_data of `type`, if present.
    func extensionData(_ type: UInt16) -> [UInt8]? {
        self.extensions.first(where: { $0.type == type })?.data
    }

    /// Parses the body. An absent extension block is accepted (a pre-TLS-1.3 server may omit
    /// it) so the version check can report "TLS 1.2 only" instead of a decode error.
    static func decode(body: [UInt8]) throws(MessageError) -> ServerHello {
        var r = ByteReader(body)
        guard let version = r.readUInt16BE(), let random = r.readBytes(32) else { throw .decode("ServerHello") }
        var sid = try r.vector8("ServerHello session id")
        guard sid.remaining <= 32 else { throw .decode("ServerHello session id") }
        let suite = try r.u16("ServerHello cipher suite")
        guard let compression = r.readByte() else { throw .decode("ServerHello") }
        let extensions = r.isAtEnd ? [] : try TLSExtension.decodeList(&r, "ServerHello")
        try r.expectEnd("ServerHello")
        return ServerHello(
            legacyVersion: version, random: random, sessionIDEcho: sid.readRemaining(), cipherSuite: suite,
            compressionMethod: compression, extensions: extensions)
    }

    /// The full handshake message (tests build server flights with it).
    func encode() -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt16BE(self.legacyVersion)
        body.append(contentsOf: self.random)
        body.appendVector8(self.sessionIDEcho)
        body.appendUInt16BE(self.cipherSuite)
        body.append(self.compressionMethod)
        TLSExtension.encodeList(self.extensions, into: &body)
        return HandshakeFraming.wrap(.serverHello, body)
    }
}

/// EncryptedExtensions (RFC 8446 §4.3.1).
struct EncryptedExtensions: Sendable, Equatable {
    var extensions: [TLSExtension]

    static func decode(body: [UInt8]) throws(MessageError) -> EncryptedExtensions {
        var r = ByteReader(body)
        let extensions = try TLSExtension.decodeList(&r, "EncryptedExtensions")
        try r.expectEnd("EncryptedExtensions")
        return EncryptedExtensions(extensions: extensions)
    }

    func encode() -> [UInt8] {
        var body: [UInt8] = []
        TLSExtension.encodeList(self.extensions, into: &body)
        return HandshakeFraming.wrap(.encryptedExtensions, body)
    }

    /// The single protocol name of a server's ALPN extension (RFC 7301 §3.1: exactly one).
    static func selectedProtocol(_ data: [UInt8]) throws(MessageError) -> [UInt8] {
        var r = ByteReader(data)
        var list = try r.vector16("ALPN extension")
        try r.expectEnd("ALPN extension")
        var name = try list.vector8("ALPN protocol name")
        guard !name.isAtEnd, list.isAtEnd else {
            throw MessageError(.illegalParameter, "the server's ALPN answer must contain exactly one non-empty protocol")
        }
        return name.readRemaining()
    }
}

/// Certificate (RFC 8446 §4.4.2): request context and the chain, leaf first.
struct CertificateMessage: Sendable, Equatable {
    var context: [UInt8]
    /// DER certificates in the order sent; per-entry extensions are parsed and dropped.
    var certificates: [[UInt8]]

    static func decode(body: [UInt8]) throws(MessageError) -> CertificateMessage {
        var r = ByteReader(body)
        var ctx = try r.vector8("Certificate request context")
        var list = try r.vector24("Certificate list")
        try r.expectEnd("Certificate")
        var certs: [[UInt8]] = []
        while !list.isAtEnd {
            var der = try list.vector24("CertificateEntry")
            guard !der.isAtEnd else { throw .decode("CertificateEntry (empty certificate)") }
            _ = try TLSExtension.decodeList(&list, "CertificateEntry")
            certs.append(der.readRemaining())
        }
        return CertificateMessage(context: ctx.readRemaining(), certificates: certs)
    }

    func encode() -> [UInt8] {
        var body: [UInt8] = []
        body.appendVector8(self.context)
        var list: [UInt8] = []
        for c in self.certificates {
            list.appendVector24(c)
            list.appendVector16([])
        }
        body.appendVector24(list)
        return HandshakeFraming.wrap(.certificate, body)
    }
}

/// CertificateVerify (RFC 8446 §4.4.3).
struct CertificateVerify: Sendable, Equatable {
    var scheme: SignatureScheme
    var signature: [UInt8]

    /// 64 spaces ‖ "TLS 1.3, server CertificateVerify" ‖ 0x00 ‖ Transcript-Hash(CH..Certificate).
    static func serverSignedContent(transcriptHash: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0x20, count: 64)
        out.append(contentsOf: Array("TLS 1.3, server CertificateVerify".utf8))
        out.append(0x00)
        out.append(contentsOf: transcriptHash)
        return out
    }

    static func decode(body: [UInt8]) throws(MessageError) -> CertificateVerify {
        var r = ByteReader(body)
        let scheme = try r.u16("CertificateVerify algorithm")
        var sig = try r.vector16("CertificateVerify signature")
        try r.expectEnd("CertificateVerify")
        guard !sig.isAtEnd else { throw .decode("CertificateVerify (empty signature)") }
        return CertificateVerify(scheme: SignatureScheme(rawValue: scheme), signature: sig.readRemaining())
    }

    func encode() -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt16BE(self.scheme.rawValue)
        body.appendVector16(self.signature)
        return HandshakeFraming.wrap(.certificateVerify, body)
    }
}

/// NewSessionTicket (RFC 8446 §4.6.1): validated for well-formedness, then dropped.
struct NewSessionTicket: Sendable, Equatable {
    var lifetime: UInt32
    var ageAdd: UInt32
    var nonce: [UInt8]
    var ticket: [UInt8]
    var extensions: [TLSExtension]

    static func decode(body: [UInt8]) throws(MessageError) -> NewSessionTicket {
        var r = ByteReader(body)
        guard let lifetime = r.readUInt32BE(), let ageAdd = r.readUInt32BE() else { throw .decode("NewSessionTicket") }
        var nonce = try r.vector8("NewSessionTicket nonce")
        var ticket = try r.vector16("NewSessionTicket ticket")
        guard !ticket.isAtEnd else { throw .decode("NewSessionTicket (empty ticket)") }
        let extensions = try TLSExtension.decodeList(&r, "NewSessionTicket")
        try r.expectEnd("NewSessionTicket")
        // "Servers MUST NOT use any value greater than 604800 seconds" (RFC 8446 §4.6.1).
        guard lifetime <= 604_800 else {
            throw MessageError(.illegalParameter, "NewSessionTicket lifetime \(lifetime) s exceeds 7 days")
        }
        return NewSessionTicket(lifetime: lifetime, ageAdd: ageAdd, nonce: nonce.readRemaining(), ticket: ticket.readRemaining(), extensions: extensions)
    }

    func encode() -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt32BE(self.lifetime)
        body.appendUInt32BE(self.ageAdd)
        body.appendVector8(self.nonce)
        body.appendVector16(self.ticket)
        TLSExtension.encodeList(self.extensions, into: &body)
        return HandshakeFraming.wrap(.newSessionTicket, body)
    }
}

/// KeyUpdate (RFC 8446 §4.6.3).
enum KeyUpdateRequest: UInt8, Sendable, Equatable {
    case updateNotRequested = 0
    case updateRequested = 1

    static func decode(body: [UInt8]) throws(MessageError) -> KeyUpdateRequest {
        guard body.count == 1 else { throw .decode("KeyUpdate") }
        guard let v = KeyUpdateRequest(rawValue: body[0]) else {
            throw MessageError(.illegalParameter, "KeyUpdate request_update value \(body[0]) is neither 0 nor 1")
        }
        return v
    }

    func encode() -> [UInt8] { HandshakeFraming.wrap(.keyUpdate, [self.rawValue]) }
}
