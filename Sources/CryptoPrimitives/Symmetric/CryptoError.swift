/// The one error type of CryptoPrimitives: a stable `code` plus a human `reason`.
/// Equality compares `code` only, so tests and callers can match on the kind of failure.
/// Reasons never contain key material, plaintext or tags.
public struct CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable machine-readable failure kinds.
    public enum Code: String, Sendable, Equatable {
        /// A key has a length the algorithm does not accept.
        case invalidKeySize
        /// A nonce/IV has a length the algorithm does not accept (our AEADs take 12 bytes).
        case invalidNonceSize
        /// An AEAD tag did not verify: the data was corrupted, forged, or the key/nonce is wrong.
        case authenticationFailure
        /// An input or requested output length is outside what the algorithm allows.
        case invalidLength
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, for logs and users; never contains secrets.
    public let reason: String
    /// Source file that raised the error.
    public let file: String
    /// Source line that raised the error.
    public let line: UInt

    /// Creates an error; prefer the static factories.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// Errors are equal when their codes are equal.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }

    /// `code: reason`.
    public var description: String { "\(self.code.rawValue): \(self.reason)" }

    /// A key of `got` bytes was given where `expected` is required.
    public static func invalidKeySize(got: Int, expected: String, file: String = #fileID, line: UInt = #line) -> CryptoError {
        CryptoError(code: .invalidKeySize, reason: "key is \(got) bytes, expected \(expected)", file: file, line: line)
    }

    /// A nonce of `got` bytes was given where `expected` bytes are required.
    public static func invalidNonceSize(got: Int, expected: Int, file: String = #fileID, line: UInt = #line) -> CryptoError {
        CryptoError(code: .invalidNonceSize, reason: "nonce is \(got) bytes, expected \(expected)", file: file, line: line)
    }

    /// The AEAD tag did not verify.
    public static func authenticationFailure(file: String = #fileID, line: UInt = #line) -> CryptoError {
        CryptoError(code: .authenticationFailure,
                    reason: "authentication tag mismatch: the record was corrupted or forged, or keys are out of sync",
                    file: file, line: line)
    }

    /// A length is out of range.
    public static func invalidLength(_ reason: String, file: String = #fileID, line: UInt = #line) -> CryptoError {
        CryptoError(code: .invalidLength, reason: reason, file: file, line: line)
    }
}
