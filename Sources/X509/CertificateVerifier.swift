// Server certificate path validation (RFC 5280 §6.1 trimmed to the Web-PKI server profile, as
// rustls-webpki, Go crypto/x509 and pyca/cryptography apply it). The chain the server sent is
// treated as an unordered pool: from the leaf we search issuers by exact subject DER (Go's
// rule), preferring trust anchors and AKI/SKI matches, and backtrack when a candidate fails.
// The search is bounded: at most 6 intermediates (webpki MAX_SUB_CA_COUNT), 100 signature
// checks (Go's maxChainSignatureChecks, after CVE-2018-16875) and 32 presented certificates.

/// A validated path.
public struct VerifiedPath: Sendable {
    /// Leaf first, trust anchor last (a pinned leaf that is itself an anchor is the only element).
    public let certificates: [Certificate]
    /// The server's certificate.
    public let leaf: Certificate
    /// The trust anchor the path ends at.
    public let anchor: Certificate
}

/// Validates server certificate chains against a set of trust anchors.
public struct CertificateVerifier: Sendable {
    /// Most intermediates between leaf and anchor.
    public static let maximumIntermediates = 6
    /// Most certificates accepted in one server chain.
    public static let maximumPresentedCertificates = 32
    /// Most signature verifications per `verify` call.
    static let maximumSignatureChecks = 100
    /// Most name-constraint comparisons per `verify` call (webpki's budget).
    static let maximumNameConstraintComparisons = 250_000

    let anchors: [Certificate]
    let anchorIndex: [[UInt8]: [Int]]
    let checker: any SignatureChecking

    /// A verifier that trusts `trustAnchors` (their own signatures are not checked).
    public init(trustAnchors: [Certificate]) {
        self.init(trustAnchors: trustAnchors, signatureChecker: CryptoSignatureChecker())
    }

    init(trustAnchors: [Certificate], signatureChecker: any SignatureChecking) {
        var unique: [Certificate] = []
        var seen = Set<[UInt8]>()
        for a in trustAnchors where seen.insert(a.der).inserted { unique.append(a) }
        self.anchors = unique
        var index: [[UInt8]: [Int]] = [:]
        for (i, a) in unique.enumerated() { index[a.subject.der, default: []].append(i) }
        self.anchorIndex = index
        self.checker = signatureChecker
    }

    /// Validates `chain` (DER, leaf first as the server sent it) for `hostname` (a DNS name or
    /// an IP literal) at `now` (Unix seconds). Throws an `X509Error` that says what to fix.
    public func verify(chain: [[UInt8]], hostname: String, now: Int64) throws -> VerifiedPath {
        guard let reference = ReferenceName(hostname) else {
            throw X509Error(.hostnameMismatch, "'\(Self.sanitize(hostname))' is neither a valid DNS name nor an IP address, so no certificate can match it")
        }
        return try self.verify(chain: chain, identity: (reference, hostname), now: now)
    }

    /// Validates `chain` exactly like `verify(chain:hostname:now:)` (trust anchor, validity,
    /// key usage, signatures, name constraints) except that the server's name is not compared
    /// with the certificate's subjectAltName. For protocols whose users ask for "the CA only"
    /// (MySQL's `--ssl-mode=VERIFY_CA`): anyone holding a certificate from the same CA can then
    /// impersonate the server, so prefer `verify(chain:hostname:now:)`.
    public func verifyIgnoringHostName(chain: [[UInt8]], now: Int64) throws -> VerifiedPath {
        try self.verify(chain: chain, identity: nil, now: now)
    }

    private func verify(chain: [[UInt8]], identity: (reference: ReferenceName, hostname: String)?, now: Int64) throws -> VerifiedPath {
        guard let leafDER = chain.first else { throw X509Error(.malformed, "the server sent no certificate") }
        guard chain.count <= Self.maximumPresentedCertificates else {
            throw X509Error(.malformed, "the server sent \(chain.count) certificates, more than the \(Self.maximumPresentedCertificates) accepted")
        }
        let leaf = try Certificate(derEncoded: leafDER, what: "the server's certificate")
        let pinned = self.anchors.contains { $0.der == leaf.der }
        try self.checkLeaf(leaf, identity: identity, now: now, pinned: pinned)
        if pinned { return VerifiedPath(certificates: [leaf], leaf: leaf, anchor: leaf) }

        var pool: [Certificate] = []
        var seen: Set<[UInt8]> = [leaf.der]
        for (i, der) in chain.enumerated().dropFirst() where seen.insert(der).inserted {
            // Unparseable extras are tolerated: servers send odd cross-signs; a path that
            // needed the certificate fails later with unknownIssuer.
            guard let c = try? Certificate(derEncoded: der, what: "certificate \(i + 1) sent by the server") else { continue }
            if self.isAnchor(c) { continue }
            pool.append(c)
        }
        var search = Search(now: now)
        if let path = self.extend([leaf], pool: pool, search: &search) {
            return VerifiedPath(certificates: path, leaf: leaf, anchor: path[path.count - 1])
        }
        if let e = search.firstError { throw e }
        let stuck = search.stuckAt ?? leaf
        if stuck.isSelfIssued {
            // Nothing can issue a self-signed certificate: "send the intermediates" would mislead.
            let what = stuck.der == leaf.der ? "the server's certificate for \(leaf.displayName)" : "the root certificate \(stuck.displayName) sent by the server"
            throw X509Error(.unknownIssuer,
                "\(what) is self-signed and not among the trusted certificates: if it is meant to be trusted, add it (or the CA that should be trusted) to the bundle named by SSL_CERT_FILE, R2_CA_BUNDLE or --dolt-ssl-ca")
        }
        throw X509Error(.unknownIssuer,
            "no trusted root issued the certificate of \(stuck.displayName) (issuer: \(stuck.issuer)): set SSL_CERT_FILE, R2_CA_BUNDLE or --dolt-ssl-ca to the CA bundle that should be trusted, or make the server send its intermediate certificates")
    }

    // MARK: - Leaf

    private func checkLeaf(_ leaf: Certificate, identity: (reference: ReferenceName, hostname: String)?, now: Int64, pinned: Bool) throws {
        if let oid = leaf.unhandledCriticalExtensions.first {
            throw X509Error(.unknownCriticalExtension,
                "the server's certificate for \(leaf.displayName) has a critical extension \(oid) that this client does not understand, so it must be rejected (RFC 5280 §4.2)")
        }
        try Self.checkValidity(leaf, role: "the certificate for \(leaf.displayName)", now: now)
        if !pinned, leaf.basicConstraints?.isCA == true {
            throw X509Error(.leafIsCA,
                "the server's certificate for \(leaf.displayName) is a CA certificate (basicConstraints cA=TRUE) and cannot identify a server: reissue it as an end-entity certificate, or add it to the trusted CA bundle to pin it")
        }
        // anyExtendedKeyUsage alone is not enough for a server certificate (CA/B BR 7.1.2.7.10;
        // webpki and pyca agree); it is accepted on intermediates only.
        if let eku = leaf.extendedKeyUsageOIDs, !eku.contains(Certificate.oidServerAuth) {
            throw X509Error(.extendedKeyUsage,
                "the server's certificate for \(leaf.displayName) is not valid for TLS servers (its extendedKeyUsage lacks serverAuth): reissue it with extendedKeyUsage serverAuth")
        }
        // pyca's server policy (CA/B BR 7.1.2.7.11): an end-entity must not claim keyCertSign.
        // digitalSignature is not demanded, like pyca, webpki, Go and OpenSSL.
        if !pinned, let ku = leaf.keyUsage, ku.contains(.keyCertSign) {
            throw X509Error(.keyUsage,
                "the server's certificate for \(leaf.displayName) asserts keyCertSign in its keyUsage, which a server certificate must not: reissue it without keyCertSign")
        }
        try self.checkKey(leaf, role: "the server's certificate for \(leaf.displayName)")
        // verify-ca: the chain checks above and in path building still apply; only the name is skipped.
        guard let identity else { return }
        let reference = identity.reference, hostname = identity.hostname
        guard let names = leaf.subjectAlternativeNames, !names.isEmpty else {
            throw X509Error(.hostnameMismatch,
                "the certificate has no DNS or IP subjectAltName (only the subject \(leaf.subject), which is not used for host names), so it is not valid for \(Self.sanitize(hostname)): reissue it with a subjectAltName")
        }
        guard HostNameMatcher.matches(reference, names) else {
            let shown = names.prefix(8).map(\.description).joined(separator: ", ")
            let more = names.count > 8 ? " and \(names.count - 8) more" : ""
            var hint = ""
            if case .dns(let ref) = reference, ref.split(separator: ".").count > 2,
                names.contains(where: { if case .dnsName(let n) = $0 { return n.hasPrefix("*.") && ref.hasSuffix(n.dropFirst(1)) } else { return false } })
            {
                hint = " (a wildcard covers exactly one label: for a bucket name containing dots use path-style URLs)"
            }
            throw X509Error(.hostnameMismatch, "the certificate is for \(shown)\(more), not for \(Self.sanitize(hostname))\(hint)")
        }
    }

    // MARK: - Path building

    private struct Search {
        let now: Int64
        var signatureChecks = 0
        var nameConstraintComparisons = 0
        var firstError: X509Error?
        /// The deepest certificate for which no issuer candidate existed.
        var stuckAt: Certificate?
        var stuckDepth = -1

        init(now: Int64) { self.now = now }

        mutating func record(_ e: X509Error) {
            if self.firstError == nil { self.firstError = e }
        }
    }

    private func isAnchor(_ c: Certificate) -> Bool {
        guard let idx = self.anchorIndex[c.subject.der] else { return false }
        return idx.contains { self.anchors[$0].subjectPublicKeyInfo == c.subjectPublicKeyInfo }
    }

    /// Issuer candidates for `child` among `certs`: exact subject match, AKI/SKI matches first.
    private static func ordered(_ candidates: [Certificate], for child: Certificate) -> [Certificate] {
        guard let aki = child.authorityKeyIdentifier else { return candidates }
        let hinted = candidates.filter { $0.subjectKeyIdentifier == aki }
        let rest = candidates.filter { $0.subjectKeyIdentifier != aki }
        return hinted + rest
    }

    /// Depth-first search from the last certificate of `path` to an anchor.
    private func extend(_ path: [Certificate], pool: [Certificate], search: inout Search) -> [Certificate]? {
        guard let child = path.last else { return nil }
        let anchorCandidates = (self.anchorIndex[child.issuer.der] ?? []).map { self.anchors[$0] }
        let poolCandidates = pool.filter { c in
            c.subject == child.issuer && !path.contains { $0.der == c.der || ($0.subject == c.subject && $0.subjectPublicKeyInfo == c.subjectPublicKeyInfo) }
        }
        if anchorCandidates.isEmpty && poolCandidates.isEmpty {
            if path.count > search.stuckDepth {
                search.stuckDepth = path.count
                search.stuckAt = child
            }
            return nil
        }
        for anchor in Self.ordered(anchorCandidates, for: child) {
            if let e = self.issuerProblem(anchor, isAnchor: true, path: path, search: &search) {
                search.record(e)
                continue
            }
            if let e = self.signatureProblem(child, issuer: anchor, search: &search) {
                search.record(e)
                continue
            }
            return path + [anchor]
        }
        for candidate in Self.ordered(poolCandidates, for: child) {
            guard path.count - 1 < Self.maximumIntermediates else {
                search.record(X509Error(.pathLengthExceeded,
                    "the server's chain needs more than \(Self.maximumIntermediates) intermediate certificates to reach a trusted root"))
                return nil
            }
            if let e = self.issuerProblem(candidate, isAnchor: false, path: path, search: &search) {
                search.record(e)
                continue
            }
            if let e = self.signatureProblem(child, issuer: candidate, search: &search) {
                search.record(e)
                continue
            }
            if let full = self.extend(path + [candidate], pool: pool, search: &search) { return full }
        }
        return nil
    }

    /// RFC 5280 §6.1.4 checks on a certificate used as an issuer of `path.last`.
    private func issuerProblem(_ ca: Certificate, isAnchor: Bool, path: [Certificate], search: inout Search) -> X509Error? {
        let now = search.now
        let role = isAnchor ? "the trusted root \(ca.displayName)" : "the intermediate certificate \(ca.displayName)"
        do {
            try Self.checkValidity(ca, role: role, now: now)
        } catch let e as X509Error {
            return e
        } catch {
            return X509Error(.malformed, "\(error)")
        }
        if !isAnchor, let oid = ca.unhandledCriticalExtensions.first {
            return X509Error(.unknownCriticalExtension, "\(role) has a critical extension \(oid) that this client does not understand (RFC 5280 §4.2)")
        }
        if isAnchor {
            // Anchors are trusted as configured; only an explicit cA=FALSE disqualifies one.
            if ca.basicConstraints?.isCA == false {
                return X509Error(.notACA, "\(role) is not a CA certificate (basicConstraints cA=FALSE), so it cannot issue certificates")
            }
        } else if ca.basicConstraints?.isCA != true {
            let why = ca.basicConstraints == nil ? "has no basicConstraints extension" : "has basicConstraints cA=FALSE"
            return X509Error(.notACA, "\(role) \(why), so it cannot issue certificates (RFC 5280 §4.2.1.9): the server's chain is misconfigured")
        }
        // RFC 5280 §6.1.4 (l): self-issued intermediates (key rollover) do not count.
        let below = path.dropFirst().filter { !$0.isSelfIssued }.count
        if let limit = ca.basicConstraints?.pathLengthConstraint, below > limit {
            return X509Error(.pathLengthExceeded,
                "\(role) allows \(limit) intermediate certificate(s) below it (pathLenConstraint) but the chain has \(below)")
        }
        if let ku = ca.keyUsage, !ku.contains(.keyCertSign) {
            return X509Error(.keyUsage, "\(role) does not allow certificate signing (keyUsage lacks keyCertSign)")
        }
        if !isAnchor, let eku = ca.extendedKeyUsageOIDs,
            !eku.contains(Certificate.oidServerAuth), !eku.contains(Certificate.oidAnyExtendedKeyUsage)
        {
            return X509Error(.extendedKeyUsage, "\(role) restricts its extendedKeyUsage to purposes other than TLS server authentication")
        }
        do {
            try self.checkKey(ca, role: role)
        } catch let e as X509Error {
            return e
        } catch {
            return X509Error(.malformed, "\(error)")
        }
        if let nc = ca.nameConstraints {
            for subject in path {
                let names = subject.subjectAlternativeNames ?? []
                search.nameConstraintComparisons += names.count * max(nc.permitted.count + nc.excluded.count, 1)
                guard search.nameConstraintComparisons <= Self.maximumNameConstraintComparisons else {
                    return X509Error(.nameConstraints, "\(role) has more name constraints than this client checks (\(Self.maximumNameConstraintComparisons) comparisons)")
                }
                if let problem = Self.nameConstraintProblem(nc, names: names) {
                    return X509Error(.nameConstraints, "\(role) \(problem) (nameConstraints, RFC 5280 §4.2.1.10)")
                }
            }
        }
        return nil
    }

    /// Refuses weak, unsupported or mismatched algorithms, then verifies `child`'s signature.
    private func signatureProblem(_ child: Certificate, issuer: Certificate, search: inout Search) -> X509Error? {
        let subject = child.displayName
        switch child.signatureAlgorithm {
        case .weak(let name):
            return X509Error(.weakSignatureAlgorithm,
                "the certificate of \(subject) is signed with \(name), which is no longer secure: the server must use a certificate signed with SHA-256 or better")
        case .unsupported(let what):
            return X509Error(.unsupportedAlgorithm, "the certificate of \(subject) is signed with an unsupported algorithm (\(what))")
        case .ecdsa, .rsaPKCS1, .rsaPSS:
            break
        }
        switch (child.signatureAlgorithm, issuer.publicKey) {
        case (.ecdsa, .ecP256), (.ecdsa, .ecP384), (.rsaPKCS1, .rsa), (.rsaPSS, .rsa):
            break
        default:
            return X509Error(.badSignature,
                "the certificate of \(subject) is signed with \(child.signatureAlgorithm) but its issuer \(issuer.displayName) has a \(issuer.publicKey.summary) key")
        }
        guard search.signatureChecks < Self.maximumSignatureChecks else {
            return X509Error(.unknownIssuer, "gave up building a path after \(Self.maximumSignatureChecks) signature checks: the server sends too many candidate certificates")
        }
        search.signatureChecks += 1
        switch self.checker.check(algorithm: child.signatureAlgorithm, key: issuer.publicKey, message: child.tbsCertificate, signature: child.signature) {
        case .valid:
            return nil
        case .invalid:
            return X509Error(.badSignature,
                "the signature on the certificate of \(subject) does not verify with the key of its issuer \(issuer.displayName): the certificate is forged or the chain is mixed up")
        case .unsupported(let why):
            return X509Error(.unsupportedAlgorithm, "the key of \(issuer.displayName) cannot be used: \(why)")
        }
    }

    // MARK: - Shared checks

    private static func checkValidity(_ c: Certificate, role: String, now: Int64) throws {
        if now > c.notAfter {
            throw X509Error(.expired,
                "\(role) expired on \(DERTime.format(c.notAfter)) (it is now \(DERTime.format(now))): the server must renew it, or this machine's clock is wrong")
        }
        if now < c.notBefore {
            throw X509Error(.notYetValid,
                "\(role) is not valid before \(DERTime.format(c.notBefore)) (it is now \(DERTime.format(now))): check this machine's clock")
        }
    }

    private func checkKey(_ c: Certificate, role: String) throws {
        switch c.publicKey {
        case .rsa(_, _, let bits) where bits < 2048:
            throw X509Error(.weakKey, "\(role) has a \(bits)-bit RSA key; at least 2048 bits are required")
        case .unsupported(let what):
            throw X509Error(.unsupportedAlgorithm, "\(role) has an unsupported key (\(what)); P-256, P-384 and RSA keys are supported")
        default:
            return
        }
    }

    /// Returns why `names` violate `nc`, or nil when they satisfy it. Subtrees constrain only
    /// names of their own form (RFC 5280 §4.2.1.10); directoryName, rfc822Name and URI subtrees
    /// are not applied because server identity here is only ever a dNSName or iPAddress (pyca
    /// behaves the same).
    static func nameConstraintProblem(_ nc: NameConstraints, names: [GeneralName]) -> String? {
        for name in names {
            switch name {
            case .dnsName(let raw):
                let n = raw.lowercased()
                let permitted = nc.permitted.compactMap { if case .dns(let d) = $0 { return d } else { return nil } }
                if !permitted.isEmpty, !permitted.contains(where: { Self.dnsWithin(n, $0) }) {
                    return "does not permit the name \(raw)"
                }
                for case .dns(let d) in nc.excluded {
                    if Self.dnsWithin(n, d) || (n.hasPrefix("*.") && HostNameMatcher.dnsMatches(reference: d.hasPrefix(".") ? String(d.dropFirst()) : d, pattern: n)) {
                        return "excludes the name \(raw)"
                    }
                }
            case .ipAddress(let ip):
                let permitted = nc.permitted.compactMap { s -> (address: [UInt8], mask: [UInt8])? in
                    if case .ip(let a, let m) = s, a.count == ip.count { return (a, m) } else { return nil }
                }
                if !permitted.isEmpty, !permitted.contains(where: { Self.ipWithin(ip, $0.address, $0.mask) }) {
                    return "does not permit the address \(IPAddress.format(ip))"
                }
                for case .ip(let a, let m) in nc.excluded where a.count == ip.count && Self.ipWithin(ip, a, m) {
                    return "excludes the address \(IPAddress.format(ip))"
                }
            }
        }
        return nil
    }

    /// RFC 5280 §4.2.1.10: "example.com" covers itself and its subdomains; ".example.com" only subdomains.
    static func dnsWithin(_ name: String, _ constraint: String) -> Bool {
        if constraint.isEmpty { return true }
        if constraint.hasPrefix(".") { return name.hasSuffix(constraint) }
        return name == constraint || name.hasSuffix("." + constraint)
    }

    static func ipWithin(_ ip: [UInt8], _ address: [UInt8], _ mask: [UInt8]) -> Bool {
        guard ip.count == address.count, ip.count == mask.count else { return false }
        for i in 0..<ip.count where ip[i] & mask[i] != address[i] & mask[i] { return false }
        return true
    }

    /// Host names echoed in messages: printable ASCII only, bounded.
    static func sanitize(_ s: String) -> String {
        let cleaned = String(String.UnicodeScalarView(s.unicodeScalars.prefix(256).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        return cleaned
    }
}
