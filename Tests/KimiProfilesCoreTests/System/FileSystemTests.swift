import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

final class FileSystemTests: XCTestCase {
    private func createExclusively(_ path: String, _ text: String, mode: mode_t = 0o600) throws -> Bool {
        try Array(text.utf8).withUnsafeBytes { try FileSystem.createExclusively(path, bytes: $0, mode: mode) }
    }

    private func replace(_ path: String, _ text: String, mode: mode_t = 0o600) throws {
        try Array(text.utf8).withUnsafeBytes { try FileSystem.replace(path, bytes: $0, mode: mode) }
    }

    private func listing(_ folder: TemporaryDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    // MARK: createExclusively

    func testCreateExclusivelyMakesANewFileWithTheMode() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/secret"
        let created = try withUmask(0) { try createExclusively(path, "one") }
        XCTAssertTrue(created)
        XCTAssertEqual(fileBytes(path), Array("one".utf8))
        XCTAssertEqual(fileMode(path), 0o600)
        XCTAssertEqual(listing(folder), ["secret"], "no temporary file is left")
    }

    func testCreateExclusivelyNeverReplaces() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/secret"
        XCTAssertTrue(try createExclusively(path, "first"))
        XCTAssertFalse(try createExclusively(path, "second"))
        XCTAssertEqual(fileBytes(path), Array("first".utf8))
        XCTAssertEqual(listing(folder), ["secret"], "no temporary file is left")
    }

    func testCreateExclusivelyDoesNotFollowOrReplaceASymlink() throws {
        let folder = TemporaryDirectory()
        let target = folder.path + "/target"
        let link = folder.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertFalse(try createExclusively(link, "data"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    func testCreateExclusivelyInAMissingFolderThrows() {
        let folder = TemporaryDirectory()
        XCTAssertThrowsError(try createExclusively(folder.path + "/none/file", "x")) { error in
            guard case .io(_, _, .noSuchFile)? = error as? SystemError else { return XCTFail("\(error)") }
        }
    }

    // MARK: replace

    func testReplaceGivesTheModeAskedFor() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/file"
        writeFile(path, Array("old".utf8), mode: 0o644)
        try withUmask(0o022) { try replace(path, "new", mode: 0o600) }
        XCTAssertEqual(fileBytes(path), Array("new".utf8))
        XCTAssertEqual(fileMode(path), 0o600)
        try withUmask(0) { try replace(path, "newer", mode: 0o600) }
        XCTAssertEqual(fileMode(path), 0o600)
        XCTAssertEqual(fileBytes(path), Array("newer".utf8))
        XCTAssertEqual(listing(folder), ["file"], "no temporary file is left")
    }

    func testReplaceCreatesAMissingFile() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/fresh"
        try replace(path, "x")
        XCTAssertEqual(fileBytes(path), Array("x".utf8))
        XCTAssertEqual(fileMode(path), 0o600)
    }

    // MARK: Folders and other files

    func testCreateDirectoryIgnoresTheUmask() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/a/b/c"
        try withUmask(0o277) { try FileSystem.createDirectory(path, mode: 0o700) }
        XCTAssertTrue(FileSystem.isDirectory(path))
        for created in [folder.path + "/a", folder.path + "/a/b", path] {
            XCTAssertEqual(fileMode(created), 0o700, created)
        }
        try withUmask(0) { try FileSystem.createDirectory(folder.path + "/d", mode: 0o700) }
        XCTAssertEqual(fileMode(folder.path + "/d"), 0o700)
    }

    func testCreateDirectoryLeavesAnExistingFolderAlone() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/existing"
        makeFolders(path)
        chmod(path, 0o755)
        try FileSystem.createDirectory(path, mode: 0o700)
        XCTAssertEqual(fileMode(path), 0o755)
    }

    func testTouchCreatesWithModeAndKeepsContents() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/db"
        try withUmask(0) { try FileSystem.touch(path, mode: 0o600) }
        XCTAssertEqual(fileMode(path), 0o600)
        XCTAssertEqual(FileSystem.size(of: path), 0)
        writeFile(path, [1, 2, 3])
        try FileSystem.touch(path, mode: 0o600)
        XCTAssertEqual(fileBytes(path), [1, 2, 3])
    }

    func testReadRefusesLargeFiles() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/big"
        writeFile(path, [UInt8](repeating: 7, count: 10_000))
        XCTAssertEqual(try FileSystem.read(path, limit: 10_000).count, 10_000)
        XCTAssertThrowsError(try FileSystem.read(path, limit: 9_999)) {
            XCTAssertEqual($0 as? SystemError, .tooLarge(path: path, limit: 9_999))
        }
    }

    func testModeSizeAndExistence() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/f"
        XCTAssertNil(try FileSystem.mode(of: path))
        XCTAssertNil(FileSystem.size(of: path))
        XCTAssertFalse(FileSystem.exists(path))
        writeFile(path, [1, 2], mode: 0o640)
        XCTAssertEqual(try FileSystem.mode(of: path).map { $0 & 0o777 }, 0o640)
        XCTAssertEqual(FileSystem.size(of: path), 2)
        XCTAssertTrue(FileSystem.exists(path))
        XCTAssertFalse(FileSystem.isDirectory(path))
        XCTAssertTrue(FileSystem.isDirectory(folder.path))

        let dangling = folder.path + "/dangling"
        try FileManager.default.createSymbolicLink(
            atPath: dangling, withDestinationPath: folder.path + "/nowhere")
        XCTAssertTrue(FileSystem.exists(dangling), "a dangling link exists")
        XCTAssertNil(try FileSystem.mode(of: dangling))
    }

    func testSetMode() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/f"
        writeFile(path, [1], mode: 0o644)
        try FileSystem.setMode(path, 0o600)
        XCTAssertEqual(fileMode(path), 0o600)
        XCTAssertThrowsError(try FileSystem.setMode(folder.path + "/missing", 0o600))
    }

    // MARK: Paths

    func testParentPath() {
        XCTAssertEqual(FileSystem.parentPath(of: "/a/b/c"), "/a/b")
        XCTAssertEqual(FileSystem.parentPath(of: "/a/b/"), "/a")
        XCTAssertEqual(FileSystem.parentPath(of: "/a/b///"), "/a")
        XCTAssertEqual(FileSystem.parentPath(of: "/x"), "/")
        XCTAssertEqual(FileSystem.parentPath(of: "/x/"), "/")
        XCTAssertEqual(FileSystem.parentPath(of: "/"), "/")
        XCTAssertEqual(FileSystem.parentPath(of: "//"), "/")
        XCTAssertEqual(FileSystem.parentPath(of: "x"), ".")
        XCTAssertEqual(FileSystem.parentPath(of: "x/"), ".")
        XCTAssertEqual(FileSystem.parentPath(of: ""), ".")
        XCTAssertEqual(FileSystem.parentPath(of: "a/b"), "a")
        XCTAssertEqual(FileSystem.parentPath(of: "./a"), ".")
        XCTAssertEqual(FileSystem.parentPath(of: "/a//b"), "/a")
        XCTAssertEqual(FileSystem.parentPath(of: "//x"), "/")
    }

    func testJoin() {
        XCTAssertEqual(FileSystem.join("/a", "b"), "/a/b")
        XCTAssertEqual(FileSystem.join("/a/", "b"), "/a/b")
        XCTAssertEqual(FileSystem.join("/", "b"), "/b")
        XCTAssertEqual(FileSystem.join(".", "b"), "./b")
    }
}
