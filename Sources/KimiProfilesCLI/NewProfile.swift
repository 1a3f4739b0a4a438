import KimiProfilesCore

/// What `add` and `import` share once they hold a credential.
extension Context {
    /// Warns when an API key does not look like a Kimi for Coding key.
    func warnIfNotKimiKey(_ key: Secret) {
        if !key.hasPrefix("sk-kimi-") {
            stderr.line("warning: the key does not start with 'sk-kimi-'; Kimi for Coding rejects Moonshot platform keys")
        }
    }

    /// Stores a new profile, creating the vault on first use, and makes it active with `--use`
    /// or when no profile is active, in the same transaction. Returns whether it became active.
    func storeNewProfile(_ profile: Profile, credential: Credential, makeActive: Bool) throws -> Bool {
        guard let vault = try openVault(create: true) else {
            throw CommandFailure(ExitStatus.vault, "cannot create the vault")
        }
        return try vault.add(profile, credential: credential, activation: makeActive ? .always : .whenNoneIsActive)
    }
}

extension Profile {
    /// A new API-key profile.
    static func newAPIKey(name: String, baseURL: String, now: Int64) -> Profile {
        Profile(id: SecureRandom.uuid(), name: name, kind: .apiKey, baseURL: baseURL, createdAt: now, updatedAt: now)
    }
}
