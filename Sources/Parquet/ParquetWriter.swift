import ByteCoding

/// Page compression the writer can apply (parquet.thrift `CompressionCodec`).
public enum ParquetCompression: String, Sendable, CaseIterable {
    /// UNCOMPRESSED: the default, byte for byte the recipe of research/parquet.md §9.
    case none
    /// SNAPPY raw blocks (Compression.md), as pandas/pyarrow write by default.
    case snappy

    /// The `CompressionCodec` value in the footer.
    var codecId: Int32 {
        switch self {
        case .none: return 0
        case .snappy: return 1
        }
    }
}

/// Writes flat tables as Parquet files: PLAIN encoding, v1 data pages, one row group, exact chunk
/// statistics and `column_orders` (research/parquet.md §9, the recipe the golden files follow byte
/// for byte); pages UNCOMPRESSED unless SNAPPY is asked for. The output depends only on the inputs:
/// no clocks, no randomness.
public enum ParquetWriter {
    /// Default page-size threshold: a new data page starts once a page body reaches about 1 MiB
    /// (pyarrow's default page size), so large months do not produce giant pages.
    public static let defaultPageSizeLimit = 1 << 20

    /// The minimal FIXED_LEN_BYTE_ARRAY length for a decimal precision, e.g. 9 for precision 20.
    public static func decimalFLBALength(precision: Int) -> Int {
        ParquetColumnSchema.decimalFLBALength(precision: precision)
    }

    /// The `created_by` string in the form parquet-java's VersionParser and parquet-cpp parse
    /// (research/parquet.md §8): `<application> version <x.y.z> (build <hash>)`, e.g.
    /// `backfill-from-dolt version 1.4.0 (build 3f2c1ab)`. Use three numeric version parts, and an
    /// application name that does not start with `parquet-mr`, `parquet-cpp`, `parquet-java` or
    /// `fastparquet` (readers apply those writers' bug workarounds by name).
    public static func createdBy(application: String, version: String, build: String) -> String {
        "\(application) version \(version) (build \(build))"
    }

    /// Encodes one file. Throws ParquetError if a value does not fit its column (wrong case, null in a
    /// required column, FLBA of the wrong length).
    public static func write(schema: [ParquetColumnSchema], rows: [[ParquetValue]], createdBy: String) throws -> [UInt8] {
        try Self.write(schema: schema, rows: rows, createdBy: createdBy, keyValueMetadata: [])
    }

    /// Encodes `table` (its `createdBy` must be set).
    public static func write(_ table: ParquetTable) throws -> [UInt8] {
        guard let createdBy = table.createdBy else {
            throw ParquetError.schema("created_by is required; pass \"<app> version <x.y.z> (build <hash>)\"")
        }
        return try Self.write(schema: table.schema, rows: table.rows, createdBy: createdBy, keyValueMetadata: table.keyValueMetadata)
    }

    /// Encodes one file with optional footer key/value metadata and a page-size threshold in bytes.
    /// - Parameters:
    ///   - schema: flat columns, unique non-empty names.
    ///   - rows: row-major cells, each row exactly `schema.count` long; zero rows is allowed.
    ///   - createdBy: `<app> version <x.y.z> (build <hash>)` (research/parquet.md §8).
    ///   - keyValueMetadata: written only when non-empty.
    ///   - pageSizeLimit: start a new data page once a page body reaches this many bytes.
    ///   - compression: page compression (`.none` keeps the documented uncompressed layout).
    /// - Returns: the complete file bytes.
    public static func write(
        schema: [ParquetColumnSchema], rows: [[ParquetValue]], createdBy: String,
        keyValueMetadata: [ParquetKeyValue], pageSizeLimit: Int = defaultPageSizeLimit, compression: ParquetCompression = .none
    ) throws -> [UInt8] {
        guard !schema.isEmpty else { throw ParquetError.schema("a Parquet file needs at least one column") }
        var names = Set<String>()
        for c in schema {
            guard !c.name.isEmpty else { throw ParquetError.schema("column names must not be empty") }
            guard names.insert(c.name).inserted else { throw ParquetError.schema("duplicate column name \(c.name)") }
        }
        let specs = try schema.map(ColumnSpec.init)
        for (i, row) in rows.enumerated() where row.count != schema.count {
            throw ParquetError.value("row \(i) has \(row.count) cells but the schema has \(schema.count) columns")
        }
        guard rows.count <= Int(Int32.max) else { throw ParquetError.value("too many rows for one row group") }

        var out: [UInt8] = Array("PAR1".utf8)
        var chunks: [ParquetFormat.ColumnChunk] = []
        for (ci, spec) in specs.enumerated() {
            chunks.append(try Self.writeChunk(
                spec: spec, column: ci, rows: rows, pageSizeLimit: max(pageSizeLimit, 1), compression: compression, into: &out))
        }
        var group = ParquetFormat.RowGroup()
        group.columns = chunks
        group.totalByteSize = chunks.reduce(Int64(0)) { $0 + ($1.metaData?.totalUncompressedSize ?? 0) }
        group.numRows = Int64(rows.count)
        group.fileOffset = chunks.first?.metaData?.dataPageOffset
        group.totalCompressedSize = chunks.reduce(Int64(0)) { $0 + ($1.metaData?.totalCompressedSize ?? 0) }
        group.ordinal = 0

        var footer = ParquetFormat.FileMetaData()
        footer.version = 1
        var root = ParquetFormat.SchemaElement(name: "schema")
        root.numChildren = Int32(specs.count)
        footer.schema = [root] + specs.map(\.element)
        footer.numRows = Int64(rows.count)
        footer.rowGroups = [group]
        if !keyValueMetadata.isEmpty {
            footer.keyValueMetadata = keyValueMetadata.map { ParquetFormat.KeyValue(key: $0.key, value: $0.value) }
        }
        footer.createdBy = createdBy
        footer.columnOrders = Array(repeating: .typeDefinedOrder, count: specs.count)
        let encoded = footer.encoded()
        out.append(contentsOf: encoded)
        out.appendUInt32LE(UInt32(encoded.count))
        out.append(contentsOf: Array("PAR1".utf8))
        return out
    }

    /// Writes the pages of one column chunk and returns its footer entry.
    private static func writeChunk(
        spec: ColumnSpec, column ci: Int, rows: [[ParquetValue]], pageSizeLimit: Int, compression: ParquetCompression, into out: inout [UInt8]
    ) throws -> ParquetFormat.ColumnChunk {
        let physical = spec.schema.physicalType
        var stats = StatisticsAccumulator(order: spec.sortOrder)
        var values: [ParquetValue] = []
        values.reserveCapacity(rows.count)
        var levels: [UInt8] = []
        if !spec.schema.isRequired { levels.reserveCapacity(rows.count) }
        // Page boundaries (row indexes) cut where the estimated body reaches the limit.
        var pageEnds: [Int] = []
        var pageBytes = 0
        for (r, row) in rows.enumerated() {
            let v = row[ci]
            try spec.validate(v, row: r)
            if case .null = v {
                stats.nullCount += 1
                levels.append(0)
            } else {
                stats.add(v)
                values.append(v)
                if !spec.schema.isRequired { levels.append(1) }
                pageBytes += Self.plainSize(v, physical)
            }
            if pageBytes >= pageSizeLimit {
                pageEnds.append(r + 1)
                pageBytes = 0
            }
        }
        if pageEnds.last != rows.count { pageEnds.append(rows.count) }

        let chunkStart = out.count
        var uncompressedSize = 0
        var rowStart = 0
        var valueStart = 0
        for rowEnd in pageEnds {
            var body: [UInt8] = []
            var nonNull = rowEnd - rowStart
            if !spec.schema.isRequired {
                let pageLevels = Array(levels[rowStart..<rowEnd])
                nonNull = pageLevels.reduce(0) { $0 + Int($1) }
                var encoded: [UInt8] = []
                RLEHybrid.encodeRunsOnly(pageLevels, bitWidth: 1, into: &encoded)
                body.appendUInt32LE(UInt32(encoded.count))  // v1 pages prefix the levels with their length
                body.append(contentsOf: encoded)
            }
            Plain.encode(values[valueStart..<(valueStart + nonNull)], type: physical, into: &body)
            // A v1 page compresses levels and values together (parquet-format "Data Pages").
            let stored = compression == .snappy ? Snappy.compress(body) : body
            guard body.count <= Int(Int32.max), stored.count <= Int(Int32.max) else {
                throw ParquetError.value("column \(spec.schema.name): a page exceeds 2 GiB")
            }
            var header = ParquetFormat.PageHeader(
                type: ParquetFormat.PageTypeId.dataPage, uncompressedPageSize: Int32(body.count), compressedPageSize: Int32(stored.count))
            header.dataPageHeader = ParquetFormat.DataPageHeader(
                numValues: Int32(rowEnd - rowStart), encoding: ParquetFormat.EncodingId.plain,
                definitionLevelEncoding: ParquetFormat.EncodingId.rle, repetitionLevelEncoding: ParquetFormat.EncodingId.rle)
            var w = CompactWriter()
            header.encode(into: &w)
            out.append(contentsOf: w.bytes)
            out.append(contentsOf: stored)
            uncompressedSize += w.bytes.count + body.count
            rowStart = rowEnd
            valueStart += nonNull
        }
        let size = Int64(out.count - chunkStart)
        var meta = ParquetFormat.ColumnMetaData()
        meta.type = spec.physicalTypeId
        meta.encodings = [ParquetFormat.EncodingId.plain, ParquetFormat.EncodingId.rle]
        meta.pathInSchema = [spec.schema.name]
        meta.codec = compression.codecId
        meta.numValues = Int64(rows.count)
        meta.totalUncompressedSize = Int64(uncompressedSize)
        meta.totalCompressedSize = size
        meta.dataPageOffset = Int64(chunkStart)
        meta.statistics = stats.statistics()
        return ParquetFormat.ColumnChunk(metaData: meta)
    }

    private static func plainSize(_ v: ParquetValue, _ type: ParquetPhysicalType) -> Int {
        switch v {
        case .bytes(let b):
            if case .byteArray = type { return 4 + b.count }
            return b.count
        case .int32, .float: return 4
        case .int64, .double: return 8
        case .boolean: return 1
        case .null: return 0
        }
    }
}

/// Running min/max/null count of one column chunk in the column's sort order (research/parquet.md §6-7).
struct StatisticsAccumulator {
    let order: SortOrderKind
    var nullCount: Int64 = 0
    var min: ParquetValue?
    var max: ParquetValue?

    init(order: SortOrderKind) { self.order = order }

    mutating func add(_ v: ParquetValue) {
        if self.order == .undefined { return }
        // NaN has no place in an order: it is left out of min/max (parquet.thrift ColumnOrder notes).
        if case .float(let f) = v, f.isNaN { return }
        if case .double(let d) = v, d.isNaN { return }
        if let m = self.min {
            if self.order.less(v, m) { self.min = v }
        } else {
            self.min = v
        }
        if let m = self.max {
            if self.order.less(m, v) { self.max = v }
        } else {
            self.max = v
        }
    }

    /// The footer statistics: null_count always; exact min/max when any ordered value exists; the
    /// deprecated min/max with the same bytes for signed orders only.
    func statistics() -> ParquetFormat.Statistics {
        var s = ParquetFormat.Statistics()
        s.nullCount = self.nullCount
        guard var lo = self.min, var hi = self.max else { return s }
        // Zero bounds: min is written as -0.0 and max as +0.0 (parquet.thrift ColumnOrder, floating point).
        if case .float(let f) = lo, f == 0 { lo = .float(-0.0) }
        if case .float(let f) = hi, f == 0 { hi = .float(0.0) }
        if case .double(let d) = lo, d == 0 { lo = .double(-0.0) }
        if case .double(let d) = hi, d == 0 { hi = .double(0.0) }
        let loBytes = SortOrderKind.statisticsBytes(lo)
        let hiBytes = SortOrderKind.statisticsBytes(hi)
        if self.order.isSigned {
            s.max = hiBytes
            s.min = loBytes
        }
        s.maxValue = hiBytes
        s.minValue = loBytes
        s.isMaxValueExact = true
        s.isMinValueExact = true
        return s
    }
}
