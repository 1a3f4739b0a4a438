import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Bad input loses nothing: damaged entries, wrong keys and unsafe modes (SPEC §2, §3).
final class VaultSafetyEndToEndTests: EndToEndTestCase {
    override func setUp() {
        super.setUp()
        addBothProfiles()
    }

    func testAFlippedByteDamagesOnlyThatProfile() throws {
        try mutateCredential(of: "work") { blob in
            var changed = blob
            changed[blob.count / 2] ^= 0x01
            return changed
        }
        let before = fileBytes(vaultPath)
        let token = cli.run(["token", "-p", "work"])
        XCTAssertEqual(token.status, 5, token.output)
        XCTAssertTrue(token.stderr.contains("profile 'work' is damaged"), token.stderr)
        let exec = cli.run(["exec", "-p", "work", "--", "/bin/true"])
        XCTAssertEqual(exec.status, 5, exec.output)
        XCTAssertEqual(fileBytes(vaultPath), before, "a failed read must not write")

        XCTAssertEqual(cli.run(["token", "-p", "personal"]).stdout, personalKey + "\n")
        let list = cli.run(["list", "--json"])
        XCTAssertEqual(list.status, 0, list.output)
        let states = (jsonObject(list.stdout)["profiles"] as? [[String: Any]] ?? []).map { $0["state"] as? String }
        XCTAssertEqual(states, ["ready", "damaged"])
        XCTAssertEqual(cli.run(["show", "work"]).status, 5)
        XCTAssertEqual(cli.run(["remove", "work", "--yes"]).status, 0, "a damaged profile can be removed")
    }

    /// Issue 7 item 3: each byte of a sealed credential flipped in turn, through the vault and
    /// the binary: detected every time, nothing written, and the other profile unaffected.
    func testEveryFlippedByteOfASealedCredentialIsDetected() throws {
        var original: [UInt8] = []
        try mutateCredential(of: "work") { original = $0; return $0 }
        XCTAssertGreaterThan(original.count, 12 + 16 + workKey.utf8.count)
        for index in original.indices {
            try mutateCredential(of: "work") { _ in
                var changed = original
                changed[index] ^= index % 2 == 0 ? 0x01 : 0x80
                return changed
            }
            let before = fileBytes(vaultPath) + fileBytes(vaultPath + "-wal")
            let token = cli.run(["token", "-p", "work"])
            XCTAssertEqual(token.status, 5, "byte \(index): \(token.output)")
            XCTAssertTrue(token.stderr.contains("profile 'work' is damaged"), "byte \(index): \(token.stderr)")
            XCTAssertEqual(fileBytes(vaultPath) + fileBytes(vaultPath + "-wal"), before, "byte \(index): a failed read wrote")
            let other = cli.run(["token", "-p", "personal"])
            XCTAssertEqual(other.stdout, personalKey + "\n", "byte \(index): \(other.stderr)")
            assertNoSecrets(token.output)
        }
        try mutateCredential(of: "work") { _ in original }
        XCTAssertEqual(cli.run(["token", "-p", "work"]).stdout, workKey + "\n", "restored, it opens again")
    }

    /// A vault file cut short or overwritten with zeros is a clear exit 5, and stays as it was.
    func testATruncatedOrZeroedVaultIsAClearErrorAndIsNotOverwritten() throws {
        // Everything in the main file, so that the damage below is all there is.
        try Database(path: vaultPath, create: false).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let intact = fileBytes(vaultPath)
        XCTAssertGreaterThan(intact.count, 4096)
        let damages: [(String, [UInt8])] = [
            ("zeroed", [UInt8](repeating: 0, count: intact.count)),
            ("cut to its first page", Array(intact.prefix(4096))),
            ("cut to half", Array(intact.prefix(intact.count / 2))),
            ("cut inside its header", Array(intact.prefix(50))),
            ("cut by one byte", Array(intact.dropLast())),
        ]
        for (what, damaged) in damages {
            XCTAssertTrue(FileManager.default.createFile(atPath: vaultPath, contents: Data(damaged)), what)
            try? FileManager.default.removeItem(atPath: vaultPath + "-wal")
            try? FileManager.default.removeItem(atPath: vaultPath + "-shm")
            for arguments in [["token", "-p", "work"], ["list"], ["add", "third", "--api-key-stdin"]] {
                let result = cli.run(arguments, stdin: "sk-kimi-third\n")
                XCTAssertEqual(result.status, 5, "\(what), \(arguments[0]): \(result.output)")
                XCTAssertTrue(
                    result.stderr.contains("vault.db"), "\(what), \(arguments[0]): the message names the file: \(result.stderr)")
                XCTAssertEqual(fileBytes(vaultPath), damaged, "\(what), \(arguments[0]): the vault was written")
                assertNoSecrets(result.output)
            }
        }
    }

    func testCredentialsSwappedBetweenProfilesDoNotOpen() throws {
        var work: [UInt8] = []
        var personal: [UInt8] = []
        try mutateCredential(of: "work") { work = $0; return $0 }
        try mutateCredential(of: "personal") { personal = $0; return work }
        try mutateCredential(of: "work") { _ in personal }
        XCTAssertNotEqual(work, personal)
        let result = cli.run(["token", "-p", "work"])
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertEqual(cli.run(["token", "-p", "personal"]).status, 5)
        assertNoSecrets(result.output)
    }

    func testAReplacedKeyFileIsRefusedBeforeAnyWrite() {
        let before = fileBytes(vaultPath)
        let other = [UInt8](repeating: 0x42, count: 32)
        _ = FileManager.default.createFile(atPath: keyPath + ".new", contents: Data(other), attributes: [.posixPermissions: 0o600])
        XCTAssertEqual(rename(keyPath + ".new", keyPath), 0)
        for arguments in [["list"], ["token"], ["use", "personal"], ["rename", "work", "x"], ["remove", "work", "--yes"]] {
            let result = cli.run(arguments)
            XCTAssertEqual(result.status, 5, "\(arguments): \(result.output)")
            XCTAssertTrue(result.stderr.contains("wrong key"), result.stderr)
        }
        let add = cli.run(["add", "third", "--api-key-stdin"], stdin: "sk-kimi-third")
        XCTAssertEqual(add.status, 5, add.output)
        XCTAssertEqual(fileBytes(vaultPath), before, "nothing may be written with a wrong key")
    }

    func testAMissingKeyFileIsNotRecreated() {
        XCTAssertEqual(unlink(keyPath), 0)
        let result = cli.run(["add", "third", "--api-key-stdin"], stdin: "sk-kimi-third")
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertTrue(result.stderr.contains("missing"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyPath))
    }

    func testKeyFileReadableByOthersIsRefusedWithTheFix() {
        XCTAssertEqual(chmod(keyPath, 0o644), 0)
        let result = cli.run(["token"])
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertTrue(result.stderr.contains(keyPath), result.stderr)
        XCTAssertTrue(result.stderr.contains("chmod 600 '\(keyPath)'"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(chmod(keyPath, 0o600), 0)
        XCTAssertEqual(cli.run(["token"]).status, 0)
    }

    func testVaultReadableByGroupIsRefused() {
        XCTAssertEqual(chmod(vaultPath, 0o640), 0)
        let result = cli.run(["list"])
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertTrue(result.stderr.contains("chmod 600 '\(vaultPath)'"), result.stderr)
    }

    func testAGarbageVaultIsAClearErrorAndIsNotOverwritten() {
        let garbage = [UInt8](repeating: 0x5a, count: 8192)
        _ = FileManager.default.createFile(atPath: vaultPath, contents: Data(garbage), attributes: [.posixPermissions: 0o600])
        try? FileManager.default.removeItem(atPath: vaultPath + "-wal")
        try? FileManager.default.removeItem(atPath: vaultPath + "-shm")
        let result = cli.run(["add", "third", "--api-key-stdin"], stdin: "sk-kimi-third")
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertTrue(result.stderr.contains("not a readable vault"), result.stderr)
        XCTAssertEqual(fileBytes(vaultPath), garbage)
    }

    func testNoSecretInTheVaultFilesOrAnyOutput() {
        // Run commands that write, then look at every byte on disk.
        XCTAssertEqual(cli.run(["use", "personal"]).status, 0)
        XCTAssertEqual(cli.run(["rename", "personal", "home"]).status, 0)
        XCTAssertEqual(cli.run(["exec", "--", "/bin/true"]).status, 0)
        for file in (try? FileManager.default.contentsOfDirectory(atPath: cli.home)) ?? [] {
            let content = fileBytes(cli.home + "/" + file)
            for secret in [workKey, personalKey] {
                XCTAssertFalse(bytes(content, contain: secret), "\(secret) in \(file)")
                XCTAssertFalse(bytes(content, contain: String(secret.dropFirst(8))), "part of a key in \(file)")
            }
        }
        var outputs = ""
        for arguments in [
            ["list"], ["list", "--json"], ["show"], ["show", "work", "--json"], ["current"],
            ["current", "--json"], ["show", "nobody"], ["token", "-p", "nobody"],
            ["exec", "--", "no-such-command-kimi"], ["rename", "work", "home"], ["remove", "home"],
        ] {
            outputs += cli.run(arguments).output
        }
        assertNoSecrets(outputs)
    }

    func testANewerSchemaIsRefused() throws {
        let database = try Database(path: vaultPath, create: false)
        try database.execute("PRAGMA user_version = 99")
        _ = database
        let result = cli.run(["list"])
        XCTAssertEqual(result.status, 5, result.output)
        XCTAssertTrue(result.stderr.contains("newer"), result.stderr)
    }
}
