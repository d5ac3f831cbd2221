// Certificate extensions (RFC 5280 §4.2). Every recognised extension is parsed strictly; an
// extension that appears twice makes the certificate malformed (§4.2: "MUST NOT include more than
// one instance of a particular extension"). Unknown critical extensions are recorded and refused
// by the verifier for non-anchor certificates.

extension Certificate {
    static let oidBasicConstraints = OID("2.5.29.19")
    static let oidKeyUsage = OID("2.5.29.15")
    static let oidExtKeyUsage = OID("2.5.29.37")
    static let oidSubjectAltName = OID("2.5.29.17")
    static let oidNameConstraints = OID("2.5.29.30")
    static let oidSubjectKeyIdentifier = OID("2.5.29.14")
    static let oidAuthorityKeyIdentifier = OID("2.5.29.35")
    static let oidCertificatePolicies = OID("2.5.29.32")
    static let oidServerAuth = OID("1.3.6.1.5.5.7.3.1")
    static let oidAnyExtendedKeyUsage = OID("2.5.29.37.0")
}

/// The recognised extensions of one certificate.
struct ParsedExtensions {
    /// Bound on names and subtrees per certificate (real certificates hold a few hundred at most).
    static let maximumEntries = 1024

    var basicConstraints: BasicConstraints?
    var keyUsage: KeyUsage?
    var extendedKeyUsage: [OID]?
    var subjectAlternativeNames: [GeneralName]?
    var nameConstraints: NameConstraints?
    var subjectKeyIdentifier: [UInt8]?
    var authorityKeyIdentifier: [UInt8]?
    var unhandledCritical: [OID] = []

    init() {}

    /// Parses `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`.
    init(_ list: DERElement, what: String) throws {
        var c = list.children(what: what)
        var seen = Set<OID>()
        while !c.isAtEnd {
            guard seen.count < 256 else { throw X509Error.malformed("\(what) has more than 256 extensions") }
            var ext = try c.next(tag: DERTag.sequence, "extension").children(what: what)
            let oid = try ext.next().objectIdentifier("extension", what: what)
            var critical = false
            if let b = try ext.optional(tag: DERTag.boolean) {
                critical = try b.boolean("extension criticality", what: what)
            }
            let value = try ext.next(tag: DERTag.octetString, "extension value")
            try ext.finish("extension")
            guard seen.insert(oid).inserted else {
                throw X509Error.malformed("\(what) contains the extension \(oid) twice")
            }
            let name = "\(what)'s extension \(oid)"
            switch oid {
            case Certificate.oidBasicConstraints:
                self.basicConstraints = try Self.parseBasicConstraints(try Self.inner(value, name), what: name)
            case Certificate.oidKeyUsage:
                let bits = try Self.inner(value, name).namedBits("keyUsage", what: name)
                self.keyUsage = KeyUsage(rawValue: bits)
            case Certificate.oidExtKeyUsage:
                self.extendedKeyUsage = try Self.parseExtendedKeyUsage(try Self.inner(value, name), what: name)
            case Certificate.oidSubjectAltName:
                self.subjectAlternativeNames = try Self.parseSubjectAltName(try Self.inner(value, name), what: name)
            case Certificate.oidNameConstraints:
                self.nameConstraints = try Self.parseNameConstraints(try Self.inner(value, name), what: name)
            case Certificate.oidSubjectKeyIdentifier:
                let e = try Self.inner(value, name)
                guard e.tag == DERTag.octetString else { throw X509Error.malformed("\(name) is not an OCTET STRING") }
                self.subjectKeyIdentifier = Array(e.content)
            case Certificate.oidAuthorityKeyIdentifier:
                self.authorityKeyIdentifier = try Self.parseAuthorityKeyIdentifier(try Self.inner(value, name), what: name)
            case Certificate.oidCertificatePolicies:
                // Understood but not processed (Web-PKI clients do not enforce policies).
                break
            default:
                if critical { self.unhandledCritical.append(oid) }
            }
        }
    }

    /// The DER value inside an extension's OCTET STRING (one element, nothing after it).
    private static func inner(_ value: DERElement, _ what: String) throws -> DERElement {
        try DER.parse(Array(value.content), what: what)
    }

    private static func parseBasicConstraints(_ e: DERElement, what: String) throws -> BasicConstraints {
        guard e.tag == DERTag.sequence else { throw X509Error.malformed("\(what) (basicConstraints) is not a SEQUENCE") }
        var c = e.children(what: what)
        var isCA = false
        if let b = try c.optional(tag: DERTag.boolean) { isCA = try b.boolean("cA", what: what) }
        var pathLength: Int? = nil
        if let p = try c.optional(tag: DERTag.integer) {
            pathLength = try p.smallInteger("pathLenConstraint", maximum: Int(Int32.max), what: what)
        }
        try c.finish("basicConstraints")
        return BasicConstraints(isCA: isCA, pathLengthConstraint: pathLength)
    }

    private static func parseExtendedKeyUsage(_ e: DERElement, what: String) throws -> [OID] {
        guard e.tag == DERTag.sequence else { throw X509Error.malformed("\(what) (extKeyUsage) is not a SEQUENCE") }
        var c = e.children(what: what)
        var out: [OID] = []
        while !c.isAtEnd {
            guard out.count < Self.maximumEntries else { throw X509Error.malformed("\(what) lists too many purposes") }
            out.append(try c.next().objectIdentifier("extKeyUsage purpose", what: what))
        }
        guard !out.isEmpty else { throw X509Error.malformed("\(what) (extKeyUsage) is empty") }
        return out
    }

    /// GeneralNames (RFC 5280 §4.2.1.6); dNSName and iPAddress are kept, other forms skipped.
    private static func parseSubjectAltName(_ e: DERElement, what: String) throws -> [GeneralName] {
        guard e.tag == DERTag.sequence else { throw X509Error.malformed("\(what) (subjectAltName) is not a SEQUENCE") }
        var c = e.children(what: what)
        var out: [GeneralName] = []
        var count = 0
        while !c.isAtEnd {
            count += 1
            guard count <= Self.maximumEntries else { throw X509Error.malformed("\(what) has more than \(Self.maximumEntries) names") }
            let name = try c.next()
            switch name.tag {
            case DERTag.contextPrimitive(2):
                guard let s = ASCII.string(name.content) else { throw X509Error.malformed("\(what) has a dNSName that is not printable ASCII") }
                out.append(.dnsName(s))
            case DERTag.contextPrimitive(7):
                guard name.contentCount == 4 || name.contentCount == 16 else {
                    throw X509Error.malformed("\(what) has an iPAddress of \(name.contentCount) bytes")
                }
                out.append(.ipAddress(Array(name.content)))
            default:
                continue
            }
        }
        guard count > 0 else { throw X509Error.malformed("\(what) (subjectAltName) is empty") }
        return out
    }

    private static func parseNameConstraints(_ e: DERElement, what: String) throws -> NameConstraints {
        guard e.tag == DERTag.sequence else { throw X509Error.malformed("\(what) (nameConstraints) is not a SEQUENCE") }
        var c = e.children(what: what)
        var out = NameConstraints()
        if let p = try c.optional(tag: DERTag.contextConstructed(0)) { out.permitted = try Self.parseSubtrees(p, what: what) }
        if let x = try c.optional(tag: DERTag.contextConstructed(1)) { out.excluded = try Self.parseSubtrees(x, what: what) }
        try c.finish("nameConstraints")
        return out
    }

    /// GeneralSubtrees; minimum must be 0 and maximum absent (RFC 5280 §4.2.1.10).
    private static func parseSubtrees(_ e: DERElement, what: String) throws -> [NameConstraintSubtree] {
        var c = e.children(what: what)
        var out: [NameConstraintSubtree] = []
        while !c.isAtEnd {
            guard out.count < Self.maximumEntries else { throw X509Error.malformed("\(what) has too many subtrees") }
            var st = try c.next(tag: DERTag.sequence, "GeneralSubtree").children(what: what)
            let base = try st.next()
            if let m = try st.optional(tag: DERTag.contextPrimitive(0)) {
                guard m.contentCount == 1, m.content.first == 0 else { throw X509Error.malformed("\(what) has a subtree minimum other than 0") }
            }
            guard try st.optional(tag: DERTag.contextPrimitive(1)) == nil else {
                throw X509Error.malformed("\(what) has a subtree maximum (not allowed by RFC 5280)")
            }
            try st.finish("GeneralSubtree")
            switch base.tag {
            case DERTag.contextPrimitive(2):
                guard let s = ASCII.string(base.content) else { throw X509Error.malformed("\(what) has a dNSName constraint that is not ASCII") }
                out.append(.dns(s.lowercased()))
            case DERTag.contextPrimitive(7):
                guard base.contentCount == 8 || base.contentCount == 32 else {
                    throw X509Error.malformed("\(what) has an iPAddress constraint of \(base.contentCount) bytes")
                }
                let half = base.contentCount / 2
                let bytes = Array(base.content)
                out.append(.ip(address: Array(bytes[0..<half]), mask: Array(bytes[half...])))
            default:
                out.append(.other(base.tag))
            }
        }
        return out
    }

    private static func parseAuthorityKeyIdentifier(_ e: DERElement, what: String) throws -> [UInt8]? {
        guard e.tag == DERTag.sequence else { throw X509Error.malformed("\(what) (authorityKeyIdentifier) is not a SEQUENCE") }
        var c = e.children(what: what)
        let keyID = try c.optional(tag: DERTag.contextPrimitive(0)).map { Array($0.content) }
        _ = try c.optional(tag: DERTag.contextConstructed(1))
        _ = try c.optional(tag: DERTag.contextPrimitive(2))
        try c.finish("authorityKeyIdentifier")
        return keyID
    }
}

/// Printable-ASCII checks for names that are compared byte-wise.
enum ASCII {
    /// The bytes as a String when all are printable ASCII (0x21…0x7E); nil otherwise. Empty is allowed.
    static func string<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        guard bytes.count <= 1024, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
