// libFuzzer target: Parquet files (footer, Thrift metadata, page headers, encodings, codecs).
import Parquet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParquet(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? ParquetReader.readMetadata(input)
    _ = try? ParquetReader.read(input)
    return 0
}
