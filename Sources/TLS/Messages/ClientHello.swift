import ByteCoding

/// ClientHello (RFC 8446 §4.1.2). The client builds it with `make(...)`; tests also decode
/// foreign ClientHellos (RFC 8448) so the engine can replay them.
struct ClientHello: Sendable, Equatable {
    /// 32 random bytes.
    var random: [UInt8]
    /// legacy_session_id: 32 random bytes for middlebox compatibility (RFC 8446 §D.4).
    var sessionID: [UInt8]
    /// CipherSuite code points, preference order.
    var cipherSuites: [UInt16]
    /// Extensions in wire order.
    var extensions: [TLSExtension]

    /// The first ClientHello of this client's profile (docs: research/tls13-client.md §2).
    /// `serverName` is sent as SNI only when it is a DNS name; `keyShares` are (group, public key).
    static func make(
        random: [UInt8], sessionID: [UInt8], serverName: String, alpn: [String],
        keyShares: [(NamedGroup, [UInt8])]
    ) -> ClientHello {
        var extensions: [TLSExtension] = []
        if let host = sniHostName(serverName) {
            // server_name_list<1..2^16-1> of { name_type host_name(0), HostName<1..2^16-1> } (RFC 6066 §3).
            var entry: [UInt8] = [0x00]
            entry.appendVector16(Array(host.utf8))
            var list: [UInt8] = []
            list.appendVector16(entry)
            extensions.append(TLSExtension(type: ExtensionType.serverName, data: list))
        }
        var groups: [UInt8] = []
        for g in [NamedGroup.x25519, .secp256r1] { groups.appendUInt16BE(g.rawValue) }
        extensions.append(TLSExtension(type: ExtensionType.supportedGroups, data: Self.vector16(groups)))
        extensions.append(TLSExtension(type: ExtensionType.signatureAlgorithms, data: Self.schemes(SignatureScheme.handshakeSchemes)))
        extensions.append(TLSExtension(type: ExtensionType.signatureAlgorithmsCert, data: Self.schemes(SignatureScheme.certificateSchemes)))
        extensions.append(TLSExtension(type: ExtensionType.supportedVersions, data: [0x02, 0x03, 0x04]))
        extensions.append(Self.keyShareExtension(keyShares))
        if !alpn.isEmpty {
            var names: [UInt8] = []
            for p in alpn { names.appendVector8(Array(p.utf8)) }
            extensions.append(TLSExtension(type: ExtensionType.alpn, data: Self.vector16(names)))
        }
        return ClientHello(
            random: random, sessionID: sessionID,
            cipherSuites: CipherSuite.allCases.map(\.rawValue), extensions: extensions)
    }

    /// The key_share extension: client_shares<0..2^16-1> of { group, key_exchange<1..2^16-1> }.
    static func keyShareExtension(_ shares: [(NamedGroup, [UInt8])]) -> TLSExtension {
        var list: [UInt8] = []
        for (g, key) in shares {
            list.appendUInt16BE(g.rawValue)
            list.appendVector16(key)
        }
        return TLSExtension(type: ExtensionType.keyShare, data: Self.vector16(list))
    }

    private static func vector16(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendVector16(body)
        return out
    }

    private static func schemes(_ list: [SignatureScheme]) -> [UInt8] {
        var body: [UInt8] = []
        for s in list { body.appendUInt16BE(s.rawValue) }
        return Self.vector16(body)
    }

    /// The host name to put in SNI: lower-cased, one trailing dot removed; nil for IP literals
    /// ("Literal IPv4 and IPv6 addresses are not permitted in HostName", RFC 6066 §3) and for
    /// names that are not plain ASCII DNS names.
    static func sniHostName(_ name: String) -> String? {
        var host = name.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253, !isIPLiteral(host) else { return nil }
        for c in host.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                continue
            default:
                return nil
            }
        }
        return host
    }

    /// True for an IPv4 dotted quad or anything containing ':' (IPv6, possibly bracketed).
    static func isIPLiteral(_ s: String) -> Bool {
        if s.contains(":") { return true }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255 else { return false }
        }
        return true
    }

    /// The full handshake message (header included).
    func encode() -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt16BE(ProtocolVersion.tls12)
        body.append(contentsOf: self.random)
        body.appendVector8(self.sessionID)
        var suites: [UInt8] = []
        for s in self.cipherSuites { suites.appendUInt16BE(s) }
        body.appendVector16(suites)
        body.appendVector8([0x00])
        TLSExtension.encodeList(self.extensions, into: &body)
        return HandshakeFraming.wrap(.clientHello, body)
    }

    /// Parses a ClientHello body (after the 4-byte handshake header).
    static func decode(body: [UInt8]) throws(MessageError) -> ClientHello {
        var r = ByteReader(body)
        guard r.readUInt16BE() != nil, let random = r.readBytes(32) else { throw .decode("ClientHello") }
        var sid = try r.vector8("ClientHello session id")
        guard sid.remaining <= 32 else { throw .decode("ClientHello session id") }
        var suitesReader = try r.vector16("ClientHello cipher suites")
        guard suitesReader.remaining >= 2, suitesReader.remaining % 2 == 0 else { throw .decode("ClientHello cipher suites") }
        var suites: [UInt16] = []
        while let s = suitesReader.readUInt16BE() { suites.append(s) }
        _ = try r.vector8("ClientHello compression methods")
        let extensions = try TLSExtension.decodeList(&r, "ClientHello")
        try r.expectEnd("ClientHello")
        return ClientHello(random: random, sessionID: sid.readRemaining(), cipherSuites: suites, extensions: extensions)
    }

    // MARK: what this hello offered (the engine checks the server's answers against these)

    /// extension_data of `type`, if present.
    func extensionData(_ type: UInt16) -> [UInt8]? {
        self.extensions.first(where: { $0.type == type })?.data
    }

    /// Extension types offered.
    var offeredExtensionTypes: Set<UInt16> { Set(self.extensions.map(\.type)) }

    /// Groups in supported_groups that this client implements.
    var offeredGroups: [NamedGroup] { Self.u16List(self.extensionData(ExtensionType.supportedGroups)).compactMap(NamedGroup.init(rawValue:)) }

    /// Schemes in signature_algorithms.
    var offeredSignatureSchemes: [SignatureScheme] {
        Self.u16List(self.extensionData(ExtensionType.signatureAlgorithms)).map(SignatureScheme.init(rawValue:))
    }

    /// Groups for which key_share carries a share.
    var keyShareGroups: [UInt16] {
        guard let data = self.extensionData(ExtensionType.keyShare) else { return [] }
        var r = ByteReader(data)
        guard var list = try? r.vector16("key_share") else { return [] }
        var out: [UInt16] = []
        while let g = list.readUInt16BE(), (try? list.vector16("key_exchange")) != nil { out.append(g) }
        return out
    }

    /// Protocol names in the ALPN extension.
    var offeredALPN: [[UInt8]] {
        guard let data = self.extensionData(ExtensionType.alpn) else { return [] }
        var r = ByteReader(data)
        guard var list = try? r.vector16("alpn") else { return [] }
        var out: [[UInt8]] = []
        while !list.isAtEnd, var name = try? list.vector8("alpn name") { out.append(name.readRemaining()) }
        return out
    }

    private static func u16List(_ data: [UInt8]?) -> [UInt16] {
        guard let data else { return [] }
        var r = ByteReader(data)
        guard var list = try? r.vector16("list") else { return [] }
        var out: [UInt16] = []
        while let v = list.readUInt16BE() { out.append(v) }
        return out
    }
}
