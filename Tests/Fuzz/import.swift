// libFuzzer target 'import': ImportParser.parse for every ImportSource, Base64.decode.
// Built by scripts/fuzz; the work is in Tests/KimiProfilesCoreTests/Fuzz/FuzzHarness.swift.
import KimiProfilesCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run("import", UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
