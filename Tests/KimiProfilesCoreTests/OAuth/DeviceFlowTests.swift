import KimiProfilesCore
import TestSupport
import XCTest

/// RFC 8628 polling rules of SPEC §7, on scripted replies and a fake clock.
final class DeviceFlowTests: XCTestCase {
    let deviceCode = "DEVICE-CODE-SECRET-123"
    var clock: FakeClock!
    var lines: LogLines!

    override func setUp() {
        clock = FakeClock()
        lines = LogLines()
    }

    func authorization(interval: Int = 5, expiresIn: Int = 900, code: String = "ABCD-1234") -> ScriptedTransport.Step {
        .reply(200, """
            {"device_code":"\(deviceCode)","user_code":"\(code)","verification_uri":"https://www.kimi.com/code/authorize_device",
             "verification_uri_complete":"https://www.kimi.com/code/authorize_device?user_code=\(code)","expires_in":\(expiresIn),"interval":\(interval)}
            """)
    }

    static let pending = ScriptedTransport.Step.reply(400, #"{"error":"authorization_pending"}"#)
    static let tokens = ScriptedTransport.Step.reply(
        200, #"{"access_token":"AT-1","refresh_token":"RT-1","expires_in":900,"scope":"kimi-code","token_type":"Bearer"}"#)

    func flow(_ transport: ScriptedTransport) -> DeviceFlow {
        DeviceFlow(
            client: OAuthClient(
                host: HTTPURL("https://auth.example")!, clientID: "client-1", transport: transport,
                identity: IdentityHeaders(deviceID: "dev-1"), sleeper: clock.sleeper, log: lines.log, clock: clock.clock))
    }

    func testApprovedAfterPendingPolls() throws {
        let transport = ScriptedTransport([authorization(), Self.pending, Self.pending, Self.tokens])
        var events: [String] = []
        let grant = try flow(transport).run { event in
            if case let .code(userCode, _, _, _, attempt) = event { events.append("code \(userCode) \(attempt)") }
            if case .waiting = event { events.append("waiting") }
        }
        XCTAssertEqual(grant.lifetime, 900)
        XCTAssertEqual(grant.accessToken, Secret("AT-1"))
        XCTAssertEqual(grant.refreshToken, Secret("RT-1"))
        XCTAssertEqual(events, ["code ABCD-1234 1", "waiting", "waiting"])
        XCTAssertEqual(clock.recordedSleeps, [5, 5, 5], "one interval before every poll")
        let sent = transport.sent
        XCTAssertEqual(sent.map(\.url), [
            "https://auth.example/api/oauth/device_authorization", "https://auth.example/api/oauth/token",
            "https://auth.example/api/oauth/token", "https://auth.example/api/oauth/token",
        ])
        XCTAssertEqual(formFields(sent[0].body), ["client_id": "client-1"])
        XCTAssertEqual(formFields(sent[1].body), [
            "client_id": "client-1", "device_code": deviceCode,
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        ])
        XCTAssertEqual(sent[1].headers.value("User-Agent"), "kimi-profiles/\(KimiProfilesVersion.current)")
        XCTAssertEqual(sent[1].headers.value("X-Msh-Device-Id"), "dev-1")
        XCTAssertEqual(sent[1].headers.value("Content-Type"), "application/x-www-form-urlencoded")
        lines.assertNoSecret([deviceCode, "AT-1", "RT-1"])
    }

    func testSlowDownAddsFiveSecondsForGood() throws {
        let slow = ScriptedTransport.Step.reply(400, #"{"error":"slow_down"}"#)
        let transport = ScriptedTransport([authorization(), slow, Self.pending, slow, Self.pending, Self.tokens])
        var intervals: [Double] = []
        _ = try flow(transport).run { event in
            if case let .slowedDown(interval) = event { intervals.append(interval) }
        }
        XCTAssertEqual(intervals, [10, 15])
        XCTAssertEqual(clock.recordedSleeps, [5, 10, 10, 15, 15])
    }

    func testExpiredTokenStartsOverWithANewCodeAtMostThreeTimes() throws {
        let expired = ScriptedTransport.Step.reply(400, #"{"error":"expired_token"}"#)
        let transport = ScriptedTransport([
            authorization(code: "AAAA-1111"), expired, authorization(code: "BBBB-2222"), Self.pending, Self.tokens,
        ])
        var codes: [String] = []
        _ = try flow(transport).run { event in
            if case let .code(userCode, _, _, _, _) = event { codes.append(userCode) }
        }
        XCTAssertEqual(codes, ["AAAA-1111", "BBBB-2222"])

        let always = ScriptedTransport([authorization(), expired, authorization(), expired, authorization(), expired])
        XCTAssertThrowsError(try flow(always).run { _ in }) { error in
            XCTAssertEqual(error as? OAuthError, .deviceCodeExpired(attempts: 3))
        }
        XCTAssertEqual(always.sent.count, 6, "no fourth code")
    }

    func testACodePastItsLifetimeIsReplacedWithoutAnotherPoll() throws {
        let transport = ScriptedTransport([
            authorization(interval: 5, expiresIn: 12), Self.pending, Self.pending, authorization(), Self.tokens,
        ])
        var attempts: [Int] = []
        _ = try flow(transport).run { event in
            if case let .code(_, _, _, _, attempt) = event { attempts.append(attempt) }
        }
        XCTAssertEqual(attempts, [1, 2])
    }

    func testAccessDeniedStops() {
        let transport = ScriptedTransport([authorization(), Self.pending, .reply(400, #"{"error":"access_denied"}"#)])
        XCTAssertThrowsError(try flow(transport).run { _ in }) { error in
            XCTAssertEqual(error as? OAuthError, .accessDenied)
            XCTAssertTrue("\(error)".contains("denied"))
        }
    }

    func testInvalidClientNamesTheClientID() {
        let transport = ScriptedTransport([.reply(401, #"{"error":"invalid_client","error_description":"unknown client"}"#)])
        XCTAssertThrowsError(try flow(transport).run { _ in }) { error in
            XCTAssertEqual(error as? OAuthError, .invalidClient(clientID: "client-1"))
            XCTAssertTrue((error as? OAuthError)?.hint?.contains("--client-id") ?? false)
            XCTAssertTrue((error as? OAuthError)?.hint?.contains("KIMI_CLIENT_ID") ?? false)
        }
    }

    func testMalformedRepliesAreClearErrors() {
        for body in ["<html>oops</html>", #"{"user_code":"X"}"#, "", "[1,2]"] {
            let transport = ScriptedTransport([.reply(200, body)])
            XCTAssertThrowsError(try flow(transport).run { _ in }, body) { error in
                guard case .malformedResponse? = error as? OAuthError else {
                    return XCTFail("\(body): \(error)")
                }
            }
        }
        let missingLifetime = ScriptedTransport([
            authorization(), .reply(200, #"{"access_token":"A","refresh_token":"R"}"#),
        ])
        // Tokens without a lifetime are kept, as already expired, rather than lost.
        XCTAssertEqual(try flow(missingLifetime).run { _ in }.lifetime, 0)
    }

    /// Absurd numbers from the server are replaced by sane defaults, never trusted or trapped on.
    func testAbsurdIntervalsAndLifetimesAreBounded() throws {
        let transport = ScriptedTransport([
            .reply(200, #"{"device_code":"d","user_code":"U","verification_uri_complete":"https://x/y","expires_in":1e300,"interval":"nan"}"#),
            Self.tokens,
        ])
        var expiry = 0.0
        _ = try flow(transport).run { event in
            if case let .code(_, _, _, expiresIn, _) = event { expiry = expiresIn }
        }
        XCTAssertEqual(expiry, 900)
        XCTAssertEqual(clock.recordedSleeps, [5])
        let huge = ScriptedTransport([
            .reply(200, #"{"device_code":"d","user_code":"U","verification_uri_complete":"https://x/y","interval":1e300}"#),
            Self.tokens,
        ])
        _ = try flow(huge).run { _ in }
        XCTAssertEqual(clock.recordedSleeps, [5, 5])
    }

    func testServerErrorsAreRetriedThenReported() {
        let transport = ScriptedTransport([.reply(503, "busy"), .reply(502, "<html>"), .reply(500, "{}")])
        XCTAssertThrowsError(try flow(transport).run { _ in }) { error in
            guard case let .server(_, status, _, _)? = error as? OAuthError else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 500)
        }
        XCTAssertEqual(clock.recordedSleeps, [1, 2])
    }
}

/// Collects debug lines and checks them for secrets.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var log: DebugLog { DebugLog { [self] line in lock.withLock { lines.append(line) } } }
    var all: [String] { lock.withLock { lines } }

    func assertNoSecret(_ secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(all.isEmpty, "the debug log is empty", file: file, line: line)
        for text in all {
            for secret in secrets {
                XCTAssertFalse(text.contains(secret), "secret in debug line: \(text)", file: file, line: line)
            }
        }
    }
}
