// libFuzzer target: DER and X.509 certificates, PEM bundles, host-name matching.
@testable import X509

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzX509(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let certificate = try? Certificate(derEncoded: input) {
        _ = certificate.description
    }
    _ = Certificate.parsePEMBundle(input)
    return 0
}
