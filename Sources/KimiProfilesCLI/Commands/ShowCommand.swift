import KimiProfilesCore

/// `show [NAME]`: one profile's details, never its secrets. Exits 5 when it is damaged.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = "show one profile's details (never its secrets)"
    static let usage = "show [NAME] [-p NAME] [--json]"
    static let discussion = "Without NAME, shows the profile the rules of 'current' choose."
    static let options: [OptionSpec] = [.profile, .json]

    let selection: ProfileSelection
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        selection = try ProfileSelection(arguments, for: Self.self)
        json = arguments.has("json")
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let profile = try selection.profile(in: vault, context)
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
            if let age = profile.refreshTokenAge(now: now) {
                var text = "\(age / 86400) days ago (refresh tokens last about 30 days)"
                if profile.agingLoginNote(now: now) != nil { text += ": run 'kimi-profiles login \(profile.name)'" }
                rows.append(["logged in:", text])
            }
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
