// libFuzzer target: S3 XML documents (ListBucketResult pages, Error documents).
@testable import S3

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzS3XML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? S3XML.parse(input)
    _ = try? S3XML.parseListBucketResult(input)
    _ = S3XML.parseError(input)
    _ = S3XML.parseSize(String(decoding: input.prefix(64), as: UTF8.self))
    return 0
}
