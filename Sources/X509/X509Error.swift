// The one error type of the X509 module (modelled on swift-asn1's ASN1Error): a stable code to
// test and branch on, and a reason written for the person who has to fix the configuration or
// the server. Equality is on the code only, so tests can compare against `X509Error.expired`.

/// A certificate could not be parsed, or a server's certificate chain is not trusted.
public struct X509Error: Error, CustomStringConvertible, Equatable, Hashable, Sendable {
    /// Stable error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `expired`.
        public let name: String
        init(_ name: String) { self.name = name }
        /// The code's name.
        public var description: String { self.name }

        /// A certificate in the path is past its notAfter time.
        public static let expired = Code("expired")
        /// A certificate in the path is before its notBefore time.
        public static let notYetValid = Code("notYetValid")
        /// The leaf's subjectAltName does not cover the host name.
        public static let hostnameMismatch = Code("hostnameMismatch")
        /// No path to a trust anchor could be built.
        public static let unknownIssuer = Code("unknownIssuer")
        /// A signature in the path does not verify with its issuer's key.
        public static let badSignature = Code("badSignature")
        /// A key in the path is too small (RSA under 2048 bits).
        public static let weakKey = Code("weakKey")
        /// A certificate is signed with SHA-1 or MD5.
        public static let weakSignatureAlgorithm = Code("weakSignatureAlgorithm")
        /// A signature or key algorithm that this implementation does not support.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// An issuing certificate is not a CA (basicConstraints cA missing or FALSE).
        public static let notACA = Code("notACA")
        /// The server's own certificate is a CA certificate.
        public static let leafIsCA = Code("leafIsCA")
        /// A CA's pathLenConstraint, or the verifier's depth limit, is exceeded.
        public static let pathLengthExceeded = Code("pathLengthExceeded")
        /// keyUsage forbids the use (keyCertSign on issuers, digitalSignature on the leaf).
        public static let keyUsage = Code("keyUsage")
        /// extendedKeyUsage does not allow TLS server authentication.
        public static let extendedKeyUsage = Code("extendedKeyUsage")
        /// A CA's nameConstraints exclude (or do not permit) a name of a certificate it issued.
        public static let nameConstraints = Code("nameConstraints")
        /// A certificate carries a critical extension this implementation does not understand.
        public static let unknownCriticalExtension = Code("unknownCriticalExtension")
        /// Bytes that are not a strict DER certificate (or PEM that is not base64).
        public static let malformed = Code("malformed")
        /// A trust store file is missing, unreadable or holds no usable certificate.
        public static let trustStore = Code("trustStore")
    }

    /// The stable code.
    public let code: Code
    /// What happened and what to do about it.
    public let reason: String

    /// Creates an error; `reason` must be safe to show to a user.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The user-facing message (the reason).
    public var description: String { self.reason }

    /// Errors compare equal when their codes are equal.
    public static func == (lhs: X509Error, rhs: X509Error) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    /// A value of each code with an empty reason, for `#expect(throws:)` comparisons.
    public static let expired = X509Error(.expired, "")
    /// See `Code.notYetValid`.
    public static let notYetValid = X509Error(.notYetValid, "")
    /// See `Code.hostnameMismatch`.
    public static let hostnameMismatch = X509Error(.hostnameMismatch, "")
    /// See `Code.unknownIssuer`.
    public static let unknownIssuer = X509Error(.unknownIssuer, "")
    /// See `Code.badSignature`.
    public static let badSignature = X509Error(.badSignature, "")
    /// See `Code.weakKey`.
    public static let weakKey = X509Error(.weakKey, "")
    /// See `Code.weakSignatureAlgorithm`.
    public static let weakSignatureAlgorithm = X509Error(.weakSignatureAlgorithm, "")
    /// See `Code.unsupportedAlgorithm`.
    public static let unsupportedAlgorithm = X509Error(.unsupportedAlgorithm, "")
    /// See `Code.notACA`.
    public static let notACA = X509Error(.notACA, "")
    /// See `Code.leafIsCA`.
    public static let leafIsCA = X509Error(.leafIsCA, "")
    /// See `Code.pathLengthExceeded`.
    public static let pathLengthExceeded = X509Error(.pathLengthExceeded, "")
    /// See `Code.keyUsage`.
    public static let keyUsage = X509Error(.keyUsage, "")
    /// See `Code.extendedKeyUsage`.
    public static let extendedKeyUsage = X509Error(.extendedKeyUsage, "")
    /// See `Code.nameConstraints`.
    public static let nameConstraints = X509Error(.nameConstraints, "")
    /// See `Code.unknownCriticalExtension`.
    public static let unknownCriticalExtension = X509Error(.unknownCriticalExtension, "")
    /// See `Code.malformed`.
    public static let malformed = X509Error(.malformed, "")
    /// See `Code.trustStore`.
    public static let trustStore = X509Error(.trustStore, "")

    /// A DER/certificate structure error.
    static func malformed(_ what: String) -> X509Error {
        X509Error(.malformed, "malformed certificate: \(what)")
    }
}
