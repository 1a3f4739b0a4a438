import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// The credential proxy of SPEC §6 end to end: `exec` of an OAuth profile against the fake Kimi,
/// with 2-second access tokens so that a short session spans several token lifetimes.
final class ProxyEndToEndTests: EndToEndTestCase {
    var kimi: FakeKimi!
    var server: FakeKimiServer!

    override func setUp() {
        super.setUp()
        kimi = FakeKimi()
        kimi.accessTokenLifetime = 2
        server = try! FakeKimiServer(kimi)
        let login = cli.run(
            ["add", "work", "--oauth-host", server.url, "--base-url", server.url + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output)
    }

    override func tearDown() {
        server?.stop()
        super.tearDown()
    }

    func send(
        _ session: ExecSession, path: String = "/messages", headers: [(String, String)]? = nil, body: String = #"{"stream":false}"#
    ) throws -> HTTPResponse {
        try Self.send(session, path: path, headers: headers, body: body)
    }

    static func send(
        _ session: ExecSession, path: String = "/messages", headers: [(String, String)]? = nil, body: String = #"{"stream":false}"#
    ) throws -> HTTPResponse {
        let url = HTTPURL(session.base + path)!
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: HTTPHeaders(headers ?? [("x-api-key", session.secret), ("Content-Type", "application/json")]),
            body: Array(body.utf8).withUnsafeBytes { SecureBytes(copying: $0) })
        return try HTTPClient(configuration: HTTPClientConfiguration(readTimeout: 10)).send(request)
    }

    /// The child's environment holds the session secret and a loopback URL, never a token.
    func testTheCommandHoldsOnlyASessionSecret() throws {
        let session = try startSession()
        defer { end(session) }
        XCTAssertTrue(session.base.hasPrefix("http://127.0.0.1:"), session.base)
        XCTAssertTrue(session.base.hasSuffix("/coding/v1"), session.base)
        XCTAssertEqual(session.secret.count, 64)
        XCTAssertEqual(session.environment["KIMI_PROFILE"], "work")
        let all = session.environment.values.joined(separator: "\n")
        XCTAssertFalse(all.contains("at-"), "no access token in the child's environment")
        XCTAssertFalse(all.contains("rt-"), "no refresh token in the child's environment")
        let config = jsonObject(session.environment["OPENCODE_CONFIG_CONTENT"] ?? "")
        let options = ((config["provider"] as? [String: Any])?["kimi-for-coding"] as? [String: Any])?["options"] as? [String: Any]
        XCTAssertEqual(options?["apiKey"] as? String, session.secret)
        XCTAssertEqual(options?["baseURL"] as? String, session.base)
    }

    /// A client under `exec` streams messages for 10 seconds (five token lifetimes); every
    /// request succeeds, the fake saw the refreshes, and never the session secret.
    func testAClientStreamsThroughTheProxyAcrossSeveralTokenLifetimes() {
        kimi.eventDelay = 0.02
        let script = """
            end=$(( $(date +%s) + 10 )); n=0
            while [ "$(date +%s)" -lt "$end" ]; do
              if [ $((n % 2)) -eq 0 ]; then auth="x-api-key: $KIMI_API_KEY"; else auth="Authorization: Bearer $KIMI_API_KEY"; fi
              out=$(curl -sS -N --fail -H "$auth" -H 'content-type: application/json' -d '{"stream":true}' "$KIMI_BASE_URL/messages") || exit 1
              case "$out" in *message_stop*) n=$((n + 1));; *) exit 2;; esac
              sleep 0.3
            done
            echo "ok $n"
            """
        let result = cli.run(["exec", "--", "/bin/sh", "-c", script], timeout: 60)
        XCTAssertEqual(result.status, 0, result.output)
        let count = Int(result.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(count, 10, result.stdout)
        XCTAssertGreaterThanOrEqual(kimi.successfulRefreshes, 5, "tokens were refreshed as they aged")
        XCTAssertEqual(kimi.rejectedAPIRequests, 0)
        XCTAssertTrue(kimi.presentedCredentials.allSatisfy { $0.hasPrefix("at-") }, "only real tokens reached Kimi")
    }

    func testRequestsWithoutTheSecretAreRefusedAndNotForwarded() throws {
        let session = try startSession()
        defer { end(session) }
        for headers in [
            [("Content-Type", "application/json")], [("x-api-key", "wrong")],
            [("Authorization", "Bearer " + String(session.secret.dropLast()) + "0")],
            [("x-api-key", String(session.secret.prefix(32)))],
        ] {
            let response = try send(session, headers: headers)
            XCTAssertEqual(response.status, 401, "\(headers)")
        }
        XCTAssertTrue(kimi.headers(of: "/coding/v1/messages").isEmpty, "nothing was forwarded")
        let accepted = try send(session, headers: [("x-api-key", session.secret), ("User-Agent", "opencode/1.2.3"), ("anthropic-version", "2023-06-01")])
        XCTAssertEqual(accepted.status, 200)
        let forwarded = kimi.headers(of: "/coding/v1/messages")
        XCTAssertEqual(forwarded.count, 1)
        XCTAssertEqual(forwarded.first?["user-agent"], "opencode/1.2.3", "the client's own headers pass through")
        XCTAssertEqual(forwarded.first?["anthropic-version"], "2023-06-01")
        XCTAssertEqual(forwarded.first?["x-api-key"]?.hasPrefix("at-"), true, "the secret was replaced by the token")
    }

    func testOnlyPathsUnderTheAPIBaseAreForwarded() throws {
        let session = try startSession()
        defer { end(session) }
        let origin = "http://127.0.0.1:\(session.port)"
        for path in [
            "/api/oauth/token", "/coding/v2/messages", "/coding/v1", "/coding/v1/", "/coding/v1/../../api/oauth/token",
            "/coding/v1/%2e%2e/%2E%2E/api/oauth/token", "/coding/v1/..%2fapi", "/coding/v1//messages", "/",
            "/coding/v1/..;/admin", "/coding/v1/x%252e%252e",
        ] {
            let request = HTTPRequest(
                method: "POST", url: HTTPURL(origin + path) ?? HTTPURL(origin)!,
                headers: HTTPHeaders([("x-api-key", session.secret)]))
            XCTAssertEqual(try HTTPClient().send(request).status, 404, path)
        }
        // Absolute-form, CONNECT and request smuggling, on a raw socket.
        let probes = [
            "GET http://127.0.0.1:\(server.url.split(separator: ":").last!)/coding/v1/usages HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\n\r\n",
            "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\nx-api-key: \(session.secret)\r\n\r\n",
            "POST /coding/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET /coding/v1/caf\u{E9} HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\n\r\n",
        ]
        for probe in probes {
            guard let socket = RawSocket.connect(port: session.port) else { return XCTFail("cannot connect") }
            XCTAssertTrue(socket.write(probe))
            let head = socket.readHead() ?? ""
            XCTAssertFalse(head.hasPrefix("HTTP/1.1 2"), "\(probe) got \(head)")
            XCTAssertTrue(head.hasPrefix("HTTP/1.1 4"), "\(probe) got \(head)")
            socket.close()
        }
        XCTAssertTrue(kimi.headers(of: "/coding/v1/usages").isEmpty)
        XCTAssertTrue(kimi.headers(of: "/coding/v1/messages").isEmpty)
        XCTAssertTrue(kimi.headers(of: "/api/oauth/token").allSatisfy { $0["x-api-key"] == nil })
    }

    /// A request without the secret is refused from its head: the proxy never waits for, or
    /// buffers, the body such a client announces.
    func testAnUnauthenticatedBodyIsNeverRead() throws {
        let session = try startSession()
        defer { end(session) }
        guard let socket = RawSocket.connect(port: session.port) else { return XCTFail("cannot connect") }
        defer { socket.close() }
        let started = Date()
        XCTAssertTrue(socket.write("POST /coding/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"))
        let head = socket.readHead(timeout: 5) ?? ""
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 401"), head)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "answered without waiting for 100 MB")
    }

    /// The command's own proxy settings cannot capture the loopback proxy.
    func testLoopbackIsExemptFromTheCommandsHTTPProxy() throws {
        let session = try startSession()
        defer { end(session) }
        XCTAssertEqual(session.environment["NO_PROXY"], "127.0.0.1,localhost")
        XCTAssertEqual(session.environment["no_proxy"], "127.0.0.1,localhost")
        let merged = cli.run(
            ["exec", "--quiet", "--", "/bin/sh", "-c", "echo \"$no_proxy\""], environment: ["no_proxy": "corp.example, .internal"])
        XCTAssertEqual(merged.stdout, "corp.example,.internal,127.0.0.1,localhost\n", merged.output)
    }

    /// Events written 200 ms apart upstream each reach the client within 50 ms.
    func testServerSentEventsArriveAsTheyAreSent() throws {
        kimi.eventDelay = 0.2
        let session = try startSession()
        defer { end(session) }
        let url = HTTPURL(session.base + "/messages")!
        let request = HTTPRequest(
            method: "POST", url: url, headers: HTTPHeaders([("x-api-key", session.secret)]),
            body: Array(#"{"stream":true}"#.utf8).withUnsafeBytes { SecureBytes(copying: $0) })
        var arrivals: [Double] = []
        var status = 0
        try HTTPClient().stream(
            request, head: { status = $0.status },
            body: { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                let now = Date().timeIntervalSince1970
                for _ in text.components(separatedBy: "event:").dropFirst() { arrivals.append(now) }
            })
        XCTAssertEqual(status, 200)
        let sent = kimi.eventTimes
        XCTAssertEqual(arrivals.count, 4)
        XCTAssertEqual(sent.count, 4)
        for (arrived, written) in zip(arrivals, sent) {
            XCTAssertLessThan(arrived - written, 0.05, "an event was held back")
        }
        XCTAssertGreaterThan(arrivals.last! - arrivals.first!, 0.5, "events were not buffered into one")
    }

    func testConcurrentStreams() throws {
        kimi.eventDelay = 0.1
        let session = try startSession()
        defer { end(session) }
        let failures = FailureList()
        let group = DispatchGroup()
        for _ in 0..<32 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let response = try? Self.send(session, body: #"{"stream":true}"#)
                let text = response.map { $0.body.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } } ?? ""
                if response?.status != 200 || !text.contains("message_stop") {
                    failures.append("status \(response?.status ?? -1): \(text)")
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.all, [])
    }

    func testExitStatusSignalsAndTheListenerLifecycle() throws {
        XCTAssertEqual(cli.run(["exec", "--", "sh", "-c", "exit 7"]).status, 7)
        XCTAssertEqual(cli.run(["exec", "--", "no-such-command-kimi"]).status, 127)

        let session = try startSession()
        let port = session.port
        XCTAssertNotNil(RawSocket.connect(port: port), "the proxy listens while the command runs")
        kill(session.process.processIdentifier, SIGTERM)
        session.process.waitUntilExit()
        XCTAssertEqual(session.process.terminationReason, .exit, "the wrapper outlived the command")
        XCTAssertEqual(session.process.terminationStatus, 143, "SIGTERM reached the command: 128+15")
        XCTAssertNil(RawSocket.connect(port: port), "after exit the port refuses connections")

        let interrupted = try startSession()
        kill(interrupted.process.processIdentifier, SIGINT)
        interrupted.process.waitUntilExit()
        XCTAssertEqual(interrupted.process.terminationStatus, 130)

        // The trap ends the background sleep too: an orphan would hold the descriptor that
        // Foundation's Process watches, and waitUntilExit would wait for it.
        let hungUp = try startSession(command: "trap 'kill $!; exit 9' HUP; sleep 60 & wait")
        kill(hungUp.process.processIdentifier, SIGHUP)
        hungUp.process.waitUntilExit()
        XCTAssertEqual(hungUp.process.terminationStatus, 9, "the command handled the forwarded SIGHUP itself")
    }

    /// One line after the session: what it used of each window, fetched at its start and end.
    func testASummaryOfTheSessionsUsageFollowsTheCommand() throws {
        kimi.accessTokenLifetime = 900
        XCTAssertEqual(cli.run(["login", "work", "--no-browser"]).status, 0)
        // The pause lets the first usage fetch, which runs beside the command, land first.
        let script = """
            sleep 0.5
            for i in 1 2 3; do
              curl -sS --fail -H "x-api-key: $KIMI_API_KEY" -d '{}' "$KIMI_BASE_URL/messages" >/dev/null || exit 1
            done
            exit 3
            """
        let result = cli.run(["exec", "--", "/bin/sh", "-c", script])
        XCTAssertEqual(result.status, 3, "the summary never changes the status: \(result.output)")
        XCTAssertTrue(
            result.stderr.contains(
                "kimi-profiles: this session used 3% of the 5-hour window (82% left) and 3% of the 7-day window (71% left)"),
            result.stderr)
        // Both fetches are recorded, each at its own time.
        let vault = try XCTUnwrap(try Vault.open(home: HomeFolder(path: cli.home), create: false))
        let profile = try XCTUnwrap(try vault.profile(named: "work"))
        let samples = try vault.usageSamples(for: profile, window: "weekly")
        XCTAssertEqual(samples.map(\.used), [26, 29])
        XCTAssertGreaterThan(samples[1].at - samples[0].at, 0.4, "the start was recorded when it was fetched")

        let quiet = cli.run(["exec", "--quiet", "--", "/bin/sh", "-c", script])
        XCTAssertEqual(quiet.status, 3)
        XCTAssertFalse(quiet.stderr.contains("this session used"), quiet.stderr)
        let quietByEnvironment = cli.run(["exec", "--", "/bin/sh", "-c", script], environment: ["KIMI_PROFILES_QUIET": "1"])
        XCTAssertFalse(quietByEnvironment.stderr.contains("this session used"), quietByEnvironment.stderr)
    }

    func testADeadRefreshTokenIsAClearErrorBeforeTheCommandStarts() {
        kimi.revokeAll()
        let result = cli.run(["exec", "--", "/bin/sh", "-c", "echo started"])
        XCTAssertEqual(result.status, 4, result.output)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("kimi-profiles login work"), result.stderr)
    }

    /// When the refresh token dies mid-session the client gets a clear 401 JSON error.
    func testARefreshTokenThatDiesDuringTheSessionGivesAClear401() throws {
        let session = try startSession()
        defer { end(session) }
        kimi.revokeAll()
        let response = try send(session)
        XCTAssertEqual(response.status, 401)
        let text = response.body.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        XCTAssertTrue(text.contains("kimi-profiles login work"), text)
        XCTAssertNotNil(jsonObject(text)["error"])
    }
}

final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
