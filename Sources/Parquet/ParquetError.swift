/// The one error type of the Parquet layer: a stable `code` to match on and a human `reason`.
///
/// Equality compares `code` only, so tests can expect a kind of failure without pinning wording.
public struct ParquetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Stable error kinds; new kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The short name of the code, e.g. `malformedThrift`.
        public var description: String { self.name }

        /// The Thrift compact encoding of a footer or page header is broken or truncated.
        public static let malformedThrift = Code("malformedThrift")
        /// The file structure (magic, footer length, offsets, sizes, counts) is inconsistent.
        public static let malformedFile = Code("malformedFile")
        /// A page body (levels, values, dictionary indices) is broken or truncated.
        public static let malformedPage = Code("malformedPage")
        /// A compressed page does not decompress cleanly.
        public static let malformedCompressedData = Code("malformedCompressedData")
        /// The file uses a feature this reader does not implement (codec, encoding, nesting, encryption).
        public static let unsupportedFeature = Code("unsupportedFeature")
        /// The schema given to the writer is not valid (bad physical/logical pairing, duplicate names).
        public static let invalidSchema = Code("invalidSchema")
        /// A value given to the writer does not fit its column.
        public static let invalidValue = Code("invalidValue")
        /// Decoding would exceed a configured resource limit.
        public static let limitExceeded = Code("limitExceeded")
    }

    /// What kind of failure this is.
    public let code: Code
    /// Human-readable detail: what happened and, where known, how to fix it.
    public let reason: String

    /// Creates an error; prefer the static factories.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `ParquetError.<code>: <reason>`.
    public var description: String { "ParquetError.\(self.code): \(self.reason)" }

    /// Equality on `code` only.
    public static func == (lhs: ParquetError, rhs: ParquetError) -> Bool { lhs.code == rhs.code }

    @inline(never) static func thrift(_ reason: String) -> ParquetError { ParquetError(.malformedThrift, reason) }
    @inline(never) static func file(_ reason: String) -> ParquetError { ParquetError(.malformedFile, reason) }
    @inline(never) static func page(_ reason: String) -> ParquetError { ParquetError(.malformedPage, reason) }
    @inline(never) static func compressed(_ reason: String) -> ParquetError { ParquetError(.malformedCompressedData, reason) }
    @inline(never) static func unsupported(_ reason: String) -> ParquetError { ParquetError(.unsupportedFeature, reason) }
    @inline(never) static func schema(_ reason: String) -> ParquetError { ParquetError(.invalidSchema, reason) }
    @inline(never) static func value(_ reason: String) -> ParquetError { ParquetError(.invalidValue, reason) }
    @inline(never) static func limit(_ reason: String) -> ParquetError { ParquetError(.limitExceeded, reason) }
}
