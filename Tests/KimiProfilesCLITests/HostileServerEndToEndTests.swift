import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Hostile servers (issue 7 item 4): the OAuth token endpoint or `/usages` served by a raw
/// loopback TCP server that misbehaves. Each case must end in a clear error (exit 1 for a
/// network or server failure), never a crash, and leave the stored credential as it was.
///
/// The binary's deadlines (NetworkTransport: 10 s to connect, 20 s of silence, 30 s in all) are
/// too long for a test to drip past here, so the slow-drip case only proves that a slow but
/// complete reply within them works; replies that drip past shorter deadlines are in
/// HTTPClientSlowDripTests and SlowDripRefreshTests.
/// OAuth requests that fail with a network error or a 5xx are retried after 1 s and 2 s, so
/// those cases cost 3 s each; most faults are therefore aimed at `/usages`, which never retries.
final class HostileServerEndToEndTests: FakeKimiTestCase {
    /// What a hostile server saw.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var requests: [String] = []
        private var connections = 0
        func connected() { lock.withLock { connections += 1 } }
        func record(_ request: String) { lock.withLock { requests.append(request) } }
        var all: [String] { lock.withLock { requests } }
        var connectionCount: Int { lock.withLock { connections } }
    }

    private var hostile: [RawTCPServer] = []

    override func setUp() {
        super.setUp()
        cli.environment["TZ"] = "UTC"
    }

    override func tearDown() {
        for server in hostile { server.stop() }
        hostile = []
        super.tearDown()
    }

    // MARK: Helpers

    /// Reads one request (head and a Content-Length body) from `socket`; nil if it never came.
    static func readRequest(_ socket: RawSocket) -> String? {
        guard let head = socket.readHead() else { return nil }
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let headBytes = head.utf8.count
        while socket.received.count < headBytes + length, socket.readSome(timeout: 5) {}
        return String(decoding: socket.received, as: UTF8.self)
    }

    /// A server that reads each request, logs it, then answers with `reply`.
    func serve(_ reply: @escaping @Sendable (RawSocket) -> Void) -> (url: String, log: Log) {
        let log = Log()
        let server = RawTCPServer { socket in
            log.connected()
            guard let request = Self.readRequest(socket) else { return }
            log.record(request)
            reply(socket)
        }
        hostile.append(server)
        return ("http://127.0.0.1:\(server.port)", log)
    }

    /// A complete response with a correct Content-Length.
    static func response(_ status: String, _ body: String, type: String = "application/json") -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            + body
    }

    static let html = "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Bad gateway</h1></body></html>"

    /// The sealed credential of `name`.
    func credential(of name: String) throws -> [UInt8] {
        let database = try Database(path: vaultPath, create: false)
        let select = try database.prepare("SELECT credential FROM profiles WHERE name = ?").bind(.text(name))
        XCTAssertTrue(try select.step())
        return select.blob(at: 0)
    }

    func setColumn(_ column: String, _ value: String, of name: String) throws {
        let database = try Database(path: vaultPath, create: false)
        try database.prepare("UPDATE profiles SET \(column) = ? WHERE name = ?").bind(.text(value), .text(name)).run()
    }

    /// Logs in "work" against the fake with a 2-second access token (so every `token` refreshes),
    /// then points its OAuth host at `host`.
    func loginThenPointRefreshesAt(_ host: String, file: StaticString = #filePath, line: UInt = #line) throws {
        kimi.accessTokenLifetime = 2
        let login = cli.run(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output, file: file, line: line)
        try setColumn("oauth_host", host, of: "work")
    }

    /// Asserts a clean failure: `status`, no signal, no Swift trap, a message on stderr, no token.
    func assertCleanFailure(
        _ result: BinaryRunner.Result, status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(result.signaled, "died of signal \(result.status): \(result.output)", file: file, line: line)
        XCTAssertLessThan(result.status, 128, result.output, file: file, line: line)
        XCTAssertEqual(result.status, status, result.output, file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, file: file, line: line)
        XCTAssertFalse(result.stderr.isEmpty, "the failure is explained", file: file, line: line)
        XCTAssertEqual(result.stdout, "", "nothing on stdout", file: file, line: line)
        for secret in ["at-1-", "rt-1-", "at-evil", "rt-evil", workKey] {
            XCTAssertFalse(result.output.contains(secret), "a token leaked: \(result.output)", file: file, line: line)
        }
    }

    /// Runs `token` against a hostile token endpoint and asserts a clean failure with the
    /// sealed credential unchanged; then, pointed back at the fake, the refresh token still works.
    @discardableResult
    func assertRefreshFailsCleanly(
        _ reply: @escaping @Sendable (RawSocket) -> Void, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (result: BinaryRunner.Result, log: Log) {
        let (url, log) = serve(reply)
        try loginThenPointRefreshesAt(url, file: file, line: line)
        let before = try credential(of: "work")
        let result = cli.run(["token"], timeout: 30)
        assertCleanFailure(result, file: file, line: line)
        XCTAssertFalse(log.all.isEmpty, "the refresh reached the hostile server", file: file, line: line)
        XCTAssertEqual(try credential(of: "work"), before, "the stored credential is unchanged", file: file, line: line)
        try setColumn("oauth_host", server.url, of: "work")
        let repaired = cli.run(["token"])
        XCTAssertEqual(repaired.status, 0, "the refresh token survived: \(repaired.output)", file: file, line: line)
        XCTAssertEqual(kimi.successfulRefreshes, 1, file: file, line: line)
        return (result, log)
    }

    /// Adds an API-key profile whose base URL is the hostile server, runs `usage`, and asserts a
    /// clean failure with the vault byte for byte as it was.
    @discardableResult
    func assertUsageFailsCleanly(
        _ reply: @escaping @Sendable (RawSocket) -> Void, file: StaticString = #filePath, line: UInt = #line
    ) -> (result: BinaryRunner.Result, log: Log) {
        let (url, log) = serve(reply)
        let add = cli.run(["add", "work", "--api-key-stdin", "--base-url", url + "/coding/v1"], stdin: workKey + "\n")
        XCTAssertEqual(add.status, 0, add.output, file: file, line: line)
        let before = fileBytes(vaultPath)
        let result = cli.run(["usage", "-p", "work"], timeout: 30)
        assertCleanFailure(result, file: file, line: line)
        XCTAssertEqual(log.all.count, 1, "usage asks once", file: file, line: line)
        XCTAssertEqual(fileBytes(vaultPath), before, "the vault is unchanged", file: file, line: line)
        let token = cli.run(["token", "-p", "work"])
        XCTAssertEqual(token.stdout, workKey + "\n", file: file, line: line)
        return (result, log)
    }

    // MARK: The token endpoint

    func testTruncatedTokenJSONIsAnErrorAndKeepsTheTokens() throws {
        let (result, log) = try assertRefreshFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"access_token":"at-evil-1","refresh_token":"rt-ev"#))
        }
        XCTAssertEqual(log.all.count, 1, "a 200 is not retried")
        XCTAssertTrue(result.stderr.contains("not a JSON object"), result.stderr)
    }

    func testAnHTMLPageWith200IsAnErrorAndKeepsTheTokens() throws {
        let (result, _) = try assertRefreshFailsCleanly { socket in
            socket.write(Self.response("200 OK", Self.html, type: "text/html"))
        }
        XCTAssertTrue(result.stderr.contains("not a JSON object"), result.stderr)
        XCTAssertFalse(result.stderr.contains("<html"), "the page is not echoed")
    }

    func testAnHTMLPageWith502IsRetriedThenAnErrorAndKeepsTheTokens() throws {
        let (result, log) = try assertRefreshFailsCleanly { socket in
            socket.write(Self.response("502 Bad Gateway", Self.html, type: "text/html"))
        }
        XCTAssertEqual(log.all.count, 3, "5xx is tried three times in all")
        XCTAssertTrue(result.stderr.contains("502"), result.stderr)
        XCTAssertFalse(result.stderr.contains("<html"), "the page is not echoed")
    }

    func testANumericAccessTokenIsAnErrorAndKeepsTheTokens() throws {
        let (result, _) = try assertRefreshFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"access_token":5,"refresh_token":"rt-evil-2","expires_in":900}"#))
        }
        XCTAssertTrue(result.stderr.contains("access_token or refresh_token missing"), result.stderr)
    }

    func testANumericRefreshTokenIsAnErrorAndKeepsTheTokens() throws {
        try assertRefreshFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"access_token":"at-evil-3","refresh_token":[],"expires_in":900}"#))
        }
    }

    /// A reply whose tokens are good but whose `expires_in` is a string: the old refresh token is
    /// spent, so the new tokens are kept, as already expired (OAuthClient.grant), never lost.
    func testAStringExpiresInKeepsTheNewTokensAsExpired() throws {
        let (url, log) = serve { socket in
            socket.write(
                Self.response("200 OK", #"{"access_token":"at-evil-4","refresh_token":"rt-evil-4","expires_in":"soon"}"#))
        }
        try loginThenPointRefreshesAt(url)
        let first = cli.run(["token"])
        XCTAssertFalse(first.signaled, first.output)
        XCTAssertFalse(first.stderr.contains("Fatal error"), first.stderr)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertEqual(first.stdout, "at-evil-4\n")
        // The next use refreshes again, presenting the refresh token that was kept.
        let second = cli.run(["token"])
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertEqual(log.all.count, 2)
        XCTAssertTrue(log.all.last?.contains("refresh_token=rt-evil-4") ?? false, log.all.last ?? "")
    }

    func testAResetMidBodyIsAnErrorAndKeepsTheTokens() throws {
        let (result, log) = try assertRefreshFailsCleanly { socket in
            let body = #"{"access_token":"at-evil-5","refresh_token":"rt-evil-5","expires_in":900}"#
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            socket.write(head + String(body.prefix(body.count / 2)))
            // An abortive close (RST) rather than a FIN.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            socket.close()
        }
        XCTAssertEqual(log.all.count, 3, "a network failure is tried three times in all")
        XCTAssertTrue(result.stderr.contains("/api/oauth/token"), result.stderr)
    }

    /// A 200 reply announcing 10 MiB of JSON, then that many spaces (until the client leaves).
    static func writeTenMebibyteReply(_ socket: RawSocket) {
        let size = 10 * 1024 * 1024
        guard
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(size)\r\nConnection: close\r\n\r\n")
        else { return }
        let block = [UInt8](repeating: UInt8(ascii: " "), count: 64 * 1024)
        for _ in 0..<(size / block.count) where socket.write(block) {}
    }

    func testATenMebibyteTokenReplyIsRefusedAndKeepsTheTokens() throws {
        let (_, log) = try assertRefreshFailsCleanly(Self.writeTenMebibyteReply)
        XCTAssertEqual(log.all.count, 3)
    }

    func testBadChunkedFramingOnTheTokenEndpointKeepsTheTokens() throws {
        try assertRefreshFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\n{\"access_token\":\"at-evil-7\",\"refresh_token\":\"rt-evil-7\",\"expires_in\":900}\r\n0\r\n\r\n")
        }
    }

    func testA307ToAnotherHostIsNotFollowed() throws {
        let other = serve { socket in socket.write(Self.response("200 OK", "{}")) }
        let (result, _) = try assertRefreshFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: \(other.url)/api/oauth/token\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n")
        }
        XCTAssertTrue(result.stderr.contains("307"), result.stderr)
        usleep(200_000)
        XCTAssertEqual(other.log.connectionCount, 0, "the other host saw nothing")
    }

    /// A complete reply dripped a few bytes every 100 ms over about two seconds, within the
    /// client's 30 s read and 120 s total timeouts: it is read whole and stored.
    func testASlowButCompleteReplyWithinTheTimeoutsWorks() throws {
        let (url, _) = serve { socket in
            let reply = Array(
                Self.response("200 OK", #"{"access_token":"at-slow-6","refresh_token":"rt-slow-6","expires_in":900}"#).utf8)
            var offset = 0
            while offset < reply.count {
                let end = min(offset + 8, reply.count)
                guard socket.write(Array(reply[offset..<end])) else { return }
                offset = end
                usleep(100_000)
            }
        }
        try loginThenPointRefreshesAt(url)
        let started = Date()
        let result = cli.run(["token"], timeout: 30)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "at-slow-6\n")
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 1.5, "the reply really was slow")
        XCTAssertEqual(cli.run(["token"]).stdout, "at-slow-6\n", "the 900-second token was stored")
    }

    // MARK: The usage endpoint

    func testUsageTruncatedJSON() {
        let (result, _) = assertUsageFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"usage":{"limit":"100","used":"2"#))
        }
        XCTAssertFalse(result.stderr.contains("Fatal error"))
    }

    func testUsageHTMLPageWith200() {
        let (result, _) = assertUsageFailsCleanly { socket in
            socket.write(Self.response("200 OK", Self.html, type: "text/html"))
        }
        XCTAssertFalse(result.stderr.contains("<html"), "the page is not echoed")
    }

    func testUsageHTMLPageWith502() {
        let (result, _) = assertUsageFailsCleanly { socket in
            socket.write(Self.response("502 Bad Gateway", Self.html, type: "text/html"))
        }
        XCTAssertTrue(result.stderr.contains("502"), result.stderr)
    }

    func testUsageWrongTypes() {
        let (result, _) = assertUsageFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"usage":5,"limits":"soon"}"#))
        }
        XCTAssertTrue(result.stderr.contains("neither 'usage' nor 'limits' holds a quota"), result.stderr)
    }

    func testUsageWrongTypesInsideTheWindow() {
        assertUsageFailsCleanly { socket in
            socket.write(Self.response("200 OK", #"{"usage":{"limit":"soon","used":true,"resetTime":7},"limits":[5,"x",null]}"#))
        }
    }

    /// Numbers at the edge of a Double must not trap where they are turned into percentages,
    /// bars or clock times.
    func testUsageExtremeNumbersDoNotCrash() {
        let (url, _) = serve { socket in
            socket.write(
                Self.response(
                    "200 OK",
                    #"{"usage":{"limit":"1e308","used":"-1e308","resetIn":"9999999999"},"#
                        + #""limits":[{"window":{"duration":1e300,"timeUnit":"TIME_UNIT_MINUTE"},"#
                        + #""detail":{"limit":"-0","remaining":"1e308","resetTime":"9999-12-31T23:59:59Z"}}],"#
                        + #""parallel":{"limit":1e300}}"#))
        }
        let add = cli.run(["add", "work", "--api-key-stdin", "--base-url", url + "/coding/v1"], stdin: workKey + "\n")
        XCTAssertEqual(add.status, 0, add.output)
        for arguments in [["usage", "-p", "work"], ["usage", "-p", "work", "--json"]] {
            let result = cli.run(arguments, timeout: 30)
            XCTAssertFalse(result.signaled, "died of signal \(result.status): \(result.output)")
            XCTAssertLessThan(result.status, 2, result.output)
            XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
        }
    }

    func testUsageTenMebibyteBodyIsRefused() {
        assertUsageFailsCleanly(Self.writeTenMebibyteReply)
    }

    func testUsageTenMebibyteChunkedBodyIsRefused() {
        assertUsageFailsCleanly { socket in
            guard socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            else { return }
            let block = "10000\r\n" + String(repeating: " ", count: 0x10000) + "\r\n"
            for _ in 0..<160 where socket.write(block) {}
            socket.write("0\r\n\r\n")
        }
    }

    func testUsageResetMidBody() {
        assertUsageFailsCleanly { socket in
            let body = String(repeating: " ", count: 400) + "{}"
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + String(body.prefix(body.count / 2)))
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            socket.close()
        }
    }

    func testUsageCloseMidBody() {
        assertUsageFailsCleanly { socket in
            let body = String(repeating: " ", count: 400) + "{}"
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + String(body.prefix(body.count / 2)))
        }
    }

    func testUsageBadChunkSize() {
        assertUsageFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n")
        }
    }

    func testUsageChunkLongerThanItsSize() {
        assertUsageFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\n{\"usage\":{}}\r\n0\r\n\r\n")
        }
    }

    func testUsageChunkedStreamThatNeverEnds() {
        assertUsageFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n")
        }
    }

    func testUsageHugeChunkSize() {
        assertUsageFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n")
        }
    }

    func testUsage302ToAnotherHostIsNotFollowed() {
        let other = serve { socket in socket.write(Self.response("200 OK", "{}")) }
        let (result, _) = assertUsageFailsCleanly { socket in
            socket.write(
                "HTTP/1.1 302 Found\r\nLocation: \(other.url)/coding/v1/usages\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        XCTAssertTrue(result.stderr.contains("302"), result.stderr)
        usleep(200_000)
        XCTAssertEqual(other.log.connectionCount, 0, "the other host saw nothing (and no key)")
    }
}
