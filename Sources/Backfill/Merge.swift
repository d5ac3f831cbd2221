import Parquet

/// The guide's merge_and_put for one monthly file: existing rows plus new rows, deduplicated
/// on the date column (the new row wins), sorted by date.
public enum MonthMerge {
    public struct Result: Sendable {
        /// The schema to write: the table's, plus columns only an old file had (kept, nullable).
        public var schema: [ParquetColumnSchema]
        public var rows: [[ParquetValue]]
        public var existingCount: Int
    }

    /// Merges `newRows` into the rows of `existing`. Throws when the existing file cannot be
    /// merged safely; the caller then leaves the object untouched.
    public static func merge(existing: ParquetTable?, newRows: [[ParquetValue]], schema: [ParquetColumnSchema], dateColumn: Int, key: String)
        throws -> Result
    {
        var byDate: [ParquetValue: [ParquetValue]] = [:]
        var existingCount = 0
        var outSchema = schema
        var extraColumns = 0
        if var existing {
            do {
                try Self.checkCompatible(existing.schema, schema, key: key)
            } catch {
                // Not our schema: a file from another writer. Convert it exactly or not at all.
                let conformed = try LegacyConversion.conform(existing, to: schema, key: key)
                existing = ParquetTable(schema: conformed.schema, rows: conformed.rows)
                outSchema = conformed.schema
                extraColumns = conformed.extraColumns
            }
            existingCount = existing.rows.count
            byDate.reserveCapacity(existing.rows.count + newRows.count)
            for row in existing.rows {
                let date = row[dateColumn]
                guard date != .null else {
                    throw BackfillError(.unreadableObject, "existing object \(key) has a row without a \(schema[dateColumn].name); it was left untouched")
                }
                byDate[date] = row
            }
        }
        let padding = [ParquetValue](repeating: .null, count: extraColumns)
        for row in newRows { byDate[row[dateColumn]] = extraColumns == 0 ? row : row + padding }
        let rows = byDate.values.sorted { Self.less($0[dateColumn], $1[dateColumn]) }
        return Result(schema: outSchema, rows: rows, existingCount: existingCount)
    }

    static func less(_ a: ParquetValue, _ b: ParquetValue) -> Bool {
        switch (a, b) {
        case (.int32(let x), .int32(let y)): return x < y
        case (.int64(let x), .int64(let y)): return x < y
        default: return false
        }
    }

    /// Our own files have exactly the source schema. Anything else is reported, never rewritten
    /// blindly: a file that is not ours would lose columns or change types.
    static func checkCompatible(_ stored: [ParquetColumnSchema], _ current: [ParquetColumnSchema], key: String) throws {
        var differences: [String] = []
        let storedByName = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let currentNames = Set(current.map(\.name))
        for column in current {
            guard let old = storedByName[column.name] else {
                differences.append("column '\(column.name)' is missing from the object")
                continue
            }
            if !Self.sameValues(old, column) {
                differences.append("column '\(column.name)' is \(Self.describe(old)) in the object but \(Self.describe(column)) in the table")
            }
        }
        for column in stored where !currentNames.contains(column.name) {
            differences.append("the object has a column '\(column.name)' the table does not have")
        }
        if differences.isEmpty && stored.map(\.name) != current.map(\.name) {
            differences.append("the columns are in a different order")
        }
        guard differences.isEmpty else {
            throw BackfillError(.schemaMismatch, "existing object \(key) does not have the table's schema (\(differences.joined(separator: "; "))); it was left untouched")
        }
    }

    /// True when a value stored under `a` means the same under `b`: identical types, or a plain
    /// INT32/INT64 against the signed INT annotation of the same width (writers differ in whether
    /// they annotate).
    static func sameValues(_ a: ParquetColumnSchema, _ b: ParquetColumnSchema) -> Bool {
        guard a.physicalType == b.physicalType else { return false }
        if a.logicalType == b.logicalType { return true }
        func plainSigned(_ c: ParquetColumnSchema) -> Bool {
            switch (c.physicalType, c.logicalType) {
            case (.int32, .none), (.int32, .integer(32, true)), (.int64, .none), (.int64, .integer(64, true)): return true
            default: return false
            }
        }
        return plainSigned(a) && plainSigned(b)
    }

    static func describe(_ c: ParquetColumnSchema) -> String {
        let physical: String
        switch c.physicalType {
        case .boolean: physical = "BOOLEAN"
        case .int32: physical = "INT32"
        case .int64: physical = "INT64"
        case .int96: physical = "INT96"
        case .float: physical = "FLOAT"
        case .double: physical = "DOUBLE"
        case .byteArray: physical = "BYTE_ARRAY"
        case .fixedLenByteArray(let n): physical = "FIXED_LEN_BYTE_ARRAY(\(n))"
        }
        switch c.logicalType {
        case .none: return physical
        case .string: return "STRING"
        case .date: return "DATE"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s)) as \(physical)"
        case .integer(let bits, let signed): return "INT(\(bits),\(signed ? "signed" : "unsigned"))"
        case .timestamp(let unit, let utc): return "TIMESTAMP(\(unit), \(utc ? "UTC" : "local"))"
        }
    }
}
