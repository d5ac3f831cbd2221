import S3
import Testing

@Suite("S3 XML documents")
struct S3XMLTests {
    @Test("a ListBucketResult page is parsed with entities, numeric references and pagination")
    func parsesListing() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>market-data</Name><Prefix>prices/v1/</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>
              <IsTruncated>true</IsTruncated>
              <!-- a comment -->
              <Contents><Key>prices/v1/A&amp;B/2024/01/data.parquet</Key><LastModified>2024-01-15T09:30:00.000Z</LastModified>
                <ETag>&quot;186a71ee365d9686c3b98b6976e1f196&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>
              <Contents><Key>prices/v1/&lt;x&gt; &apos;q&apos; &#252;&#x65E5;</Key><ETag>"abc-3"</ETag><Size>0</Size></Contents>
              <Contents><Key><![CDATA[prices/v1/raw<&>]]></Key><Size>9223372036854775</Size></Contents>
              <NextContinuationToken>1oDMtg+plck/Hv==</NextContinuationToken>
            </ListBucketResult>
            """
        let page = try S3XML.parseListBucketResult(Array(xml.utf8))
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1oDMtg+plck/Hv==")
        #expect(page.objects == [
            S3ObjectInfo(key: "prices/v1/A&B/2024/01/data.parquet", etag: "\"186a71ee365d9686c3b98b6976e1f196\"", size: 1234),
            S3ObjectInfo(key: "prices/v1/<x> 'q' ü日", etag: "\"abc-3\"", size: 0),
            S3ObjectInfo(key: "prices/v1/raw<&>", etag: nil, size: 9_223_372_036_854_775),
        ])
    }

    @Test("the last page and an empty listing have no continuation token")
    func parsesLastPage() throws {
        let last = try S3XML.parseListBucketResult(Array("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>".utf8))
        #expect(!last.isTruncated)
        #expect(last.nextContinuationToken == nil)
        #expect(last.objects.map(\.key) == ["k"])
        let empty = try S3XML.parseListBucketResult(Array("<ListBucketResult xmlns='x'><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>".utf8))
        #expect(empty.objects.isEmpty)
    }

    @Test("an Error document yields code, message, key, request ID and the server's canonical request")
    func parsesError() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>
            <AWSAccessKeyId>AKID</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256
            20240115T093000Z
            20240115/auto/s3/aws4_request
            abc</StringToSign><CanonicalRequest>GET
            /market-data/k%20x

            host:127.0.0.1:9000
            </CanonicalRequest><Key>k x</Key><RequestId>REQ123</RequestId></Error>
            """
        let document = try #require(S3XML.parseError(Array(xml.utf8)))
        #expect(document.code == "SignatureDoesNotMatch")
        #expect(document.message.hasPrefix("The request signature"))
        #expect(document.key == "k x")
        #expect(document.requestID == "REQ123")
        #expect(document.canonicalRequest == "GET\n/market-data/k%20x\n\nhost:127.0.0.1:9000\n")
        #expect(document.stringToSign?.hasPrefix("AWS4-HMAC-SHA256\n20240115T093000Z\n") == true)
        let minimal = try #require(S3XML.parseError(Array("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>".utf8)))
        #expect(minimal.code == "NoSuchKey")
        #expect(minimal.key == nil)
    }

    @Test("non-error bodies are not mistaken for errors", arguments: ["", "<html><body>502 Bad Gateway</body></html>", "<Error><Message>no code</Message></Error>", "not xml"])
    func rejectsNonErrors(body: String) {
        #expect(S3XML.parseError(Array(body.utf8)) == nil)
    }

    @Test("malformed or hostile documents are rejected", arguments: [
        "",
        "   ",
        "<ListBucketResult>",
        "<ListBucketResult></ListBucketResults>",
        "<ListBucketResult><Contents><Key>k</Key><Size>1</Size></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&nbsp;b</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#0;b</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#xD800;b</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&amp</Key><Size>1</Size></Contents></ListBucketResult>",
        "<!DOCTYPE x [<!ENTITY e \"boom\">]><ListBucketResult></ListBucketResult>",
        "<ListBucketResult></ListBucketResult>trailing",
        "<ListBucketResult></ListBucketResult><Second/>",
        "<ListBucketResult a=b></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>99999999999999999999</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
        "<Error><Code>AccessDenied</Code></Error>",
        String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40),
        "<ListBucketResult><!-- unterminated </ListBucketResult>",
    ])
    func rejectsMalformed(xml: String) {
        #expect(throws: S3Error.invalidResponse("")) {
            try S3XML.parseListBucketResult(Array(xml.utf8))
        }
    }
}
