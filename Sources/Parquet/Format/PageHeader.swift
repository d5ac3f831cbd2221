extension ParquetFormat {
    /// `DataPageHeader` (v1): levels and values share the (possibly compressed) body.
    public struct DataPageHeader: Sendable, Equatable {
        /// 1: number of values including nulls (required).
        public var numValues: Int32
        /// 2: encoding of the values (required).
        public var encoding: Int32
        /// 3: encoding of the definition levels (required; RLE = 3).
        public var definitionLevelEncoding: Int32
        /// 4: encoding of the repetition levels (required; RLE = 3).
        public var repetitionLevelEncoding: Int32
        /// 5: page statistics (never written here).
        public var statistics: Statistics?

        /// Creates a header.
        public init(numValues: Int32, encoding: Int32, definitionLevelEncoding: Int32, repetitionLevelEncoding: Int32) {
            self.numValues = numValues
            self.encoding = encoding
            self.definitionLevelEncoding = definitionLevelEncoding
            self.repetitionLevelEncoding = repetitionLevelEncoding
        }

        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeI32(1, self.numValues)
            w.writeI32(2, self.encoding)
            w.writeI32(3, self.definitionLevelEncoding)
            w.writeI32(4, self.repetitionLevelEncoding)
            if let s = self.statistics {
                w.writeFieldHeader(id: 5, type: .struct)
                s.encode(into: &w)
            }
            w.endStruct()
        }

        static func decode(_ r: inout CompactReader) throws -> DataPageHeader {
            var n: Int32?, enc: Int32?, dle: Int32?, rle: Int32?, stats: Statistics?
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tI32): n = try r.readI32()
                case (2, tI32): enc = try r.readI32()
                case (3, tI32): dle = try r.readI32()
                case (4, tI32): rle = try r.readI32()
                case (5, tStruct): stats = try Statistics.decode(&r)
                default: return false
                }
                return true
            }
            guard let n, let enc, let dle, let rle else { throw ParquetError.thrift("DataPageHeader lacks a required field") }
            var h = DataPageHeader(numValues: n, encoding: enc, definitionLevelEncoding: dle, repetitionLevelEncoding: rle)
            h.statistics = stats
            return h
        }
    }

    /// `DictionaryPageHeader`: the dictionary values are PLAIN-encoded.
    public struct DictionaryPageHeader: Sendable, Equatable {
        /// 1: number of dictionary entries (required).
        public var numValues: Int32
        /// 2: encoding (PLAIN, or PLAIN_DICTIONARY in old files; both mean PLAIN).
        public var encoding: Int32
        /// 3: whether the entries are sorted.
        public var isSorted: Bool?

        static func decode(_ r: inout CompactReader) throws -> DictionaryPageHeader {
            var n: Int32?, enc: Int32?, sorted: Bool?
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1, tI32): n = try r.readI32()
                case (2, tI32): enc = try r.readI32()
                case (3, tBoolTrue), (3, tBoolFalse): sorted = type == tBoolTrue
                default: return false
                }
                return true
            }
            guard let n, let enc else { throw ParquetError.thrift("DictionaryPageHeader lacks a required field") }
            return DictionaryPageHeader(numValues: n, encoding: enc, isSorted: sorted)
        }
    }

    /// `DataPageHeaderV2`: levels are stored uncompressed before the (optionally compressed) values.
    public struct DataPageHeaderV2: Sendable, Equatable {
        /// 1: number of values including nulls.
        public var numValues: Int32
        /// 2: number of nulls.
        public var numNulls: Int32
        /// 3: number of rows.
        public var numRows: Int32
        /// 4: encoding of the values.
        public var encoding: Int32
        /// 5: byte length of the definition levels.
        public var definitionLevelsByteLength: Int32
        /// 6: byte length of the repetition levels.
        public var repetitionLevelsByteLength: Int32
        /// 7: whether the values section is compressed (default true).
        public var isCompressed: Bool
        /// 8: page statistics.
        public var statistics: Statistics?

        static func decode(_ r: inout CompactReader) throws -> DataPageHeaderV2 {
            var f = [Int32?](repeating: nil, count: 7)
            var compressed = true
            var stats: Statistics?
            try r.readStruct { r, id, type in
                switch (id, type) {
                case (1...6, tI32): f[Int(id)] = try r.readI32()
                case (7, tBoolTrue), (7, tBoolFalse): compressed = type == tBoolTrue
                case (8, tStruct): stats = try Statistics.decode(&r)
                default: return false
                }
                return true
            }
            guard let n = f[1], let nulls = f[2], let rows = f[3], let enc = f[4], let dl = f[5], let rl = f[6] else {
                throw ParquetError.thrift("DataPageHeaderV2 lacks a required field")
            }
            return DataPageHeaderV2(
                numValues: n, numNulls: nulls, numRows: rows, encoding: enc, definitionLevelsByteLength: dl,
                repetitionLevelsByteLength: rl, isCompressed: compressed, statistics: stats)
        }
    }

    /// `PageHeader`: precedes every page of a column chunk.
    public struct PageHeader: Sendable, Equatable {
        /// 1: PageType (required).
        public var type: Int32
        /// 2: body size after decompression, header excluded (required).
        public var uncompressedPageSize: Int32
        /// 3: body size as stored, header excluded (required).
        public var compressedPageSize: Int32
        /// 4: CRC-32 of the stored body.
        public var crc: Int32?
        /// 5: header of a v1 data page.
        public var dataPageHeader: DataPageHeader?
        /// 7: header of a dictionary page.
        public var dictionaryPageHeader: DictionaryPageHeader?
        /// 8: header of a v2 data page.
        public var dataPageHeaderV2: DataPageHeaderV2?

        /// Creates a header.
        public init(type: Int32, uncompressedPageSize: Int32, compressedPageSize: Int32) {
            self.type = type
            self.uncompressedPageSize = uncompressedPageSize
            self.compressedPageSize = compressedPageSize
        }

        /// Appends the compact encoding (only v1 data pages are ever written).
        func encode(into w: inout CompactWriter) {
            w.beginStruct()
            w.writeI32(1, self.type)
            w.writeI32(2, self.uncompressedPageSize)
            w.writeI32(3, self.compressedPageSize)
            if let v = self.crc { w.writeI32(4, v) }
            if let v = self.dataPageHeader {
                w.writeFieldHeader(id: 5, type: .struct)
                v.encode(into: &w)
            }
            w.endStruct()
        }

        /// Decodes a header starting at the reader's position.
        public static func decode(_ r: inout CompactReader) throws -> PageHeader {
            var type: Int32?, usize: Int32?, csize: Int32?
            var h = PageHeader(type: 0, uncompressedPageSize: 0, compressedPageSize: 0)
            try r.readStruct { r, id, t in
                switch (id, t) {
                case (1, tI32): type = try r.readI32()
                case (2, tI32): usize = try r.readI32()
                case (3, tI32): csize = try r.readI32()
                case (4, tI32): h.crc = try r.readI32()
                case (5, tStruct): h.dataPageHeader = try DataPageHeader.decode(&r)
                case (7, tStruct): h.dictionaryPageHeader = try DictionaryPageHeader.decode(&r)
                case (8, tStruct): h.dataPageHeaderV2 = try DataPageHeaderV2.decode(&r)
                default: return false
                }
                return true
            }
            guard let type, let usize, let csize else { throw ParquetError.thrift("PageHeader lacks type or page sizes") }
            h.type = type
            h.uncompressedPageSize = usize
            h.compressedPageSize = csize
            return h
        }
    }
}
