// libFuzzer target 'chunked': ChunkedDecoder, whole and in pieces.
// Built by scripts/fuzz; the work is in Tests/KimiProfilesCoreTests/Fuzz/FuzzHarness.swift.
import KimiProfilesCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run("chunked", UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
