import ByteCoding
import CryptoPrimitives

/// Access key pair for SigV4. Its descriptions never show the secret.
public struct SigV4Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The access key ID (sent in the clear in every Authorization header).
    public let accessKeyID: String
    /// The secret access key; internal so it cannot leak through the public API.
    let secretAccessKey: String

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    /// `SigV4Credentials(accessKeyID: …, secretAccessKey: <redacted>)`.
    public var description: String { "SigV4Credentials(accessKeyID: \(self.accessKeyID), secretAccessKey: <redacted>)" }
    /// Same as `description`.
    public var debugDescription: String { self.description }
}

/// What the signer needs to know about one request.
public struct SigV4Request: Sendable {
    /// HTTP method, e.g. `GET`.
    public var method: String
    /// The canonical URI: the path exactly as sent on the wire, already encoded once
    /// (see `SigV4.uriEncode(_:encodeSlash:)`); S3 never normalises or re-encodes it.
    public var canonicalURI: String
    /// Query parameters, raw (not yet encoded); a parameter without value has value "".
    public var query: [(name: String, value: String)]
    /// Headers to sign (names in any case; repeated names allowed). Must include `host`.
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body (or `UNSIGNED-PAYLOAD`), the last canonical-request line.
    public var payloadHash: String

    /// Creates a request description.
    public init(method: String, canonicalURI: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.canonicalURI = canonicalURI
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// The results of signing: everything except the key, for tests and `--verbose` diagnostics.
public struct SigV4Signature: Sendable {
    /// The canonical request (AWS SigV4 step 1).
    public let canonicalRequest: String
    /// The string to sign (step 2).
    public let stringToSign: String
    /// `;`-joined lower-case signed header names.
    public let signedHeaders: String
    /// Lower-case hex signature (step 4).
    public let signature: String
    /// The complete `Authorization` header value (a secret-derived bearer value: never log it).
    public let authorization: String
}

/// AWS Signature Version 4 for S3, as pure functions of their inputs (the date is a parameter,
/// STYLE.md rule 8). Reference: docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
/// and .../AmazonS3/latest/API/sig-v4-header-based-auth.html.
public enum SigV4 {
    /// `hex(SHA-256(""))`, the payload hash of every request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// AWS `UriEncode`: keeps `A-Z a-z 0-9 - . _ ~` (and `/` unless `encodeSlash`), turns every
    /// other UTF-8 byte into `%XX` with upper-case hex. Space is `%20`, never `+`.
    public static func uriEncode(_ string: String, encodeSlash: Bool) -> String {
        self.uriEncode(bytes: string.utf8, encodeSlash: encodeSlash)
    }

    /// `uriEncode` over raw bytes.
    public static func uriEncode<C: Collection>(bytes: C, encodeSlash: Bool) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for b in bytes {
            if Self.isUnreserved(b) || (b == UInt8(ascii: "/") && !encodeSlash) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(Self.upperHex[Int(b >> 4)])
                out.append(Self.upperHex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Canonical query string: names and values encoded (`/` too), sorted by name then value
    /// in byte order, joined as `name=value` with `&`. The same string is sent on the wire.
    public static func canonicalQueryString(_ query: [(name: String, value: String)]) -> String {
        let encoded = query.map { (Array(Self.uriEncode($0.name, encodeSlash: true).utf8), Array(Self.uriEncode($0.value, encodeSlash: true).utf8)) }
        let sorted = encoded.sorted { a, b in
            a.0 == b.0 ? a.1.lexicographicallyPrecedes(b.1) : a.0.lexicographicallyPrecedes(b.0)
        }
        return sorted.map { String(decoding: $0.0, as: UTF8.self) + "=" + String(decoding: $0.1, as: UTF8.self) }.joined(separator: "&")
    }

    /// Canonical headers block (each `name:value\n`) and the signed-headers list.
    ///
    /// Names lower-cased; values trimmed with inner whitespace runs collapsed to one space;
    /// repeated names joined with `,` in the order given; sorted by name.
    public static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, signedHeaders: String) {
        var merged: [(name: [UInt8], values: [String])] = []
        for header in headers {
            let name = Array(header.name.lowercased().utf8)
            let value = Self.canonicalHeaderValue(header.value)
            if let i = merged.firstIndex(where: { $0.name == name }) {
                merged[i].values.append(value)
            } else {
                merged.append((name, [value]))
            }
        }
        merged.sort { $0.name.lexicographicallyPrecedes($1.name) }
        var block = ""
        for entry in merged {
            block += String(decoding: entry.name, as: UTF8.self) + ":" + entry.values.joined(separator: ",") + "\n"
        }
        let signed = merged.map { String(decoding: $0.name, as: UTF8.self) }.joined(separator: ";")
        return (block, signed)
    }

    /// Trims and collapses whitespace (space, tab, CR, LF runs become one space).
    static func canonicalHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for b in value.utf8 {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload`.
    public static func canonicalRequest(_ request: SigV4Request) -> (canonicalRequest: String, signedHeaders: String) {
        let headers = Self.canonicalHeaders(request.headers)
        let text = [
            request.method, request.canonicalURI, Self.canonicalQueryString(request.query),
            headers.block, headers.signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        return (text, headers.signedHeaders)
    }

    /// `yyyymmdd/region/service/aws4_request`.
    public static func credentialScope(dateStamp: String, region: String, service: String) -> String {
        "\(dateStamp)/\(region)/\(service)/aws4_request"
    }

    /// `AWS4-HMAC-SHA256 \n amzDate \n scope \n hex(SHA-256(canonicalRequest))`.
    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n" + Hex.encode(SHA256.hash(Array(canonicalRequest.utf8)))
    }

    /// The signing key HMAC chain. Internal: the key never leaves this module.
    static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        var key = Array("AWS4\(secretAccessKey)".utf8)
        for part in [dateStamp, region, service, "aws4_request"] {
            var next = HMAC<SHA256>.authenticate(key: key, message: Array(part.utf8))
            swap(&key, &next)
            wipe(&next)
        }
        return key
    }

    /// Signs `request` at `amzDate` (`YYYYMMDDTHHMMSSZ`; the scope date is its first 8 chars).
    /// The caller must already have put the same `x-amz-date` (and, for S3,
    /// `x-amz-content-sha256`) into `request.headers`.
    public static func sign(_ request: SigV4Request, credentials: SigV4Credentials, amzDate: String, region: String, service: String = "s3") -> SigV4Signature {
        let dateStamp = String(amzDate.prefix(8))
        let (canonical, signed) = Self.canonicalRequest(request)
        let scope = Self.credentialScope(dateStamp: dateStamp, region: region, service: service)
        let toSign = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        var key = Self.signingKey(secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        let signature = Hex.encode(HMAC<SHA256>.authenticate(key: key, message: Array(toSign.utf8)))
        wipe(&key)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"
        return SigV4Signature(canonicalRequest: canonical, stringToSign: toSign, signedHeaders: signed, signature: signature, authorization: authorization)
    }

    /// `x-amz-date` for a Unix time: `YYYYMMDDTHHMMSSZ` (UTC, proleptic Gregorian).
    public static func amzDate(unixSeconds: Int64) -> String {
        let (days, secondsOfDay) = UnixCalendar.split(unixSeconds)
        let (year, month, day) = UnixCalendar.civil(days: days)
        let date: String = UnixCalendar.pad(year, 4) + UnixCalendar.pad(month, 2) + UnixCalendar.pad(day, 2)
        let hh: String = UnixCalendar.pad(secondsOfDay / 3600, 2)
        let mm: String = UnixCalendar.pad(secondsOfDay % 3600 / 60, 2)
        let ss: String = UnixCalendar.pad(secondsOfDay % 60, 2)
        return date + "T" + hh + mm + ss + "Z"
    }
}
