// libFuzzer target 'project-file': ProjectFile.name(in:) and ProfileName.problem(with:), as ProjectFile.read uses them.
// Built by scripts/fuzz; the work is in Tests/KimiProfilesCoreTests/Fuzz/FuzzHarness.swift.
import KimiProfilesCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run("project-file", UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
