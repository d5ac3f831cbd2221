// Loading trust anchors from PEM bundles, the way OpenSSL-based tools find them: an explicit
// bundle, else SSL_CERT_FILE, else SSL_CERT_DIR, else the usual distribution locations.
// Real bundles contain roots we cannot parse or use (odd algorithms, encodings): those are
// skipped; a source that yields no usable certificate is an error naming it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Trust anchor loading.
public struct TrustStore: Sendable {
    /// Bundle locations tried when neither a path nor SSL_CERT_FILE/SSL_CERT_DIR is set.
    public static let systemBundlePaths = [
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Alpine, Arch
        "/etc/pki/tls/certs/ca-bundle.crt",  // Fedora, RHEL, CentOS
        "/etc/ssl/cert.pem",  // Alpine, macOS-style layouts
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL 7+
        "/etc/ssl/ca-bundle.pem",  // openSUSE
    ]
    /// Largest bundle file read (the Mozilla bundle is about 220 KB).
    public static let maximumFileSize = 16 << 20
    /// Most files read from an SSL_CERT_DIR directory.
    public static let maximumDirectoryFiles = 4096

    /// What a load found.
    public struct LoadResult: Sendable {
        /// Usable certificates.
        public var certificates: [Certificate] = []
        /// CERTIFICATE blocks that could not be parsed.
        public var skipped = 0
        /// The files or directory read.
        public var source = ""
    }

    /// Loads the anchors: only `caBundlePath` when given (R2_CA_BUNDLE, AWS_CA_BUNDLE or
    /// --dolt-ssl-ca, as the caller decides), else SSL_CERT_FILE, SSL_CERT_DIR, then the system bundles.
    public static func load(caBundlePath: String?) throws -> [Certificate] {
        try self.loadReporting(caBundlePath: caBundlePath).certificates
    }

    /// As `load`, also reporting how many certificates were skipped and where they came from.
    public static func loadReporting(caBundlePath: String?, environment: (String) -> String? = TrustStore.environment) throws -> LoadResult {
        if let path = caBundlePath, !path.isEmpty {
            return try self.loadFile(path, origin: "the CA bundle \(path)")
        }
        if let file = environment("SSL_CERT_FILE"), !file.isEmpty {
            return try self.loadFile(file, origin: "SSL_CERT_FILE=\(file)")
        }
        if let dirs = environment("SSL_CERT_DIR"), !dirs.isEmpty {
            // OpenSSL accepts a colon-separated list of directories.
            var merged = LoadResult(source: dirs)
            var seen = Set<[UInt8]>()
            for dir in dirs.split(separator: ":").map(String.init) {
                guard let part = try? self.loadDirectory(dir) else { continue }
                merged.skipped += part.skipped
                for c in part.certificates where seen.insert(c.der).inserted { merged.certificates.append(c) }
            }
            guard !merged.certificates.isEmpty else {
                throw X509Error(.trustStore, "SSL_CERT_DIR=\(dirs) holds no usable PEM certificate: set it to a directory of PEM certificates")
            }
            return merged
        }
        for path in self.systemBundlePaths where Self.isReadableFile(path) {
            return try self.loadFile(path, origin: "the system CA bundle \(path)")
        }
        throw X509Error(.trustStore,
            "no CA bundle found (looked at \(self.systemBundlePaths.joined(separator: ", "))): install the ca-certificates package or set SSL_CERT_FILE to a PEM bundle")
    }

    /// Parses a PEM bundle file.
    static func loadFile(_ path: String, origin: String) throws -> LoadResult {
        let bytes = try Self.readFile(path, origin: origin)
        let parsed = Certificate.parsePEMBundle(bytes)
        guard !parsed.certificates.isEmpty else {
            throw X509Error(.trustStore,
                "\(origin) contains no usable PEM certificate (\(parsed.skipped) block(s) could not be parsed): point it at a PEM file with -----BEGIN CERTIFICATE----- blocks")
        }
        return LoadResult(certificates: parsed.certificates, skipped: parsed.skipped, source: path)
    }

    /// Reads every *.pem, *.crt and OpenSSL hash-named (xxxxxxxx.N) file of a directory.
    static func loadDirectory(_ dir: String) throws -> LoadResult {
        guard let handle = opendir(dir) else {
            throw X509Error(.trustStore, "SSL_CERT_DIR=\(dir) cannot be opened (errno \(errno)): set it to a directory of PEM certificates")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
            }
            if Self.isCertificateFileName(name) { names.append(name) }
            if names.count >= Self.maximumDirectoryFiles { break }
        }
        names.sort()
        var result = LoadResult(source: dir)
        var seen = Set<[UInt8]>()
        for name in names {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            guard Self.isReadableFile(path), let bytes = try? Self.readFile(path, origin: path) else { continue }
            let parsed = Certificate.parsePEMBundle(bytes)
            result.skipped += parsed.skipped
            for c in parsed.certificates where seen.insert(c.der).inserted { result.certificates.append(c) }
        }
        guard !result.certificates.isEmpty else {
            throw X509Error(.trustStore, "SSL_CERT_DIR=\(dir) holds no usable PEM certificate: set it to a directory of PEM certificates")
        }
        return result
    }

    static func isCertificateFileName(_ name: String) -> Bool {
        if name.hasSuffix(".pem") || name.hasSuffix(".crt") { return true }
        // OpenSSL c_rehash names: 8 hex digits, '.', a decimal counter.
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].count == 8 && parts[0].allSatisfy(\.isHexDigit)
            && !parts[1].isEmpty && parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
    }

    /// The process environment.
    public static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }

    static func isReadableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFREG && access(path, R_OK) == 0
    }

    /// Reads a whole regular file with fopen/fread, bounded by `maximumFileSize`.
    static func readFile(_ path: String, origin: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw X509Error(.trustStore, "\(origin) cannot be read (errno \(errno)): check that the file exists and is readable")
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            guard out.count <= Self.maximumFileSize else {
                throw X509Error(.trustStore, "\(origin) is larger than \(Self.maximumFileSize) bytes, which is not a CA bundle")
            }
            if n < chunk.count {
                if ferror(f) != 0 { throw X509Error(.trustStore, "\(origin) could not be read completely") }
                break
            }
        }
        return out
    }
}
