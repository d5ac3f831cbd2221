import ByteCoding

/// Reads flat Parquet files: ours, and what pyarrow/pandas and other common writers produce
/// (PLAIN and dictionary encodings, v1 and v2 data pages, several pages and row groups).
///
/// Every offset, size and count in the file is checked against the file before use; a corrupt
/// file yields a `ParquetError`, never a trap, and allocations are bounded by the input size or
/// by `Limits.maxCells`.
public enum ParquetReader {
    /// Resource limits for decoding untrusted files.
    public struct Limits: Sendable {
        /// Maximum rows × columns decoded (a lying footer cannot make the reader allocate more).
        public var maxCells: Int
        /// Creates limits; the default allows 64 Mi cells (about 1 GiB of values).
        public init(maxCells: Int = 1 << 26) { self.maxCells = maxCells }
    }

    /// Decodes a whole file into rows. Converted/legacy types are mapped to the logical types above
    /// (e.g. converted DECIMAL -> .decimal, UTF8 -> .string, DATE -> .date, TIMESTAMP_MILLIS/MICROS -> .timestamp, INT_8..UINT_64 -> .integer).
    public static func read(_ bytes: [UInt8]) throws -> ParquetTable {
        try Self.read(bytes, limits: Limits())
    }

    /// Decodes a whole file into rows within `limits`.
    public static func read(_ bytes: [UInt8], limits: Limits) throws -> ParquetTable {
        let (footer, footerStart) = try Self.footer(bytes)
        let columns = try Self.leafColumns(footer.schema)
        var totalRows: Int64 = 0
        for g in footer.rowGroups {
            guard g.numRows >= 0 else { throw ParquetError.file("row group claims \(g.numRows) rows") }
            let (sum, overflow) = totalRows.addingReportingOverflow(g.numRows)
            guard !overflow else { throw ParquetError.file("row counts overflow") }
            totalRows = sum
        }
        guard totalRows == footer.numRows else {
            throw ParquetError.file("footer num_rows \(footer.numRows) differs from the row groups' total \(totalRows)")
        }
        let (cells, overflow) = totalRows.multipliedReportingOverflow(by: Int64(columns.count))
        guard !overflow, cells <= Int64(limits.maxCells) else {
            throw ParquetError.limit("file claims \(totalRows) rows × \(columns.count) columns, above the limit of \(limits.maxCells) cells")
        }
        var columnValues = [[ParquetValue]](repeating: [], count: columns.count)
        for (gi, group) in footer.rowGroups.enumerated() {
            guard group.columns.count == columns.count else {
                throw ParquetError.file("row group \(gi) has \(group.columns.count) column chunks for \(columns.count) schema columns")
            }
            for (ci, chunk) in group.columns.enumerated() {
                let values = try ChunkDecoder.decode(
                    bytes, dataEnd: footerStart, chunk: chunk, column: columns[ci], numRows: Int(group.numRows), rowGroup: gi)
                columnValues[ci].append(contentsOf: values)
            }
        }
        var rows: [[ParquetValue]] = []
        rows.reserveCapacity(Int(totalRows))
        for r in 0..<Int(totalRows) {
            var row: [ParquetValue] = []
            row.reserveCapacity(columns.count)
            for c in 0..<columns.count { row.append(columnValues[c][r]) }
            rows.append(row)
        }
        let kv = (footer.keyValueMetadata ?? []).map { ParquetKeyValue(key: $0.key, value: $0.value) }
        return ParquetTable(schema: columns.map(\.schema), rows: rows, keyValueMetadata: kv, createdBy: footer.createdBy)
    }

    /// Parses and returns the footer (magic, length and Thrift checked), e.g. to verify a file just written.
    public static func readMetadata(_ bytes: [UInt8]) throws -> ParquetFormat.FileMetaData {
        try Self.footer(bytes).metadata
    }

    /// Footer and the offset where it starts (the end of the page data).
    static func footer(_ bytes: [UInt8]) throws -> (metadata: ParquetFormat.FileMetaData, start: Int) {
        guard bytes.count >= 12 else { throw ParquetError.file("\(bytes.count) bytes is too short for a Parquet file (not a Parquet file, or truncated)") }
        let n = bytes.count
        let tail = Array(bytes[(n - 4)...])
        if tail == Array("PARE".utf8) {
            throw ParquetError.unsupported("the file has an encrypted footer (magic PARE); encrypted Parquet is not supported")
        }
        guard Array(bytes[0..<4]) == Array("PAR1".utf8), tail == Array("PAR1".utf8) else {
            throw ParquetError.file("missing PAR1 magic at the start or end (not a Parquet file, or truncated)")
        }
        let len = Int(Plain.le32(bytes, n - 8))
        guard len <= n - 12 else { throw ParquetError.file("footer length \(len) exceeds the file size \(n)") }
        let start = n - 8 - len
        return (try ParquetFormat.FileMetaData.decode(bytes, start: start, end: n - 8), start)
    }

    /// A leaf column with its decoding facts.
    struct Column {
        let schema: ParquetColumnSchema
        let physicalTypeId: Int32
    }

    /// Checks that the schema is flat (root + REQUIRED/OPTIONAL leaves) and maps each leaf.
    static func leafColumns(_ schema: [ParquetFormat.SchemaElement]) throws -> [Column] {
        guard let root = schema.first else { throw ParquetError.file("the schema is empty") }
        for e in schema.dropFirst() where (e.numChildren ?? 0) > 0 || e.type == nil {
            throw ParquetError.unsupported("column \(e.name) is a nested group; only flat schemas are supported")
        }
        guard let n = root.numChildren, n >= 1, Int(n) == schema.count - 1 else {
            throw ParquetError.file("the schema root declares \(root.numChildren.map(String.init) ?? "no") children but \(schema.count - 1) columns follow")
        }
        var columns: [Column] = []
        for e in schema.dropFirst() {
            guard let t = e.type else { throw ParquetError.file("column \(e.name) has no physical type") }
            switch e.repetitionType {
            case 0, 1: break
            case 2: throw ParquetError.unsupported("column \(e.name) is REPEATED; only flat schemas are supported")
            default: throw ParquetError.file("column \(e.name) has an invalid or missing repetition type")
            }
            let physical: ParquetPhysicalType
            switch t {
            case 0: physical = .boolean
            case 1: physical = .int32
            case 2: physical = .int64
            case 3: physical = .int96
            case 4: physical = .float
            case 5: physical = .double
            case 6: physical = .byteArray
            case 7:
                guard let len = e.typeLength, len > 0 else {
                    throw ParquetError.file("FIXED_LEN_BYTE_ARRAY column \(e.name) has no valid type_length")
                }
                physical = .fixedLenByteArray(Int(len))
            default: throw ParquetError.file("column \(e.name) has unknown physical type \(t)")
            }
            let logical = try Self.logicalType(e, physical)
            columns.append(Column(
                schema: ParquetColumnSchema(name: e.name, physicalType: physical, logicalType: logical, isRequired: e.repetitionType == 0),
                physicalTypeId: t))
        }
        return columns
    }

    /// LogicalType first; the ConvertedType when the LogicalType is absent or unknown (LogicalTypes.md
    /// "Backward compatibility"). Annotations that do not fit the physical type are errors.
    static func logicalType(_ e: ParquetFormat.SchemaElement, _ physical: ParquetPhysicalType) throws -> ParquetLogicalType {
        var result: ParquetLogicalType = .none
        var decided = false
        if let lt = e.logicalType {
            decided = true
            switch lt {
            case .string, .json: result = .string
            case .date: result = .date
            case .decimal(let scale, let precision): result = .decimal(precision: Int(precision), scale: Int(scale))
            case .integer(let bits, let signed): result = .integer(bitWidth: Int(bits), signed: signed)
            case .timestamp(let utc, let unit):
                let u: ParquetTimeUnit
                switch unit {
                case .millis: u = .millis
                case .micros: u = .micros
                case .nanos: u = .nanos
                }
                result = .timestamp(unit: u, isAdjustedToUTC: utc)
            case .map, .list, .enum, .time, .unknown, .bson, .uuid, .float16: result = .none
            case .unrecognized: decided = false
            }
        }
        if !decided, let ct = e.convertedType {
            switch ct {
            case 0, 19: result = .string  // UTF8, JSON
            case 5:
                guard let p = e.precision, let s = e.scale else {
                    throw ParquetError.file("DECIMAL column \(e.name) lacks precision or scale")
                }
                result = .decimal(precision: Int(p), scale: Int(s))
            case 6: result = .date
            case 9: result = .timestamp(unit: .millis, isAdjustedToUTC: true)
            case 10: result = .timestamp(unit: .micros, isAdjustedToUTC: true)
            case 11...14: result = .integer(bitWidth: 8 << Int(ct - 11), signed: false)
            case 15...18: result = .integer(bitWidth: 8 << Int(ct - 15), signed: true)
            default: result = .none
            }
        }
        func bad() -> ParquetError {
            ParquetError.file("column \(e.name): annotation \(result) does not fit physical type \(physical)")
        }
        switch (result, physical) {
        case (.none, _), (.string, .byteArray), (.date, .int32), (.timestamp, .int64):
            break
        case (.decimal(let p, let s), _):
            guard p >= 1, s >= 0, s <= p else { throw ParquetError.file("column \(e.name): invalid DECIMAL(\(p),\(s))") }
            switch physical {
            case .int32, .int64, .byteArray: break
            case .fixedLenByteArray(let n):
                guard p > 1000 || n >= ParquetColumnSchema.decimalFLBALength(precision: p) else { throw bad() }
            default: throw bad()
            }
        case (.integer(let bits, _), .int32):
            guard bits == 8 || bits == 16 || bits == 32 else { throw bad() }
        case (.integer(let bits, _), .int64):
            guard bits == 64 else { throw bad() }
        default:
            throw bad()
        }
        return result
    }
}

/// Decodes the pages of one column chunk into one value per row.
enum ChunkDecoder {
    static func decode(
        _ bytes: [UInt8], dataEnd: Int, chunk: ParquetFormat.ColumnChunk, column: ParquetReader.Column, numRows: Int, rowGroup: Int
    ) throws -> [ParquetValue] {
        let name = column.schema.name
        guard chunk.filePath == nil else {
            throw ParquetError.unsupported("column \(name) is stored in an external file; only single-file Parquet is supported")
        }
        guard let meta = chunk.metaData else { throw ParquetError.file("column \(name), row group \(rowGroup): ColumnMetaData is missing") }
        guard meta.type == column.physicalTypeId else {
            throw ParquetError.file("column \(name): chunk type \(meta.type) differs from the schema type \(column.physicalTypeId)")
        }
        guard meta.numValues == Int64(numRows) else {
            throw ParquetError.file("column \(name), row group \(rowGroup): \(meta.numValues) values but the row group has \(numRows) rows")
        }
        let codec = try Codec(meta.codec, column: name)
        if numRows == 0 { return [] }
        // Chunk start: the smaller valid offset (>= 4) of dictionary_page_offset and data_page_offset;
        // some writers put 0 for "no dictionary", legacy ones put the dictionary at data_page_offset.
        let offsets = [meta.dictionaryPageOffset, meta.dataPageOffset].compactMap { $0 }.filter { $0 >= 4 }
        guard let start64 = offsets.min() else { throw ParquetError.file("column \(name): no valid page offset") }
        guard meta.totalCompressedSize >= 0, start64 < Int64(dataEnd), meta.totalCompressedSize <= Int64(dataEnd) - start64 else {
            throw ParquetError.file("column \(name), row group \(rowGroup): chunk range lies outside the file's data")
        }
        let start = Int(start64)
        let end = start + Int(meta.totalCompressedSize)

        let optional = !column.schema.isRequired
        var out: [ParquetValue] = []
        out.reserveCapacity(numRows)
        var dictionary: [ParquetValue]?
        var pos = start
        var sawDataPage = false
        while out.count < numRows {
            guard pos < end else {
                throw ParquetError.file("column \(name), row group \(rowGroup): chunk ends after \(out.count) of \(numRows) values")
            }
            var r = try CompactReader(bytes, start: pos, end: end)
            let header = try ParquetFormat.PageHeader.decode(&r)
            let bodyStart = r.position
            guard header.compressedPageSize >= 0, header.uncompressedPageSize >= 0, Int(header.compressedPageSize) <= end - bodyStart else {
                throw ParquetError.file("column \(name): page at offset \(pos) has sizes that overrun the chunk")
            }
            let bodyEnd = bodyStart + Int(header.compressedPageSize)
            pos = bodyEnd
            let remainingRows = numRows - out.count
            switch header.type {
            case ParquetFormat.PageTypeId.dictionaryPage:
                guard let dh = header.dictionaryPageHeader else { throw ParquetError.file("column \(name): dictionary page without its header") }
                guard dictionary == nil, !sawDataPage else { throw ParquetError.file("column \(name): a dictionary page must come first and only once") }
                guard dh.encoding == ParquetFormat.EncodingId.plain || dh.encoding == ParquetFormat.EncodingId.plainDictionary else {
                    throw ParquetError.unsupported("column \(name): dictionary page encoding \(encodingName(dh.encoding))")
                }
                guard dh.numValues >= 0 else { throw ParquetError.file("column \(name): negative dictionary size \(dh.numValues)") }
                let body = try codec.decompress(bytes, start: bodyStart, end: bodyEnd, uncompressedSize: Int(header.uncompressedPageSize))
                var dict: [ParquetValue] = []
                _ = try Plain.decode(body, start: 0, end: body.count, count: Int(dh.numValues), type: column.schema.physicalType, into: &dict)
                dictionary = dict
            case ParquetFormat.PageTypeId.dataPage:
                sawDataPage = true
                guard let dh = header.dataPageHeader else { throw ParquetError.file("column \(name): data page without its header") }
                guard dh.numValues >= 0, Int(dh.numValues) <= remainingRows else {
                    throw ParquetError.file("column \(name): data page claims \(dh.numValues) values, \(remainingRows) remain in the chunk")
                }
                let n = Int(dh.numValues)
                let body = try codec.decompress(bytes, start: bodyStart, end: bodyEnd, uncompressedSize: Int(header.uncompressedPageSize))
                var p = 0
                var levels: [UInt32]?
                if optional {
                    switch dh.definitionLevelEncoding {
                    case ParquetFormat.EncodingId.rle:
                        guard body.count >= 4 else { throw ParquetError.page("column \(name): definition levels length missing") }
                        let len = Int(Plain.le32(body, 0))
                        guard len <= body.count - 4 else { throw ParquetError.page("column \(name): definition levels overrun the page") }
                        levels = try RLEHybrid.decode(body, start: 4, end: 4 + len, bitWidth: 1, count: n).values
                        p = 4 + len
                    case ParquetFormat.EncodingId.bitPacked:
                        let d = try RLEHybrid.decodeLegacyBitPacked(body, start: 0, end: body.count, bitWidth: 1, count: n)
                        levels = d.values
                        p = d.end
                    default:
                        throw ParquetError.unsupported("column \(name): definition level encoding \(encodingName(dh.definitionLevelEncoding))")
                    }
                }
                try Self.appendValues(
                    body, start: p, end: body.count, count: n, levels: levels, encoding: dh.encoding, column: column.schema,
                    dictionary: dictionary, into: &out)
            case ParquetFormat.PageTypeId.dataPageV2:
                sawDataPage = true
                guard let h = header.dataPageHeaderV2 else { throw ParquetError.file("column \(name): v2 data page without its header") }
                guard h.numValues >= 0, Int(h.numValues) <= remainingRows else {
                    throw ParquetError.file("column \(name): data page claims \(h.numValues) values, \(remainingRows) remain in the chunk")
                }
                let n = Int(h.numValues)
                let repLen = Int(h.repetitionLevelsByteLength), defLen = Int(h.definitionLevelsByteLength)
                guard repLen >= 0, defLen >= 0, repLen + defLen <= bodyEnd - bodyStart,
                    repLen + defLen <= Int(header.uncompressedPageSize)
                else { throw ParquetError.file("column \(name): v2 level lengths overrun the page") }
                // [repetition levels][definition levels] are never compressed and have no length prefix.
                let defStart = bodyStart + repLen
                var levels: [UInt32]?
                if optional {
                    levels = try RLEHybrid.decode(bytes, start: defStart, end: defStart + defLen, bitWidth: 1, count: n).values
                }
                let valuesStart = defStart + defLen
                let valuesSize = Int(header.uncompressedPageSize) - repLen - defLen
                let values: [UInt8]
                if valuesStart == bodyEnd {
                    values = []  // an empty values section must not be fed to a decompressor
                } else if h.isCompressed {
                    values = try codec.decompress(bytes, start: valuesStart, end: bodyEnd, uncompressedSize: valuesSize)
                } else {
                    values = Array(bytes[valuesStart..<bodyEnd])
                }
                try Self.appendValues(
                    values, start: 0, end: values.count, count: n, levels: levels, encoding: h.encoding, column: column.schema,
                    dictionary: dictionary, into: &out)
            default:
                continue  // INDEX_PAGE and unknown page types are skipped
            }
        }
        return out
    }

    /// Decodes the values section of one data page and appends `count` cells (nulls where the level is 0).
    static func appendValues(
        _ body: [UInt8], start: Int, end: Int, count: Int, levels: [UInt32]?, encoding: Int32, column: ParquetColumnSchema,
        dictionary: [ParquetValue]?, into out: inout [ParquetValue]
    ) throws {
        var nonNull = count
        if let levels {
            nonNull = 0
            for l in levels {
                guard l <= 1 else { throw ParquetError.page("column \(column.name): definition level \(l) exceeds the maximum 1") }
                nonNull += Int(l)
            }
        }
        var values: [ParquetValue] = []
        switch encoding {
        case ParquetFormat.EncodingId.plain:
            _ = try Plain.decode(body, start: start, end: end, count: nonNull, type: column.physicalType, into: &values)
        case ParquetFormat.EncodingId.plainDictionary, ParquetFormat.EncodingId.rleDictionary:
            guard let dictionary else { throw ParquetError.file("column \(column.name): dictionary-encoded page without a dictionary page") }
            if nonNull > 0 {
                guard start < end else { throw ParquetError.page("column \(column.name): dictionary indices missing") }
                let width = Int(body[start])
                let indices = try RLEHybrid.decode(body, start: start + 1, end: end, bitWidth: width, count: nonNull).values
                values.reserveCapacity(nonNull)
                for i in indices {
                    guard Int(i) < dictionary.count else {
                        throw ParquetError.page("column \(column.name): dictionary index \(i) out of range (\(dictionary.count) entries)")
                    }
                    values.append(dictionary[Int(i)])
                }
            }
        case ParquetFormat.EncodingId.rle where column.physicalType == .boolean:
            guard end - start >= 4 else { throw ParquetError.page("column \(column.name): RLE boolean length missing") }
            let len = Int(Plain.le32(body, start))
            guard len <= end - start - 4 else { throw ParquetError.page("column \(column.name): RLE booleans overrun the page") }
            let bits = try RLEHybrid.decode(body, start: start + 4, end: start + 4 + len, bitWidth: 1, count: nonNull).values
            values = bits.map { .boolean($0 == 1) }
        default:
            throw ParquetError.unsupported("column \(column.name): value encoding \(encodingName(encoding)) is not supported")
        }
        guard let levels else {
            out.append(contentsOf: values)
            return
        }
        var next = 0
        for l in levels {
            if l == 1 {
                out.append(values[next])
                next += 1
            } else {
                out.append(.null)
            }
        }
    }

    static func encodingName(_ e: Int32) -> String {
        let names: [Int32: String] = [
            0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED",
            6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT",
        ]
        return "\(names[e] ?? "unknown") (\(e))"
    }
}
