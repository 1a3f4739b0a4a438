// libFuzzer target 'secret-json': SecretJSON.parse and its accessors.
// Built by scripts/fuzz; the work is in Tests/KimiProfilesCoreTests/Fuzz/FuzzHarness.swift.
import KimiProfilesCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run("secret-json", UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
