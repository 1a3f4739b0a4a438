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
        let credential = try vault.credential(for: profile)
        if case let .oauth(tokens) = credential, tokens.expiresAt <= context.clock.seconds() {
            throw CommandFailure(
                ExitStatus.loginRequired,
                "the access token of '\(profile.name)' has expired, and this version cannot refresh it yet",
                hint: "use an API-key profile until OAuth support arrives")
        }
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
