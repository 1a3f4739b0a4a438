@testable import KimiProfilesCore
import TestSupport
import XCTest

/// Refresh rules of SPEC §7 on a real vault, with scripted replies and a fake clock.
final class TokenRefresherTests: XCTestCase {
    var folder: TemporaryDirectory!
    var vault: Vault!
    var clock: FakeClock!
    var profile: Profile!

    override func setUpWithError() throws {
        folder = TemporaryDirectory()
        clock = FakeClock()
        vault = try Vault.open(home: HomeFolder(path: folder.path + "/home"), create: true, clock: clock.clock)
        let now = clock.clock.seconds()
        profile = Profile(
            id: SecureRandom.uuid(), name: "work", kind: .oauth, clientID: "client-1",
            oauthHost: "https://auth.example", baseURL: "https://api.example/coding/v1",
            createdAt: now, updatedAt: now, accessExpiresAt: now + 900, deviceID: "dev-1")
        try vault.add(profile, credential: .oauth(tokens(access: "AT-0", refresh: "RT-0", expiresIn: 900)))
    }

    func tokens(access: String, refresh: String, expiresIn: Int64) -> OAuthTokens {
        OAuthTokens(
            accessToken: Secret(access), refreshToken: Secret(refresh),
            expiresAt: clock.clock.seconds() + expiresIn, lifetime: 900)
    }

    func refresher(_ transport: ScriptedTransport, log: DebugLog = .off) -> TokenRefresher {
        TokenRefresher(vault: vault, transport: transport, clock: clock.clock, sleeper: clock.sleeper, log: log)
    }

    static let rotated = ScriptedTransport.Step.reply(
        200, #"{"access_token":"AT-1","refresh_token":"RT-1","expires_in":"900","scope":"kimi-code","token_type":"Bearer"}"#)

    func stored() throws -> OAuthTokens {
        guard case let .oauth(tokens) = try vault.credential(for: profile) else {
            XCTFail("not oauth")
            throw CryptoError.malformed
        }
        return tokens
    }

    func testTheRefreshRule() {
        let t = tokens(access: "a", refresh: "r", expiresIn: 900)
        let now = clock.clock.seconds()
        XCTAssertFalse(TokenRefresher.needsRefresh(t, now: now))
        XCTAssertFalse(TokenRefresher.needsRefresh(t, now: now + 449))
        XCTAssertTrue(TokenRefresher.needsRefresh(t, now: now + 451), "half of 900 s is the margin")
        let long = OAuthTokens(accessToken: Secret("a"), refreshToken: Secret("r"), expiresAt: now + 400, lifetime: 400)
        XCTAssertTrue(TokenRefresher.needsRefresh(long, now: now + 101), "never less than 300 s")
        XCTAssertFalse(TokenRefresher.needsRefresh(long, now: now + 99))
        XCTAssertTrue(TokenRefresher.needsRefresh(t, now: now + 100, minimum: 850), "a caller's own minimum")
    }

    func testAFreshTokenNeedsNoNetwork() throws {
        let transport = ScriptedTransport([])
        let credential = try refresher(transport).freshCredential(for: profile)
        XCTAssertEqual(credential.bearer, Secret("AT-0"))
        XCTAssertTrue(transport.sent.isEmpty)
    }

    func testAnExpiringTokenIsRefreshedOnceAndBothTokensAreStored() throws {
        clock.advance(600)
        let transport = ScriptedTransport([Self.rotated])
        let lines = LogLines()
        let credential = try refresher(transport, log: lines.log).freshCredential(for: profile)
        XCTAssertEqual(credential.bearer, Secret("AT-1"))
        let fields = formFields(transport.sent[0].body)
        XCTAssertEqual(fields["grant_type"], "refresh_token")
        XCTAssertEqual(fields["refresh_token"], "RT-0")
        XCTAssertEqual(fields["client_id"], "client-1")
        XCTAssertEqual(transport.sent[0].url, "https://auth.example/api/oauth/token")
        XCTAssertEqual(transport.sent[0].headers.value("X-Msh-Device-Id"), "dev-1")
        let saved = try stored()
        XCTAssertEqual(saved.refreshToken, Secret("RT-1"))
        XCTAssertEqual(saved.accessToken, Secret("AT-1"))
        XCTAssertEqual(saved.expiresAt, clock.clock.seconds() + 900)
        XCTAssertEqual(try vault.profile(named: "work")?.accessExpiresAt, clock.clock.seconds() + 900)
        // Fresh again: a second call sends nothing.
        _ = try refresher(transport).freshCredential(for: profile)
        XCTAssertEqual(transport.sent.count, 1)
        lines.assertNoSecret(["AT-0", "RT-0", "AT-1", "RT-1"])
    }

    func testTokensRotatedByAnotherProcessAreAdoptedNotRefreshed() throws {
        let seen = try stored()
        // Another process refreshed while this one waited for the lock.
        try vault.updateCredential(.oauth(tokens(access: "AT-9", refresh: "RT-9", expiresIn: 2)), for: profile)
        let transport = ScriptedTransport([])
        let result = try refresher(transport).refresh(profile, seen: seen)
        XCTAssertEqual(result.accessToken, Secret("AT-9"))
        XCTAssertTrue(transport.sent.isEmpty, "no second refresh")
    }

    func testARejectedRefreshTokenMeansLoginRequiredAndKeepsTheVaultReadable() throws {
        clock.advance(1000)
        for rejection: ScriptedTransport.Step in [
            .reply(400, #"{"error":"invalid_grant","error_description":"refresh token revoked"}"#),
            .reply(401, #"{"error":"unauthorized"}"#), .reply(403, "forbidden"),
        ] {
            let transport = ScriptedTransport([rejection])
            XCTAssertThrowsError(try refresher(transport).freshCredential(for: profile)) { error in
                XCTAssertEqual(error as? OAuthError, .loginRequired(profile: "work"))
                XCTAssertEqual((error as? OAuthError)?.hint, "run: kimi-profiles login work")
            }
            XCTAssertEqual(transport.sent.count, 1, "a rejection is not retried")
            XCTAssertEqual(try stored().refreshToken, Secret("RT-0"), "the old tokens stay")
            XCTAssertEqual(try vault.profile(named: "work")?.loginRequired, true)
        }
        // A later successful refresh (or login) clears the mark.
        _ = try refresher(ScriptedTransport([Self.rotated])).freshCredential(for: profile)
        XCTAssertEqual(try vault.profile(named: "work")?.loginRequired, false)
    }

    func testServerErrorsAreRetriedWithBackoff() throws {
        clock.advance(1000)
        let transport = ScriptedTransport([.reply(503, "unavailable"), .fail(ScriptedTransport.ScriptError.connectionReset), Self.rotated])
        let credential = try refresher(transport).freshCredential(for: profile)
        XCTAssertEqual(credential.bearer, Secret("AT-1"))
        XCTAssertEqual(clock.recordedSleeps, [1, 2])
    }

    func testPersistentFailureLeavesTheTokensUntouched() throws {
        clock.advance(1000)
        let before = try vault.profile(named: "work")
        let transport = ScriptedTransport([.reply(429, "{}"), .reply(500, "{}"), .reply(502, "{}")])
        XCTAssertThrowsError(try refresher(transport).freshCredential(for: profile)) { error in
            guard case .server(_, 502, _, _)? = error as? OAuthError else { return XCTFail("\(error)") }
        }
        let network = ScriptedTransport(Array(repeating: .fail(ScriptedTransport.ScriptError.connectionReset), count: 3))
        XCTAssertThrowsError(try refresher(network).freshCredential(for: profile)) { error in
            guard case .network? = error as? OAuthError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try stored().refreshToken, Secret("RT-0"))
        XCTAssertEqual(try vault.profile(named: "work"), before)
    }

    func testMalformedRefreshRepliesKeepTheOldTokens() throws {
        clock.advance(1000)
        for body in ["not json", #"{"access_token":"AT-2"}"#] {
            XCTAssertThrowsError(try refresher(ScriptedTransport([.reply(200, body)])).freshCredential(for: profile)) { error in
                guard case .malformedResponse? = error as? OAuthError else { return XCTFail("\(body): \(error)") }
            }
            XCTAssertEqual(try stored().refreshToken, Secret("RT-0"))
        }
    }

    /// The server has spent the old refresh token once it answers with a new one: a reply
    /// without a usable lifetime keeps the new tokens, as already expired, instead of losing them.
    func testTokensWithoutAUsableLifetimeAreKeptAsExpired() throws {
        clock.advance(1000)
        for (index, lifetime) in ["-5", "1e300", "\"nan\"", "null"].enumerated() {
            let body = #"{"access_token":"AT-\#(index)x","refresh_token":"RT-\#(index)x","expires_in":\#(lifetime)}"#
            let credential = try refresher(ScriptedTransport([.reply(200, body)])).freshCredential(for: profile)
            XCTAssertEqual(credential.bearer, Secret("AT-\(index)x"))
            let saved = try stored()
            XCTAssertEqual(saved.refreshToken, Secret("RT-\(index)x"), "the new refresh token is kept")
            XCTAssertEqual(saved.expiresAt, clock.clock.seconds(), "and the access token counts as expired")
        }
    }

    func testAPIKeyProfilesAreNeverRefreshed() throws {
        let key = Profile(
            id: SecureRandom.uuid(), name: "key", kind: .apiKey, baseURL: "https://api.example/coding/v1",
            createdAt: 0, updatedAt: 0)
        try vault.add(key, credential: .apiKey(Secret("sk-kimi-x")))
        XCTAssertEqual(try refresher(ScriptedTransport([])).freshCredential(for: key).bearer, Secret("sk-kimi-x"))
    }
}
