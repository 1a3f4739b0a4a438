import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// A test that runs the built binary with `KIMI_PROFILES_HOME` (and `HOME`) in a fresh
/// temporary folder. Synchronous by design: spawned children then inherit the main thread's
/// clean signal mask (LINUX-NOTES 10).
class EndToEndTestCase: XCTestCase {
    var folder: TemporaryDirectory!
    var cli: BinaryRunner!

    /// Keys that must never appear in any output, file or error.
    let workKey = "sk-kimi-WORKwork0123456789abcdefSECRET"
    let personalKey = "sk-kimi-PERSONALpersonal9876543210SECRET"

    override func setUp() {
        super.setUp()
        folder = TemporaryDirectory()
        folder.makeFolder("user-home")
        cli = BinaryRunner(folder: folder)
    }

    override func tearDown() {
        folder = nil
        super.tearDown()
    }

    var vaultPath: String { cli.home + "/vault.db" }
    var keyPath: String { cli.home + "/vault.key" }

    /// Adds an API-key profile and asserts success.
    func addKeyProfile(_ name: String, key: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = cli.run(["add", name, "--api-key-stdin"], stdin: key + "\n")
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    /// The two standard profiles; "work" is added first and so becomes active.
    func addBothProfiles() {
        addKeyProfile("work", key: workKey)
        addKeyProfile("personal", key: personalKey)
    }

    /// Asserts that no known secret appears in `text`.
    func assertNoSecrets(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [workKey, personalKey] {
            XCTAssertFalse(text.contains(secret), "a secret leaked into: \(text)", file: file, line: line)
        }
    }

    /// Parses `text` as a JSON object.
    func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        guard let object = parsed as? [String: Any] else {
            XCTFail("not a JSON object: \(text)", file: file, line: line)
            return [:]
        }
        return object
    }

    /// `KEY=VALUE` lines (as printed by /usr/bin/env) as a dictionary.
    func environmentLines(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    /// Rewrites one profile's sealed credential through SQLite, as damage or an attacker would.
    func mutateCredential(of name: String, _ change: ([UInt8]) -> [UInt8]) throws {
        let database = try Database(path: vaultPath, create: false)
        let select = try database.prepare("SELECT credential FROM profiles WHERE name = ?")
        try select.bind(.text(name))
        XCTAssertTrue(try select.step())
        let blob = select.blob(at: 0)
        try database.prepare("UPDATE profiles SET credential = ? WHERE name = ?")
            .bind(.blob(change(blob)), .text(name)).run()
    }
}
