@testable import Backfill
import TestSupport
import Testing

/// A bucket's keys in listing order, and ListObjectsV2 pages cut from them like S3 does.
struct SortedKeys {
    var keys: [String]
    init(_ keys: [String]) {
        self.keys = Set(keys).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
    func page(prefix: String, after: String, size: Int) -> ListedPage {
        var listing: [String: ListedObject] = [:]
        for key in self.keys where key.hasPrefix(prefix) { listing[key] = ListedObject(etag: "\"\(key)\"", size: 1) }
        return ListedPage.cut(listing, after: after, maxKeys: size)
    }
    /// The months under a ticker's prefix (a key equal to the prefix is a folder marker, no month).
    func under(_ prefix: String) -> Set<String> { Set(self.keys.filter { $0.hasPrefix(prefix) && $0 != prefix }) }
}

@Suite("Range listing: many tickers' months in few LIST pages")
struct RangeListerTests {
    let root = "prices/v1/"
    func prefix(_ t: String) -> String { "prices/v1/\(t)/" }
    func months(_ t: String, _ n: Int) -> [String] {
        (0..<n).map { "prices/v1/\(t)/\(2000 + $0 / 12)/\($0 % 12 + 1 < 10 ? "0" : "")\($0 % 12 + 1)/data.parquet" }
    }

    @Test func onePageHoldsEveryTickerItReaches() {
        let bucket = SortedKeys(["A", "B", "C"].flatMap { self.months($0, 3) })
        let lister = RangeLister<Int>(root: self.root, prefixes: ["A", "B", "C"].map(self.prefix))
        guard case .fetch(let after, let ticket) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("no fetch"); return }
        #expect(after == "prices/v1/A/")
        // While the first page is in flight, the others wait for it instead of listing again.
        guard case .waiting = lister.request(prefix: self.prefix("B"), waiter: 1) else { Issue.record("B did not wait"); return }
        let delivery = lister.deliver(ticket: ticket, page: bucket.page(prefix: self.root, after: after, size: 1000))
        #expect(delivery.waiters.sorted() == [0, 1] && delivery.problem == nil)
        for t in ["A", "B", "C"] {
            guard case .ready(let listing) = lister.request(prefix: self.prefix(t), waiter: 9) else { Issue.record("\(t) not ready"); return }
            #expect(Set(listing.keys) == bucket.under(self.prefix(t)))
        }
        #expect(lister.held == 0)
        // Handed out once: a second request lists the prefix on its own.
        guard case .perTicker = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("A served twice"); return }
    }

    @Test func aPageEndingInsideATickerResumesAfterItsLastKey() {
        // B has 5 keys, pages hold 4: the first page ends inside B.
        let bucket = SortedKeys(self.months("A", 2) + self.months("B", 5) + self.months("C", 1))
        let lister = RangeLister<Int>(root: self.root, prefixes: ["A", "B", "C"].map(self.prefix), pageSize: 4)
        guard case .fetch(let after, let ticket) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("no fetch"); return }
        _ = lister.deliver(ticket: ticket, page: bucket.page(prefix: self.root, after: after, size: 4))
        guard case .ready(let a) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("A not ready"); return }
        #expect(Set(a.keys) == bucket.under(self.prefix("A")))
        guard case .fetch(let resume, let t2) = lister.request(prefix: self.prefix("B"), waiter: 1) else { Issue.record("B not fetched"); return }
        #expect(resume == self.months("B", 2)[1])
        _ = lister.deliver(ticket: t2, page: bucket.page(prefix: self.root, after: resume, size: 4))
        guard case .ready(let b) = lister.request(prefix: self.prefix("B"), waiter: 1) else { Issue.record("B not ready"); return }
        #expect(Set(b.keys) == bucket.under(self.prefix("B")))
        guard case .ready(let c) = lister.request(prefix: self.prefix("C"), waiter: 2) else { Issue.record("C not ready"); return }
        #expect(Set(c.keys) == bucket.under(self.prefix("C")))
    }

    @Test func anEmptyBucketCostsOnePage() {
        let tickers = (0..<50).map { "T\($0)" }
        let lister = RangeLister<Int>(root: self.root, prefixes: tickers.map(self.prefix))
        guard case .fetch(_, let ticket) = lister.request(prefix: self.prefix("T0"), waiter: 0) else { Issue.record("no fetch"); return }
        _ = lister.deliver(ticket: ticket, page: ListedPage(objects: [], isTruncated: false))
        for t in tickers {
            guard case .ready(let l) = lister.request(prefix: self.prefix(t), waiter: 0), l.isEmpty else { Issue.record("\(t) not ready and empty"); return }
        }
    }

    @Test(arguments: [
        ("a key outside the root", ListedPage(objects: [("fundamentals/v1/A/2000/01/data.parquet", ListedObject(etag: nil, size: 1))], isTruncated: false)),
        ("a key not after start-after", ListedPage(objects: [("prices/v1/A/", ListedObject(etag: nil, size: 1))], isTruncated: false)),
        ("keys out of order", ListedPage(objects: [("prices/v1/B/x", ListedObject(etag: nil, size: 1)), ("prices/v1/A/x", ListedObject(etag: nil, size: 1))], isTruncated: false)),
        ("an empty truncated page", ListedPage(objects: [], isTruncated: true)),
    ])
    func aPageThatBreaksTheRulesIsNotUsed(_ name: String, _ page: ListedPage) {
        let lister = RangeLister<Int>(root: self.root, prefixes: ["A", "B"].map(self.prefix))
        guard case .fetch(_, let ticket) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("no fetch"); return }
        let delivery = lister.deliver(ticket: ticket, page: page)
        #expect(delivery.waiters == [0] && delivery.problem != nil, "\(name)")
        // Nothing from that page is trusted: both tickers are listed on their own.
        guard case .perTicker = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("\(name): A trusted"); return }
        guard case .perTicker = lister.request(prefix: self.prefix("B"), waiter: 0) else { Issue.record("\(name): B trusted"); return }
    }

    @Test func aFailedPageHandsBackItsWaitersAndStopsRangeListing() {
        let lister = RangeLister<Int>(root: self.root, prefixes: ["A", "B", "C"].map(self.prefix))
        guard case .fetch(_, let ticket) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("no fetch"); return }
        guard case .waiting = lister.request(prefix: self.prefix("C"), waiter: 2) else { Issue.record("C did not wait"); return }
        #expect(lister.fail(ticket: ticket).sorted() == [0, 2])
        guard case .perTicker = lister.request(prefix: self.prefix("C"), waiter: 2) else { Issue.record("C still range-listed"); return }
    }

    @Test func sparsePagesFallBackToOneListingPerTicker() {
        // The bucket holds 400 tickers; the run writes 4 of them.
        let all = (0..<400).map { "X\(1000 + $0)" }
        let bucket = SortedKeys(all.flatMap { self.months($0, 10) })
        let run = stride(from: 0, to: 400, by: 100).map { all[$0] }
        let lister = RangeLister<Int>(root: self.root, prefixes: run.map(self.prefix))
        var pages = 0, problem: String?
        for t in run {
            if case .fetch(let after, let ticket) = lister.request(prefix: self.prefix(t), waiter: 0) {
                pages += 1
                let d = lister.deliver(ticket: ticket, page: bucket.page(prefix: self.root, after: after, size: 1000))
                problem = problem ?? d.problem
            }
            if case .ready(let l) = lister.request(prefix: self.prefix(t), waiter: 0) {
                #expect(Set(l.keys) == bucket.under(self.prefix(t)))
            }
        }
        #expect(pages == 2)
        #expect(problem?.contains("20 of 2000 listed") == true, "\(problem ?? "no problem")")
    }

    @Test func forgottenTickersHoldNothing() {
        let bucket = SortedKeys(["A", "B", "C"].flatMap { self.months($0, 3) })
        let lister = RangeLister<Int>(root: self.root, prefixes: ["A", "B", "C"].map(self.prefix))
        guard case .fetch(let after, let ticket) = lister.request(prefix: self.prefix("A"), waiter: 0) else { Issue.record("no fetch"); return }
        lister.forget(prefix: self.prefix("B"))  // B had no rows in Dolt: never asked for
        _ = lister.deliver(ticket: ticket, page: bucket.page(prefix: self.root, after: after, size: 1000))
        #expect(lister.held == 6)
        lister.forget(prefix: self.prefix("A"))
        lister.forget(prefix: self.prefix("C"))
        #expect(lister.held == 0)
    }

    /// Random buckets, page sizes, request orders and page arrival orders: every ticker asked for
    /// gets exactly the keys under its prefix, however pages overlap, and nothing is left held.
    @Test func anyInterleavingListsEveryTickerExactly() {
        var rng = SplitMix64(seed: 20261204)
        for round in 0..<300 {
            let names = ["A", "AB", "B", "B.A", "BB", "C", "D", "DA", "E", "F", "G", "ZZ"]
            var keys: [String] = []
            for n in names where rng.below(4) != 0 { keys += self.months(n, rng.below(30)) }
            // Tickers in the bucket the run does not write, and stray keys under the root.
            keys += self.months("OTHER", rng.below(10)) + ["prices/v1/stray", "prices/v1/B/"]
            let bucket = SortedKeys(keys)
            let run = names.filter { _ in rng.below(5) != 0 }
            let pageSize = 1 + rng.below(12)
            let lister = RangeLister<Int>(root: self.root, prefixes: run.map(self.prefix), pageSize: pageSize)
            var pending = Array(run.indices)
            for i in pending.indices.reversed() where rng.below(3) == 0 { pending.swapAt(i, rng.below(i + 1)) }
            var flying: [(ticket: Int, after: String)] = []
            var done: [Int: Set<String>] = [:]
            var steps = 0
            while done.count < run.count {
                steps += 1
                guard steps < 100_000 else { Issue.record("round \(round): no progress"); return }
                if !pending.isEmpty && (flying.isEmpty || rng.below(2) == 0) {
                    let w = pending.removeFirst()
                    switch lister.request(prefix: self.prefix(run[w]), waiter: w) {
                    case .ready(let l): done[w] = Set(l.keys)
                    case .perTicker: done[w] = bucket.under(self.prefix(run[w]))
                    case .waiting: break
                    case .fetch(let after, let ticket): flying.append((ticket, after))
                    }
                } else if !flying.isEmpty {
                    let f = flying.remove(at: rng.below(flying.count))
                    let d = lister.deliver(ticket: f.ticket, page: bucket.page(prefix: self.root, after: f.after, size: pageSize))
                    pending += d.waiters
                } else {
                    Issue.record("round \(round): a request neither ready nor in flight")
                    return
                }
            }
            for (w, got) in done where got != bucket.under(self.prefix(run[w])) {
                Issue.record("round \(round), page size \(pageSize): \(run[w]) listed \(got.sorted()), stored \(bucket.under(self.prefix(run[w])).sorted())")
            }
            for f in flying { _ = lister.deliver(ticket: f.ticket, page: bucket.page(prefix: self.root, after: f.after, size: pageSize)) }
            for t in run { lister.forget(prefix: self.prefix(t)) }
            #expect(lister.held == 0, "round \(round)")
        }
    }
}
