/// Where and as whom the S3 client talks: an endpoint (scheme, host, port), a bucket,
/// the signing region and the key pair. Its descriptions never show the secret.
public struct S3Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `http` or `https`.
    public var endpointScheme: String
    /// Host name or IP literal (IPv6 in brackets), lower-cased.
    public var host: String
    /// TCP port (80/443 by default for http/https).
    public var port: Int
    /// Bucket name, used path-style: `/{bucket}/{key}`.
    public var bucket: String
    /// SigV4 region; R2 requires `auto`.
    public var region: String
    /// Access key ID.
    public var accessKeyID: String
    /// Secret access key (never printed).
    public var secretAccessKey: String

    /// Creates a configuration from parts.
    public init(endpointScheme: String, host: String, port: Int, bucket: String, region: String = "auto", accessKeyID: String, secretAccessKey: String) {
        self.endpointScheme = endpointScheme
        self.host = host
        self.port = port
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    /// Parses an endpoint URL such as `http://127.0.0.1:9000` or
    /// `https://<account>.r2.cloudflarestorage.com` (one trailing `/` allowed) and validates the
    /// bucket name and credentials. Paths, queries, fragments and user info are rejected.
    public init(endpoint: String, bucket: String, region: String = "auto", accessKeyID: String, secretAccessKey: String) throws(S3Error) {
        let parsed = try Self.parseEndpoint(endpoint)
        try Self.validateBucket(bucket)
        guard !accessKeyID.isEmpty else { throw .invalidConfiguration("the access key ID is empty; set R2_ACCESS_KEY_ID") }
        guard !secretAccessKey.isEmpty else { throw .invalidConfiguration("the secret access key is empty; set R2_SECRET_ACCESS_KEY") }
        guard accessKeyID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ",") }) else {
            throw .invalidConfiguration("the access key ID contains spaces, '/', ',' or non-ASCII characters; check R2_ACCESS_KEY_ID")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ SigV4.isUnreserved($0) }) else {
            throw .invalidConfiguration("region \"\(region)\" is not valid; R2 uses \"auto\"")
        }
        self.init(endpointScheme: parsed.scheme, host: parsed.host, port: parsed.port, bucket: bucket, region: region, accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
    }

    /// True for `https`.
    public var usesTLS: Bool { self.endpointScheme == "https" }

    /// The `Host` header value: the port is appended only when it is not the scheme's default
    /// (signing `:443` breaks SigV4 against R2/S3; aws/aws-cli#2883).
    public var hostHeader: String {
        let defaultPort = self.usesTLS ? 443 : 80
        return self.port == defaultPort ? self.host : "\(self.host):\(self.port)"
    }

    /// The endpoint as a URL string, e.g. `https://acct.r2.cloudflarestorage.com`.
    public var endpointURL: String { "\(self.endpointScheme)://\(self.hostHeader)" }

    /// The signing credentials.
    public var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: self.accessKeyID, secretAccessKey: self.secretAccessKey)
    }

    /// Endpoint, bucket, region and key ID; the secret is redacted.
    public var description: String {
        "S3Configuration(endpoint: \(self.endpointURL), bucket: \(self.bucket), region: \(self.region), accessKeyID: \(self.accessKeyID), secretAccessKey: <redacted>)"
    }

    /// Same as `description`.
    public var debugDescription: String { self.description }

    /// Splits `scheme://host[:port][/]`.
    static func parseEndpoint(_ raw: String) throws(S3Error) -> (scheme: String, host: String, port: Int) {
        var text = Substring(raw)
        while let c = text.first, c == " " || c == "\t" || c == "\n" || c == "\r" { text = text.dropFirst() }
        while let c = text.last, c == " " || c == "\t" || c == "\n" || c == "\r" { text = text.dropLast() }
        let shown = String(text.prefix(200))
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw .invalidConfiguration("endpoint \"\(shown)\" must start with http:// or https:// (e.g. https://<account>.r2.cloudflarestorage.com)")
        }
        let scheme = text[text.startIndex..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw .invalidConfiguration("endpoint scheme \"\(scheme)\" is not supported; use http:// or https://")
        }
        var rest = text[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("@") else {
            throw .invalidConfiguration("endpoint must not contain user info (user@host); pass credentials via R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY")
        }
        guard !rest.contains("?"), !rest.contains("#") else {
            throw .invalidConfiguration("endpoint \"\(shown)\" must not contain a query or fragment")
        }
        guard !rest.contains("/") else {
            throw .invalidConfiguration("endpoint \"\(shown)\" must not contain a path; give only scheme://host[:port] and put the bucket name in R2_BUCKET")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidConfiguration("endpoint \"\(shown)\" has an unterminated IPv6 literal") }
            host = rest[rest.startIndex...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidConfiguration("endpoint \"\(shown)\" has garbage after the IPv6 literal") }
                portText = after.dropFirst()
            }
            let inner = host.dropFirst().dropLast()
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidConfiguration("endpoint \"\(shown)\" has an invalid IPv6 literal")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[rest.startIndex..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        if !host.hasPrefix("[") {
            guard !host.isEmpty, host.utf8.allSatisfy({ SigV4.isUnreserved($0) && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "~") }) else {
                throw .invalidConfiguration("endpoint host \"\(String(host.prefix(100)))\" is not a valid host name")
            }
        }
        var port = scheme == "https" ? 443 : 80
        if let p = portText {
            guard !p.isEmpty, p.count <= 5, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p), n >= 1, n <= 65_535 else {
                throw .invalidConfiguration("endpoint port \"\(String(p.prefix(20)))\" is not a number between 1 and 65535")
            }
            port = n
        }
        return (scheme, host.lowercased(), port)
    }

    /// Bucket names: 3–63 of `a-z 0-9 . - _` (R2 uses lower-case letters, digits and hyphens).
    static func validateBucket(_ bucket: String) throws(S3Error) {
        guard bucket.utf8.count >= 3, bucket.utf8.count <= 63,
            bucket.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
        else {
            throw .invalidConfiguration("bucket name \"\(String(bucket.prefix(80)))\" is not valid (3–63 lower-case letters, digits, '-', '.'); check R2_BUCKET")
        }
    }
}
