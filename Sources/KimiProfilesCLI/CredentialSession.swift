import KimiProfilesCore

/// The shared first half of `token`, `env` and `exec`: open the vault, choose the profile by
/// the rules of SPEC §4, and open only that profile's credential.
struct CredentialSession {
    let profile: Profile
    let source: ProfileSource
    let credential: Credential

    /// Resolves and opens. The vault is closed again when this returns.
    static func open(_ context: Context, explicit: String?) throws -> CredentialSession {
        let vault = try context.openVault(create: false)
        let resolution = try context.resolver(explicit: explicit).resolve(in: vault)
        guard let vault else { throw ProfileError.noneSelected }
        let profile = resolution.profile
        // An API key, or an access token with time to spare, needs no network; anything else
        // is refreshed by the one refresher of SPEC §7.
        let credential = try context.refresher(vault).freshCredential(for: profile)
        vault.markUsed(profile)
        return CredentialSession(profile: profile, source: resolution.source, credential: credential)
    }

    /// The variables `exec` sets and `env` prints.
    func environment(anthropic: Bool, callerEnvironment: [String: String]) throws -> LaunchEnvironment {
        try LaunchEnvironment(
            profile: profile, credential: credential.bearer, baseURL: profile.baseURL,
            anthropic: anthropic, callerEnvironment: callerEnvironment)
    }
}
