import KimiProfilesCore

/// `show [NAME]`: one profile's details, never its secrets. Exits 5 when it is damaged.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = "show one profile's details (never its secrets)"
    static let usage = "show [NAME] [-p NAME] [--json]"
    static let discussion = "Without NAME, shows the profile the rules of 'current' choose."
    static let options: [OptionSpec] = [.profile, .json]

    let name: String?
    let explicit: String?
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        if arguments.positionals.count > 1 {
            throw UsageError("unexpected argument '\(arguments.positionals[1])'", command: Self.self)
        }
        name = arguments.positionals.first
        explicit = arguments.value("profile")
        if name != nil && explicit != nil {
            throw UsageError("give NAME or -p NAME, not both", command: Self.self)
        }
        json = arguments.has("json")
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let profile: Profile
        if let name {
            guard let found = try vault?.profile(named: name) else {
                throw VaultError.profileNotFound(name)
            }
            profile = found
        } else {
            profile = try context.resolver(explicit: explicit).resolve(in: vault).profile
        }
        let now = context.clock.seconds()
        let state = vault.map { ProfileState.of(profile, in: $0, now: now) } ?? .damaged
        let active = try vault?.activeProfile()?.id == profile.id
        if json {
            context.stdout.line(JSONValue.object(profile.json(state: state, active: active)).prettyText())
        } else {
            var rows: [[String]] = [
                ["name:", profile.name],
                ["kind:", profile.kind.rawValue],
                ["state:", state.summary(profile, now: now)],
                ["active:", active ? "yes" : "no"],
                ["base url:", profile.baseURL],
            ]
            if let host = profile.oauthHost { rows.append(["oauth host:", host]) }
            if let client = profile.clientID { rows.append(["client id:", client]) }
            rows += [
                ["created:", Formatting.rfc3339(profile.createdAt)],
                ["updated:", Formatting.rfc3339(profile.updatedAt)],
                ["last used:", profile.lastUsedAt.map(Formatting.rfc3339) ?? "never"],
                ["id:", profile.id],
            ]
            for line in Formatting.table(rows) { context.stdout.line(line) }
        }
        if state == .damaged {
            throw VaultError.damaged(profile: profile.name)
        }
        return ExitStatus.success
    }
}
