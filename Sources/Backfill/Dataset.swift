/// The two datasets the backfill copies, with the table, partition column and key prefix of each.
public enum Dataset: String, Sendable, CaseIterable {
    case prices
    case fundamentals

    /// The Dolt table the rows come from.
    public var table: String { self.rawValue }
    /// The column that orders rows, picks the monthly file and is the merge key.
    public var dateColumn: String {
        switch self {
        case .prices: return "date"
        case .fundamentals: return "period_end"
        }
    }
    /// The column that identifies the ticker.
    public var tickerColumn: String { "ticker" }
}

/// A calendar month: one object per ticker, dataset and month.
public struct Month: Sendable, Hashable, Comparable {
    public let year: Int
    public let month: Int
    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }
    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// Object keys: `{dataset}/v1/{TICKER}/{YYYY}/{MM}/data.parquet`.
public enum ObjectKey {
    /// The ticker as it appears in keys: upper-cased like the replaced script, with `%` and `/`
    /// percent-encoded so a ticker can never add or escape a path level (`RDS/A` → `RDS%2FA`),
    /// and `.`/`..` encoded so no tool normalises them away. Control characters are refused.
    public static func tickerComponent(_ ticker: String) throws -> String {
        let upper = ticker.uppercased()
        guard !upper.isEmpty else { throw BackfillError(.invalidTicker, "an empty ticker cannot name an object key") }
        var out = ""
        for scalar in upper.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                throw BackfillError(.invalidTicker, "ticker \(Self.printable(ticker)) contains a control character")
            }
            switch scalar {
            case "%": out += "%25"
            case "/": out += "%2F"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if out == "." { return "%2E" }
        if out == ".." { return "%2E%2E" }
        return out
    }

    public static func prefix(dataset: Dataset, ticker: String) throws -> String {
        "\(dataset.rawValue)/v1/\(try Self.tickerComponent(ticker))/"
    }

    public static func key(dataset: Dataset, ticker: String, month: Month) throws -> String {
        try Self.prefix(dataset: dataset, ticker: ticker) + CivilDate.pad(month.year, 4) + "/" + CivilDate.pad(month.month, 2)
            + "/data.parquet"
    }

    /// A ticker for messages, with control characters escaped.
    static func printable(_ s: String) -> String {
        var out = "'"
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }
}
