import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

final class KeyFileTests: XCTestCase {
    private func keyBytes(_ key: SymmetricKey) -> [UInt8] { array(key.storage) }

    func testCreateWritesThirtyTwoPrivateBytes() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/vault.key"
        let key = try withUmask(0) { try KeyFile.create(path: path) }
        XCTAssertEqual(fileBytes(path), keyBytes(key))
        XCTAssertEqual(fileBytes(path).count, 32)
        XCTAssertEqual(fileMode(path), 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["vault.key"])
    }

    func testCreateWhenTheFileExistsLoadsIt() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/vault.key"
        let first = try KeyFile.create(path: path)
        let second = try KeyFile.create(path: path)
        XCTAssertEqual(keyBytes(second), keyBytes(first), "another process's key is kept, not replaced")
        XCTAssertEqual(keyBytes(try KeyFile.load(path: path)), keyBytes(first))
    }

    func testKeysDiffer() throws {
        let folder = TemporaryDirectory()
        let a = try KeyFile.create(path: folder.path + "/a")
        let b = try KeyFile.create(path: folder.path + "/b")
        XCTAssertNotEqual(keyBytes(a), keyBytes(b))
    }

    func testLoadRefusesGroupOrOtherAccess() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/vault.key"
        _ = try KeyFile.create(path: path)
        chmod(path, 0o604)
        XCTAssertThrowsError(try KeyFile.load(path: path)) {
            XCTAssertEqual($0 as? VaultError, .unsafePermissions(path: path, mode: UInt32(S_IFREG | 0o604)))
        }
    }

    func testLoadRefusesWrongSize() {
        let folder = TemporaryDirectory()
        let path = folder.path + "/vault.key"
        for size in [0, 31, 33, 64] {
            writeFile(path, SecureRandom.bytes(count: size))
            XCTAssertThrowsError(try KeyFile.load(path: path)) {
                XCTAssertEqual($0 as? VaultError, .invalidKeyFile(path: path, size: size))
            }
        }
    }

    func testLoadOfMissingFileIsASystemError() {
        let folder = TemporaryDirectory()
        let path = folder.path + "/none"
        XCTAssertThrowsError(try KeyFile.load(path: path)) { error in
            guard case .system(.io(_, let failedPath, let code))? = error as? VaultError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(failedPath, path)
            XCTAssertEqual(code, .noSuchFile)
        }
    }
}

final class HomeFolderTests: XCTestCase {
    func testKimiProfilesHomeComesFirst() throws {
        let home = try HomeFolder.resolve(environment: [
            "KIMI_PROFILES_HOME": "/k", "XDG_DATA_HOME": "/x", "HOME": "/h",
        ])
        XCTAssertEqual(home.path, "/k")
        XCTAssertEqual(home.vaultPath, "/k/vault.db")
        XCTAssertEqual(home.keyPath, "/k/vault.key")
    }

    func testXDGDataHomeThenHome() throws {
        XCTAssertEqual(
            try HomeFolder.resolve(environment: ["XDG_DATA_HOME": "/x/", "HOME": "/h"]).path,
            "/x/kimi-profiles")
        XCTAssertEqual(
            try HomeFolder.resolve(environment: ["HOME": "/h"]).path, "/h/.local/share/kimi-profiles")
    }

    func testEmptyOrRelativeValuesAreIgnored() throws {
        XCTAssertEqual(
            try HomeFolder.resolve(environment: [
                "KIMI_PROFILES_HOME": "", "XDG_DATA_HOME": "relative", "HOME": "/h",
            ]).path,
            "/h/.local/share/kimi-profiles")
    }

    func testNoHomeAtAll() {
        XCTAssertThrowsError(try HomeFolder.resolve(environment: ["HOME": "relative"])) {
            XCTAssertEqual($0 as? VaultError, .noHome)
        }
        XCTAssertThrowsError(try HomeFolder.resolve(environment: [:]))
    }
}
