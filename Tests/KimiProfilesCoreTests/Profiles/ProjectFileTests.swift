import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

final class ProjectFileTests: XCTestCase {
    // MARK: name(in:)

    func testPlainName() {
        XCTAssertEqual(ProjectFile.name(in: "work"), "work")
        XCTAssertEqual(ProjectFile.name(in: "work\n"), "work")
    }

    func testCommentsAndBlankLinesAreSkipped() {
        XCTAssertEqual(ProjectFile.name(in: "# the profile\n\n   \nwork\nother\n"), "work")
        XCTAssertEqual(ProjectFile.name(in: "#work\npersonal"), "personal")
    }

    func testWhitespaceIsTrimmed() {
        XCTAssertEqual(ProjectFile.name(in: "  \t work \t \n"), "work")
        XCTAssertEqual(ProjectFile.name(in: "\twork"), "work")
    }

    func testCRLFAndCR() {
        XCTAssertEqual(ProjectFile.name(in: "# comment\r\n\r\n  work  \r\nother\r\n"), "work")
        XCTAssertEqual(ProjectFile.name(in: "work\r\n"), "work")
        XCTAssertEqual(ProjectFile.name(in: "# c\rwork\r"), "work")
    }

    func testNoName() {
        XCTAssertNil(ProjectFile.name(in: ""))
        XCTAssertNil(ProjectFile.name(in: "\n\n"))
        XCTAssertNil(ProjectFile.name(in: "# only a comment\n   \n\t\n"))
        XCTAssertNil(ProjectFile.name(in: "\r\n# x\r\n"))
    }

    func testContentsRoundTrip() {
        XCTAssertEqual(ProjectFile.name(in: ProjectFile.contents(for: "team.a")), "team.a")
    }

    // MARK: read

    func testReadValidatesTheName() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/.kimi-profile"
        writeFile(path, Array("# pinned\n work \n".utf8), mode: 0o644)
        XCTAssertEqual(try ProjectFile.read(path), "work")

        writeFile(path, Array("https://evil.example/v1\n".utf8), mode: 0o644)
        XCTAssertThrowsError(try ProjectFile.read(path)) { error in
            guard case .invalidName(let name, _, let source)? = error as? ProfileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, "https://evil.example/v1")
            XCTAssertEqual(source, .projectFile(path))
        }
    }

    func testAByteOrderMarkIsNotPartOfTheName() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/.kimi-profile"
        writeFile(path, [0xEF, 0xBB, 0xBF] + Array("work\n".utf8), mode: 0o644)
        XCTAssertEqual(try ProjectFile.read(path), "work")
    }

    func testReadEmptyMissingAndOversizedFiles() {
        let folder = TemporaryDirectory()
        let path = folder.path + "/.kimi-profile"
        writeFile(path, Array("# nothing here\n".utf8))
        XCTAssertThrowsError(try ProjectFile.read(path)) {
            XCTAssertEqual($0 as? ProfileError, .emptyProjectFile(path: path))
        }
        let missing = folder.path + "/missing/.kimi-profile"
        XCTAssertThrowsError(try ProjectFile.read(missing)) { error in
            guard case .unreadableProjectFile(let path, _)? = error as? ProfileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, missing)
        }
        writeFile(path, Array(("work\n" + String(repeating: "#", count: 5000)).utf8))
        XCTAssertThrowsError(try ProjectFile.read(path)) { error in
            guard case .unreadableProjectFile? = error as? ProfileError else { return XCTFail("\(error)") }
        }
    }

    // MARK: find

    func testFindsTheNearestFileWalkingUp() {
        let folder = TemporaryDirectory()
        let root = folder.path
        makeFolders(root + "/repo/packages/app/src")
        writeFile(root + "/.kimi-profile", Array("outer\n".utf8))
        writeFile(root + "/repo/.kimi-profile", Array("repo\n".utf8))
        XCTAssertEqual(ProjectFile.find(from: root + "/repo/packages/app/src"), root + "/repo/.kimi-profile")
        XCTAssertEqual(ProjectFile.find(from: root + "/repo"), root + "/repo/.kimi-profile")
        XCTAssertEqual(ProjectFile.find(from: root + "/repo/"), root + "/repo/.kimi-profile")

        writeFile(root + "/repo/packages/app/.kimi-profile", Array("app\n".utf8))
        XCTAssertEqual(
            ProjectFile.find(from: root + "/repo/packages/app/src"), root + "/repo/packages/app/.kimi-profile"
        )
    }

    func testAFolderNamedLikeTheFileIsSkipped() {
        let folder = TemporaryDirectory()
        let root = folder.path
        makeFolders(root + "/repo/sub/.kimi-profile")
        writeFile(root + "/repo/.kimi-profile", Array("repo\n".utf8))
        XCTAssertEqual(ProjectFile.find(from: root + "/repo/sub"), root + "/repo/.kimi-profile")
    }

    func testNoFileInTheTreeFindsOnlyWhatLiesAboveIt() {
        let folder = TemporaryDirectory()
        let root = folder.path
        makeFolders(root + "/a/b/c")
        // The walk goes on up to "/", so the answer is whatever lies above the temporary folder,
        // which is normally nothing.
        XCTAssertEqual(ProjectFile.find(from: root + "/a/b/c"), projectFileAbove(root))
    }
}

/// The nearest `.kimi-profile` strictly above `folder`, found independently of `ProjectFile`.
func projectFileAbove(_ folder: String) -> String? {
    var url = URL(fileURLWithPath: folder).standardized.deletingLastPathComponent()
    while true {
        let candidate = url.appendingPathComponent(".kimi-profile").path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            return candidate
        }
        if url.path == "/" { return nil }
        url.deleteLastPathComponent()
    }
}
