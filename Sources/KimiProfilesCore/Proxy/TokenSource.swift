/// The current access token for the credential proxy's threads, refreshed through the one
/// refresher of SPEC §7 (the profile lock and the vault), so that an `exec` in another terminal
/// and this proxy never both spend the refresh token.
///
/// Requests arrive on many threads; a mutex serialises them, so the vault connection is used
/// by one thread at a time and a refresh happens once however many requests need it.
public final class TokenSource: @unchecked Sendable {
    private let lock = Lock()
    private let vault: Vault
    private let profile: Profile
    private let makeRefresher: (Vault) -> TokenRefresher
    private let clock: Clock
    /// Seconds an access token must still be valid before it is forwarded.
    public let minimumValidity: Int64
    private var tokens: OAuthTokens?

    /// - Parameters:
    ///   - vault: a connection used only by this source from now on.
    public init(
        vault: Vault, profile: Profile, clock: Clock, minimumValidity: Int64 = 60,
        makeRefresher: @escaping (Vault) -> TokenRefresher
    ) {
        self.vault = vault
        self.profile = profile
        self.clock = clock
        self.minimumValidity = minimumValidity
        self.makeRefresher = makeRefresher
    }

    /// A token with at least `minimumValidity` seconds left.
    public func current() throws -> Secret {
        try locked {
            if let tokens, tokens.expiresAt - clock.seconds() >= minimumValidity { return tokens.accessToken }
            let credential = try makeRefresher(vault).freshCredential(for: profile, minimumValidity: minimumValidity)
            guard case let .oauth(fresh) = credential else { return credential.bearer }
            tokens = fresh
            return fresh.accessToken
        }
    }

    /// After Kimi refused `rejected`: refresh once (unless another request already did) and
    /// return the new token.
    public func replace(rejected: Secret) throws -> Secret {
        try locked {
            if let tokens, tokens.accessToken != rejected, tokens.expiresAt - clock.seconds() >= minimumValidity {
                return tokens.accessToken
            }
            guard case let .oauth(stored) = try vault.credential(for: profile) else {
                throw VaultError.damaged(profile: profile.name)
            }
            if stored.accessToken != rejected, stored.expiresAt - clock.seconds() >= minimumValidity {
                tokens = stored  // another process refreshed already
                return stored.accessToken
            }
            let fresh = try makeRefresher(vault).refresh(profile, seen: stored)
            tokens = fresh
            return fresh.accessToken
        }
    }

    private func locked<R>(_ body: () throws -> R) throws -> R {
        try lock.withLock { () throws -> R in try body() }
    }
}
