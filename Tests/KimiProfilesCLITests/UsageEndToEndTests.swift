import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// `usage` end to end (SPEC §8): the built binary against the fake Kimi on 127.0.0.1, with
/// `TZ=UTC` so that local clock times are deterministic.
final class UsageEndToEndTests: EndToEndTestCase {
    var kimi: FakeKimi!
    var server: FakeKimiServer!

    /// A key the fake refuses (it accepts only `sk-kimi-…`), stored with a warning by `add`.
    let refusedKey = "moonshot-REFUSEDrefused0123456789SECRET"

    override func setUpWithError() throws {
        try super.setUpWithError()
        kimi = FakeKimi()
        server = try FakeKimiServer(kimi)
    }

    override func setUp() {
        super.setUp()
        cli.environment["TZ"] = "UTC"
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    /// Adds an API-key profile whose base URL is the fake (or `path` on it).
    func addKey(_ name: String, key: String, path: String = "/coding/v1", file: StaticString = #filePath, line: UInt = #line) {
        let result = cli.run(["add", name, "--api-key-stdin", "--base-url", server.url + path], stdin: key + "\n")
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    /// `add NAME` through the device flow against the fake, with no browser.
    func login(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = cli.run(
            ["add", name, "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    /// The first line of `text` that contains `needle`.
    func line(containing needle: String, in text: String) -> String? {
        text.split(separator: "\n").map(String.init).first { $0.contains(needle) }
    }

    func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// Asserts that no key of this file appears in `text`.
    func assertNoKeys(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        assertNoSecrets(text, file: file, line: line)
        XCTAssertFalse(text.contains(refusedKey), "a secret leaked into: \(text)", file: file, line: line)
    }

    // MARK: Text output

    func testUsageShowsThePlanEachWindowItsResetAndTheProjection() {
        addKey("work", key: workKey)
        let result = cli.run(["usage", "-p", "work"])
        XCTAssertEqual(result.status, 0, result.output)
        let out = result.stdout
        XCTAssertEqual(out.split(separator: "\n").first, "work — Intermediate", out)

        let weekly = line(containing: "7-day", in: out) ?? ""
        XCTAssertTrue(weekly.contains("[#####..............."), weekly)
        XCTAssertTrue(weekly.contains("26% used, 74% left"), weekly)
        XCTAssertTrue(weekly.contains("(26/100)"), weekly)
        // Reset in 3 days and some hours: not today, so the day is named.
        XCTAssertTrue(
            matches(weekly, #"resets (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d, in 3d [0-9]+h$"#), weekly)

        let fiveHour = line(containing: "5-hour", in: out) ?? ""
        XCTAssertTrue(fiveHour.contains("[###................."), fiveHour)
        XCTAssertTrue(fiveHour.contains("15% used, 85% left"), fiveHour)
        XCTAssertTrue(matches(fiveHour, #"resets ([A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} )?\d\d:\d\d, in 2h (29|30)m$"#), fiveHour)

        // Both windows have a projection line; the first fetch cannot project yet.
        XCTAssertEqual(out.components(separatedBy: "needs two fetches").count - 1, 2, out)
        XCTAssertTrue(out.contains("parallel requests: up to 10"), out)
        XCTAssertFalse(out.contains("extra usage"), "the fake has no booster wallet")
        XCTAssertFalse(result.output.contains("\u{1B}["), "no colour when not a terminal")
        XCTAssertEqual(result.stderr, "")
        assertNoKeys(result.output)

        let headers = kimi.headers(of: "/coding/v1/usages")
        XCTAssertEqual(headers.count, 1)
        XCTAssertEqual(headers.first?["authorization"], "Bearer " + workKey)
        XCTAssertEqual(headers.first?["accept"], "application/json")
    }

    /// On a terminal (a pseudo-terminal from script(1)) the bars are coloured by the share left,
    /// unless NO_COLOR is set.
    func testColourOnATerminalOnly() throws {
        let script = "/usr/bin/script"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: script), "script(1) is not installed")
        addKey("work", key: workKey)
        var environment = cli.environment
        environment["TERM"] = "xterm"
        environment["SHELL"] = "/bin/sh"
        let command = "'\(BinaryRunner.executable)' usage"
        let coloured = BinaryRunner.launch(script, ["-qec", command, "/dev/null"], environment: environment, cwd: folder.path)
        XCTAssertEqual(coloured.status, 0, coloured.output)
        XCTAssertTrue(coloured.stdout.contains("\u{1B}[1mwork\u{1B}[0m — Intermediate"), coloured.stdout)
        XCTAssertTrue(coloured.stdout.contains("\u{1B}[32m[#####...............]\u{1B}[0m"), coloured.stdout)
        XCTAssertTrue(coloured.stdout.contains("\u{1B}[32m26% used, 74% left\u{1B}[0m"), coloured.stdout)
        XCTAssertTrue(coloured.stdout.contains("\u{1B}[32m15% used, 85% left\u{1B}[0m"), coloured.stdout)
        assertNoKeys(coloured.output)

        environment["NO_COLOR"] = "1"
        let plain = BinaryRunner.launch(script, ["-qec", command, "/dev/null"], environment: environment, cwd: folder.path)
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertTrue(plain.stdout.contains("26% used, 74% left"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("\u{1B}["), plain.stdout)
    }

    func testTheActiveProfileIsUsedWithoutAnOption() {
        addKey("work", key: workKey)
        addKey("personal", key: personalKey)
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.hasPrefix("work — Intermediate\n"), result.stdout)
        XCTAssertFalse(result.stdout.contains("personal"), result.stdout)
        XCTAssertEqual(kimi.headers(of: "/coding/v1/usages").count, 1)
    }

    func testExtraUsageIsShownWhenTheWalletIsEnabled() throws {
        addKey("work", key: workKey)
        // 99 700 000 millionths of a cent is 99.7 cents: shown rounded, as 1.00.
        server.boosterWallet = """
            {"balance":{"type":"BOOSTER","amount":"2500000000","amountLeft":"99700000"},
             "monthlyChargeLimitEnabled":true,"monthlyChargeLimit":{"priceInCents":"5000","currency":"CNY"},
             "monthlyUsed":{"priceInCents":"1250","currency":"CNY"}}
            """
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(
            line(containing: "extra usage", in: result.stdout),
            "  extra usage: balance 1.00 CNY, 12.50 CNY used this month of 50.00", result.stdout)

        let json = cli.run(["usage", "--json"])
        XCTAssertEqual(json.status, 0, json.output)
        let profile = try XCTUnwrap((jsonObject(json.stdout)["profiles"] as? [[String: Any]])?.first)
        let extra = try XCTUnwrap(profile["extra_usage"] as? [String: Any], "\(profile)")
        XCTAssertEqual(extra["balance_cents"] as? Double, 99.7)
        XCTAssertEqual(extra["monthly_limit_cents"] as? Int, 5000)
        XCTAssertEqual(extra["monthly_used_cents"] as? Int, 1250)
        XCTAssertEqual(extra["currency"] as? String, "CNY")
    }

    // MARK: JSON

    func testJSONHasTheDocumentedShape() throws {
        addKey("work", key: workKey)
        let result = cli.run(["usage", "--json"])
        XCTAssertEqual(result.status, 0, result.output)
        assertNoKeys(result.output)
        let root = jsonObject(result.stdout)
        XCTAssertEqual(Set(root.keys), ["profiles"])
        let profiles = try XCTUnwrap(root["profiles"] as? [[String: Any]])
        XCTAssertEqual(profiles.count, 1)
        let profile = profiles[0]
        XCTAssertEqual(
            Set(profile.keys), ["name", "ok", "plan", "level", "parallel_limit", "windows", "extra_usage", "fetched_at"])
        XCTAssertEqual(profile["name"] as? String, "work")
        XCTAssertEqual(profile["ok"] as? Bool, true)
        XCTAssertEqual(profile["plan"] as? String, "Intermediate")
        XCTAssertEqual(profile["level"] as? String, "LEVEL_INTERMEDIATE")
        XCTAssertEqual(profile["parallel_limit"] as? Int, 10)
        XCTAssertTrue(profile["extra_usage"] is NSNull, "\(profile["extra_usage"] ?? "missing")")
        let fetchedAt = try XCTUnwrap(profile["fetched_at"] as? String)
        XCTAssertTrue(matches(fetchedAt, #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#), fetchedAt)
        XCTAssertLessThan(abs(try XCTUnwrap(Timestamp.parse(fetchedAt)) - Date().timeIntervalSince1970), 60)

        let windows = try XCTUnwrap(profile["windows"] as? [[String: Any]])
        XCTAssertEqual(windows.count, 2)
        let fields: Set<String> = [
            "key", "name", "seconds", "limit", "used", "remaining", "used_percent", "resets_at", "projection",
        ]
        for window in windows { XCTAssertEqual(Set(window.keys), fields) }
        let weekly = windows[0]
        XCTAssertEqual(weekly["key"] as? String, "weekly")
        XCTAssertEqual(weekly["name"] as? String, "7-day")
        XCTAssertEqual(weekly["seconds"] as? Int, 604_800)
        XCTAssertEqual(weekly["limit"] as? Int, 100)
        XCTAssertEqual(weekly["used"] as? Int, 26)
        XCTAssertEqual(weekly["remaining"] as? Int, 74)
        XCTAssertEqual(weekly["used_percent"] as? Int, 26)
        let weeklyReset = try XCTUnwrap(weekly["resets_at"] as? String)
        XCTAssertEqual(weeklyReset, server.weeklyReset.rfc3339, "whole seconds, UTC")
        let projection = try XCTUnwrap(weekly["projection"] as? [String: Any])
        XCTAssertEqual(projection["status"] as? String, "unknown")
        XCTAssertTrue((projection["reason"] as? String)?.contains("needs two fetches") == true, "\(projection)")

        let fiveHour = windows[1]
        XCTAssertEqual(fiveHour["key"] as? String, "18000s")
        XCTAssertEqual(fiveHour["name"] as? String, "5-hour")
        XCTAssertEqual(fiveHour["seconds"] as? Int, 18_000)
        XCTAssertEqual(fiveHour["used"] as? Int, 15)
        XCTAssertEqual(fiveHour["remaining"] as? Int, 85)
        XCTAssertEqual(fiveHour["used_percent"] as? Int, 15)
        XCTAssertEqual(fiveHour["resets_at"] as? String, server.fiveHourReset.rfc3339)
        XCTAssertEqual((fiveHour["projection"] as? [String: Any])?["status"] as? String, "unknown")

        // Numbers are JSON numbers, not strings as Kimi sends them.
        XCTAssertTrue(matches(result.stdout, #""seconds" ?: ?604800"#), result.stdout)
        XCTAssertTrue(matches(result.stdout, #""used" ?: ?26[,\n]"#), result.stdout)
        XCTAssertFalse(result.stdout.contains("\"26\""), result.stdout)
    }

    // MARK: Several profiles and failures

    func testAllShowsEveryProfileAndNamesTheOneThatFailed() throws {
        addKey("work", key: workKey)
        addKey("broken", key: refusedKey)
        let result = cli.run(["usage", "--all"])
        XCTAssertEqual(result.status, 1, result.output)
        assertNoKeys(result.output)
        let out = result.stdout
        XCTAssertTrue(out.contains("work — Intermediate"), out)
        XCTAssertTrue(line(containing: "7-day", in: out)?.contains("26% used, 74% left") == true, out)
        XCTAssertTrue(line(containing: "5-hour", in: out)?.contains("15% used, 85% left") == true, out)
        let failed = try XCTUnwrap(line(containing: "failed:", in: out), out)
        XCTAssertTrue(failed.hasPrefix("broken: failed: "), failed)
        XCTAssertTrue(failed.contains("refused") && failed.contains("401"), failed)
        XCTAssertFalse(failed.contains("Intermediate"), "the failure is on its own line")
        XCTAssertEqual(kimi.headers(of: "/coding/v1/usages").count, 2)

        let json = cli.run(["usage", "--all", "--json"])
        XCTAssertEqual(json.status, 1, json.output)
        assertNoKeys(json.output)
        let profiles = try XCTUnwrap(jsonObject(json.stdout)["profiles"] as? [[String: Any]])
        XCTAssertEqual(profiles.map { $0["name"] as? String }, ["broken", "work"], "sorted by name")
        let broken = profiles[0]
        XCTAssertEqual(broken["ok"] as? Bool, false)
        XCTAssertEqual(broken["exit_status"] as? Int, 1)
        XCTAssertTrue((broken["error"] as? String)?.contains("401") == true, "\(broken)")
        XCTAssertNil(broken["windows"])
        let work = profiles[1]
        XCTAssertEqual(work["ok"] as? Bool, true)
        XCTAssertEqual((work["windows"] as? [[String: Any]])?.count, 2)

        // One profile alone: the error on stderr, nothing on stdout.
        let single = cli.run(["usage", "-p", "broken"])
        XCTAssertEqual(single.status, 1, single.output)
        XCTAssertEqual(single.stdout, "")
        XCTAssertTrue(single.stderr.contains("kimi-profiles: error: Kimi refused the credential of profile 'broken' (HTTP 401)"), single.stderr)
        XCTAssertTrue(single.stderr.contains("hint: check the key"), single.stderr)
        assertNoKeys(single.output)
    }

    func testA404SaysTheCredentialIsNotAKimiForCodingOne() {
        addKey("other", key: workKey, path: "/other/v1")
        let result = cli.run(["usage", "-p", "other"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.stderr.contains("not a Kimi for Coding credential"), result.stderr)
        assertNoKeys(result.output)

        addKey("work", key: workKey)
        let all = cli.run(["usage", "--all"])
        XCTAssertEqual(all.status, 1, all.output)
        XCTAssertTrue(
            line(containing: "failed:", in: all.stdout)?.hasPrefix("other: failed: ") == true
                && all.stdout.contains("not a Kimi for Coding credential"), all.stdout)
        XCTAssertTrue(all.stdout.contains("work — Intermediate"), all.stdout)
    }

    // MARK: OAuth

    func testARefusedOAuthTokenIsRefreshedOnceAndRetried() {
        login("work")
        kimi.expireAccessTokens()  // the stored token still looks fresh here
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("26% used, 74% left"), result.stdout)
        XCTAssertEqual(kimi.successfulRefreshes, 1)
        XCTAssertEqual(kimi.rejectedAPIRequests, 1, "the first request was refused, the retry was not")
        XCTAssertEqual(kimi.headers(of: "/coding/v1/usages").count, 2)
        XCTAssertFalse(result.output.contains("at-"), "no access token in the output")

        let again = cli.run(["usage"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(kimi.successfulRefreshes, 1, "the refreshed token was stored and is reused")
    }

    func testARevokedOAuthLoginIsExit4WithTheLoginHint() throws {
        login("work")
        kimi.revokeAll()
        kimi.expireAccessTokens()
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 4, result.output)
        XCTAssertTrue(result.stderr.contains("kimi-profiles login work"), result.stderr)
        XCTAssertEqual(kimi.successfulRefreshes, 0)
        let list = jsonObject(cli.run(["list", "--json"]).stdout)
        XCTAssertEqual(((list["profiles"] as? [[String: Any]])?.first)?["state"] as? String, "login-required")

        let json = cli.run(["usage", "--json"])
        XCTAssertEqual(json.status, 4, json.output)
        let profile = try XCTUnwrap((jsonObject(json.stdout)["profiles"] as? [[String: Any]])?.first)
        XCTAssertEqual(profile["ok"] as? Bool, false)
        XCTAssertEqual(profile["exit_status"] as? Int, 4)
    }

    // MARK: Recording

    func testEachFetchIsRecordedInTheVault() throws {
        addKey("work", key: workKey)
        let started = Date().timeIntervalSince1970
        XCTAssertEqual(cli.run(["usage"]).status, 0)
        let second = cli.run(["usage"])
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.stdout.contains("needs two fetches"), "two fetches less than a minute apart still cannot project")

        let vault = try XCTUnwrap(try Vault.open(home: HomeFolder(path: cli.home), create: false))
        let profile = try XCTUnwrap(try vault.profile(named: "work"))
        let weekly = try vault.usageSamples(for: profile, window: "weekly")
        XCTAssertEqual(weekly.count, 2)
        for sample in weekly {
            XCTAssertEqual(sample.used, 26)
            XCTAssertEqual(sample.limit, 100)
            XCTAssertEqual(sample.resetsAt.map { Int64($0) }, server.weeklyReset.seconds)
            XCTAssertGreaterThanOrEqual(sample.at, started - 1)
            XCTAssertLessThanOrEqual(sample.at, Date().timeIntervalSince1970 + 1)
        }
        XCTAssertLessThan(weekly[0].at, weekly[1].at, "oldest first")
        let fiveHour = try vault.usageSamples(for: profile, window: "18000s")
        XCTAssertEqual(fiveHour.map(\.used), [15, 15])
    }

    /// Samples recorded before the run set the pace: only those of the current period from the
    /// last 3 hours count.
    func testTheProjectionFollowsTheRecentPace() throws {
        addKey("work", key: workKey)
        let now = Date().timeIntervalSince1970
        let weeklyReset = Double(server.weeklyReset.seconds) + 0.757941
        let fiveHourReset = Double(server.fiveHourReset.seconds) + 0.757941
        func report(weekly: Double, fiveHour: Double, weeklyReset: Double) -> UsageReport {
            UsageReport(
                level: "LEVEL_INTERMEDIATE",
                windows: [
                    UsageWindow(
                        key: "weekly", name: "7-day", seconds: 604_800, limit: 100, used: weekly, remaining: 100 - weekly,
                        resetsAt: weeklyReset),
                    UsageWindow(
                        key: "18000s", name: "5-hour", seconds: 18_000, limit: 100, used: fiveHour,
                        remaining: 100 - fiveHour, resetsAt: fiveHourReset),
                ])
        }
        do {
            let vault = try XCTUnwrap(try Vault.open(home: HomeFolder(path: cli.home), create: false))
            let profile = try XCTUnwrap(try vault.profile(named: "work"))
            // Ignored: the previous weekly period, and a sample older than 3 hours.
            try vault.recordUsage(report(weekly: 90, fiveHour: 0, weeklyReset: weeklyReset - 604_800), for: profile, at: now - 7200)
            try vault.recordUsage(report(weekly: 0, fiveHour: 0, weeklyReset: weeklyReset), for: profile, at: now - 4 * 3600)
            // Counted: 6 units of the weekly quota and 5 of the 5-hour one in the last 30 minutes.
            try vault.recordUsage(report(weekly: 20, fiveHour: 10, weeklyReset: weeklyReset), for: profile, at: now - 1800)
        }
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 0, result.output)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let weekly = try XCTUnwrap(lines.firstIndex { $0.contains("7-day") }, result.stdout)
        let fiveHour = try XCTUnwrap(lines.firstIndex { $0.contains("5-hour") }, result.stdout)
        // 74 left at 12 an hour runs out in about 6 h 10 min, long before the reset in 3 d 4 h.
        XCTAssertTrue(
            matches(lines[weekly + 1], #"^ {10}at the recent pace it runs out at \d\d:\d\d, 2d 2[01]h before the reset$"#)
                || matches(lines[weekly + 1], #"^ {10}at the recent pace it runs out at [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d\d:\d\d, 2d 2[01]h before the reset$"#),
            lines[weekly + 1])
        // 85 left at 10 an hour lasts 8.5 hours, past the reset in 2.5.
        XCTAssertEqual(lines[fiveHour + 1], "          at the recent pace it lasts until the reset")

        let json = cli.run(["usage", "--json"])
        let profile = try XCTUnwrap((jsonObject(json.stdout)["profiles"] as? [[String: Any]])?.first)
        let windows = try XCTUnwrap(profile["windows"] as? [[String: Any]])
        let projection = try XCTUnwrap(windows[0]["projection"] as? [String: Any])
        XCTAssertEqual(projection["status"] as? String, "runs-out", "\(projection)")
        let runsOut = try XCTUnwrap(Timestamp.parse(try XCTUnwrap(projection["runs_out_at"] as? String)))
        XCTAssertEqual(runsOut, now + 74 * 300, accuracy: 120)
        let before = try XCTUnwrap(projection["seconds_before_reset"] as? Int)
        XCTAssertEqual(Double(before), weeklyReset - runsOut, accuracy: 2)
        XCTAssertEqual((windows[1]["projection"] as? [String: Any])?["status"] as? String, "lasts-until-reset")
    }

    func testAFailedFetchRecordsNothing() throws {
        addKey("broken", key: refusedKey)
        XCTAssertEqual(cli.run(["usage", "-p", "broken"]).status, 1)
        let vault = try XCTUnwrap(try Vault.open(home: HomeFolder(path: cli.home), create: false))
        let profile = try XCTUnwrap(try vault.profile(named: "broken"))
        XCTAssertEqual(try vault.usageSamples(for: profile, window: "weekly"), [])
    }

    // MARK: Usage errors

    func testProfileAndAllTogetherIsAUsageError() {
        addKey("work", key: workKey)
        let result = cli.run(["usage", "-p", "work", "--all"])
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertTrue(result.stderr.contains("usage: kimi-profiles usage"), result.stderr)
        XCTAssertEqual(kimi.headers(of: "/coding/v1/usages").count, 0)
        XCTAssertEqual(cli.run(["usage", "extra"]).status, 2)
    }

    func testNoProfilesIsExit3() {
        let result = cli.run(["usage"])
        XCTAssertEqual(result.status, 3, result.output)
        XCTAssertTrue(result.stderr.contains("no profile selected"), result.stderr)
        XCTAssertEqual(cli.run(["usage", "--all"]).status, 3)
        XCTAssertEqual(cli.run(["usage", "-p", "nobody"]).status, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: vaultPath), "usage creates no vault")
    }
}

/// The fake's reset times in the forms the tests compare.
struct UsageReset {
    let seconds: Int64
    var rfc3339: String { FakeKimi.rfc3339(Double(seconds)) }
}

extension FakeKimiServer {
    var weeklyReset: UsageReset { UsageReset(seconds: Int64(kimi.weeklyResetAt)) }
    var fiveHourReset: UsageReset { UsageReset(seconds: Int64(kimi.fiveHourResetAt)) }
    var boosterWallet: String? {
        get { kimi.boosterWallet }
        set { kimi.boosterWallet = newValue }
    }
}
