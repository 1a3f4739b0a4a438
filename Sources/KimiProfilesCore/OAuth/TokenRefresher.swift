/// Gives every command a fresh credential without ever burning a refresh token (SPEC §7).
///
/// An access token is refreshed when less than `max(300 s, half its lifetime)` remains, or
/// less than a caller's own minimum. Only one process refreshes a profile at a time: a process
/// takes the profile's lock, re-reads the vault, and if the refresh token changed while it
/// waited, uses the tokens the other process obtained instead of refreshing again. The new
/// refresh token is stored in the same transaction as the new access token.
public struct TokenRefresher {
    public let vault: Vault
    public let transport: any HTTPTransport
    public let clock: Clock
    public let sleeper: Sleeper
    public let log: DebugLog

    public init(
        vault: Vault, transport: any HTTPTransport, clock: Clock = .system, sleeper: Sleeper = .system,
        log: DebugLog = .off
    ) {
        self.vault = vault
        self.transport = transport
        self.clock = clock
        self.sleeper = sleeper
        self.log = log
    }

    /// Whether `tokens` must be refreshed now.
    public static func needsRefresh(_ tokens: OAuthTokens, now: Int64, minimum: Int64 = 0) -> Bool {
        let margin = max(300, tokens.lifetime / 2, minimum)
        return tokens.expiresAt - now < margin
    }

    /// The profile's credential, refreshed first if it must be.
    public func freshCredential(for profile: Profile, minimumValidity: Int64 = 0) throws -> Credential {
        let credential = try vault.credential(for: profile)
        guard case let .oauth(tokens) = credential,
            Self.needsRefresh(tokens, now: clock.seconds(), minimum: minimumValidity)
        else { return credential }
        return .oauth(try refresh(profile, seen: tokens))
    }

    /// Refreshes `profile`, whose tokens were `seen` before the lock was taken.
    public func refresh(_ profile: Profile, seen: OAuthTokens) throws -> OAuthTokens {
        let lock = try ProfileLock(home: vault.home, profileID: profile.id, clock: clock, log: log)
        defer { withExtendedLifetime(lock) {} }
        // Re-read under the lock: another process may have refreshed meanwhile.
        guard let current = try vault.profile(id: profile.id) else {
            throw VaultError.profileNotFound(profile.name)
        }
        guard case let .oauth(stored) = try vault.credential(for: current) else {
            throw VaultError.damaged(profile: profile.name)
        }
        if stored.refreshToken != seen.refreshToken, stored.expiresAt > clock.seconds() {
            log("profile \(profile.name): refreshed by another process; using its tokens")
            return stored
        }
        guard let clientID = current.clientID, let hostText = current.oauthHost, let host = HTTPURL(hostText)
        else {
            throw OAuthError.malformedResponse(endpoint: "vault", detail: "profile '\(profile.name)' has no OAuth client or host")
        }
        log("profile \(profile.name): refreshing the access token")
        // From the moment the request may reach Kimi until the successor is stored, a Ctrl-C or
        // SIGTERM waits (see SignalDeferral); during the back-off between attempts it does not.
        return try SignalDeferral.run { deferral throws -> OAuthTokens in
            let sleeper = self.sleeper
            let client = OAuthClient(
                host: host, clientID: clientID, transport: transport,
                identity: IdentityHeaders(deviceID: current.deviceID ?? IdentityHeaders.newDeviceID()),
                sleeper: Sleeper { seconds in deferral.lifted { sleeper.sleep(seconds) } }, log: log, clock: clock)
            let grant: OAuthClient.TokenGrant
            do {
                grant = try client.refresh(stored.refreshToken, profile: current.name)
            } catch let error as OAuthError {
                if case .loginRequired = error { try vault.setLoginRequired(true, for: current) }
                throw error
            }
            let tokens = grant.tokens(now: clock.seconds(), account: stored.account)
            try vault.updateCredential(.oauth(tokens), for: current)
            log("profile \(profile.name): new access token valid for \(tokens.lifetime) s")
            return tokens
        }
    }
}
