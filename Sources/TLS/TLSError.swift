/// A failed or refused TLS connection, with a stable `code` and a message for the user.
///
/// Messages name the server, the alert involved and, when known, the fix. Secrets (keys, traffic
/// secrets, plaintext) never appear in them.
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable category of the failure.
    public enum Code: String, Sendable, Equatable {
        /// The server sent a fatal alert.
        case alertReceived
        /// The server does not speak TLS 1.3.
        case unsupportedProtocolVersion
        /// The server's certificate chain or hostname did not verify.
        case certificateInvalid
        /// The server's CertificateVerify signature or Finished MAC was wrong.
        case handshakeAuthenticationFailed
        /// The server broke the protocol (malformed or unexpected message); we sent an alert.
        case protocolViolation
        /// A protected record did not authenticate (bad_record_mac).
        case recordAuthenticationFailed
        /// A record exceeded the TLS size limits.
        case recordOverflow
        /// The peer's bytes are not TLS at all (e.g. plain HTTP on a TLS port).
        case notTLS
        /// The connection ended without close_notify (possible truncation attack).
        case truncated
        /// The connection is closed or failed; no more data can be sent or received.
        case connectionClosed
        /// The caller misused the API (e.g. wrote before the handshake).
        case invalidState
        /// A local failure (random source, crypto provider).
        case internalError
    }

    /// Stable category.
    public let code: Code
    /// The full human-readable message.
    public let message: String
    /// The alert we sent to the server because of this error, if any.
    public let alertSent: AlertDescription?
    /// The alert the server sent, if that is what failed the connection.
    public let alertReceived: AlertDescription?

    /// Builds an error.
    public init(code: Code, message: String, alertSent: AlertDescription? = nil, alertReceived: AlertDescription? = nil) {
        self.code = code
        self.message = message
        self.alertSent = alertSent
        self.alertReceived = alertReceived
    }

    /// Errors compare by code and alerts, not by message text.
    public static func == (lhs: TLSError, rhs: TLSError) -> Bool {
        lhs.code == rhs.code && lhs.alertSent == rhs.alertSent && lhs.alertReceived == rhs.alertReceived
    }

    /// The message.
    public var description: String { self.message }

    // MARK: factories

    /// The server misbehaved; `alert` is sent to it.
    static func violation(_ server: String, _ alert: AlertDescription, _ what: String) -> TLSError {
        TLSError(
            code: .protocolViolation,
            message: "TLS connection to \(server) failed: \(what) (sent alert \(alert)). This is a bug in the server or a broken network path.",
            alertSent: alert)
    }

    /// The server sent a fatal alert.
    static func received(_ server: String, _ alert: AlertDescription, duringHandshake: Bool) -> TLSError {
        var text = "TLS connection to \(server) failed: the server sent alert \(alert)"
        switch alert.rawValue {
        case AlertDescription.protocolVersion.rawValue:
            text += "; server \(server) only offers TLS 1.2 or lower; this client speaks TLS 1.3 only. Enable TLS 1.3 on the server"
            return TLSError(code: .unsupportedProtocolVersion, message: text, alertReceived: alert)
        case AlertDescription.handshakeFailure.rawValue where duringHandshake,
            AlertDescription.insufficientSecurity.rawValue where duringHandshake:
            text += "; the server shares no TLS 1.3 cipher suite (ChaCha20-Poly1305, AES-128-GCM, AES-256-GCM), key exchange group (x25519, secp256r1) or signature scheme with this client, or it requires SNI"
        case AlertDescription.unrecognizedName.rawValue:
            text += "; the server does not serve the name \(server): check the host name"
        case AlertDescription.certificateRequired.rawValue:
            text += "; the server requires a client certificate, which this client does not support"
        case AlertDescription.noApplicationProtocol.rawValue:
            text += "; the server supports none of the application protocols offered (ALPN)"
        case AlertDescription.badRecordMAC.rawValue, AlertDescription.decryptError.rawValue:
            text += "; the server could not authenticate our records, which points to a network middlebox or a bug"
        default:
            break
        }
        return TLSError(code: .alertReceived, message: text, alertReceived: alert)
    }

    /// The server negotiated an older protocol version.
    static func oldVersion(_ server: String, _ version: UInt16, downgradeSentinel: Bool) -> TLSError {
        if downgradeSentinel {
            return TLSError(
                code: .protocolViolation,
                message: "TLS connection to \(server) failed: the server answered with \(ProtocolVersion.name(version)) and a TLS 1.3 downgrade marker, which means a middlebox or attacker altered the handshake (sent alert illegal_parameter (47))",
                alertSent: .illegalParameter)
        }
        return TLSError(
            code: .unsupportedProtocolVersion,
            message: "server \(server) only offers \(ProtocolVersion.name(version)); this client speaks TLS 1.3 only. Enable TLS 1.3 on the server",
            alertSent: .protocolVersion)
    }

    /// Certificate validation failed; `detail` is the X.509 verifier's text.
    static func certificate(_ server: String, _ alert: AlertDescription, _ detail: String) -> TLSError {
        TLSError(
            code: .certificateInvalid,
            message: "TLS connection to \(server) refused: the server's certificate is not acceptable: \(detail)",
            alertSent: alert)
    }

    /// A signature or MAC over the handshake did not verify.
    static func authentication(_ server: String, _ alert: AlertDescription, _ what: String) -> TLSError {
        TLSError(
            code: .handshakeAuthenticationFailed,
            message: "TLS connection to \(server) failed: \(what) (sent alert \(alert)); the server does not hold the certificate's key, or the handshake was tampered with",
            alertSent: alert)
    }
}
