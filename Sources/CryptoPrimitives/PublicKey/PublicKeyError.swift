/// Failure of a public-key operation (key agreement, key parsing, encryption).
///
/// Messages never contain key material: they name the problem and what to check.
public struct PublicKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable failure codes.
    public enum Code: String, Sendable {
        /// A peer or configured public key is malformed, off the curve or out of range.
        case invalidPublicKey
        /// A private key has the wrong length or is out of range (zero, ≥ group order).
        case invalidPrivateKey
        /// An RSA modulus is shorter than 2048 bits.
        case keyTooSmall
        /// X25519 produced the all-zero value: the peer sent a low-order point (RFC 8446 §7.4.2).
        case allZeroSharedSecret
        /// A DER structure is not strict DER or not the expected structure.
        case invalidEncoding
        /// The plaintext does not fit into one RSA-OAEP block for this key.
        case messageTooLong
    }

    /// The stable code.
    public let code: Code
    /// Human-readable explanation with a hint how to fix it.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Errors compare by code only: messages are explanations, not identity.
    public static func == (lhs: PublicKeyError, rhs: PublicKeyError) -> Bool { lhs.code == rhs.code }

    /// `code: message`.
    public var description: String { "\(self.code.rawValue): \(self.message)" }

    static let invalidPublicKey = PublicKeyError(.invalidPublicKey, "the peer's public key is malformed or not a valid point; check that the peer uses the negotiated group")
    static let invalidPrivateKey = PublicKeyError(.invalidPrivateKey, "the private key has the wrong length or is out of range; generate it with the matching generatePrivateKey")
    static let allZeroSharedSecret = PublicKeyError(.allZeroSharedSecret, "the key agreement produced an all-zero secret (peer sent a low-order point); abort the handshake")
}
