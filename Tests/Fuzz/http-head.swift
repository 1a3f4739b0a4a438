// libFuzzer target 'http-head': HTTPHeadParser, request and response heads, whole and in pieces, then HTTPBodyFraming.
// Built by scripts/fuzz; the work is in Tests/KimiProfilesCoreTests/Fuzz/FuzzHarness.swift.
import KimiProfilesCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run("http-head", UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
