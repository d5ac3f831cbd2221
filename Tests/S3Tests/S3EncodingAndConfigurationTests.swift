import S3
import Testing

@Suite("S3 key/query encoding and endpoint configuration")
struct S3EncodingAndConfigurationTests {
    @Test("object keys are percent-encoded exactly once with slashes kept and no normalisation", arguments: [
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("a=b", "a%3Db"),
        ("100%", "100%25"),
        ("RDS%2FA", "RDS%252FA"),
        ("prices/v1/RDS/A/2024/01/data.parquet", "prices/v1/RDS/A/2024/01/data.parquet"),
        ("ü/日本", "%C3%BC/%E6%97%A5%E6%9C%AC"),
        ("year=2024/month=01", "year%3D2024/month%3D01"),
        ("AZaz09-._~", "AZaz09-._~"),
        ("a//b/./c/../d", "a//b/./c/../d"),
        ("test$file.text", "test%24file.text"),
        ("^:,;@!*()'&?#[]", "%5E%3A%2C%3B%40%21%2A%28%29%27%26%3F%23%5B%5D"),
    ])
    func keyEncoding(key: String, encoded: String) {
        #expect(SigV4.uriEncode(key, encodeSlash: false) == encoded)
    }

    @Test("query names and values are encoded with '/' as %2F and sorted")
    func queryEncoding() {
        let query = SigV4.canonicalQueryString([("prefix", "prices/v1/"), ("list-type", "2"), ("continuation-token", "1oDMtg+plck/Hv=="), ("delimiter", "/")])
        #expect(query == "continuation-token=1oDMtg%2Bplck%2FHv%3D%3D&delimiter=%2F&list-type=2&prefix=prices%2Fv1%2F")
        #expect(SigV4.canonicalQueryString([("prefix", "a b"), ("lifecycle", "")]) == "lifecycle=&prefix=a%20b")
        #expect(SigV4.canonicalQueryString([("b", "2"), ("a", "2"), ("a", "1")]) == "a=1&a=2&b=2")
        #expect(SigV4.canonicalQueryString([]) == "")
    }

    struct EndpointCase: Sendable, CustomStringConvertible {
        let url: String
        let scheme: String
        let host: String
        let port: Int
        let hostHeader: String
        var description: String { self.url }
    }

    @Test("endpoint URLs are parsed into scheme, host and port", arguments: [
        EndpointCase(url: "http://127.0.0.1:9000", scheme: "http", host: "127.0.0.1", port: 9000, hostHeader: "127.0.0.1:9000"),
        EndpointCase(url: "http://127.0.0.1:9000/", scheme: "http", host: "127.0.0.1", port: 9000, hostHeader: "127.0.0.1:9000"),
        EndpointCase(url: "https://ACCT123.r2.cloudflarestorage.com", scheme: "https", host: "acct123.r2.cloudflarestorage.com", port: 443, hostHeader: "acct123.r2.cloudflarestorage.com"),
        EndpointCase(url: "https://acct.eu.r2.cloudflarestorage.com/\n", scheme: "https", host: "acct.eu.r2.cloudflarestorage.com", port: 443, hostHeader: "acct.eu.r2.cloudflarestorage.com"),
        EndpointCase(url: "https://localhost:443", scheme: "https", host: "localhost", port: 443, hostHeader: "localhost"),
        EndpointCase(url: "https://localhost:9443", scheme: "https", host: "localhost", port: 9443, hostHeader: "localhost:9443"),
        EndpointCase(url: "HTTP://Example.com:80", scheme: "http", host: "example.com", port: 80, hostHeader: "example.com"),
        EndpointCase(url: "http://[::1]:9000", scheme: "http", host: "[::1]", port: 9000, hostHeader: "[::1]:9000"),
    ])
    func parsesEndpoint(testCase: EndpointCase) throws {
        let configuration = try S3Configuration(endpoint: testCase.url, bucket: "market-data", accessKeyID: "AK", secretAccessKey: "SECRET")
        #expect(configuration.endpointScheme == testCase.scheme)
        #expect(configuration.host == testCase.host)
        #expect(configuration.port == testCase.port)
        #expect(configuration.hostHeader == testCase.hostHeader)
        #expect(configuration.region == "auto")
    }

    @Test("bad endpoints, buckets and credentials are rejected with a clear message", arguments: [
        ("127.0.0.1:9000", "market-data", "http:// or https://"),
        ("ftp://example.com", "market-data", "not supported"),
        ("https://acct.r2.cloudflarestorage.com/market-data", "market-data", "R2_BUCKET"),
        ("https://acct.r2.cloudflarestorage.com/?x=1", "market-data", "query"),
        ("https://acct.r2.cloudflarestorage.com#frag", "market-data", "fragment"),
        ("https://user:pass@acct.r2.cloudflarestorage.com", "market-data", "user info"),
        ("https://example.com:0", "market-data", "port"),
        ("https://example.com:65536", "market-data", "port"),
        ("https://example.com:http", "market-data", "port"),
        ("https://example.com:", "market-data", "port"),
        ("https://", "market-data", "host"),
        ("https://bad_host.example", "market-data", "host"),
        ("http://[::1", "market-data", "IPv6"),
        ("https://example.com", "Market_Data!", "R2_BUCKET"),
        ("https://example.com", "ab", "R2_BUCKET"),
    ])
    func rejectsBadConfiguration(endpoint: String, bucket: String, hint: String) {
        do {
            let configuration = try S3Configuration(endpoint: endpoint, bucket: bucket, accessKeyID: "AK", secretAccessKey: "s3cr3t-value")
            Issue.record("accepted \(configuration)")
        } catch {
            #expect(error.code == "InvalidConfiguration")
            #expect(error.description.contains(hint), "\(error.description)")
            #expect(!error.description.contains("s3cr3t"))
        }
    }

    @Test("empty credentials name the environment variable to set")
    func emptyCredentials() {
        #expect(throws: S3Error.invalidConfiguration("")) {
            try S3Configuration(endpoint: "http://h:1", bucket: "bucket", accessKeyID: "", secretAccessKey: "s")
        }
        do {
            _ = try S3Configuration(endpoint: "http://h:1", bucket: "bucket", accessKeyID: "a", secretAccessKey: "")
            Issue.record("accepted an empty secret")
        } catch {
            #expect(error.description.contains("R2_SECRET_ACCESS_KEY"))
        }
    }

    @Test("the configuration description redacts the secret")
    func configurationRedactsSecret() throws {
        let configuration = try S3Configuration(endpoint: "https://acct.r2.cloudflarestorage.com", bucket: "market-data", accessKeyID: "AKID", secretAccessKey: "0123456789abcdefSECRET")
        for text in [configuration.description, String(reflecting: configuration), "\(configuration)", configuration.credentials.description] {
            #expect(!text.contains("SECRET"))
            #expect(text.contains("AKID"))
        }
    }
}
