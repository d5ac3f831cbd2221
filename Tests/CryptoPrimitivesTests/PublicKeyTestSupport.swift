// Shared helpers for the public-key test suites: fixture loading and Wycheproof parsing.
// Names carry a `PK` prefix so they cannot collide with other suites in this test target.
import ByteCoding
import Foundation
import Testing

/// Locates and loads files under Fixtures/crypto.
enum PKFixtures {
    /// Absolute path of Fixtures/crypto/<relative>, derived from this file's location.
    static func path(_ relative: String, file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()
        return (parts + ["Fixtures", "crypto", relative]).joined(separator: "/")
    }

    /// Parses a JSON fixture into a dictionary.
    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: self.path(relative)))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PKFixtureError(message: "\(relative) is not a JSON object")
        }
        return object
    }
}

struct PKFixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

/// Hex string to bytes; a malformed fixture fails the test rather than crashing it.
func pkHex(_ s: String) throws -> [UInt8] {
    guard let b = Hex.decode(s) else { throw PKFixtureError(message: "bad hex in fixture: \(s.prefix(40))") }
    return b
}

/// One Wycheproof test case with the fields of its group.
struct PKWycheproofCase {
    let id: Int
    let result: String
    let flags: [String]
    let fields: [String: Any]
    let group: [String: Any]

    var isValid: Bool { self.result == "valid" }

    func hex(_ key: String) throws -> [UInt8] {
        guard let s = self.fields[key] as? String else { throw PKFixtureError(message: "tcId \(self.id): no field \(key)") }
        return try pkHex(s)
    }

    func groupString(_ path: String...) throws -> String {
        var node: Any? = self.group
        for key in path { node = (node as? [String: Any])?[key] }
        if let s = node as? String { return s }
        if let i = node as? Int { return String(i) }
        throw PKFixtureError(message: "group has no \(path.joined(separator: "."))")
    }

    func groupHex(_ path: String...) throws -> [UInt8] {
        var node: Any? = self.group
        for key in path { node = (node as? [String: Any])?[key] }
        guard let s = node as? String else { throw PKFixtureError(message: "group has no \(path.joined(separator: "."))") }
        return try pkHex(s)
    }
}

/// A Wycheproof vector file.
struct PKWycheproofFile {
    let name: String
    let declaredCount: Int
    let groups: [[String: Any]]

    init(_ name: String) throws {
        let root = try PKFixtures.json("wycheproof/\(name)")
        self.name = name
        self.declaredCount = root["numberOfTests"] as? Int ?? -1
        self.groups = root["testGroups"] as? [[String: Any]] ?? []
    }

    /// All cases, each with its group attached.
    var cases: [PKWycheproofCase] {
        self.groups.flatMap { group in
            (group["tests"] as? [[String: Any]] ?? []).map { t in
                PKWycheproofCase(
                    id: t["tcId"] as? Int ?? -1, result: t["result"] as? String ?? "?",
                    flags: t["flags"] as? [String] ?? [], fields: t, group: group)
            }
        }
    }

    /// Runs `body` on every case, checks that all declared cases ran, and prints the tally.
    func run(_ body: (PKWycheproofCase) throws -> Void) throws {
        let all = self.cases
        var tally: [String: Int] = [:]
        for c in all {
            try body(c)
            tally[c.result, default: 0] += 1
        }
        #expect(all.count == self.declaredCount, "\(self.name): ran \(all.count) of \(self.declaredCount)")
        let summary = tally.keys.sorted().map { "\($0) \(tally[$0] ?? 0)" }.joined(separator: ", ")
        print("[vectors] \(self.name): \(all.count) cases (\(summary))")
    }
}
