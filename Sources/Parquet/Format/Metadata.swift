/// The Parquet footer and page-header structs of parquet.thrift (apache/parquet-format commit
/// 24102ed), with the field ids and wire types of the IDL. Enum-typed fields keep the raw `Int32`
/// so that an unknown value is reported by the layer that interprets it, never lost here.
///
/// Decoders skip unknown fields and fields whose wire type differs from the IDL (as the C++ and
/// Java generated readers do) and throw `.malformedThrift` when a required field is missing.
public enum ParquetFormat {
    // Wire type ids used in the field switches below (thrift-compact-protocol.md).
    static let tBoolTrue: UInt8 = 1, tBoolFalse: UInt8 = 2, tI8: UInt8 = 3, tI16: UInt8 = 4, tI32: UInt8 = 5
    static let tI64: UInt8 = 6, tBinary: UInt8 = 8, tList: UInt8 = 9, tStruct: UInt8 = 12

    /// `Type` enum: physical types.
    public enum PhysicalTypeId {
        /// BOOLEAN = 0.
        public static let boolean: Int32 = 0
        /// INT32 = 1.
        public static let int32: Int32 = 1
        /// INT64 = 2.
        public static let int64: Int32 = 2
        /// INT96 = 3 (deprecated timestamps).
        public static let int96: Int32 = 3
        /// FLOAT = 4.
        public static let float: Int32 = 4
        /// DOUBLE = 5.
        public static let double: Int32 = 5
        /// BYTE_ARRAY = 6.
        public static let byteArray: Int32 = 6
        /// FIXED_LEN_BYTE_ARRAY = 7.
        public static let fixedLenByteArray: Int32 = 7
    }

    /// `Encoding` enum values this layer writes or reads.
    public enum EncodingId {
        /// PLAIN = 0.
        public static let plain: Int32 = 0
        /// PLAIN_DICTIONARY = 2 (dictionary indices in parquet 1.0 files).
        public static let plainDictionary: Int32 = 2
        /// RLE = 3 (RLE/bit-packed hybrid).
        public static let rle: Int32 = 3
        /// BIT_PACKED = 4 (deprecated levels encoding).
        public static let bitPacked: Int32 = 4
        /// RLE_DICTIONARY = 8.
        public static let rleDictionary: Int32 = 8
    }

    /// `PageType` enum.
    public enum PageTypeId {
        /// DATA_PAGE = 0.
        public static let dataPage: Int32 = 0
        /// INDEX_PAGE = 1.
        public static let indexPage: Int32 = 1
        /// DICTIONARY_PAGE = 2.
        public static let dictionaryPage: Int32 = 2
        /// DATA_PAGE_V2 = 3.
        public static let dataPageV2: Int32 = 3
    }

    /// `TimeUnit` union: 1 MILLIS, 2 MICROS, 3 NANOS (each an empty struct).
    public enum TimeUnit: Sendable, Equatable {
        /// MILLIS (field 1).
        case millis
        /// MICROS (field 2).
        case micros
        /// NANOS (field 3).
        case nanos

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            switch self {
            case .millis: w.writeEmptyStruct(1)
            case .micros: w.writeEmptyStruct(2)
            case .nanos: w.writeEmptyStruct(3)
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> TimeUnit? {
            var unit: TimeUnit?
            var count = 0
            try r.readStruct { r, id, type in
                guard type == tStruct else { return false }
                switch id {
                case 1: unit = .millis
                case 2: unit = .micros
                case 3: unit = .nanos
                default: return false
                }
                count += 1
                try r.skip(tStruct)
                return true
            }
            return count == 1 ? unit : nil
        }
    }

    /// `LogicalType` union (SchemaElement field 10).
    public enum LogicalType: Sendable, Equatable {
        /// 1: STRING.
        case string
        /// 2: MAP.
        case map
        /// 3: LIST.
        case list
        /// 4: ENUM.
        case `enum`
        /// 5: DECIMAL {1: scale i32, 2: precision i32} (scale comes first).
        case decimal(scale: Int32, precision: Int32)
        /// 6: DATE.
        case date
        /// 7: TIME {1: isAdjustedToUTC bool, 2: unit TimeUnit}.
        case time(isAdjustedToUTC: Bool, unit: TimeUnit)
        /// 8: TIMESTAMP {1: isAdjustedToUTC bool, 2: unit TimeUnit}.
        case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
        /// 10: INTEGER {1: bitWidth i8, 2: isSigned bool}.
        case integer(bitWidth: Int8, isSigned: Bool)
        /// 11: UNKNOWN (always-null column).
        case unknown
        /// 12: JSON.
        case json
        /// 13: BSON.
        case bson
        /// 14: UUID.
        case uuid
        /// 15: FLOAT16.
        case float16
        /// A member this reader does not know (or none set); readers fall back to the converted type.
        case unrecognized(fieldId: Int16)

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            switch self {
            case .string: w.writeEmptyStruct(1)
            case .map: w.writeEmptyStruct(2)
            case .list: w.writeEmptyStruct(3)
            case .enum: w.writeEmptyStruct(4)
            case .decimal(let scale, let precision):
                w.beginStructField(5)
                w.writeI32(1, scale)
                w.writeI32(2, precision)
                w.endStruct()
            case .date: w.writeEmptyStruct(6)
            case .time(let utc, let unit), .timestamp(let utc, let unit):
                if case .time = self { w.beginStructField(7) } else { w.beginStructField(8) }
                w.writeBool(1, utc)
                w.writeFieldHeader(id: 2, type: .struct)
                unit.encode(into: &w)
                w.endStruct()
            case .integer(let bitWidth, let isSigned):
                w.beginStructField(10)
                w.writeI8(1, bitWidth)
                w.writeBool(2, isSigned)
                w.endStruct()
            case .unknown: w.writeEmptyStruct(11)
            case .json: w.writeEmptyStruct(12)
            case .bson: w.writeEmptyStruct(13)
            case .uuid: w.writeEmptyStruct(14)
            case .float16: w.writeEmptyStruct(15)
            case .unrecognized: break
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> LogicalType {
            var result: LogicalType = .unrecognized(fieldId: 0)
            var members = 0
            try r.readStruct { r, id, type in
                guard type == tStruct else { return false }
                members += 1
                switch id {
                case 1: result = .string; try r.skip(tStruct)
                case 2: result = .map; try r.skip(tStruct)
                case 3: result = .list; try r.skip(tStruct)
                case 4: result = .enum; try r.skip(tStruct)
                case 5:
                    var scale: Int32?, precision: Int32?
                    try r.readStruct { r, id, type in
                        switch (id, type) {
                        case (1, tI32): scale = try r.readI32()
                        case (2, tI32): precision = try r.readI32()
                        default: return false
                        }
                        return true
                    }
                    guard let s = scale, let p = precision else { throw ParquetError.thrift("DecimalType lacks scale or precision") }
                    result = .decimal(scale: s, precision: p)
                case 6: result = .date; try r.skip(tStruct)
                case 7, 8:
                    var utc: Bool?, unit: TimeUnit?
                    try r.readStruct { r, id, type in
                        switch (id, type) {
                        case (1, tBoolTrue), (1, tBoolFalse): utc = type == tBoolTrue
                        case (2, tStruct): unit = try TimeUnit.decode(&r)
                        default: return false
                        }
                        return true
                    }
                    if let utc, let unit {
                        result = id == 7 ? .time(isAdjustedToUTC: utc, unit: unit) : .timestamp(isAdjustedToUTC: utc, unit: unit)
                    } else {
                        result = .unrecognized(fieldId: id)
                    }
                case 10:
                    var width: Int8?, signed: Bool?
                    try r.readStruct { r, id, type in
                        switch (id, type) {
                        case (1, tI8): width = try r.readI8()
                        case (2, tBoolTrue), (2, tBoolFalse): signed = type == tBoolTrue
                        default: return false
                        }
                        return true
                    }
                    guard let width, let signed else { throw ParquetError.thrift("IntType lacks bitWidth or isSigned") }
                    result = .integer(bitWidth: width, isSigned: signed)
                case 11: result = .unknown; try r.skip(tStruct)
                case 12: result = .json; try r.skip(tStruct)
                case 13: result = .bson; try r.skip(tStruct)
                case 14: result = .uuid; try r.skip(tStruct)
                case 15: result = .float16; try r.skip(tStruct)
                default:
                    result = .unrecognized(fieldId: id)
                    return false
                }
                return true
            }
            // A union with several members set is malformed; treat it as unrecognized rather than guess.
            return members == 1 ? result : .unrecognized(fieldId: 0)
        }
    }

    /// `SchemaElement`: one node of the flattened schema tree.
    public struct SchemaElement: Sendable, Equatable {
        /// 1: physical type (leaves only).
        public var type: Int32?
        /// 2: byte length for FIXED_LEN_BYTE_ARRAY.
        public var typeLength: Int32?
        /// 3: FieldRepetitionType (REQUIRED 0, OPTIONAL 1, REPEATED 2).
        public var repetitionType: Int32?
        /// 4: name (required).
        public var name: String
        /// 5: number of children (groups only).
        public var numChildren: Int32?
        /// 6: ConvertedType (legacy annotation).
        public var convertedType: Int32?
        /// 7: decimal scale.
        public var scale: Int32?
        /// 8: decimal precision.
        public var precision: Int32?
        /// 9: field id.
        public var fieldId: Int32?
        /// 10: LogicalType annotation.
        public var logicalType: LogicalType?

        /// Creates an element with only a name.
        public init(name: String) { self.name = name }

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            if let v = self.type { w.writeI32(1, v) }
            if let v = self.typeLength { w.writeI32(2, v) }
            if let v = self.repetitionType { w.writeI32(3, v) }
            w.writeString(4, self.name)
            if let v = self.numChildren { w.writeI32(5, v) }
            if let v = self.convertedType { w.writeI32(6, v) }
            if let v = self.scale { w.writeI32(7, v) }
            if let v = self.precision { w.writeI32(8, v) }
            if let v = self.fieldId { w.writeI32(9, v) }
            if let v = self.logicalType {
                w.writeFieldHeader(id: 10, type: .struct)
                v.encode(into: &w)
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> SchemaElement {
            var e = SchemaElement(name: "")
            var hasName = false
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tI32): e.type = try r.readI32()
                case (2, tI32): e.typeLength = try r.readI32()
                case (3, tI32): e.repetitionType = try r.readI32()
                case (4, tBinary): e.name = try r.readString(); hasName = true
                case (5, tI32): e.numChildren = try r.readI32()
                case (6, tI32): e.convertedType = try r.readI32()
                case (7, tI32): e.scale = try r.readI32()
                case (8, tI32): e.precision = try r.readI32()
                case (9, tI32): e.fieldId = try r.readI32()
                case (10, tStruct): e.logicalType = try LogicalType.decode(&r)
                default: return false
                }
                return true
            }
            guard hasName else { throw ParquetError.thrift("SchemaElement.name is missing") }
            return e
        }
    }

    /// `Statistics` of a column chunk or page. Values are PLAIN-encoded without a length prefix.
    public struct Statistics: Sendable, Equatable {
        /// 1: deprecated max (signed-order types only).
        public var max: [UInt8]?
        /// 2: deprecated min (signed-order types only).
        public var min: [UInt8]?
        /// 3: number of nulls.
        public var nullCount: Int64?
        /// 4: number of distinct values.
        public var distinctCount: Int64?
        /// 5: max in the column's sort order.
        public var maxValue: [UInt8]?
        /// 6: min in the column's sort order.
        public var minValue: [UInt8]?
        /// 7: whether max_value is the actual maximum.
        public var isMaxValueExact: Bool?
        /// 8: whether min_value is the actual minimum.
        public var isMinValueExact: Bool?
        /// 9: number of NaN values (floating point columns).
        public var nanCount: Int64?

        /// Creates empty statistics.
        public init() {}

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            if let v = self.max { w.writeBinary(1, v) }
            if let v = self.min { w.writeBinary(2, v) }
            if let v = self.nullCount { w.writeI64(3, v) }
            if let v = self.distinctCount { w.writeI64(4, v) }
            if let v = self.maxValue { w.writeBinary(5, v) }
            if let v = self.minValue { w.writeBinary(6, v) }
            if let v = self.isMaxValueExact { w.writeBool(7, v) }
            if let v = self.isMinValueExact { w.writeBool(8, v) }
            if let v = self.nanCount { w.writeI64(9, v) }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> Statistics {
            var s = Statistics()
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tBinary): s.max = try r.readBinary()
                case (2, tBinary): s.min = try r.readBinary()
                case (3, tI64): s.nullCount = try r.readI64()
                case (4, tI64): s.distinctCount = try r.readI64()
                case (5, tBinary): s.maxValue = try r.readBinary()
                case (6, tBinary): s.minValue = try r.readBinary()
                case (7, tBoolTrue), (7, tBoolFalse): s.isMaxValueExact = type == tBoolTrue
                case (8, tBoolTrue), (8, tBoolFalse): s.isMinValueExact = type == tBoolTrue
                case (9, tI64): s.nanCount = try r.readI64()
                default: return false
                }
                return true
            }
            return s
        }
    }

    /// `KeyValue`: application metadata entry.
    public struct KeyValue: Sendable, Equatable {
        /// 1: key (required).
        public var key: String
        /// 2: value.
        public var value: String?

        /// Creates an entry.
        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeString(1, self.key)
            if let v = self.value { w.writeString(2, v) }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> KeyValue {
            var key: String?, value: String?
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tBinary): key = String(decoding: try r.readBinary(), as: UTF8.self)
                case (2, tBinary): value = String(decoding: try r.readBinary(), as: UTF8.self)
                default: return false
                }
                return true
            }
            guard let key else { throw ParquetError.thrift("KeyValue.key is missing") }
            return KeyValue(key: key, value: value)
        }
    }

    /// `ColumnMetaData`: where a column chunk is and what it holds.
    public struct ColumnMetaData: Sendable, Equatable {
        /// 1: physical type (required).
        public var type: Int32 = 0
        /// 2: encodings used in the chunk (required).
        public var encodings: [Int32] = []
        /// 3: path of the column in the schema (required).
        public var pathInSchema: [String] = []
        /// 4: CompressionCodec (required).
        public var codec: Int32 = 0
        /// 5: number of values including nulls (required).
        public var numValues: Int64 = 0
        /// 6: total bytes of all pages uncompressed, headers included (required).
        public var totalUncompressedSize: Int64 = 0
        /// 7: total bytes of all pages as stored, headers included (required).
        public var totalCompressedSize: Int64 = 0
        /// 9: absolute offset of the first data page header (required).
        public var dataPageOffset: Int64 = 0
        /// 10: offset of the index page.
        public var indexPageOffset: Int64?
        /// 11: offset of the dictionary page.
        public var dictionaryPageOffset: Int64?
        /// 12: chunk statistics.
        public var statistics: Statistics?

        /// Creates metadata with zeroed required fields.
        public init() {}

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeI32(1, self.type)
            w.writeListField(2, elementType: .i32, count: self.encodings.count)
            for e in self.encodings { w.writeZigzag(Int64(e)) }
            w.writeListField(3, elementType: .binary, count: self.pathInSchema.count)
            for p in self.pathInSchema { w.writeBinaryValue(Array(p.utf8)) }
            w.writeI32(4, self.codec)
            w.writeI64(5, self.numValues)
            w.writeI64(6, self.totalUncompressedSize)
            w.writeI64(7, self.totalCompressedSize)
            w.writeI64(9, self.dataPageOffset)
            if let v = self.indexPageOffset { w.writeI64(10, v) }
            if let v = self.dictionaryPageOffset { w.writeI64(11, v) }
            if let v = self.statistics {
                w.writeFieldHeader(id: 12, type: .struct)
                v.encode(into: &w)
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> ColumnMetaData {
            var m = ColumnMetaData()
            var seen = Set<Int16>()
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tI32): m.type = try r.readI32()
                case (2, tList):
                    guard let list = try r.readList(of: tI32, { try $0.readI32() }) else { return true }
                    m.encodings = list
                case (3, tList):
                    guard let list = try r.readList(of: tBinary, { try $0.readString() }) else { return true }
                    m.pathInSchema = list
                case (4, tI32): m.codec = try r.readI32()
                case (5, tI64): m.numValues = try r.readI64()
                case (6, tI64): m.totalUncompressedSize = try r.readI64()
                case (7, tI64): m.totalCompressedSize = try r.readI64()
                case (9, tI64): m.dataPageOffset = try r.readI64()
                case (10, tI64): m.indexPageOffset = try r.readI64()
                case (11, tI64): m.dictionaryPageOffset = try r.readI64()
                case (12, tStruct): m.statistics = try Statistics.decode(&r)
                default: return false
                }
                seen.insert(id)
                return true
            }
            for required: Int16 in [1, 2, 3, 4, 5, 6, 7, 9] where !seen.contains(required) {
                throw ParquetError.thrift("ColumnMetaData field \(required) is missing or has the wrong wire type")
            }
            return m
        }
    }

    /// `ColumnChunk`: one column of one row group.
    public struct ColumnChunk: Sendable, Equatable {
        /// 1: external file holding the chunk (never supported).
        public var filePath: String?
        /// 2: deprecated file offset (required; writers put 0).
        public var fileOffset: Int64 = 0
        /// 3: the column metadata (writers must populate it).
        public var metaData: ColumnMetaData?

        /// Creates a chunk.
        public init(metaData: ColumnMetaData?) { self.metaData = metaData }

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            if let v = self.filePath { w.writeString(1, v) }
            w.writeI64(2, self.fileOffset)
            if let v = self.metaData {
                w.writeFieldHeader(id: 3, type: .struct)
                v.encode(into: &w)
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> ColumnChunk {
            var c = ColumnChunk(metaData: nil)
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tBinary): c.filePath = try r.readString()
                case (2, tI64): c.fileOffset = try r.readI64()
                case (3, tStruct): c.metaData = try ColumnMetaData.decode(&r)
                default: return false
                }
                return true
            }
            return c
        }
    }

    /// `RowGroup`: the chunks of one horizontal slice of the table.
    public struct RowGroup: Sendable, Equatable {
        /// 1: column chunks in schema leaf order (required).
        public var columns: [ColumnChunk] = []
        /// 2: total uncompressed byte size (required).
        public var totalByteSize: Int64 = 0
        /// 3: number of rows (required).
        public var numRows: Int64 = 0
        /// 5: offset of the first page of the first column.
        public var fileOffset: Int64?
        /// 6: total stored byte size.
        public var totalCompressedSize: Int64?
        /// 7: ordinal of the row group in the file.
        public var ordinal: Int16?

        /// Creates an empty row group.
        public init() {}

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeListField(1, elementType: .struct, count: self.columns.count)
            for c in self.columns { c.encode(into: &w) }
            w.writeI64(2, self.totalByteSize)
            w.writeI64(3, self.numRows)
            if let v = self.fileOffset { w.writeI64(5, v) }
            if let v = self.totalCompressedSize { w.writeI64(6, v) }
            if let v = self.ordinal { w.writeI16(7, v) }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> RowGroup {
            var g = RowGroup()
            var seen = Set<Int16>()
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tList):
                    guard let list = try r.readList(of: tStruct, { try ColumnChunk.decode(&$0) }) else { return true }
                    g.columns = list
                case (2, tI64): g.totalByteSize = try r.readI64()
                case (3, tI64): g.numRows = try r.readI64()
                case (5, tI64): g.fileOffset = try r.readI64()
                case (6, tI64): g.totalCompressedSize = try r.readI64()
                case (7, tI16): g.ordinal = try r.readI16()
                default: return false
                }
                seen.insert(id)
                return true
            }
            for required: Int16 in [1, 3] where !seen.contains(required) {
                throw ParquetError.thrift("RowGroup field \(required) is missing or has the wrong wire type")
            }
            return g
        }
    }

    /// `ColumnOrder` union: 1 TYPE_ORDER (TypeDefinedOrder, an empty struct).
    public enum ColumnOrder: Sendable, Equatable {
        /// 1: the order defined by the column's logical/physical type.
        case typeDefinedOrder
        /// A member this reader does not know.
        case unrecognized

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            if case .typeDefinedOrder = self { w.writeEmptyStruct(1) }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> ColumnOrder {
            var order: ColumnOrder = .unrecognized
            try r.readStruct { r, id, type in
                guard id == 1, type == tStruct else { return false }
                order = .typeDefinedOrder
                try r.skip(tStruct)
                return true
            }
            return order
        }
    }

    /// `FileMetaData`: the footer.
    public struct FileMetaData: Sendable, Equatable {
        /// 1: format version (writers put 1).
        public var version: Int32 = 1
        /// 2: the schema tree flattened depth-first, root first (required).
        public var schema: [SchemaElement] = []
        /// 3: total rows (required).
        public var numRows: Int64 = 0
        /// 4: row groups (required).
        public var rowGroups: [RowGroup] = []
        /// 5: application key/value metadata.
        public var keyValueMetadata: [KeyValue]?
        /// 6: `<app> version <x.y.z> (build <hash>)`.
        public var createdBy: String?
        /// 7: one sort order per leaf column.
        public var columnOrders: [ColumnOrder]?

        /// Creates an empty footer.
        public init() {}

        /// Compact-protocol encoding of this footer.
        public func encoded() -> [UInt8] {
            var w = CompactWriter()
            self.encode(into: &w)
            return w.bytes
        }

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeI32(1, self.version)
            w.writeListField(2, elementType: .struct, count: self.schema.count)
            for e in self.schema { e.encode(into: &w) }
            w.writeI64(3, self.numRows)
            w.writeListField(4, elementType: .struct, count: self.rowGroups.count)
            for g in self.rowGroups { g.encode(into: &w) }
            if let kv = self.keyValueMetadata {
                w.writeListField(5, elementType: .struct, count: kv.count)
                for e in kv { e.encode(into: &w) }
            }
            if let v = self.createdBy { w.writeString(6, v) }
            if let orders = self.columnOrders {
                w.writeListField(7, elementType: .struct, count: orders.count)
                for o in orders { o.encode(into: &w) }
            }
            w.endStruct()
        }

        /// Decodes a footer that must fill `bytes[start..<end]` exactly.
        public static func decode(_ bytes: [UInt8], start: Int, end: Int) throws -> FileMetaData {
            var r = try CompactReader(bytes, start: start, end: end)
            let m = try Self.decode(&r)
            guard r.remaining == 0 else { throw ParquetError.thrift("\(r.remaining) trailing bytes after FileMetaData") }
            return m
        }

        static func decode(_ r: inout CompactReader) throws -> FileMetaData {
            var m = FileMetaData()
            var seen = Set<Int16>()
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tI32): m.version = try r.readI32()
                case (2, tList):
                    guard let list = try r.readList(of: tStruct, { try SchemaElement.decode(&$0) }) else { return true }
                    m.schema = list
                case (3, tI64): m.numRows = try r.readI64()
                case (4, tList):
                    guard let list = try r.readList(of: tStruct, { try RowGroup.decode(&$0) }) else { return true }
                    m.rowGroups = list
                case (5, tList): m.keyValueMetadata = try r.readList(of: tStruct, { try KeyValue.decode(&$0) })
                case (6, tBinary): m.createdBy = String(decoding: try r.readBinary(), as: UTF8.self)
                case (7, tList): m.columnOrders = try r.readList(of: tStruct, { try ColumnOrder.decode(&$0) })
                default: return false
                }
                seen.insert(id)
                return true
            }
            for required: Int16 in [1, 2, 3, 4] where !seen.contains(required) {
                throw ParquetError.thrift("FileMetaData field \(required) is missing or has the wrong wire type")
            }
            return m
        }
    }
}
