/// Protocol::AuthMoreData: `0x01, string<EOF> data`. For caching_sha2_password the data is one
/// byte: 0x03 = fast authentication succeeded (an OK follows), 0x04 = full authentication needed.
public struct AuthMoreData: Equatable, Sendable {
    /// caching_sha2_password: fast authentication succeeded.
    public static let fastAuthSuccess: UInt8 = 0x03
    /// caching_sha2_password: perform full authentication.
    public static let performFullAuthentication: UInt8 = 0x04

    /// The data after the 0x01 header.
    public var data: [UInt8]

    /// Decodes a payload that starts with 0x01.
    public static func decode(_ payload: [UInt8]) throws(MySQLError) -> AuthMoreData {
        guard payload.first == 0x01 else { throw .malformed("AuthMoreData", "bad header") }
        return AuthMoreData(data: Array(payload.dropFirst()))
    }
}
