import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// Where each source's file is looked for, and reading it from disk.
final class ImportSourceTests: XCTestCase {
    func testDefaultPathsFollowEachToolsVariables() throws {
        let home = ["HOME": "/h"]
        XCTAssertEqual(try ImportSource.opencodeKimiAuth.defaultPath(environment: home), "/h/.opencode-kimi-auth/oauth.json")
        XCTAssertEqual(try ImportSource.kimiCLI.defaultPath(environment: home), "/h/.kimi/credentials/kimi-code.json")
        XCTAssertEqual(try ImportSource.kimiCode.defaultPath(environment: home), "/h/.kimi-code/credentials/kimi-code.json")
        XCTAssertEqual(try ImportSource.opencode.defaultPath(environment: home), "/h/.local/share/opencode/auth.json")
        let overridden = ["HOME": "/h", "KIMI_SHARE_DIR": "/s", "KIMI_CODE_HOME": "/c", "XDG_DATA_HOME": "/x"]
        XCTAssertEqual(try ImportSource.kimiCLI.defaultPath(environment: overridden), "/s/credentials/kimi-code.json")
        XCTAssertEqual(try ImportSource.kimiCode.defaultPath(environment: overridden), "/c/credentials/kimi-code.json")
        XCTAssertEqual(try ImportSource.opencode.defaultPath(environment: overridden), "/x/opencode/auth.json")
        // A relative XDG_DATA_HOME is ignored, as XDG says.
        XCTAssertEqual(
            try ImportSource.opencode.defaultPath(environment: ["HOME": "/h", "XDG_DATA_HOME": "rel"]),
            "/h/.local/share/opencode/auth.json")
        XCTAssertThrowsError(try ImportSource.kimiCLI.defaultPath(environment: [:])) {
            XCTAssertEqual($0 as? ImportError, .noHome(.kimiCLI))
        }
        // The share folder alone needs no HOME.
        XCTAssertEqual(try ImportSource.kimiCLI.defaultPath(environment: ["KIMI_SHARE_DIR": "/s"]), "/s/credentials/kimi-code.json")
    }

    func testPathMayNameTheFileOrItsFolder() {
        let folder = TemporaryDirectory()
        let kimi = folder.makeFolder(".kimi/credentials")
        folder.write(".kimi/credentials/kimi-code.json", "{}")
        XCTAssertEqual(ImportSource.kimiCLI.file(at: kimi), kimi + "/kimi-code.json")
        XCTAssertEqual(ImportSource.kimiCLI.file(at: folder.url(".kimi")), kimi + "/kimi-code.json")
        XCTAssertEqual(ImportSource.kimiCLI.file(at: kimi + "/kimi-code.json"), kimi + "/kimi-code.json")
        // A missing file is returned as named, so the error can name it.
        XCTAssertEqual(ImportSource.kimiCLI.file(at: "/nowhere/x.json"), "/nowhere/x.json")
        XCTAssertEqual(ImportSource.opencode.file(at: folder.path), folder.path + "/auth.json")
    }

    func testLoadReadsEncryptedFileWithItsKey() throws {
        let folder = TemporaryDirectory()
        let auth = folder.makeFolder("home/.opencode-kimi-auth")
        let key = (0..<32).map { UInt8($0) }
        writeFile(auth + "/.key", key)
        folder.write(
            "home/.opencode-kimi-auth/oauth.json",
            #"{"encrypted":"\#(ImportParserTests.knownAnswer)"}"#)
        let login = try ImportSource.opencodeKimiAuth.load(
            path: nil, environment: ["HOME": folder.url("home")], now: 1_700_000_000)
        XCTAssertTrue(login.wasEncrypted)
        XCTAssertEqual(login.file, auth + "/oauth.json")
        XCTAssertEqual(text(login.credential.bearer), "kat-access")
    }

    func testLoadFailures() {
        let folder = TemporaryDirectory()
        let environment = ["HOME": folder.path]
        XCTAssertThrowsError(try ImportSource.kimiCode.load(path: nil, environment: environment, now: 0)) {
            XCTAssertEqual($0 as? ImportError, .missing(.kimiCode, path: folder.path + "/.kimi-code/credentials/kimi-code.json"))
        }
        // Sealed, but no .key beside it.
        folder.makeFolder("oka")
        folder.write("oka/oauth.json", #"{"encrypted":"\#(ImportParserTests.knownAnswer)"}"#)
        XCTAssertThrowsError(try ImportSource.opencodeKimiAuth.load(path: folder.url("oka"), environment: environment, now: 0)) {
            XCTAssertEqual($0 as? ImportError, .missing(.opencodeKimiAuth, path: folder.url("oka") + "/.key"))
        }
    }

    func testUnreadableFileIsReportedAsSuch() throws {
        let folder = TemporaryDirectory()
        // A file too large to be a token file cannot be read, even by root.
        let large = folder.write("large.json", String(repeating: " ", count: ImportSource.fileLimit + 1))
        XCTAssertThrowsError(try ImportSource.kimiCLI.load(path: large, environment: [:], now: 0)) {
            guard case .unreadable(large, _)? = $0 as? ImportError else { return XCTFail("\($0)") }
        }
        // A file of mode 000 stops everyone but root (these tests may run as either).
        let path = folder.write("locked.json", "{}")
        chmod(path, 0)
        if getuid() != 0 {
            XCTAssertThrowsError(try ImportSource.kimiCLI.load(path: path, environment: [:], now: 0)) {
                guard case .unreadable(path, _)? = $0 as? ImportError else { return XCTFail("\($0)") }
            }
        }
    }
}
