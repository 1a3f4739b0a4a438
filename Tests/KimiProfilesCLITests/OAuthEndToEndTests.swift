import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Device flow and refresh end to end: the built binary against the fake Kimi on 127.0.0.1.
final class OAuthEndToEndTests: FakeKimiTestCase {
    /// `add NAME` through the device flow against the fake, with no browser.
    @discardableResult
    func login(_ name: String, _ extra: [String] = [], environment: [String: String?] = [:]) -> BinaryRunner.Result {
        cli.run(
            ["add", name, "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"] + extra,
            environment: environment)
    }

    func testDeviceFlowApprovedStoresAnOAuthProfile() {
        kimi.decision = .approveAfter(polls: 2)
        let result = login("work", ["--client-id", "test-client"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("KIMI-0001"), result.stderr)
        XCTAssertTrue(result.stderr.contains("https://www.kimi.com/code/authorize_device"), result.stderr)
        XCTAssertFalse(result.stderr.contains("dc-"), "the device code is never printed")
        XCTAssertEqual(kimi.devicePolls, 2)

        let profile = ((jsonObject(cli.run(["list", "--json"]).stdout)["profiles"] as? [[String: Any]]) ?? []).first
        XCTAssertEqual(profile?["kind"] as? String, "oauth")
        XCTAssertEqual(profile?["state"] as? String, "valid")
        XCTAssertEqual(profile?["client_id"] as? String, "test-client")
        XCTAssertEqual(profile?["oauth_host"] as? String, server.url)

        let token = cli.run(["token"])
        XCTAssertEqual(token.status, 0, token.output)
        XCTAssertTrue(token.stdout.hasPrefix("at-"), token.stdout)
        XCTAssertEqual(kimi.refreshCount, 0, "a fresh token needs no refresh")

        let env = environmentLines(cli.run(["exec", "--no-proxy", "--", "/usr/bin/env"]).stdout)
        XCTAssertEqual(env["KIMI_API_KEY"], String(token.stdout.dropLast()))
        XCTAssertEqual(env["KIMI_CLIENT_ID"], "test-client")
        XCTAssertEqual(env["KIMI_BASE_URL"], server.url + "/coding/v1")

        let headers = kimi.headers(of: "/api/oauth/token").first ?? [:]
        XCTAssertEqual(headers["user-agent"], "kimi-profiles/\(KimiProfilesVersion.current)")
        XCTAssertEqual(headers["x-msh-platform"], "kimi_profiles")
        XCTAssertEqual(headers["x-msh-device-id"]?.count, 32)
    }

    func testClientIDComesFromTheEnvironmentThenTheBuiltInOne() {
        kimi.knownClients = ["from-env"]
        XCTAssertEqual(login("a", environment: ["KIMI_CLIENT_ID": "from-env"]).status, 0)
        kimi.knownClients = [Region.builtInClientID]
        XCTAssertEqual(login("b").status, 0)
        let ids = ((jsonObject(cli.run(["list", "--json"]).stdout)["profiles"] as? [[String: Any]]) ?? [])
            .map { $0["client_id"] as? String }
        XCTAssertEqual(ids, ["from-env", Region.builtInClientID])
    }

    func testAnUnknownClientIDIsNamedWithTheFix() {
        let result = login("work", ["--client-id", "nope"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.stderr.contains("client id 'nope'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--client-id") && result.stderr.contains("KIMI_CLIENT_ID"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: vaultPath))
    }

    func testDeniedStopsAndStoresNothing() {
        addKeyProfile("existing", key: workKey)
        let before = fileBytes(vaultPath)
        kimi.decision = .denyAfter(polls: 1)
        let result = login("work")
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.stderr.contains("denied"), result.stderr)
        XCTAssertEqual(fileBytes(vaultPath), before)
    }

    func testAnExpiredCodeStartsOverWithANewOne() {
        kimi.decision = .expireCodes(1)
        let result = login("work")
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(kimi.codesRequested, 2)
        XCTAssertTrue(result.stderr.contains("KIMI-0002"), result.stderr)
        XCTAssertTrue(result.stderr.contains("new one"), result.stderr)
    }

    func testCodesThatKeepExpiringGiveUpAfterThree() {
        kimi.decision = .expireCodes(5)
        let result = login("work")
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertEqual(kimi.codesRequested, 3)
        XCTAssertTrue(result.stderr.contains("expired 3 times"), result.stderr)
    }

    func testSlowDownIsHonoured() {
        kimi.decision = .slowDownThenApprove(slowDowns: 1)
        let started = Date()
        let result = login("work")
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stderr.contains("every 6 s"), result.stderr)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 6, "the next poll waited the longer interval")
    }

    func testInterruptDuringLoginLeavesTheVaultAsItWas() throws {
        addKeyProfile("existing", key: workKey)
        let before = fileBytes(vaultPath)
        kimi.decision = .never
        let errorFile = folder.url("login.err")
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryRunner.executable)
        process.arguments = ["add", "work", "--oauth-host", server.url, "--no-browser"]
        process.environment = cli.environment
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while kimi.devicePolls < 1 && Date() < deadline { usleep(50_000) }
        XCTAssertGreaterThanOrEqual(kimi.devicePolls, 1, "the login started polling")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(fileBytes(vaultPath), before, "the vault is as it was")
        XCTAssertEqual(cli.run(["token", "-p", "work"]).status, 3)
    }

    func testAnExpiringTokenIsRefreshedOnce() {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        let first = cli.run(["token"]).stdout
        kimi.accessTokenLifetime = 900
        let token = cli.run(["token"])
        XCTAssertEqual(token.status, 0, token.output)
        XCTAssertEqual(kimi.successfulRefreshes, 2, "each token call found a 2-second token and refreshed it")
        XCTAssertNotEqual(token.stdout, first)
        XCTAssertEqual(cli.run(["token"]).stdout, token.stdout, "a fresh 900-second token is reused")
        XCTAssertEqual(kimi.successfulRefreshes, 2)
    }

    func testARejectedRefreshTokenIsExit4AndLoginRepairsIt() {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        kimi.revokeAll()
        let token = cli.run(["token"])
        XCTAssertEqual(token.status, 4, token.output)
        XCTAssertTrue(token.stderr.contains("kimi-profiles login work"), token.stderr)
        let list = cli.run(["list", "--json"])
        XCTAssertEqual(list.status, 0, "the vault stays readable")
        XCTAssertEqual(((jsonObject(list.stdout)["profiles"] as? [[String: Any]])?.first)?["state"] as? String, "login-required")
        XCTAssertTrue(cli.run(["list"]).stdout.contains("login required"))

        kimi.accessTokenLifetime = 900
        let relogin = cli.run(["login", "work", "--no-browser"])
        XCTAssertEqual(relogin.status, 0, relogin.output)
        XCTAssertEqual(cli.run(["token"]).status, 0)
        XCTAssertEqual(((jsonObject(cli.run(["list", "--json"]).stdout)["profiles"] as? [[String: Any]])?.first)?["state"] as? String, "valid")
    }

    func testAServerErrorIsRetriedThenSucceeds() {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        kimi.inject([.json(503, #"{"error":"temporarily_unavailable"}"#)])
        let token = cli.run(["token"])
        XCTAssertEqual(token.status, 0, token.output)
        XCTAssertEqual(kimi.successfulRefreshes, 1)
    }

    func testPersistentServerErrorsAreExit1AndKeepTheTokens() {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        let before = fileBytes(vaultPath)
        kimi.inject([.json(500, "{}"), .json(502, "<html>"), .json(503, "{}")])
        let token = cli.run(["token"])
        XCTAssertEqual(token.status, 1, token.output)
        XCTAssertEqual(kimi.refreshCount, 0)
        kimi.accessTokenLifetime = 900
        XCTAssertEqual(cli.run(["token"]).status, 0, "the refresh token still works")
        _ = before
    }

    /// Ctrl-C after Kimi has rotated the refresh token, while its reply is on the way: the
    /// process still ends by SIGINT, but only once the successor is stored, so the login lives.
    func testCtrlCDuringARefreshActsOnlyOnceTheSuccessorIsStored() throws {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        kimi.accessTokenLifetime = 900
        kimi.refreshDelay = 1.0  // the fake rotates at once, then holds its reply
        let running = try cli.start(["token", "-p", "work"])
        XCTAssertTrue(waitUntil(timeout: 30) { self.kimi.successfulRefreshes == 1 }, "the refresh reached the fake")
        kill(running.pid, SIGINT)
        let interrupted = running.wait()
        XCTAssertTrue(interrupted.signaled, interrupted.output)
        XCTAssertEqual(interrupted.status, SIGINT)

        kimi.refreshDelay = 0
        let next = cli.run(["token", "-p", "work"])
        XCTAssertEqual(next.status, 0, "the rotated token was stored before the signal acted: \(next.output)")
        XCTAssertEqual(kimi.refreshCount, 1, "the stored 900-second token needed no second refresh")
        // And the stored refresh token is the live one: a 401 from the API makes usage refresh.
        kimi.expireAccessTokens()
        let usage = cli.run(["usage", "-p", "work"])
        XCTAssertEqual(usage.status, 0, usage.output)
        XCTAssertEqual(kimi.successfulRefreshes, 2)
    }

    /// Ctrl-C during the back-off between attempts (nothing in flight) acts at once: no second
    /// attempt is made, nothing is spent, and the refresh token still works.
    func testCtrlCBetweenAttemptsActsAtOnce() throws {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        kimi.accessTokenLifetime = 900
        kimi.inject([.json(503, #"{"error":"temporarily_unavailable"}"#)])
        let running = try cli.start(["token", "-p", "work"])
        XCTAssertTrue(waitUntil(timeout: 30) { self.kimi.headers(of: "/api/oauth/token").count == 2 }, "login poll and the 503")
        usleep(200_000)  // into the 1-second back-off
        kill(running.pid, SIGINT)
        let interrupted = running.wait()
        XCTAssertTrue(interrupted.signaled, interrupted.output)
        XCTAssertEqual(interrupted.status, SIGINT)
        XCTAssertEqual(kimi.headers(of: "/api/oauth/token").count, 2, "no attempt after the back-off")
        XCTAssertEqual(kimi.refreshCount, 0)
        XCTAssertEqual(cli.run(["token", "-p", "work"]).status, 0, "the refresh token still works")
        XCTAssertEqual(kimi.successfulRefreshes, 1)
    }

    /// Twenty processes find the same token about to expire: exactly one refresh reaches the
    /// server, every process gets a token, and the chain of refresh tokens is intact after.
    func testTwentyConcurrentTokenCallsRefreshOnce() throws {
        kimi.accessTokenLifetime = 2
        XCTAssertEqual(login("work").status, 0)
        kimi.accessTokenLifetime = 120
        kimi.refreshDelay = 1.0
        let results = ConcurrentResults()
        let group = DispatchGroup()
        // A thread each (not a dispatch queue, whose pool would run a few at a time), so that
        // all twenty read the vault while the first refresh is still on its way.
        for _ in 0..<20 {
            group.enter()
            let runner = cli!
            Thread.detachNewThread {
                results.append(runner.run(["token"]))
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        let all = results.all
        XCTAssertEqual(all.count, 20)
        for result in all { XCTAssertEqual(result.status, 0, result.output) }
        XCTAssertEqual(Set(all.map(\.stdout)).count, 1, "everyone got the one new token")
        XCTAssertEqual(kimi.refreshCount, 1)
        kimi.refreshDelay = 0
        XCTAssertEqual(cli.run(["token"]).status, 0, "and the profile still refreshes afterwards")
        XCTAssertEqual(kimi.successfulRefreshes, 2)
    }

    func testDebugOutputOfALoginHoldsNoTokenOrCode() {
        kimi.accessTokenLifetime = 2
        let result = login("work", environment: ["KIMI_PROFILES_DEBUG": "1"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stderr.contains("kimi-profiles: debug: POST"), result.stderr)
        let refresh = cli.run(["token"], environment: ["DEBUG": "kimi-profiles:*"])
        XCTAssertTrue(refresh.stderr.contains("debug:"), refresh.stderr)
        let token = String(refresh.stdout.dropLast())
        XCTAssertFalse(token.isEmpty)
        let output = result.stderr + refresh.stderr
        XCTAssertFalse(output.contains(token))
        XCTAssertFalse(output.contains("at-"), "no access token")
        XCTAssertFalse(output.contains("rt-"), "no refresh token")
        XCTAssertFalse(output.contains("dc-"), "no device code")
    }

    func testTheBrowserIsOpenedWhenThereIsADisplay() throws {
        let bin = folder.makeFolder("bin")
        let record = folder.url("opened.txt")
        let opener = folder.write("bin/xdg-open", "#!/bin/sh\nprintf '%s' \"$1\" > '\(record)'\n")
        chmod(opener, 0o755)
        let result = cli.run(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1"],
            environment: ["DISPLAY": ":99", "PATH": bin + ":/usr/bin:/bin"])
        XCTAssertEqual(result.status, 0, result.output)
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: record) && Date() < deadline { usleep(20_000) }
        let opened = try String(contentsOfFile: record, encoding: .utf8)
        XCTAssertEqual(opened, "https://www.kimi.com/code/authorize_device?user_code=KIMI-0001")
        XCTAssertTrue(result.stderr.contains("opened in your browser"), result.stderr)
    }
}

final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [BinaryRunner.Result] = []
    func append(_ result: BinaryRunner.Result) { lock.withLock { results.append(result) } }
    var all: [BinaryRunner.Result] { lock.withLock { results } }
}
