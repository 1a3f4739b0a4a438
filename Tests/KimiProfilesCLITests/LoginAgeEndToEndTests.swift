import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Refresh-token age warnings on `list`, `show` and before `exec`: OAuth profiles logged in
/// against the fake Kimi, their login dated back through the vault's plaintext row.
final class LoginAgeEndToEndTests: FakeKimiTestCase {
    func login(_ name: String) {
        let result = cli.run(
            ["add", name, "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(result.status, 0, result.output)
    }

    /// Dates `name`'s refresh token `days` days (and a minute) back.
    func ageLogin(of name: String, days: Int64) throws {
        let database = try Database(path: vaultPath, create: false)
        let issued = Int64(Date().timeIntervalSince1970) - days * 86400 - 60
        try database.prepare("UPDATE profiles SET refresh_token_at = ? WHERE name = ?").bind(.integer(issued), .text(name)).run()
    }

    let warning = "warning: profile 'old' last logged in 26 days ago; refresh tokens last about 30 days: run 'kimi-profiles login old'"

    func testListMarksAnAgingLoginAndWarnsOnStderr() throws {
        login("old")
        login("fresh")
        try ageLogin(of: "old", days: 26)
        let list = cli.run(["list"])
        XCTAssertEqual(list.status, 0, list.output)
        let old = list.stdout.split(separator: "\n").first { $0.contains("old") } ?? ""
        let fresh = list.stdout.split(separator: "\n").first { $0.contains("fresh") } ?? ""
        XCTAssertTrue(old.contains("valid for") && old.contains("(login 26 days old)"), list.stdout)
        XCTAssertFalse(fresh.contains("login"), list.stdout)
        XCTAssertEqual(list.stderr, "kimi-profiles: " + warning + "\n")
    }

    func testNoWarningBelow25Days() throws {
        login("old")
        try ageLogin(of: "old", days: 24)
        let list = cli.run(["list"])
        XCTAssertEqual(list.stderr, "", list.output)
        XCTAssertFalse(list.stdout.contains("days old"), list.stdout)
    }

    func testExecWarnsBeforeTheCommandAndNotForAFreshLogin() throws {
        login("old")
        login("fresh")
        try ageLogin(of: "old", days: 26)
        let aged = cli.run(["exec", "-p", "old", "--no-proxy", "--", "/bin/sh", "-c", "echo ran >&2"])
        XCTAssertEqual(aged.status, 0, aged.output)
        XCTAssertTrue(aged.stderr.hasPrefix("kimi-profiles: " + warning + "\nran\n"), aged.stderr)

        let proxied = cli.run(["exec", "-p", "old", "--quiet", "--", "/bin/true"])
        XCTAssertEqual(proxied.status, 0, proxied.output)
        XCTAssertTrue(proxied.stderr.contains(warning), proxied.stderr)

        let fresh = cli.run(["exec", "-p", "fresh", "--no-proxy", "--", "/bin/true"])
        XCTAssertEqual(fresh.status, 0, fresh.output)
        XCTAssertFalse(fresh.stderr.contains("warning"), fresh.stderr)
    }

    func testARefreshRenewsTheLoginAndEndsTheWarning() throws {
        kimi.accessTokenLifetime = 2
        login("old")
        try ageLogin(of: "old", days: 26)
        kimi.accessTokenLifetime = 900
        let exec = cli.run(["exec", "-p", "old", "--no-proxy", "--", "/bin/true"])
        XCTAssertEqual(exec.status, 0, exec.output)
        XCTAssertEqual(kimi.successfulRefreshes, 1)
        XCTAssertFalse(exec.stderr.contains("warning"), "the refresh just issued a new refresh token: \(exec.stderr)")
        XCTAssertEqual(cli.run(["list"]).stderr, "")
    }

    func testJSONCarriesTheIssueTime() throws {
        login("old")
        try ageLogin(of: "old", days: 26)
        addKeyProfile("key", key: workKey)
        let profiles = jsonObject(cli.run(["list", "--json"]).stdout)["profiles"] as? [[String: Any]] ?? []
        let byName = Dictionary(uniqueKeysWithValues: profiles.map { ($0["name"] as? String ?? "", $0) })
        let issued = byName["old"]?["refresh_token_issued_at"] as? String ?? ""
        XCTAssertTrue(issued.hasSuffix("Z") && issued.count == 20, issued)
        XCTAssertTrue(byName["key"]?["refresh_token_issued_at"] is NSNull)
        let show = jsonObject(cli.run(["show", "old", "--json"]).stdout)
        XCTAssertEqual(show["refresh_token_issued_at"] as? String, issued)
        let text = cli.run(["show", "old"]).stdout
        XCTAssertTrue(text.contains("logged in:") && text.contains("26 days ago"), text)
        XCTAssertEqual(cli.run(["list", "--json"]).stderr, "", "no warning mixed into JSON runs")
    }
}
