import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// `doctor` end to end: the built binary on a temporary home, its clock check against the fake
/// Kimi on 127.0.0.1 (never the real network).
final class DoctorEndToEndTests: FakeKimiTestCase {
    /// An API-key profile whose API host is `base` (the fake by default).
    func addKey(_ name: String, key: String, base: String? = nil) {
        let result = cli.run(
            ["add", name, "--api-key-stdin", "--base-url", base ?? server.url + "/coding/v1"], stdin: key + "\n")
        XCTAssertEqual(result.status, 0, result.output)
    }

    func line(_ prefix: String, containing text: String, in output: String) -> String? {
        output.split(separator: "\n").map(String.init).first { $0.hasPrefix(prefix) && (text.isEmpty || $0.contains(text)) }
    }

    func testAHealthyHomeIsExit0WithEveryCheckOnItsOwnLine() {
        addKey("work", key: workKey)
        let result = cli.run(["doctor"])
        XCTAssertEqual(result.status, 0, result.output)
        let out = result.stdout
        XCTAssertNotNil(line("ok    home folder \(cli.home)", containing: "is 0700", in: out), out)
        XCTAssertNotNil(line("ok    \(vaultPath)", containing: "is 0600", in: out), out)
        XCTAssertNotNil(line("ok    \(keyPath)", containing: "is 0600", in: out), out)
        XCTAssertNotNil(line("ok    the key opens the vault", containing: "1 profile", in: out), out)
        XCTAssertNotNil(line("ok    profile 'work' (api-key)", containing: "ready", in: out), out)
        XCTAssertNotNil(line("ok    clock within", containing: "127.0.0.1", in: out), out)
        XCTAssertNotNil(line("ok    trust store", containing: "", in: out), out)
        XCTAssertNotNil(line("", containing: "opencode", in: out), out)
        XCTAssertNotNil(line("ok    no .kimi-profile applies", containing: "", in: out), out)
        XCTAssertTrue(out.hasSuffix("healthy\n") || out.contains("healthy, with"), out)
        XCTAssertFalse(out.contains("\u{1B}["), "no colour off a terminal")
        XCTAssertEqual(kimi.headers(of: "/").count, 1, "one HEAD for the clock")
        assertNoSecrets(result.output)
    }

    func testAnUnsafeKeyFileFailsAndFixRepairsIt() {
        addKey("work", key: workKey)
        XCTAssertEqual(chmod(keyPath, 0o644), 0)
        let broken = cli.run(["doctor"])
        XCTAssertEqual(broken.status, 1, broken.output)
        XCTAssertNotNil(line("fail  \(keyPath)", containing: "is 0644, should be 0600", in: broken.stdout), broken.stdout)
        XCTAssertTrue(broken.stdout.contains("doctor --fix"), broken.stdout)
        XCTAssertEqual(fileMode(keyPath), 0o644, "doctor without --fix changes nothing")

        let fixed = cli.run(["doctor", "--fix"])
        XCTAssertEqual(fixed.status, 0, fixed.output)
        XCTAssertNotNil(line("ok    \(keyPath)", containing: "fixed: was 0644", in: fixed.stdout), fixed.stdout)
        XCTAssertEqual(fileMode(keyPath), 0o600)
        XCTAssertEqual(cli.run(["doctor"]).status, 0)
        XCTAssertEqual(cli.run(["token"]).status, 0, "the vault opens again")
    }

    func testAnOpenHomeFolderFailsAndFixRepairsIt() {
        addKey("work", key: workKey)
        XCTAssertEqual(chmod(cli.home, 0o755), 0)
        let broken = cli.run(["doctor"])
        XCTAssertEqual(broken.status, 1, broken.output)
        XCTAssertNotNil(line("fail  home folder", containing: "is 0755, should be 0700", in: broken.stdout), broken.stdout)
        let fixed = cli.run(["doctor", "--fix"])
        XCTAssertEqual(fixed.status, 0, fixed.output)
        XCTAssertEqual(fileMode(cli.home), 0o700)
    }

    func testADamagedProfileFailsByName() throws {
        addKey("work", key: workKey)
        addKey("personal", key: personalKey)
        try mutateCredential(of: "personal") { blob in
            var copy = blob
            copy[copy.count - 1] ^= 0x01
            return copy
        }
        let result = cli.run(["doctor"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertNotNil(line("fail  profile 'personal'", containing: "damaged", in: result.stdout), result.stdout)
        XCTAssertNotNil(line("ok    profile 'work'", containing: "ready", in: result.stdout), result.stdout)
        assertNoSecrets(result.output)
    }

    func testOfflineSkipsTheClockAndStaysHealthy() {
        server.stop()
        let closed = server.url
        addKey("work", key: workKey, base: closed + "/coding/v1")
        let result = cli.run(["doctor"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertNotNil(line("skip  clock (offline:", containing: "127.0.0.1", in: result.stdout), result.stdout)
    }

    func testNoProfileSkipsTheClockWithoutTheNetwork() {
        let result = cli.run(["doctor"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertNotNil(line("warn  home folder", containing: "does not exist yet", in: result.stdout), result.stdout)
        XCTAssertNotNil(line("skip  clock", containing: "no profile", in: result.stdout), result.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.home), "doctor creates nothing")
    }

    func testASkewedClockIsAWarning() throws {
        server.stop()
        server = try FakeKimiServer(kimi, dateSkew: 600)
        addKey("work", key: workKey)
        let result = cli.run(["doctor"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertNotNil(line("warn  clock is ", containing: "m behind 127.0.0.1", in: result.stdout), result.stdout)
    }

    func testAnOAuthLoginNearItsEndIsAWarning() throws {
        let login = cli.run(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output)
        let fresh = cli.run(["doctor"])
        XCTAssertEqual(fresh.status, 0, fresh.output)
        XCTAssertNotNil(line("ok    profile 'work' (oauth)", containing: "login 0 days old", in: fresh.stdout), fresh.stdout)

        let database = try Database(path: vaultPath, create: false)
        let issued = Int64(Date().timeIntervalSince1970) - 26 * 86400 - 60
        try database.prepare("UPDATE profiles SET refresh_token_at = ? WHERE name = ?").bind(.integer(issued), .text("work")).run()
        let aged = cli.run(["doctor"])
        XCTAssertEqual(aged.status, 0, aged.output)
        XCTAssertNotNil(line("warn  profile 'work' (oauth)", containing: "login 26 days old", in: aged.stdout), aged.stdout)
        XCTAssertTrue(aged.stdout.contains("kimi-profiles login work"), aged.stdout)
    }

    func testAProjectFileNamingAMissingProfileFails() {
        addKey("work", key: workKey)
        let project = folder.makeFolder("project")
        folder.write("project/.kimi-profile", "ghost\n")
        let result = cli.run(["doctor"], cwd: project)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertNotNil(line("fail  \(project)/.kimi-profile", containing: "'ghost', which does not exist", in: result.stdout), result.stdout)
        folder.write("project/.kimi-profile", "work\n")
        XCTAssertEqual(cli.run(["doctor"], cwd: project).status, 0)
    }

    func testDoctorTakesNoOperand() {
        XCTAssertEqual(cli.run(["doctor", "now"]).status, 2)
    }
}
