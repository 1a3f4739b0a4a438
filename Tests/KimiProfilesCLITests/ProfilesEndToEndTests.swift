import Foundation
import TestSupport
import XCTest

/// add, list, show, use, rename, remove through the binary.
final class ProfilesEndToEndTests: EndToEndTestCase {
    func testAddCreatesPrivateHomeKeyAndVault() {
        addKeyProfile("work", key: workKey)
        XCTAssertEqual(fileMode(cli.home), 0o700)
        XCTAssertEqual(fileMode(vaultPath), 0o600)
        XCTAssertEqual(fileMode(keyPath), 0o600)
        XCTAssertEqual(fileBytes(keyPath).count, 32)
    }

    func testAddUnderPermissiveUmaskStillCreatesPrivateFiles() {
        let result = BinaryRunner.launch(
            "/bin/sh", ["-c", "umask 000; exec \"$0\" add work --api-key-stdin", BinaryRunner.executable],
            environment: cli.environment, stdin: workKey)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(fileMode(cli.home), 0o700)
        XCTAssertEqual(fileMode(vaultPath), 0o600)
        XCTAssertEqual(fileMode(keyPath), 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: vaultPath + suffix) {
            XCTAssertEqual(fileMode(vaultPath + suffix), 0o600, suffix)
        }
    }

    func testFirstProfileBecomesActiveAndListMarksIt() {
        addBothProfiles()
        let list = cli.run(["list"])
        XCTAssertEqual(list.status, 0, list.output)
        let lines = list.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("*") && $0.contains("work") }, list.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix(" ") && $0.contains("personal") }, list.stdout)
        XCTAssertEqual(cli.run(["ls"]).stdout, list.stdout)
        assertNoSecrets(list.output)
    }

    func testListJSONHasStableFieldsAndNoSecret() {
        addBothProfiles()
        let result = cli.run(["list", "--json"])
        XCTAssertEqual(result.status, 0, result.output)
        let profiles = jsonObject(result.stdout)["profiles"] as? [[String: Any]] ?? []
        XCTAssertEqual(profiles.map { $0["name"] as? String }, ["personal", "work"])
        let expected: Set<String> = [
            "name", "id", "kind", "state", "active", "base_url", "oauth_host", "client_id",
            "created_at", "updated_at", "last_used_at", "access_expires_at", "refresh_token_issued_at",
        ]
        for profile in profiles {
            XCTAssertEqual(Set(profile.keys), expected)
            XCTAssertEqual(profile["kind"] as? String, "api-key")
            XCTAssertEqual(profile["state"] as? String, "ready")
            XCTAssertEqual(profile["base_url"] as? String, "https://api.kimi.com/coding/v1")
        }
        XCTAssertEqual(profiles.map { $0["active"] as? Bool }, [false, true])
        assertNoSecrets(result.output)
    }

    func testListWithoutVaultIsEmptyAndCreatesNothing() {
        let result = cli.run(["list", "--json"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual((jsonObject(result.stdout)["profiles"] as? [Any])?.count, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.home))
    }

    func testShowPrintsDetailsButNoSecret() {
        addBothProfiles()
        let text = cli.run(["show", "personal"])
        XCTAssertEqual(text.status, 0, text.output)
        XCTAssertTrue(text.stdout.contains("personal"))
        XCTAssertTrue(text.stdout.contains("api-key"))
        let json = cli.run(["show", "work", "--json"])
        XCTAssertEqual(json.status, 0, json.output)
        let object = jsonObject(json.stdout)
        XCTAssertEqual(object["name"] as? String, "work")
        XCTAssertEqual(object["active"] as? Bool, true)
        let unknown = cli.run(["show", "nope"])
        XCTAssertEqual(unknown.status, 3, unknown.output)
        XCTAssertTrue(unknown.stderr.contains("no profile named 'nope'"), unknown.stderr)
        XCTAssertEqual(cli.run(["show", "work", "-p", "personal"]).status, 2)
        assertNoSecrets(text.output + json.output)
    }

    func testGlobalRegionAndCustomBaseURL() {
        XCTAssertEqual(cli.run(["add", "g", "--api-key-stdin", "--region", "global"], stdin: workKey).status, 0)
        XCTAssertEqual(
            cli.run(["add", "l", "--api-key-stdin", "--base-url", "http://127.0.0.1:9/coding/v1/"], stdin: workKey).status, 0)
        XCTAssertEqual(jsonObject(cli.run(["show", "g", "--json"]).stdout)["base_url"] as? String, "https://api.kimi.ai/coding/v1")
        XCTAssertEqual(jsonObject(cli.run(["show", "l", "--json"]).stdout)["base_url"] as? String, "http://127.0.0.1:9/coding/v1")
        let plain = cli.run(["add", "x", "--api-key-stdin", "--base-url", "http://example.com/coding/v1"], stdin: workKey)
        XCTAssertEqual(plain.status, 2, plain.output)
        XCTAssertTrue(plain.stderr.contains("only for 127.0.0.1"), plain.stderr)
        XCTAssertEqual(cli.run(["add", "y", "--api-key-stdin", "--region", "mars"], stdin: workKey).status, 2)
    }

    func testAddRejectsDuplicateInvalidNameAndEmptyKey() {
        addKeyProfile("work", key: workKey)
        let duplicate = cli.run(["add", "work", "--api-key-stdin"], stdin: personalKey)
        XCTAssertEqual(duplicate.status, 1, duplicate.output)
        XCTAssertTrue(duplicate.stderr.contains("profile 'work' already exists"), duplicate.stderr)
        for bad in ["-x", ".hidden", "a b", "ü", "a/b", String(repeating: "a", count: 65)] {
            let result = cli.run(["add", "--api-key-stdin", "--", bad], stdin: workKey)
            XCTAssertEqual(result.status, 2, "\(bad): \(result.output)")
            XCTAssertTrue(result.stderr.contains("invalid profile name"), result.stderr)
        }
        XCTAssertEqual(cli.run(["add", String(repeating: "a", count: 64), "--api-key-stdin"], stdin: workKey).status, 0)
        let empty = cli.run(["add", "empty", "--api-key-stdin"], stdin: "\n")
        XCTAssertEqual(empty.status, 2, empty.output)
        XCTAssertTrue(empty.stderr.contains("no API key"), empty.stderr)
        let spaced = cli.run(["add", "spaced", "--api-key-stdin"], stdin: "sk-kimi-a b\n")
        XCTAssertEqual(spaced.status, 2, spaced.output)
        assertNoSecrets(duplicate.output + empty.output + spaced.output)
    }

    func testWarnsAboutKeysThatAreNotKimiForCoding() {
        let result = cli.run(["add", "platform", "--api-key-stdin"], stdin: "sk-platformkey123\n")
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stderr.contains("warning"), result.stderr)
        XCTAssertFalse(result.output.contains("sk-platformkey123"))
    }

    func testRenameKeepsCredentialAndActiveState() {
        addBothProfiles()
        let rename = cli.run(["rename", "work", "job"])
        XCTAssertEqual(rename.status, 0, rename.output)
        XCTAssertEqual(cli.run(["current"]).stdout, "job (the active profile)\n")
        XCTAssertEqual(cli.run(["token", "-p", "job"]).stdout, workKey + "\n")
        XCTAssertEqual(cli.run(["token", "-p", "work"]).status, 3)
        XCTAssertEqual(cli.run(["rename", "job", "personal"]).status, 1)
        XCTAssertEqual(cli.run(["rename", "nobody", "x"]).status, 3)
        XCTAssertEqual(cli.run(["rename", "job", "-bad"]).status, 2)
    }

    func testRemoveNeedsYesOffATerminalAndClearsActive() {
        addBothProfiles()
        let refused = cli.run(["remove", "work"])
        XCTAssertEqual(refused.status, 2, refused.output)
        XCTAssertTrue(refused.stderr.contains("--yes"), refused.stderr)
        XCTAssertEqual(cli.run(["token", "-p", "work"]).status, 0)
        let removed = cli.run(["rm", "work", "--yes"])
        XCTAssertEqual(removed.status, 0, removed.output)
        XCTAssertEqual(cli.run(["token", "-p", "work"]).status, 3)
        let current = cli.run(["current"])
        XCTAssertEqual(current.status, 3, current.output)
        XCTAssertTrue(current.stderr.contains("no profile selected"), current.stderr)
        XCTAssertEqual(cli.run(["remove", "work", "-y"]).status, 3)
        XCTAssertEqual(cli.run(["token", "-p", "personal"]).stdout, personalKey + "\n")
    }

    func testUseSwitchesAndUnsetClears() {
        addBothProfiles()
        XCTAssertEqual(cli.run(["use", "personal"]).status, 0)
        XCTAssertEqual(cli.run(["token"]).stdout, personalKey + "\n")
        XCTAssertEqual(cli.run(["use", "nobody"]).status, 3)
        XCTAssertEqual(cli.run(["current"]).stdout, "personal (the active profile)\n")
        XCTAssertEqual(cli.run(["use", "--unset"]).status, 0)
        XCTAssertEqual(cli.run(["token"]).status, 3)
    }

    func testUseProjectWritesAProjectFileWithTheNameOnly() throws {
        addBothProfiles()
        let project = folder.makeFolder("project")
        let result = cli.run(["use", "--project", "personal"], cwd: project)
        XCTAssertEqual(result.status, 0, result.output)
        let text = try String(contentsOfFile: project + "/.kimi-profile", encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(lines, ["personal"])
        XCTAssertEqual(cli.run(["use", "--project", "nobody"], cwd: project).status, 3)
    }
}
