/// Lists the existing months of many tickers of one dataset with few requests.
///
/// Keys are `{dataset}/v1/{TICKER}/{YYYY}/{MM}/data.parquet` and a listing is in key order, so
/// one ListObjectsV2 page of `{dataset}/v1/` starting after `{dataset}/v1/{TICKER}/` holds that
/// ticker's months and those of the tickers after it, up to 1000 keys: eight tickers of ten
/// years of prices in one request instead of eight (R2 bills every LIST as a Class A operation,
/// and a server that scans its whole index per LIST pays once instead of eight times).
///
/// A page is asked for when a ticker's listing is needed and no page in flight is expected to
/// hold it; callers whose ticker an in-flight page should hold wait for it (their `Waiter` is
/// handed back when it lands, to ask again). A ticker is complete once a page that began at or
/// before its first key ends past its last one (or is the listing's last page); its keys are
/// kept until it is asked for or forgotten, so memory holds at most the pages in flight ahead of
/// the run. Asking for a ticker a second time, pages that turn out sparse (the bucket holds many
/// tickers this run does not touch), a failed request and a page that breaks the listing's
/// rules all answer `.perTicker`: the caller lists that ticker's prefix on its own, as before.
///
/// Thread-safe; makes no requests itself (sans-I/O): `request` says what to fetch, `deliver`
/// and `fail` take the outcome.
final class RangeLister<Waiter>: @unchecked Sendable {
    enum Step {
        /// Every object under the ticker's prefix, as listed.
        case ready([String: ListedObject])
        /// List one page of `root` after `startAfter`, then `deliver(ticket:page:)` or `fail(ticket:)`.
        case fetch(startAfter: String, ticket: Int)
        /// A page in flight should hold it: the waiter comes back from that page's `deliver`/`fail`.
        case waiting
        /// List the ticker's own prefix.
        case perTicker
    }

    /// What a landed page did: the waiters to ask again, and why range listing stopped, if it did.
    struct Delivery {
        var waiters: [Waiter]
        var problem: String?
    }

    /// `{dataset}/v1/`: the prefix every page lists.
    let root: String
    /// Keys a page may hold (S3 and R2 cap a page at 1000).
    let pageSize: Int

    private let rootBytes: [UInt8]
    /// The run's ticker prefixes, sorted by their bytes (the order of a listing).
    private let prefixes: [[UInt8]]
    private let indexOf: [String: Int]

    private enum Coverage {
        /// No page has reached the ticker's first key.
        case none
        /// Keys up to and including this one are known (a page ended inside the ticker's keys).
        case upTo([UInt8])
        /// Every key is known and waiting in `found`.
        case complete
        /// Handed out or forgotten: a second request lists the prefix on its own.
        case consumed
    }
    private var coverage: [Coverage]
    private var found: [Int: [String: ListedObject]] = [:]

    private struct Page {
        let start: Int
        let startAfter: [UInt8]
        var waiters: [Waiter]
    }
    private var inFlight: [Int: Page] = [:]
    private var nextTicket = 0
    /// How many tickers the last full page reached; nil until a page lands.
    private var span: Int?
    private var enabled = true
    private var keysSeen = 0, keysUsed = 0
    private let lock = Monitor()

    /// Tickers' keys this run lists per page at the least: below it, pages are mostly others'.
    static var usefulShare: Double { 0.5 }

    /// `prefixes`: `ObjectKey.prefix` of every ticker of the run, each under `root`.
    init(root: String, prefixes: [String], pageSize: Int = 1000) {
        self.root = root
        self.rootBytes = Array(root.utf8)
        self.pageSize = max(1, pageSize)
        let unique = Set(prefixes).map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        self.prefixes = unique
        var indexOf: [String: Int] = [:]
        for (i, p) in unique.enumerated() { indexOf[String(decoding: p, as: UTF8.self)] = i }
        self.indexOf = indexOf
        self.coverage = Array(repeating: .none, count: unique.count)
    }

    /// The listing of the ticker whose keys start with `prefix`, or what to do to get it.
    func request(prefix: String, waiter: Waiter) -> Step {
        self.lock.locked {
            guard let i = self.indexOf[prefix] else { return .perTicker }
            let resumeAfter: [UInt8]
            switch self.coverage[i] {
            case .complete:
                self.coverage[i] = .consumed
                return .ready(self.found.removeValue(forKey: i) ?? [:])
            case .consumed:
                return .perTicker
            case .none:
                resumeAfter = self.prefixes[i]
            case .upTo(let key):
                resumeAfter = key
            }
            guard self.enabled else { return .perTicker }
            if let ticket = self.pageExpectedToHold(i) {
                self.inFlight[ticket]?.waiters.append(waiter)
                return .waiting
            }
            // Start a little below it when the tickers just before are still unlisted: the run
            // asks roughly in key order, so they are asked for soon (or were asked for out of
            // order), and one page serves them all.
            var start = i, startAfter = resumeAfter
            let reach = self.span.map { $0 / 2 } ?? 8
            while start > 0, i - (start - 1) <= reach, self.pageExpectedToHold(start - 1) == nil {
                let below = start - 1
                if case .none = self.coverage[below] {
                    start = below
                    startAfter = self.prefixes[below]
                } else if case .upTo(let key) = self.coverage[below] {
                    start = below
                    startAfter = key
                    break
                } else {
                    break
                }
            }
            let ticket = self.nextTicket
            self.nextTicket += 1
            self.inFlight[ticket] = Page(start: start, startAfter: startAfter, waiters: [waiter])
            return .fetch(startAfter: String(decoding: startAfter, as: UTF8.self), ticket: ticket)
        }
    }

    /// The in-flight page that began closest before ticker `i`, if it should reach that far
    /// (any page that began before it, until one has landed and shown how far pages reach).
    private func pageExpectedToHold(_ i: Int) -> Int? {
        var best: (ticket: Int, start: Int)?
        for (ticket, page) in self.inFlight where page.start <= i && (self.span.map { i < page.start + $0 } ?? true) {
            if best.map({ page.start > $0.start }) ?? true { best = (ticket, page.start) }
        }
        return best?.ticket
    }

    /// Takes a page fetched for `ticket`. A page that breaks the listing's rules (keys out of
    /// order, outside the root, not after `startAfter`, or an empty page said to be truncated)
    /// is not used, and every ticker not yet complete is listed on its own from then on.
    func deliver(ticket: Int, page: ListedPage) -> Delivery {
        self.lock.locked {
            guard let fetched = self.inFlight.removeValue(forKey: ticket) else { return Delivery(waiters: [], problem: nil) }
            var keys: [[UInt8]] = []
            keys.reserveCapacity(page.objects.count)
            var previous = fetched.startAfter
            for object in page.objects {
                let key = Array(object.key.utf8)
                guard key.starts(with: self.rootBytes) else {
                    return self.stop(fetched, "the server listed \(object.key), which is not under \(self.root)")
                }
                guard previous.lexicographicallyPrecedes(key) else {
                    return self.stop(fetched, "the server listed \(object.key) out of order (not after \(String(decoding: previous, as: UTF8.self)))")
                }
                keys.append(key)
                previous = key
            }
            guard !page.isTruncated || !keys.isEmpty else { return self.stop(fetched, "the server said an empty page was truncated") }
            guard page.objects.count <= self.pageSize else {
                return self.stop(fetched, "the server sent \(page.objects.count) keys for a page of at most \(self.pageSize)")
            }
            let last: [UInt8]? = page.isTruncated ? keys.last : nil

            var used = 0
            for (n, object) in page.objects.enumerated() {
                let key = keys[n]
                // A key equal to a ticker's prefix (a "folder" marker) is no month: pages that
                // start at the prefix never see it, so none reports it.
                guard let slash = key[self.rootBytes.count...].firstIndex(of: UInt8(ascii: "/")), slash + 1 < key.count,
                      let j = self.indexOf[String(decoding: key[...slash], as: UTF8.self)] else { continue }
                switch self.coverage[j] {
                case .complete, .consumed: continue  // known already, or handed out: not held again
                case .none, .upTo: break
                }
                self.found[j, default: [:]][object.key] = object.object
                used += 1
            }
            // The page's range (startAfter, last] begins at or before the first unknown key of
            // every ticker from `start` on: each one it reaches is now known up to `last`.
            var j = fetched.start
            while j < self.prefixes.count {
                let p = self.prefixes[j]
                if let last, !p.lexicographicallyPrecedes(last) { break }
                switch self.coverage[j] {
                case .complete, .consumed:
                    break
                case .none, .upTo:
                    if let last, last.starts(with: p) {
                        if case .upTo(let known) = self.coverage[j], !known.lexicographicallyPrecedes(last) { break }
                        self.coverage[j] = .upTo(last)
                    } else {
                        self.coverage[j] = .complete
                    }
                }
                j += 1
            }
            if page.isTruncated { self.span = max(1, j - fetched.start) }
            self.keysSeen += keys.count
            self.keysUsed += used
            var problem: String?
            if self.enabled, self.keysSeen >= 2 * self.pageSize, Double(self.keysUsed) < Self.usefulShare * Double(self.keysSeen) {
                self.enabled = false
                problem = "most keys under \(self.root) belong to tickers this run does not write (\(self.keysUsed) of \(self.keysSeen) listed)"
            }
            return Delivery(waiters: fetched.waiters, problem: problem)
        }
    }

    /// The page for `ticket` could not be listed: tickers not yet complete are listed one by one.
    func fail(ticket: Int) -> [Waiter] {
        self.lock.locked {
            self.enabled = false
            return self.inFlight.removeValue(forKey: ticket)?.waiters ?? []
        }
    }

    /// The ticker is done with (printed): its keys, if a page brought them, are dropped.
    func forget(prefix: String) {
        self.lock.locked {
            guard let i = self.indexOf[prefix] else { return }
            self.coverage[i] = .consumed
            self.found[i] = nil
        }
    }

    /// Listed objects held for tickers not yet asked for.
    var held: Int { self.lock.locked { self.found.values.reduce(0) { $0 + $1.count } } }

    private func stop(_ page: Page, _ problem: String) -> Delivery {
        self.enabled = false
        return Delivery(waiters: page.waiters, problem: problem)
    }
}
