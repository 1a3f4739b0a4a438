import KimiProfilesCore

/// The shared first half of `token`, `env` and `exec`: open the vault, choose the profile by
/// the rules of SPEC §4, and open only that profile's credential.
struct CredentialSession {
    /// The open vault; kept only as long as the session is.
    let vault: Vault
    let profile: Profile
    let source: ProfileSource
    let credential: Credential

    /// Resolves and opens; the vault stays open while the session lives.
    static func open(_ context: Context, explicit: String?) throws -> CredentialSession {
        let vault = try context.openVault(create: false)
        let resolution = try context.resolver(explicit: explicit).resolve(in: vault)
        guard let vault else { throw ProfileError.noneSelected }
        let profile = resolution.profile
        // An API key, or an access token with time to spare, needs no network; anything else
        // is refreshed by the one refresher of SPEC §7.
        let credential = try context.refresher(vault).freshCredential(for: profile)
        vault.markUsed(profile)
        return CredentialSession(vault: vault, profile: profile, source: resolution.source, credential: credential)
    }

    /// The variables `exec` sets and `env` prints.
    func environment(anthropic: Bool, callerEnvironment: [String: String]) throws -> LaunchEnvironment {
        try LaunchEnvironment(
            profile: profile, credential: credential.bearer, baseURL: profile.baseURL,
            anthropic: anthropic, callerEnvironment: callerEnvironment)
    }
}
