import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

final class ExecutableLookupTests: XCTestCase {
    private func makeFile(_ path: String, mode: mode_t) {
        writeFile(path, Array("#!/bin/sh\nexit 0\n".utf8), mode: mode)
    }

    private func assertFails(
        _ command: String, path: String?, with expected: ExecError, status: Int32,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try ExecutableLookup.resolve(command, path: path), file: file, line: line) {
            error in
            XCTAssertEqual(error as? ExecError, expected, file: file, line: line)
            XCTAssertEqual((error as? ExecError)?.exitStatus, status, file: file, line: line)
        }
    }

    func testFindsTheFirstExecutableOnPATH() throws {
        let folder = TemporaryDirectory()
        let first = folder.path + "/first"
        let second = folder.path + "/second"
        makeFolders(first)
        makeFolders(second)
        makeFile(second + "/tool", mode: 0o755)
        let path = "\(folder.path)/missing:\(first):\(second)"
        XCTAssertEqual(try ExecutableLookup.resolve("tool", path: path), second + "/tool")

        makeFile(first + "/tool", mode: 0o700)
        XCTAssertEqual(try ExecutableLookup.resolve("tool", path: path), first + "/tool")
    }

    func testSkipsNonExecutablesAndFoldersWhenALaterEntryHasTheCommand() throws {
        let folder = TemporaryDirectory()
        makeFolders(folder.path + "/a/tool")
        makeFolders(folder.path + "/b")
        makeFolders(folder.path + "/c")
        makeFile(folder.path + "/b/tool", mode: 0o644)
        makeFile(folder.path + "/c/tool", mode: 0o755)
        let path = "\(folder.path)/a:\(folder.path)/b:\(folder.path)/c"
        XCTAssertEqual(try ExecutableLookup.resolve("tool", path: path), folder.path + "/c/tool")
    }

    func testEmptyPATHEntryMeansTheCurrentFolder() throws {
        let folder = TemporaryDirectory()
        makeFile(folder.path + "/here-tool", mode: 0o755)
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        for path in [":/nonexistent-kimi", "/nonexistent-kimi:", "/nonexistent-kimi::/also-missing"] {
            let found = try ExecutableLookup.resolve("here-tool", path: path)
            XCTAssertEqual(found, "./here-tool", path)
        }
        assertFails("here-tool", path: "/nonexistent-kimi", with: .notFound("here-tool"), status: 127)
    }

    func testNotExecutableIs126() {
        let folder = TemporaryDirectory()
        makeFile(folder.path + "/script", mode: 0o644)
        assertFails("script", path: folder.path, with: .notExecutable("script"), status: 126)
    }

    func testMissingIs127() {
        let folder = TemporaryDirectory()
        assertFails(
            "no-such-command-kimi", path: folder.path, with: .notFound("no-such-command-kimi"), status: 127)
        assertFails("", path: folder.path, with: .notFound(""), status: 127)
        assertFails("x", path: "", with: .notFound("x"), status: 127)
    }

    func testAFolderAloneIsNotFound() {
        let folder = TemporaryDirectory()
        makeFolders(folder.path + "/bin/tool")
        assertFails("tool", path: folder.path + "/bin", with: .notFound("tool"), status: 127)
    }

    func testNameWithSlashIsNotSearched() throws {
        let folder = TemporaryDirectory()
        makeFolders(folder.path + "/bin")
        makeFile(folder.path + "/bin/tool", mode: 0o755)
        makeFile(folder.path + "/bin/plain", mode: 0o600)
        let tool = folder.path + "/bin/tool"
        XCTAssertEqual(try ExecutableLookup.resolve(tool, path: "/nonexistent-kimi"), tool)
        assertFails(
            folder.path + "/bin/plain", path: folder.path + "/bin",
            with: .notExecutable(folder.path + "/bin/plain"), status: 126)
        assertFails(
            folder.path + "/bin/missing", path: folder.path + "/bin",
            with: .notFound(folder.path + "/bin/missing"), status: 127)
        assertFails(folder.path + "/bin", path: nil, with: .notExecutable(folder.path + "/bin"), status: 126)
        // A relative name with a slash is not looked up on PATH either.
        assertFails("bin/tool", path: folder.path, with: .notFound("bin/tool"), status: 127)
    }

    func testUnsetPATHUsesTheDefault() throws {
        let found = try ExecutableLookup.resolve("sh", path: nil)
        XCTAssertTrue(found.hasSuffix("/sh"), found)
        XCTAssertTrue(ExecutableLookup.defaultPath.split(separator: ":").contains { found == "\($0)/sh" })
    }
}
