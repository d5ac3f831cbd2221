import ByteCoding
import CryptoPrimitives
import Foundation
import S3
import Testing

/// Locates `Fixtures/sigv4` from this file's path (…/Tests/S3Tests/ThisFile.swift).
func sigv4FixtureDirectory(_ filePath: String = #filePath) -> String {
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
    while let last = parts.last, last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/") + "/Fixtures/sigv4"
}

func readFixture(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FixtureError(path: path)
    }
    return String(decoding: data, as: UTF8.self)
}

struct FixtureError: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot read fixture \(path)" }
}

/// `context.json` of the aws-c-auth layout (see Fixtures/sigv4/PROVENANCE.md).
struct SigningContext: Decodable {
    struct Credentials: Decodable {
        let access_key_id: String
        let secret_access_key: String
        let token: String?
    }
    let credentials: Credentials
    let region: String
    let service: String
    let timestamp: String
    let normalize: Bool
    let sign_body: Bool
    let omit_session_token: Bool?
}

/// A suite case: a directory holding context.json, request.txt and the expected header-* files.
struct SuiteCase: Sendable, CustomStringConvertible {
    let directory: String
    var description: String { String(self.directory.split(separator: "/").suffix(2).joined(separator: "/")) }
}

func suiteCases(_ suite: String) -> [SuiteCase] {
    let root = sigv4FixtureDirectory() + "/" + suite
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return names.sorted().map { SuiteCase(directory: root + "/" + $0) }
}

/// Decodes `%XX` escapes of a request-target component into raw bytes.
func percentDecode(_ s: Substring) -> [UInt8] {
    var out: [UInt8] = []
    let b = Array(s.utf8)
    var i = 0
    while i < b.count {
        if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let v = Hex.decode(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self)) {
            out.append(contentsOf: v)
            i += 3
        } else {
            out.append(b[i])
            i += 1
        }
    }
    return out
}

/// Applies the suite's rules (context.json) to request.txt and signs it in S3 mode:
/// path taken as sent, decoded, encoded exactly once, never normalised.
func signSuiteCase(_ testCase: SuiteCase) throws -> SigV4Signature {
    let context = try JSONDecoder().decode(SigningContext.self, from: Data(try readFixture(testCase.directory + "/context.json").utf8))
    let raw = try readFixture(testCase.directory + "/request.txt")
    let (head, body): (Substring, Substring)
    if let split = raw.firstRange(of: "\n\n") {
        head = raw[raw.startIndex..<split.lowerBound]
        body = raw[split.upperBound...]
    } else {
        head = raw[...].dropLast(raw.hasSuffix("\n") ? 1 : 0)
        body = ""
    }
    var lines = head.split(separator: "\n", omittingEmptySubsequences: false)
    let requestLine = lines.removeFirst()
    guard let firstSpace = requestLine.firstIndex(of: " "), requestLine.hasSuffix(" HTTP/1.1") else { throw FixtureError(path: testCase.directory) }
    let method = String(requestLine[requestLine.startIndex..<firstSpace])
    let target = requestLine[requestLine.index(after: firstSpace)..<requestLine.index(requestLine.endIndex, offsetBy: -9)]
    var headers: [(name: String, value: String)] = []
    for line in lines where !line.isEmpty {
        if line.first == " " || line.first == "\t", !headers.isEmpty {
            headers[headers.count - 1].value += "\n" + line
        } else if let colon = line.firstIndex(of: ":") {
            headers.append((String(line[line.startIndex..<colon]), String(line[line.index(after: colon)...])))
        }
    }
    let path: Substring
    var query: [(name: String, value: String)] = []
    if let q = target.firstIndex(of: "?") {
        path = target[target.startIndex..<q]
        for part in target[target.index(after: q)...].split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query.append((String(decoding: percentDecode(kv[0]), as: UTF8.self), kv.count > 1 ? String(decoding: percentDecode(kv[1]), as: UTF8.self) : ""))
        }
    } else {
        path = target
    }
    let amzDate = context.timestamp.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    if !headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) { headers.append(("X-Amz-Date", amzDate)) }
    if let token = context.credentials.token, context.omit_session_token != true { headers.append(("X-Amz-Security-Token", token)) }
    let payloadHash = Hex.encode(SHA256.hash(Array(body.utf8)))
    if context.sign_body { headers.append(("X-Amz-Content-Sha256", payloadHash)) }
    let request = SigV4Request(
        method: method, canonicalURI: SigV4.uriEncode(bytes: percentDecode(path), encodeSlash: false),
        query: query, headers: headers, payloadHash: payloadHash)
    let credentials = SigV4Credentials(accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key)
    return SigV4.sign(request, credentials: credentials, amzDate: amzDate, region: context.region, service: context.service)
}

@Suite("SigV4 signing vectors")
struct SigV4SuiteTests {
    @Test("the S3-applicable aws-c-auth v4 cases and the AWS S3 documentation examples reproduce exactly",
          arguments: suiteCases("aws-c-auth/v4") + suiteCases("aws-s3-docs"))
    func reproducesVector(testCase: SuiteCase) throws {
        let signature = try signSuiteCase(testCase)
        #expect(signature.canonicalRequest == (try readFixture(testCase.directory + "/header-canonical-request.txt")))
        #expect(signature.stringToSign == (try readFixture(testCase.directory + "/header-string-to-sign.txt")))
        #expect(signature.signature == (try readFixture(testCase.directory + "/header-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(signature.authorization.hasSuffix("Signature=" + signature.signature))
        #expect(signature.authorization.contains("SignedHeaders=" + signature.signedHeaders + ","))
    }

    @Test("all 32 S3-applicable aws-c-auth cases and 4 AWS S3 examples are present")
    func fixturesArePresent() {
        #expect(suiteCases("aws-c-auth/v4").count == 32)
        #expect(suiteCases("aws-s3-docs").count == 4)
    }

    @Test("S3 encodes an already-encoded path segment once, unlike the smithy-rs double-encode case")
    func singleEncodingNotDouble() throws {
        let directory = sigv4FixtureDirectory() + "/smithy-rs/double-encode-path"
        let doubleEncoded = try readFixture(directory + "/header-canonical-request.txt").split(separator: "\n")[1]
        #expect(doubleEncoded == "/test/%40connections/JBDvjfGEIAMCERw%253D")
        // The wire path /test/@connections/JBDvjfGEIAMCERw%3D names the key "test/@connections/JBDvjfGEIAMCERw=".
        let s3 = SigV4.uriEncode(bytes: percentDecode("/test/@connections/JBDvjfGEIAMCERw%3D"), encodeSlash: false)
        #expect(s3 == "/test/%40connections/JBDvjfGEIAMCERw%3D")
        #expect(s3[...] != doubleEncoded)
    }

    @Test("x-amz-date is formatted from Unix seconds in UTC", arguments: [
        (Int64(1_440_938_160), "20150830T123600Z"),
        (Int64(1_369_353_600), "20130524T000000Z"),
        (Int64(0), "19700101T000000Z"),
        (Int64(951_782_400), "20000229T000000Z"),
        (Int64(1_709_251_199), "20240229T235959Z"),
        (Int64(4_102_444_799), "20991231T235959Z"),
        (Int64(-1), "19691231T235959Z"),
    ])
    func amzDate(seconds: Int64, expected: String) {
        #expect(SigV4.amzDate(unixSeconds: seconds) == expected)
    }

    @Test("credentials never print the secret")
    func credentialsRedactSecret() {
        let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        for text in [credentials.description, credentials.debugDescription, String(describing: credentials), String(reflecting: credentials), "\(credentials)"] {
            #expect(!text.contains("wJalr"))
            #expect(text.contains("AKIDEXAMPLE"))
        }
    }
}
