/// A parsed XML element: just enough of XML 1.0 for S3 response documents.
public struct S3XMLElement: Sendable {
    /// Local name (any `prefix:` removed; S3 uses a default namespace).
    public var name: String
    /// Child elements in document order.
    public var children: [S3XMLElement]
    /// Concatenated character data directly inside this element, entities decoded.
    public var text: String

    /// The first child named `name`.
    public func child(_ name: String) -> S3XMLElement? { self.children.first { $0.name == name } }
    /// All children named `name`.
    public func children(named name: String) -> [S3XMLElement] { self.children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    public func childText(_ name: String) -> String? { self.child(name)?.text }
}

/// A tiny, bounded, non-validating XML parser (no DTDs, no external entities: nothing to
/// expand but the five predefined entities and numeric character references, XML 1.0 §4.6).
public enum S3XML {
    /// Bounds on hostile documents.
    public static let maxDocumentBytes = 32 * 1024 * 1024
    /// Deepest element nesting accepted (S3 documents nest 3 levels).
    public static let maxDepth = 32
    /// Most elements in one document (a 1000-key listing has ~7000).
    public static let maxElements = 200_000

    /// Parses `bytes` into the root element. Throws `S3Error` with code `InvalidResponse`.
    public static func parse(_ bytes: [UInt8]) throws(S3Error) -> S3XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.parseDocument()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        var elementCount = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ what: String) -> S3Error { .invalidResponse("malformed XML: \(what)") }

        mutating func parseDocument() throws(S3Error) -> S3XMLElement {
            guard self.bytes.count <= S3XML.maxDocumentBytes else { throw self.fail("document larger than \(S3XML.maxDocumentBytes) bytes") }
            // UTF-8 byte order mark.
            if self.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.i = 3 }
            try self.skipMisc()
            guard self.peek() == UInt8(ascii: "<") else { throw self.fail("no root element") }
            let root = try self.parseElement(depth: 1)
            try self.skipMisc()
            guard self.i == self.bytes.count else { throw self.fail("content after the root element") }
            return root
        }

        func peek(_ offset: Int = 0) -> UInt8? {
            let j = self.i + offset
            return j < self.bytes.count ? self.bytes[j] : nil
        }

        func startsWith(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard self.i + n <= self.bytes.count else { return false }
            return s.withUTF8Buffer { p in
                for k in 0..<n where self.bytes[self.i + k] != p[k] { return false }
                return true
            }
        }

        mutating func skipWhitespace() {
            while let c = self.peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { self.i += 1 }
        }

        /// Skips `terminator`-ended constructs such as `<?…?>` or `<!--…-->`.
        mutating func skipPast(_ terminator: StaticString, what: String) throws(S3Error) {
            while self.i < self.bytes.count {
                if self.startsWith(terminator) {
                    self.i += terminator.utf8CodeUnitCount
                    return
                }
                self.i += 1
            }
            throw self.fail("unterminated \(what)")
        }

        /// Whitespace, the XML declaration, processing instructions and comments.
        mutating func skipMisc() throws(S3Error) {
            while true {
                self.skipWhitespace()
                if self.startsWith("<?") {
                    try self.skipPast("?>", what: "processing instruction")
                } else if self.startsWith("<!--") {
                    try self.skipPast("-->", what: "comment")
                } else if self.startsWith("<!") {
                    throw self.fail("DTDs are not accepted")
                } else {
                    return
                }
            }
        }

        static func isNameByte(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return c >= 0x80
            }
        }

        mutating func parseName() throws(S3Error) -> ArraySlice<UInt8> {
            let start = self.i
            while let c = self.peek(), Self.isNameByte(c) { self.i += 1 }
            guard self.i > start else { throw self.fail("expected a name at byte \(start)") }
            return self.bytes[start..<self.i]
        }

        static func localName(_ qualified: ArraySlice<UInt8>) -> String {
            if let colon = qualified.lastIndex(of: UInt8(ascii: ":")) {
                return String(decoding: qualified[(colon + 1)...], as: UTF8.self)
            }
            return String(decoding: qualified, as: UTF8.self)
        }

        /// Parses `<name attr="v"…>content</name>` or `<name/>`, starting at `<`.
        mutating func parseElement(depth: Int) throws(S3Error) -> S3XMLElement {
            guard depth <= S3XML.maxDepth else { throw self.fail("nesting deeper than \(S3XML.maxDepth)") }
            self.elementCount += 1
            guard self.elementCount <= S3XML.maxElements else { throw self.fail("more than \(S3XML.maxElements) elements") }
            self.i += 1  // "<"
            let qualified = try self.parseName()
            var element = S3XMLElement(name: Self.localName(qualified), children: [], text: "")
            // Attributes (namespace declarations): parsed for syntax, ignored.
            while true {
                self.skipWhitespace()
                guard let c = self.peek() else { throw self.fail("unterminated start tag <\(element.name)>") }
                if c == UInt8(ascii: "/") {
                    guard self.peek(1) == UInt8(ascii: ">") else { throw self.fail("bad empty-element tag") }
                    self.i += 2
                    return element
                }
                if c == UInt8(ascii: ">") {
                    self.i += 1
                    break
                }
                _ = try self.parseName()
                self.skipWhitespace()
                guard self.peek() == UInt8(ascii: "=") else { throw self.fail("attribute without value in <\(element.name)>") }
                self.i += 1
                self.skipWhitespace()
                guard let quote = self.peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw self.fail("unquoted attribute value in <\(element.name)>")
                }
                self.i += 1
                while let v = self.peek(), v != quote {
                    guard v != UInt8(ascii: "<") else { throw self.fail("'<' in an attribute value") }
                    self.i += 1
                }
                guard self.peek() == quote else { throw self.fail("unterminated attribute value") }
                self.i += 1
            }
            // Content.
            var text: [UInt8] = []
            while true {
                guard let c = self.peek() else { throw self.fail("missing </\(element.name)>") }
                if c == UInt8(ascii: "<") {
                    if self.startsWith("</") {
                        self.i += 2
                        let closing = try self.parseName()
                        guard closing.elementsEqual(qualified) else {
                            throw self.fail("</\(String(decoding: closing, as: UTF8.self))> closes <\(String(decoding: qualified, as: UTF8.self))>")
                        }
                        self.skipWhitespace()
                        guard self.peek() == UInt8(ascii: ">") else { throw self.fail("bad end tag") }
                        self.i += 1
                        element.text = String(decoding: text, as: UTF8.self)
                        return element
                    } else if self.startsWith("<!--") {
                        try self.skipPast("-->", what: "comment")
                    } else if self.startsWith("<![CDATA[") {
                        self.i += 9
                        let start = self.i
                        try self.skipPast("]]>", what: "CDATA section")
                        text.append(contentsOf: self.bytes[start..<(self.i - 3)])
                    } else if self.startsWith("<?") {
                        try self.skipPast("?>", what: "processing instruction")
                    } else if self.startsWith("<!") {
                        throw self.fail("declarations are not accepted inside elements")
                    } else {
                        element.children.append(try self.parseElement(depth: depth + 1))
                    }
                } else if c == UInt8(ascii: "&") {
                    try self.parseReference(into: &text)
                } else {
                    text.append(c)
                    self.i += 1
                }
            }
        }

        /// `&amp; &lt; &gt; &quot; &apos; &#DDDD; &#xHHHH;` (XML 1.0 §4.1, §4.6).
        mutating func parseReference(into out: inout [UInt8]) throws(S3Error) {
            let start = self.i
            self.i += 1
            var name: [UInt8] = []
            while let c = self.peek(), c != UInt8(ascii: ";") {
                name.append(c)
                self.i += 1
                guard name.count <= 12 else { throw self.fail("entity reference too long at byte \(start)") }
            }
            guard self.peek() == UInt8(ascii: ";") else { throw self.fail("unterminated entity reference") }
            self.i += 1
            switch String(decoding: name, as: UTF8.self) {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            case let ref where ref.hasPrefix("#"):
                var digits = name.dropFirst()
                var radix: UInt32 = 10
                if let x = digits.first, x == UInt8(ascii: "x") {
                    radix = 16
                    digits = digits.dropFirst()
                }
                guard !digits.isEmpty, digits.count <= 8 else { throw self.fail("bad character reference &\(ref);") }
                var value: UInt32 = 0
                for d in digits {
                    let v: UInt32
                    switch d {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(d - UInt8(ascii: "0"))
                    case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: v = UInt32(d - UInt8(ascii: "a") + 10)
                    case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: v = UInt32(d - UInt8(ascii: "A") + 10)
                    default: throw self.fail("bad character reference &\(ref);")
                    }
                    value = value * radix + v
                }
                guard value != 0, let scalar = Unicode.Scalar(value) else { throw self.fail("invalid character reference &\(ref);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw self.fail("unknown entity &\(String(decoding: name, as: UTF8.self));")
            }
        }
    }
}

/// One page of a ListObjectsV2 result.
public struct ListObjectsPage: Sendable {
    /// The objects on this page.
    public var objects: [S3ObjectInfo]
    /// True when more pages follow.
    public var isTruncated: Bool
    /// Token for the next page (present when truncated).
    public var nextContinuationToken: String?
}

/// Fields of an S3 `<Error>` document.
public struct S3ErrorDocument: Sendable {
    /// `<Code>`, e.g. `NoSuchKey`.
    public var code: String
    /// `<Message>`.
    public var message: String
    /// `<Key>`, if present.
    public var key: String?
    /// `<RequestId>`, if present.
    public var requestID: String?
    /// `<CanonicalRequest>` the server computed (SignatureDoesNotMatch only).
    public var canonicalRequest: String?
    /// `<StringToSign>` the server computed (SignatureDoesNotMatch only).
    public var stringToSign: String?
}

extension S3XML {
    /// Parses a `ListBucketResult` (ListObjectsV2) document.
    public static func parseListBucketResult(_ bytes: [UInt8]) throws(S3Error) -> ListObjectsPage {
        let root = try Self.parse(bytes)
        guard root.name == "ListBucketResult" else { throw .invalidResponse("expected <ListBucketResult>, got <\(root.name)>") }
        var objects: [S3ObjectInfo] = []
        objects.reserveCapacity(root.children.count)
        for contents in root.children(named: "Contents") {
            guard let key = contents.childText("Key") else { throw .invalidResponse("a <Contents> entry has no <Key>") }
            guard let sizeText = contents.childText("Size"), let size = Self.parseSize(sizeText) else {
                throw .invalidResponse("the <Size> of \(key) is missing or not a number")
            }
            objects.append(S3ObjectInfo(key: key, etag: contents.childText("ETag"), size: size))
        }
        let truncatedText = root.childText("IsTruncated")
        let isTruncated: Bool
        switch truncatedText {
        case "true": isTruncated = true
        case "false", nil: isTruncated = false
        case let other?: throw .invalidResponse("<IsTruncated> is \(other)")
        }
        let token = root.childText("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        return ListObjectsPage(objects: objects, isTruncated: isTruncated, nextContinuationToken: token)
    }

    /// Parses an S3 `<Error>` document; `nil` when the body is not one.
    public static func parseError(_ bytes: [UInt8]) -> S3ErrorDocument? {
        guard let root = try? Self.parse(bytes), root.name == "Error", let code = root.childText("Code") else { return nil }
        return S3ErrorDocument(
            code: code, message: root.childText("Message") ?? "", key: root.childText("Key"),
            requestID: root.childText("RequestId"), canonicalRequest: root.childText("CanonicalRequest"),
            stringToSign: root.childText("StringToSign"))
    }

    /// Decimal object size, 1–18 digits, no sign.
    static func parseSize(_ text: String) -> Int? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 18, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}
