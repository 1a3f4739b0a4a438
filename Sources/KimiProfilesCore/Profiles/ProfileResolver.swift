/// Chooses the profile for a command by the rules of SPEC §4: `--profile`, then `KIMI_PROFILE`,
/// then the nearest `.kimi-profile`, then the global active profile. First match wins, and a
/// name that matches no profile is an error naming its source; it never falls through.
public struct ProfileResolver: Sendable {
    public struct Resolution: Sendable, Equatable {
        public let profile: Profile
        public let source: ProfileSource
    }

    public let explicitName: String?
    public let environment: [String: String]
    public let workingDirectory: String

    public init(explicitName: String?, environment: [String: String], workingDirectory: String) {
        self.explicitName = explicitName
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// The name a rule chose, and which rule; nil when none did (the vault is not consulted for
    /// the first three rules).
    public func requestedName() throws(ProfileError) -> (name: String, source: ProfileSource)? {
        if let explicitName {
            return (try validated(explicitName, .flag), .flag)
        }
        if let name = environment["KIMI_PROFILE"], !name.isEmpty {
            return (try validated(name, .environment), .environment)
        }
        if let path = ProjectFile.find(from: workingDirectory) {
            return (try ProjectFile.read(path), .projectFile(path))
        }
        return nil
    }

    /// The chosen profile from `vault` (nil when there is no vault yet).
    public func resolve(in vault: Vault?) throws -> Resolution {
        if let (name, source) = try requestedName() {
            guard let vault, let profile = try vault.profile(named: name) else {
                throw ProfileError.notFound(name, source: source)
            }
            return Resolution(profile: profile, source: source)
        }
        guard let vault, let active = try vault.activeProfile() else {
            throw ProfileError.noneSelected
        }
        return Resolution(profile: active, source: .active)
    }

    private func validated(_ name: String, _ source: ProfileSource) throws(ProfileError) -> String {
        if let problem = ProfileName.problem(with: name) {
            throw .invalidName(name, problem: problem, source: source)
        }
        return name
    }
}
