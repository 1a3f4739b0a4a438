import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Issue 7 item 2: many processes of the built binary on one home at once, and the single-refresher
/// guarantee with an `exec` proxy and CLI processes racing.
final class ConcurrencyEndToEndTests: FakeKimiTestCase {
    /// API-key profiles: name → key. "k1" is added first and so starts active.
    let keys = [
        "k1": "sk-kimi-K1k1k1k1k10123456789abcdefSECRET",
        "k2": "sk-kimi-K2k2k2k2k20123456789abcdefSECRET",
        "k3": "sk-kimi-K3k3k3k3k30123456789abcdefSECRET",
    ]
    /// Profiles that renames move between "swapN-a" and "swapN-b"; they start as "-a".
    let swapGroups = 3

    func swapKey(_ group: Int) -> String { "sk-kimi-SWAP\(group)swapswap0123456789abcSECRET" }

    /// Adds an API-key profile whose base URL is the fake, so nothing can reach the real Kimi.
    func addLocalKey(_ name: String, key: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = cli.run(["add", name, "--api-key-stdin", "--base-url", server.url + "/coding/v1"], stdin: key + "\n")
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
    }

    func loginOAuth(_ name: String) {
        let login = cli.run(
            ["add", name, "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output)
    }

    /// Runs every argument list as its own process, each from its own thread, all at once.
    func runAllAtOnce(_ commands: [[String]], timeout: Double = 120) -> [(arguments: [String], result: BinaryRunner.Result)] {
        let collected = Collected()
        let group = DispatchGroup()
        let gate = StartGate()
        let runner = cli!
        for arguments in commands {
            group.enter()
            Thread.detachNewThread {
                gate.wait()
                collected.append((arguments, runner.run(arguments, timeout: 90)))
                group.leave()
            }
        }
        usleep(100_000)
        gate.open()
        XCTAssertEqual(group.wait(timeout: .now() + timeout), .success, "every process ended")
        return collected.all
    }

    /// Holds every thread until `open()`, so the processes start together.
    final class StartGate: @unchecked Sendable {
        private let condition = NSCondition()
        private var isOpen = false

        func wait() {
            condition.lock()
            while !isOpen { condition.wait() }
            condition.unlock()
        }

        func open() {
            condition.lock()
            isOpen = true
            condition.broadcast()
            condition.unlock()
        }
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(arguments: [String], result: BinaryRunner.Result)] = []
        func append(_ item: (arguments: [String], result: BinaryRunner.Result)) { lock.withLock { items.append(item) } }
        var all: [(arguments: [String], result: BinaryRunner.Result)] { lock.withLock { items } }
    }

    /// Fifty processes mix `token`, `list`, `use`, `rename` and `exec` on one home.
    func testFiftyProcessesMixingCommandsLoseNothing() throws {
        kimi.accessTokenLifetime = 2
        for name in ["k1", "k2", "k3"] { addLocalKey(name, key: keys[name]!) }
        for group in 0..<swapGroups { addLocalKey("swap\(group)-a", key: swapKey(group)) }
        loginOAuth("work")
        // Every refreshed token lives 120 s, under the 300 s margin, so each `token` that starts
        // after a refresh ended refreshes again; the delay makes the refreshes overlap.
        kimi.accessTokenLifetime = 120
        kimi.refreshDelay = 0.3

        var commands: [[String]] = []
        commands += Array(repeating: ["token", "-p", "work"], count: 12)
        for name in ["k1", "k2", "k3"] { commands += Array(repeating: ["token", "-p", name], count: 2) }
        commands += Array(repeating: ["list"], count: 3) + Array(repeating: ["list", "--json"], count: 3)
        for name in ["k1", "k2", "k3"] { commands += Array(repeating: ["use", name], count: 2) }
        for group in 0..<swapGroups {
            commands += Array(repeating: ["rename", "swap\(group)-a", "swap\(group)-b"], count: 2)
            commands += Array(repeating: ["rename", "swap\(group)-b", "swap\(group)-a"], count: 2)
        }
        commands += Array(repeating: ["exec", "-p", "k1", "--quiet", "--", "/bin/true"], count: 4)
        commands += Array(repeating: ["exec", "-p", "k2", "--quiet", "--", "/bin/true"], count: 4)
        XCTAssertEqual(commands.count, 50)

        let outcomes = runAllAtOnce(commands.shuffled())
        XCTAssertEqual(outcomes.count, 50)

        var oauthTokens: [String] = []
        var renamesDone = Array(repeating: 0, count: swapGroups)
        for (arguments, result) in outcomes {
            let shown = "\(arguments.joined(separator: " ")) → \(result.status): \(result.output)"
            XCTAssertFalse(result.signaled, shown)
            XCTAssertFalse(result.output.lowercased().contains("database is locked"), shown)
            XCTAssertFalse(result.output.lowercased().contains("busy"), shown)
            switch arguments[0] {
            case "token":
                XCTAssertEqual(result.status, 0, shown)
                let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                if arguments[2] == "work" {
                    XCTAssertTrue(token.hasPrefix("at-"), shown)
                    oauthTokens.append(token)
                } else {
                    XCTAssertEqual(token, keys[arguments[2]], shown)
                }
            case "rename":
                // Exactly one of swapN-a and swapN-b exists at any moment, so "already exists"
                // cannot happen; a rename whose source a concurrent rename just moved fails with 3.
                let group = Int(arguments[1].dropFirst(4).prefix(while: \.isNumber))!
                if result.status == 0 {
                    renamesDone[group] += 1
                } else {
                    XCTAssertEqual(result.status, 3, shown)
                    XCTAssertTrue(result.stderr.contains("no profile named '\(arguments[1])'"), shown)
                }
            default:
                XCTAssertEqual(result.status, 0, shown)
            }
        }

        // The single-refresher guarantee: every refresh that succeeded handed out its token, no
        // token came from anywhere else, and no refresh token was presented twice.
        XCTAssertEqual(oauthTokens.count, 12)
        XCTAssertGreaterThanOrEqual(kimi.successfulRefreshes, 1)
        XCTAssertEqual(Set(oauthTokens).count, kimi.successfulRefreshes, "distinct tokens == successful refreshes")
        XCTAssertEqual(kimi.refreshCount, kimi.successfulRefreshes, "no refresh token was reused")

        // Afterwards: the vault opens, every profile is there and every credential opens.
        let list = cli.run(["list", "--json"])
        XCTAssertEqual(list.status, 0, list.output)
        let names = Set(((jsonObject(list.stdout)["profiles"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        var expected: Set<String> = ["k1", "k2", "k3", "work"]
        for group in 0..<swapGroups {
            // No lost update: each successful rename toggled the name once.
            expected.insert("swap\(group)-" + (renamesDone[group] % 2 == 0 ? "a" : "b"))
        }
        XCTAssertEqual(names, expected, "renames done: \(renamesDone)")
        for name in ["k1", "k2", "k3"] {
            XCTAssertEqual(cli.run(["token", "-p", name]).stdout, keys[name]! + "\n")
        }
        for group in 0..<swapGroups {
            let name = "swap\(group)-" + (renamesDone[group] % 2 == 0 ? "a" : "b")
            XCTAssertEqual(cli.run(["token", "-p", name]).stdout, swapKey(group) + "\n", name)
        }
        kimi.refreshDelay = 0
        let token = cli.run(["token", "-p", "work"])
        XCTAssertEqual(token.status, 0, token.output)
        XCTAssertTrue(token.stdout.hasPrefix("at-"), token.output)
        XCTAssertEqual(kimi.refreshCount, kimi.successfulRefreshes, "the refresh chain is intact")
        let current = cli.run(["current"])
        XCTAssertEqual(current.status, 0, current.output)
        XCTAssertTrue(["k1", "k2", "k3"].contains { current.stdout.contains($0) }, current.output)
    }

    /// An `exec` proxy refreshing on the requests sent through it races CLI `token` processes:
    /// the fake never sees a refresh token twice.
    func testTheProxyAndCLIProcessesNeverReuseARefreshToken() throws {
        kimi.accessTokenLifetime = 2
        loginOAuth("work")
        kimi.accessTokenLifetime = 120
        kimi.refreshDelay = 0.2
        let session = try startSession(["-p", "work", "--quiet"])
        defer { end(session) }
        XCTAssertEqual(session.secret.count, 64)

        let failures = FailureList()
        let tokens = ConcurrentResults()
        let group = DispatchGroup()
        for index in 0..<18 {
            group.enter()
            if index % 2 == 0 {
                Thread.detachNewThread {
                    defer { group.leave() }
                    for _ in 0..<3 {
                        let response = try? ProxyEndToEndTests.send(session)
                        if response?.status != 200 { failures.append("proxy request: \(response?.status ?? -1)") }
                    }
                }
            } else {
                let runner = cli!
                Thread.detachNewThread {
                    defer { group.leave() }
                    tokens.append(runner.run(["token", "-p", "work"], timeout: 90))
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(failures.all, [])
        let all = tokens.all
        XCTAssertEqual(all.count, 9)
        for result in all {
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertFalse(result.output.contains("database is locked"), result.output)
            XCTAssertTrue(result.stdout.hasPrefix("at-"), result.output)
        }
        XCTAssertGreaterThanOrEqual(kimi.successfulRefreshes, 2)
        XCTAssertEqual(kimi.refreshCount, kimi.successfulRefreshes, "no refresh token was presented twice")
        XCTAssertEqual(kimi.rejectedAPIRequests, 0)
        XCTAssertFalse(kimi.presentedCredentials.contains(session.secret), "the session secret never reached Kimi")
        XCTAssertTrue(kimi.presentedCredentials.allSatisfy { $0.hasPrefix("at-") })
    }
}
