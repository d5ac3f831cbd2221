// An X.509 v1–v3 certificate (RFC 5280 §4.1), parsed strictly as DER. Parsing is lenient only
// where real trust stores need it (serial 0 or negative, explicit v1 version, odd algorithms on
// roots are recorded as unsupported rather than rejected); policy decisions such as "SHA-1 is
// refused" or "unknown critical extension" happen in the verifier, so odd roots still load.

/// Digest algorithms accepted in certificate signatures.
public enum DigestAlgorithm: Sendable, Equatable {
    /// SHA-256.
    case sha256
    /// SHA-384.
    case sha384
    /// SHA-512.
    case sha512

    var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var name: String {
        switch self {
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        }
    }
}

/// A certificate's signature algorithm (RFC 5758, RFC 4055, RFC 8017).
public enum SignatureAlgorithm: Sendable, Equatable, CustomStringConvertible {
    /// ecdsa-with-SHA256/384/512 (parameters absent).
    case ecdsa(DigestAlgorithm)
    /// shaNWithRSAEncryption, RSASSA-PKCS1-v1_5.
    case rsaPKCS1(DigestAlgorithm)
    /// RSASSA-PSS with MGF1 over the same hash and a salt as long as the digest.
    case rsaPSS(DigestAlgorithm)
    /// SHA-1 or MD5 (or older) based: recognised only to be refused.
    case weak(String)
    /// Anything else (the text says what).
    case unsupported(String)

    /// A readable name for messages.
    public var description: String {
        switch self {
        case .ecdsa(let h): "ECDSA with \(h.name)"
        case .rsaPKCS1(let h): "RSA PKCS#1 v1.5 with \(h.name)"
        case .rsaPSS(let h): "RSA-PSS with \(h.name)"
        case .weak(let name): name
        case .unsupported(let what): what
        }
    }
}

/// A certificate's subject public key.
public enum SubjectPublicKey: Sendable, Equatable {
    /// P-256 uncompressed point (65 bytes).
    case ecP256([UInt8])
    /// P-384 uncompressed point (97 bytes).
    case ecP384([UInt8])
    /// RSA modulus and exponent (big-endian magnitudes) and the modulus size in bits.
    case rsa(modulus: [UInt8], exponent: [UInt8], bitLength: Int)
    /// A key type or curve this implementation does not support (the text says what).
    case unsupported(String)

    var summary: String {
        switch self {
        case .ecP256: "ECDSA P-256"
        case .ecP384: "ECDSA P-384"
        case .rsa(_, _, let bits): "RSA-\(bits)"
        case .unsupported(let what): what
        }
    }
}

/// A distinguished name: the exact DER (used for chaining, as Go's crypto/x509 does) and a
/// readable RFC 4514-style rendering for messages.
public struct DistinguishedName: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The DER encoding of the Name.
    public let der: [UInt8]
    /// Readable form, most specific attribute first, e.g. `CN=R3, O=Let's Encrypt, C=US`.
    public let description: String
    /// The last commonName attribute, if any.
    public let commonName: String?

    /// Names compare by their DER bytes.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.der == rhs.der }
    /// Hashes the DER bytes.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.der) }
}

/// A subjectAltName entry this implementation uses.
public enum GeneralName: Sendable, Equatable, CustomStringConvertible {
    /// dNSName (IA5String), as written in the certificate.
    case dnsName(String)
    /// iPAddress: 4 (IPv4) or 16 (IPv6) bytes.
    case ipAddress([UInt8])

    /// Readable form for messages.
    public var description: String {
        switch self {
        case .dnsName(let n): n
        case .ipAddress(let b): IPAddress.format(b)
        }
    }
}

/// basicConstraints (RFC 5280 §4.2.1.9).
public struct BasicConstraints: Sendable, Equatable {
    /// cA.
    public let isCA: Bool
    /// pathLenConstraint: how many non-self-issued intermediates may follow.
    public let pathLengthConstraint: Int?
}

/// keyUsage bits (RFC 5280 §4.2.1.3); bit n is ASN.1 named bit n.
public struct KeyUsage: OptionSet, Sendable {
    /// The bits.
    public let rawValue: UInt32
    /// Creates the set from raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// digitalSignature (0).
    public static let digitalSignature = KeyUsage(rawValue: 1 << 0)
    /// keyEncipherment (2).
    public static let keyEncipherment = KeyUsage(rawValue: 1 << 2)
    /// keyCertSign (5).
    public static let keyCertSign = KeyUsage(rawValue: 1 << 5)
    /// cRLSign (6).
    public static let cRLSign = KeyUsage(rawValue: 1 << 6)
}

/// One subtree of nameConstraints (RFC 5280 §4.2.1.10).
enum NameConstraintSubtree: Sendable, Equatable {
    /// A DNS name or domain (lower-cased); "" matches everything.
    case dns(String)
    /// An address and mask of equal length (4+4 or 16+16 bytes).
    case ip(address: [UInt8], mask: [UInt8])
    /// Another GeneralName form (identifier octet), which this implementation does not process.
    case other(UInt8)
}

/// nameConstraints.
struct NameConstraints: Sendable, Equatable {
    var permitted: [NameConstraintSubtree] = []
    var excluded: [NameConstraintSubtree] = []
}

/// A parsed X.509 certificate.
public struct Certificate: Sendable, Equatable, CustomStringConvertible {
    /// The full DER encoding.
    public let der: [UInt8]
    /// 1, 2 or 3.
    public let version: Int
    /// The serial number's content bytes (two's complement, as encoded).
    public let serialNumber: [UInt8]
    /// The signature algorithm (outer and tbsCertificate copies are required to be identical).
    public let signatureAlgorithm: SignatureAlgorithm
    /// issuer.
    public let issuer: DistinguishedName
    /// subject.
    public let subject: DistinguishedName
    /// notBefore, seconds since the Unix epoch.
    public let notBefore: Int64
    /// notAfter, seconds since the Unix epoch.
    public let notAfter: Int64
    /// The subject public key.
    public let publicKey: SubjectPublicKey
    /// The DER SubjectPublicKeyInfo (compared to match trust anchors).
    public let subjectPublicKeyInfo: [UInt8]
    /// basicConstraints, when present.
    public let basicConstraints: BasicConstraints?
    /// keyUsage, when present.
    public let keyUsage: KeyUsage?
    /// extendedKeyUsage purposes in dotted form, when present.
    public let extendedKeyUsage: [String]?
    /// dNSName and iPAddress entries of subjectAltName; nil when the extension is absent.
    public let subjectAlternativeNames: [GeneralName]?
    /// subjectKeyIdentifier.
    public let subjectKeyIdentifier: [UInt8]?
    /// authorityKeyIdentifier keyIdentifier.
    public let authorityKeyIdentifier: [UInt8]?
    /// Critical extensions this implementation does not process (dotted OIDs).
    public let unhandledCriticalExtensions: [String]

    let nameConstraints: NameConstraints?
    /// The DER tbsCertificate: the signed bytes.
    let tbsCertificate: [UInt8]
    /// The signatureValue bytes (BIT STRING content without its pad byte).
    let signature: [UInt8]

    /// Certificates compare by their DER encoding.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    /// Parses a DER certificate; `what` names it in error messages.
    public init(derEncoded der: [UInt8], what: String = "the certificate") throws {
        let root = try DER.parse(der, what: what)
        guard root.tag == DERTag.sequence else { throw X509Error.malformed("\(what) is not a DER SEQUENCE") }
        var outer = root.children(what: what)
        let tbs = try outer.next(tag: DERTag.sequence, "tbsCertificate")
        let outerAlgorithm = try outer.next(tag: DERTag.sequence, "signatureAlgorithm")
        let signatureValue = try outer.next(tag: DERTag.bitString, "signatureValue")
        try outer.finish("signatureValue")

        var t = tbs.children(what: what)
        var version = 1
        if let v = try t.optional(tag: DERTag.contextConstructed(0)) {
            var vc = v.children(what: what)
            let n = try vc.next(tag: DERTag.integer, "version")
            try vc.finish("version")
            version = try n.smallInteger("version", maximum: 2, what: what) + 1
        }
        let serial = try t.next(tag: DERTag.integer, "serialNumber")
        guard serial.contentCount >= 1, serial.contentCount <= 64 else {
            throw X509Error.malformed("\(what) has a serial number of \(serial.contentCount) bytes")
        }
        if serial.contentCount > 1 {
            let a = der[serial.contentStart], b = der[serial.contentStart + 1]
            guard !(a == 0 && b & 0x80 == 0) && !(a == 0xFF && b & 0x80 != 0) else {
                throw X509Error.malformed("\(what) has a non-minimal serial number encoding")
            }
        }
        let innerAlgorithm = try t.next(tag: DERTag.sequence, "signature algorithm")
        guard innerAlgorithm.content.elementsEqual(outerAlgorithm.content) else {
            throw X509Error.malformed("\(what) names different signature algorithms inside and outside the signed part")
        }
        let issuer = try t.next(tag: DERTag.sequence, "issuer")
        let validity = try t.next(tag: DERTag.sequence, "validity")
        let subject = try t.next(tag: DERTag.sequence, "subject")
        let spki = try t.next(tag: DERTag.sequence, "subjectPublicKeyInfo")
        if version >= 2 {
            _ = try t.optional(tag: DERTag.contextPrimitive(1))
            _ = try t.optional(tag: DERTag.contextPrimitive(2))
        }
        var extensionsElement: DERElement? = nil
        if version == 3 {
            extensionsElement = try t.optional(tag: DERTag.contextConstructed(3))
        }
        try t.finish("fields")

        var vc = validity.children(what: what)
        let notBefore = try vc.next().time("notBefore", what: what)
        let notAfter = try vc.next().time("notAfter", what: what)
        try vc.finish("validity")

        self.der = der
        self.version = version
        self.serialNumber = Array(serial.content)
        self.signatureAlgorithm = try Self.parseSignatureAlgorithm(outerAlgorithm, what: what)
        self.issuer = try Self.parseName(issuer, what: what)
        self.subject = try Self.parseName(subject, what: what)
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectPublicKeyInfo = spki.encoded
        self.publicKey = try Self.parsePublicKey(spki, what: what)
        self.tbsCertificate = tbs.encoded
        self.signature = try signatureValue.octetAlignedBitString("signatureValue", what: what)

        var ext = ParsedExtensions()
        if let e = extensionsElement {
            var ec = e.children(what: what)
            let list = try ec.next(tag: DERTag.sequence, "extensions")
            try ec.finish("extensions")
            ext = try ParsedExtensions(list, what: what)
        }
        self.basicConstraints = ext.basicConstraints
        self.keyUsage = ext.keyUsage
        self.extendedKeyUsage = ext.extendedKeyUsage?.map(\.description)
        self.subjectAlternativeNames = ext.subjectAlternativeNames
        self.subjectKeyIdentifier = ext.subjectKeyIdentifier
        self.authorityKeyIdentifier = ext.authorityKeyIdentifier
        self.unhandledCriticalExtensions = ext.unhandledCritical.map(\.description)
        self.nameConstraints = ext.nameConstraints
        self.extendedKeyUsageOIDs = ext.extendedKeyUsage
    }

    let extendedKeyUsageOIDs: [OID]?

    /// Parses every CERTIFICATE block of a PEM text; blocks that fail to parse are counted.
    public static func parsePEMBundle(_ text: [UInt8]) -> (certificates: [Certificate], skipped: Int) {
        let blocks = PEM.certificateBlocks(in: text)
        var certs: [Certificate] = []
        var skipped = blocks.malformedCount
        for der in blocks.certificates {
            if let c = try? Certificate(derEncoded: der) { certs.append(c) } else { skipped += 1 }
        }
        return (certs, skipped)
    }

    /// A short name for messages: the first DNS name for servers, else the subject CN or DN.
    public var displayName: String {
        if let cn = self.subject.commonName, !cn.isEmpty { return cn }
        if let first = self.subjectAlternativeNames?.first { return first.description }
        return self.subject.der.count > 2 ? self.subject.description : "(certificate with an empty subject)"
    }

    /// `subject (issuer: …)`.
    public var description: String { "\(self.subject) (issuer: \(self.issuer))" }

    var isSelfIssued: Bool { self.subject == self.issuer }

    // MARK: - Algorithms

    static let oidECDSASHA256 = OID("1.2.840.10045.4.3.2")
    static let oidECDSASHA384 = OID("1.2.840.10045.4.3.3")
    static let oidECDSASHA512 = OID("1.2.840.10045.4.3.4")
    static let oidECDSASHA1 = OID("1.2.840.10045.4.1")
    static let oidRSASHA256 = OID("1.2.840.113549.1.1.11")
    static let oidRSASHA384 = OID("1.2.840.113549.1.1.12")
    static let oidRSASHA512 = OID("1.2.840.113549.1.1.13")
    static let oidRSASHA1 = OID("1.2.840.113549.1.1.5")
    static let oidRSAMD5 = OID("1.2.840.113549.1.1.4")
    static let oidRSAMD2 = OID("1.2.840.113549.1.1.2")
    static let oidRSAPSS = OID("1.2.840.113549.1.1.10")
    static let oidMGF1 = OID("1.2.840.113549.1.1.8")
    static let oidDSASHA1 = OID("1.2.840.10040.4.3")
    static let oidSHA256 = OID("2.16.840.1.101.3.4.2.1")
    static let oidSHA384 = OID("2.16.840.1.101.3.4.2.2")
    static let oidSHA512 = OID("2.16.840.1.101.3.4.2.3")
    static let oidECPublicKey = OID("1.2.840.10045.2.1")
    static let oidP256 = OID("1.2.840.10045.3.1.7")
    static let oidP384 = OID("1.3.132.0.34")
    static let oidRSAEncryption = OID("1.2.840.113549.1.1.1")

    /// AlgorithmIdentifier → SignatureAlgorithm. Only structure errors throw.
    static func parseSignatureAlgorithm(_ element: DERElement, what: String) throws -> SignatureAlgorithm {
        var c = element.children(what: what)
        let oid = try c.next().objectIdentifier("signature algorithm", what: what)
        let params = c.isAtEnd ? nil : try c.next()
        try c.finish("signature algorithm parameters")
        let nullOrAbsent = params == nil || (params?.tag == DERTag.null && params?.contentCount == 0)
        switch oid {
        case Self.oidECDSASHA256, Self.oidECDSASHA384, Self.oidECDSASHA512:
            // RFC 5758 §3.2: the parameters field MUST be absent.
            guard params == nil else { return .unsupported("ECDSA signature algorithm with parameters") }
            return .ecdsa(oid == Self.oidECDSASHA256 ? .sha256 : oid == Self.oidECDSASHA384 ? .sha384 : .sha512)
        case Self.oidRSASHA256, Self.oidRSASHA384, Self.oidRSASHA512:
            guard nullOrAbsent else { return .unsupported("RSA signature algorithm with unexpected parameters") }
            return .rsaPKCS1(oid == Self.oidRSASHA256 ? .sha256 : oid == Self.oidRSASHA384 ? .sha384 : .sha512)
        case Self.oidRSAPSS:
            guard let params else { return .weak("RSA-PSS with SHA-1 (default parameters)") }
            return try Self.parsePSSParameters(params, what: what)
        case Self.oidRSASHA1: return .weak("RSA PKCS#1 v1.5 with SHA-1")
        case Self.oidECDSASHA1: return .weak("ECDSA with SHA-1")
        case Self.oidDSASHA1: return .weak("DSA with SHA-1")
        case Self.oidRSAMD5: return .weak("RSA with MD5")
        case Self.oidRSAMD2: return .weak("RSA with MD2")
        default: return .unsupported("signature algorithm \(oid)")
        }
    }

    /// RSASSA-PSS-params (RFC 4055 §3.1), accepted only in the profile RFC 8446 and the Web PKI
    /// use: SHA-256/384/512, MGF1 with the same hash, salt length = digest length, trailer 1.
    private static func parsePSSParameters(_ params: DERElement, what: String) throws -> SignatureAlgorithm {
        guard params.tag == DERTag.sequence else { throw X509Error.malformed("\(what) has malformed RSA-PSS parameters") }
        var c = params.children(what: what)
        var hash: DigestAlgorithm? = nil
        var mgfHash: DigestAlgorithm? = nil
        var salt = 20
        if let h = try c.optional(tag: DERTag.contextConstructed(0)) {
            var hc = h.children(what: what)
            hash = try Self.parseHashAlgorithm(try hc.next(tag: DERTag.sequence, "RSA-PSS hash"), what: what)
            try hc.finish("RSA-PSS hash")
        }
        if let m = try c.optional(tag: DERTag.contextConstructed(1)) {
            var mc = m.children(what: what)
            var mgf = try mc.next(tag: DERTag.sequence, "RSA-PSS mask generation").children(what: what)
            try mc.finish("RSA-PSS mask generation")
            let mgfOID = try mgf.next().objectIdentifier("RSA-PSS mask generation", what: what)
            guard mgfOID == Self.oidMGF1 else { return .unsupported("RSA-PSS with mask generation \(mgfOID)") }
            mgfHash = try Self.parseHashAlgorithm(try mgf.next(tag: DERTag.sequence, "MGF1 hash"), what: what)
            try mgf.finish("MGF1 hash")
        }
        if let s = try c.optional(tag: DERTag.contextConstructed(2)) {
            var sc = s.children(what: what)
            salt = try sc.next(tag: DERTag.integer, "RSA-PSS salt length").smallInteger("RSA-PSS salt length", maximum: 1024, what: what)
            try sc.finish("RSA-PSS salt length")
        }
        if let tf = try c.optional(tag: DERTag.contextConstructed(3)) {
            var tc = tf.children(what: what)
            let trailer = try tc.next(tag: DERTag.integer, "RSA-PSS trailer").smallInteger("RSA-PSS trailer", maximum: 255, what: what)
            try tc.finish("RSA-PSS trailer")
            guard trailer == 1 else { return .unsupported("RSA-PSS with trailer field \(trailer)") }
        }
        try c.finish("RSA-PSS parameters")
        guard let hash, let mgfHash else { return .weak("RSA-PSS with SHA-1") }
        guard hash == mgfHash else { return .unsupported("RSA-PSS with different message and MGF1 hashes") }
        guard salt == hash.byteCount else { return .unsupported("RSA-PSS with a \(salt)-byte salt (\(hash.byteCount) required)") }
        return .rsaPSS(hash)
    }

    /// A hash AlgorithmIdentifier (parameters NULL or absent); nil for anything but SHA-2 256/384/512.
    private static func parseHashAlgorithm(_ element: DERElement, what: String) throws -> DigestAlgorithm? {
        var c = element.children(what: what)
        let oid = try c.next().objectIdentifier("hash algorithm", what: what)
        if let p = try c.optional(tag: DERTag.null) {
            guard p.contentCount == 0 else { throw X509Error.malformed("\(what) has a malformed hash algorithm NULL") }
        }
        try c.finish("hash algorithm")
        switch oid {
        case Self.oidSHA256: return .sha256
        case Self.oidSHA384: return .sha384
        case Self.oidSHA512: return .sha512
        default: return nil
        }
    }

    /// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 5480, RFC 3279).
    static func parsePublicKey(_ spki: DERElement, what: String) throws -> SubjectPublicKey {
        var c = spki.children(what: what)
        let algorithm = try c.next(tag: DERTag.sequence, "public key algorithm")
        let bits = try c.next(tag: DERTag.bitString, "public key")
        try c.finish("public key")
        var ac = algorithm.children(what: what)
        let oid = try ac.next().objectIdentifier("public key algorithm", what: what)
        let params = ac.isAtEnd ? nil : try ac.next()
        try ac.finish("public key algorithm")
        switch oid {
        case Self.oidECPublicKey:
            guard let params, params.tag == DERTag.oid else { return .unsupported("EC key without a named curve") }
            let curve = try params.objectIdentifier("EC curve", what: what)
            let point = try bits.octetAlignedBitString("EC public key", what: what)
            switch curve {
            case Self.oidP256:
                guard point.count == 65, point.first == 0x04 else { throw X509Error.malformed("\(what) has a P-256 key that is not an uncompressed point") }
                return .ecP256(point)
            case Self.oidP384:
                guard point.count == 97, point.first == 0x04 else { throw X509Error.malformed("\(what) has a P-384 key that is not an uncompressed point") }
                return .ecP384(point)
            default:
                return .unsupported("EC key on curve \(curve)")
            }
        case Self.oidRSAEncryption:
            guard params == nil || (params?.tag == DERTag.null && params?.contentCount == 0) else {
                throw X509Error.malformed("\(what) has rsaEncryption key parameters that are not NULL")
            }
            let keyBytes = try bits.octetAlignedBitString("RSA public key", what: what)
            let key = try DER.parse(keyBytes, what: "\(what)'s RSA key")
            guard key.tag == DERTag.sequence else { throw X509Error.malformed("\(what) has a malformed RSA key") }
            var kc = key.children(what: what)
            let n = try kc.next(tag: DERTag.integer, "RSA modulus").unsignedIntegerBytes("RSA modulus", what: what)
            let e = try kc.next(tag: DERTag.integer, "RSA exponent").unsignedIntegerBytes("RSA exponent", what: what)
            try kc.finish("RSA key")
            guard let top = n.first, top != 0, !e.isEmpty else { throw X509Error.malformed("\(what) has a zero RSA modulus or exponent") }
            let bitLength = 8 * n.count - top.leadingZeroBitCount
            return .rsa(modulus: Array(n), exponent: Array(e), bitLength: bitLength)
        default:
            return .unsupported("public key algorithm \(oid)")
        }
    }

    // MARK: - Names

    static let attributeNames: [OID: String] = [
        OID("2.5.4.3"): "CN", OID("2.5.4.6"): "C", OID("2.5.4.7"): "L", OID("2.5.4.8"): "ST",
        OID("2.5.4.10"): "O", OID("2.5.4.11"): "OU", OID("2.5.4.5"): "serialNumber",
        OID("2.5.4.9"): "street", OID("0.9.2342.19200300.100.1.25"): "DC",
        OID("1.2.840.113549.1.9.1"): "emailAddress", OID("2.5.4.97"): "organizationIdentifier",
    ]
    static let oidCommonName = OID("2.5.4.3")

    /// Name ::= SEQUENCE OF RelativeDistinguishedName (RFC 5280 §4.1.2.4).
    static func parseName(_ element: DERElement, what: String) throws -> DistinguishedName {
        var rdns = element.children(what: what)
        var parts: [String] = []
        var commonName: String? = nil
        var count = 0
        while !rdns.isAtEnd {
            let rdn = try rdns.next(tag: DERTag.set, "name")
            var atvs = rdn.children(what: what)
            guard !atvs.isAtEnd else { throw X509Error.malformed("\(what) has an empty name component") }
            var rdnParts: [String] = []
            while !atvs.isAtEnd {
                count += 1
                guard count <= 128 else { throw X509Error.malformed("\(what) has a name with more than 128 attributes") }
                var atv = try atvs.next(tag: DERTag.sequence, "name attribute").children(what: what)
                let type = try atv.next().objectIdentifier("name attribute", what: what)
                let value = try atv.next()
                try atv.finish("name attribute")
                let text = DirectoryString.decode(value)
                if type == Self.oidCommonName { commonName = text }
                rdnParts.append("\(Self.attributeNames[type] ?? type.description)=\(text)")
            }
            parts.append(rdnParts.joined(separator: "+"))
        }
        var rendered = parts.reversed().joined(separator: ", ")
        if rendered.count > 300 { rendered = String(rendered.prefix(300)) + "…" }
        return DistinguishedName(der: element.encoded, description: rendered.isEmpty ? "(empty name)" : rendered, commonName: commonName)
    }
}

/// Decoding of the string types found in names, for display only (never for matching).
enum DirectoryString {
    static func decode(_ value: DERElement) -> String {
        let c = value.content
        var s: String
        switch value.tag {
        case DERTag.utf8String, DERTag.printableString, DERTag.ia5String, DERTag.visibleString:
            s = String(decoding: c, as: UTF8.self)
        case DERTag.teletexString:
            s = String(String.UnicodeScalarView(c.map { Unicode.Scalar($0) }))
        case DERTag.bmpString:
            var units: [UInt16] = []
            var i = c.startIndex
            while i + 1 < c.endIndex {
                units.append(UInt16(c[i]) << 8 | UInt16(c[i + 1]))
                i += 2
            }
            s = String(decoding: units, as: UTF16.self)
        case DERTag.universalString:
            var scalars = String.UnicodeScalarView()
            var i = c.startIndex
            while i + 3 < c.endIndex {
                let v = UInt32(c[i]) << 24 | UInt32(c[i + 1]) << 16 | UInt32(c[i + 2]) << 8 | UInt32(c[i + 3])
                scalars.append(Unicode.Scalar(v) ?? "?")
                i += 4
            }
            s = String(scalars)
        default:
            return "#" + c.prefix(32).map { b in
                let h = String(b, radix: 16)
                return h.count == 1 ? "0" + h : h
            }.joined()
        }
        // Control characters from a hostile certificate must not reach a terminal.
        s = String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        return s.count > 128 ? String(s.prefix(128)) + "…" : s
    }
}
