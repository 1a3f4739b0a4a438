import Foundation
import KimiProfilesCLI
import KimiProfilesCore
import TestSupport
import XCTest

/// Issue 7 item 4: a refresh against a token endpoint that drips its reply slower than the
/// deadlines. The binary's deadlines (10 s connect, 20 s silence, 30 s in all, three tries)
/// would make a test of over 90 seconds, so `token` runs in process, through the `Context`'s
/// transport factory, with the same HTTP client and shorter deadlines; everything else (the
/// command, the refresher and its retries, the lock, the vault on disk, the error report) is
/// the real path. The deadlines the binary uses are pinned by their own test below.
final class SlowDripRefreshTests: FakeKimiTestCase {
    /// What the drip server saw.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var finished = 0
        func connected() { lock.withLock { count += 1 } }
        func sentWholeReply() { lock.withLock { finished += 1 } }
        var connections: Int { lock.withLock { count } }
        var wholeReplies: Int { lock.withLock { finished } }
    }

    /// Writes a valid token reply one byte every 200 ms (half a minute in all) after reading the
    /// request.
    private func dripServer(_ log: Log) -> RawTCPServer {
        RawTCPServer { socket in
            log.connected()
            guard socket.readHead() != nil else { return }
            let body = #"{"access_token":"at-drip-1","refresh_token":"rt-drip-1","expires_in":900}"#
            let reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            for byte in reply.utf8 {
                guard socket.write([byte]) else { return }
                usleep(200_000)
            }
            log.sentWholeReply()
        }
    }

    /// The sealed credential of `name`, straight from the vault file.
    private func credential(of name: String) throws -> [UInt8] {
        let database = try Database(path: vaultPath, create: false)
        let select = try database.prepare("SELECT credential FROM profiles WHERE name = ?").bind(.text(name))
        XCTAssertTrue(try select.step())
        return select.blob(at: 0)
    }

    private func setOAuthHost(_ host: String, of name: String) throws {
        let database = try Database(path: vaultPath, create: false)
        try database.prepare("UPDATE profiles SET oauth_host = ? WHERE name = ?").bind(.text(host), .text(name)).run()
    }

    func testARefreshAgainstADrippingServerFailsClearlyAndKeepsTheTokens() throws {
        kimi.accessTokenLifetime = 2  // so that `token` must refresh
        let login = cli.run(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output)
        let log = Log()
        let drip = dripServer(log)
        defer { drip.stop() }
        try setOAuthHost("http://127.0.0.1:\(drip.port)", of: "work")
        let before = try credential(of: "work")

        let stdout = folder.url("stdout")
        let stderr = folder.url("stderr")
        let out = open(stdout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(stderr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { [out, err, input].forEach { close($0) } }
        let sleeps = FailureList()
        let context = Context(
            environment: cli.environment, workingDirectory: folder.path, clock: .system,
            descriptors: Descriptors(inherited: []), stdin: Input(fd: input), stdout: Output(fd: out),
            stderr: Output(fd: err), sleeper: Sleeper { sleeps.append("\($0)") },
            makeTransport: { environment in
                HTTPClient(
                    configuration: HTTPClientConfiguration(
                        connectTimeout: 1, readTimeout: 1, totalTimeout: 1.5, userAgent: KimiProfilesVersion.userAgent,
                        environment: environment))
            })
        let started = Date()
        let status = KimiProfilesCLI.run(["token"], context: context)
        let seconds = Date().timeIntervalSince(started)

        let message = String(decoding: fileBytes(stderr), as: UTF8.self)
        XCTAssertEqual(status, 1, message)
        XCTAssertTrue(
            message.hasPrefix(
                "kimi-profiles: error: cannot reach http://127.0.0.1:\(drip.port)/api/oauth/token: "
                    + "timed out waiting for the response from 127.0.0.1\n"), message)
        XCTAssertTrue(message.contains("nothing stored was changed"), message)
        XCTAssertEqual(fileBytes(stdout), [], "no credential printed")
        XCTAssertEqual(log.connections, 3, "tried three times, as for any network error")
        XCTAssertEqual(sleeps.all, ["1.0", "2.0"], "with the usual backoff between tries")
        XCTAssertEqual(log.wholeReplies, 0, "gave up before any reply was complete")
        XCTAssertLessThan(seconds, 20, "hang guard")
        XCTAssertEqual(try credential(of: "work"), before, "the stored credential is unchanged")

        // The refresh token was never spent: pointed back at the fake, the binary refreshes.
        try setOAuthHost(server.url, of: "work")
        let repaired = cli.run(["token"])
        XCTAssertEqual(repaired.status, 0, repaired.output)
        XCTAssertEqual(kimi.successfulRefreshes, 1)
    }

    /// The deadlines every OAuth and usage request of the binary gets.
    func testTheBinarysOAuthAndUsageRequestsHaveBoundedDeadlines() throws {
        let transport = try XCTUnwrap(NetworkTransport.make(["HTTPS_PROXY": "http://proxy.invalid:3128"]) as? HTTPClient)
        XCTAssertEqual(transport.configuration.connectTimeout, 10)
        XCTAssertEqual(transport.configuration.readTimeout, 20)
        XCTAssertEqual(transport.configuration.totalTimeout, 30)
        XCTAssertEqual(transport.configuration.environment["HTTPS_PROXY"], "http://proxy.invalid:3128")
    }
}
